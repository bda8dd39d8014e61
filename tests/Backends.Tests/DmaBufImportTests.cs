using System.Runtime.InteropServices;
using Compositor.Backends;
using Compositor.Backends.Rendering;
using static Tmds.Linux.LibC;

namespace Backends.Tests;

/// <summary>
/// DMA-BUF import on real Mesa llvmpipe, with sealed memfds as linear single-plane buffers (what
/// llvmpipe reads in place): the image is the client's memory, not a copy, and importing and
/// releasing buffers over and over leaves fds and memory where they were.
/// </summary>
public sealed unsafe class DmaBufImportTests : IDisposable
{
    private readonly GlesRenderer _r = new(Serilog.Core.Logger.None);
    public void Dispose() => _r.Dispose();

    private static int MemFd(long size)
    {
        var name = Marshal.StringToHGlobalAnsi("dmabuf-test");
        var fd = memfd_create((byte*)name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
        Marshal.FreeHGlobal(name);
        Assert.True(fd >= 0);
        Assert.Equal(0, ftruncate(fd, size));
        Assert.Equal(0, fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK));
        return fd;
    }

    private static void Fill(int fd, int width, int height, uint pixel)
    {
        var row = new uint[width];
        Array.Fill(row, pixel);
        fixed (uint* p = row)
            for (var y = 0; y < height; y++)
                Assert.Equal((long)width * 4, (long)pwrite(fd, p, width * 4, (long)y * width * 4));
    }

    private ITexture? Import(int fd, int width, int height, uint fourcc = Fourcc.Xrgb8888) => _r.ImportDmaBuf(new DmaBufAttributes
    {
        Width = width, Height = height, Fourcc = fourcc, Modifier = DmaBufAttributes.ModifierLinear,
        Planes = [new DmaBufPlane(fd, 0, (uint)width * 4)],
    });

    private uint[] DrawAndRead(ITexture texture, IRenderTarget target)
    {
        _r.Begin(target, [new Rect(0, 0, target.Width, target.Height)]);
        _r.Draw(texture, new RectF(0, 0, texture.Width, texture.Height), new Rect(0, 0, target.Width, target.Height), 0, 1, true);
        _r.End();
        var bytes = new byte[target.Width * target.Height * 4];
        _r.ReadPixels(target, new Rect(0, 0, target.Width, target.Height), Fourcc.Argb8888, bytes, target.Width * 4);
        return MemoryMarshal.Cast<byte, uint>(bytes).ToArray();
    }

    [Fact]
    public void ImportedBufferIsTheClientsMemoryNotACopy()
    {
        var fd = MemFd(16 * 8 * 4);
        try
        {
            Fill(fd, 16, 8, 0x00123456); // XRGB: the padding byte is ignored, alpha reads as 1
            using var texture = Import(fd, 16, 8);
            Assert.NotNull(texture);
            Assert.Equal(1, _r.DmaBufImports);
            using var target = _r.CreateOffscreenTarget(16, 8);
            Assert.All(DrawAndRead(texture!, target), p => Assert.Equal(0xff123456u, p));

            // The client draws its next frame into the same memory: seen without a new import.
            Fill(fd, 16, 8, 0x00abcdef);
            Assert.All(DrawAndRead(texture!, target), p => Assert.Equal(0xffabcdefu, p));
            Assert.Equal(1, _r.DmaBufImports);
            Assert.Equal(0, _r.BytesUploaded);
        }
        finally
        {
            close(fd);
        }
    }

    [Fact]
    public void ThousandImportsAndReleasesLeaveFdsAndMemoryAtBaseline()
    {
        const int Size = 256;
        using var target = _r.CreateOffscreenTarget(Size, Size);
        void Cycle(int i)
        {
            var fd = MemFd(Size * Size * 4);
            Fill(fd, Size, Size, 0x00010203u * (uint)(i & 0x3f)); // every page touched: kept ones would count
            using (var texture = Import(fd, Size, Size, i % 2 == 0 ? Fourcc.Xrgb8888 : Fourcc.Argb8888))
            {
                Assert.NotNull(texture);
                _r.Begin(target, [new Rect(0, 0, Size, Size)]);
                _r.Draw(texture!, new RectF(0, 0, Size, Size), new Rect(0, 0, Size, Size), 0, 1, false);
                _r.End();
                _r.Finish();
            }
            close(fd);
        }

        for (var i = 0; i < 50; i++) Cycle(i); // warm-up: shaders compiled, caches filled
        var (fds, rss, managed) = Usage();
        for (var i = 0; i < 1000; i++) Cycle(i);
        var (fdsAfter, rssAfter, managedAfter) = Usage();

        Assert.True(fdsAfter <= fds, $"{fdsAfter - fds} fds leaked over 1000 imports");
        // Each buffer is 256 KiB: keeping even a tenth of the mappings or images would show as 25 MiB.
        Assert.True(rssAfter - rss < 16L << 20, $"resident memory grew by {(rssAfter - rss) >> 10} KiB over 1000 imports");
        Assert.True(managedAfter - managed < 1L << 20, $"managed memory grew by {managedAfter - managed} bytes over 1000 imports");
    }

    private static (int Fds, long Rss, long Managed) Usage()
    {
        var managed = GC.GetTotalMemory(forceFullCollection: true);
        GC.WaitForPendingFinalizers();
        var statm = File.ReadAllText("/proc/self/statm").Split(' ');
        return (Directory.GetFiles("/proc/self/fd").Length, long.Parse(statm[1]) * Environment.SystemPageSize, managed);
    }
}
