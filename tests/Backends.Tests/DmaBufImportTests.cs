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

    /// <summary>Imports a duplicate of <paramref name="fd"/>, closed right after: the image holds the memory.</summary>
    private ITexture? Import(int fd, int width, int height, uint fourcc = Fourcc.Xrgb8888, bool yInverted = false)
    {
        using var attributes = new DmaBufAttributes
        {
            Width = width, Height = height, Fourcc = fourcc, Modifier = DmaBufAttributes.ModifierLinear, YInverted = yInverted,
            Planes = [new DmaBufPlane(new Wayland.Wire.OwnedFd(fcntl(fd, F_DUPFD_CLOEXEC, 0)), 0, (uint)width * 4)],
        };
        return _r.ImportDmaBuf(attributes);
    }

    private uint[] DrawAndRead(ITexture texture, IRenderTarget target)
    {
        _r.Begin(target, [new Rect(0, 0, target.Width, target.Height)]);
        _r.Draw(texture, new RectF(0, 0, texture.Width, texture.Height), new Rect(0, 0, target.Width, target.Height), 0, 1, true);
        _r.End();
        var bytes = new byte[target.Width * target.Height * 4];
        _r.ReadPixels(target, new Rect(0, 0, target.Width, target.Height), Fourcc.Argb8888, bytes, target.Width * 4);
        return MemoryMarshal.Cast<byte, uint>(bytes).ToArray();
    }

    /// <summary>A y-inverted buffer (zwp_linux_buffer_params_v1's y_invert) stores its bottom row
    /// first: drawn, it is flipped back upright.</summary>
    [Fact]
    public void YInvertedBufferIsDrawnFlipped()
    {
        var fd = MemFd(16 * 8 * 4);
        try
        {
            var rows = new uint[16 * 8];
            rows.AsSpan(0, 16 * 4).Fill(0x00ff0000);   // first rows in memory: red
            rows.AsSpan(16 * 4).Fill(0x000000ff);      // last rows: blue
            fixed (uint* p = rows) Assert.Equal(16L * 8 * 4, (long)pwrite(fd, p, 16 * 8 * 4, 0));
            using var target = _r.CreateOffscreenTarget(16, 8);
            using (var upright = Import(fd, 16, 8))
            {
                var pixels = DrawAndRead(upright!, target);
                Assert.Equal(0xffff0000u, pixels[0]);
                Assert.Equal(0xff0000ffu, pixels[16 * 7]);
            }
            using (var inverted = Import(fd, 16, 8, yInverted: true))
            {
                var pixels = DrawAndRead(inverted!, target);
                Assert.All(pixels.AsSpan(0, 16 * 4).ToArray(), p => Assert.Equal(0xff0000ffu, p));
                Assert.All(pixels.AsSpan(16 * 4).ToArray(), p => Assert.Equal(0xffff0000u, p));
            }
        }
        finally
        {
            close(fd);
        }
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

    /// <summary>Fds are counted before the GC runs: one that only a finalizer would close is a leak.
    /// Managed memory is measured after a full collection (garbage is not growth).</summary>
    private static (int Fds, long Rss, long Managed) Usage()
    {
        var fds = Directory.GetFiles("/proc/self/fd").Length;
        var managed = GC.GetTotalMemory(forceFullCollection: true);
        var statm = File.ReadAllText("/proc/self/statm").Split(' ');
        return (fds, long.Parse(statm[1]) * Environment.SystemPageSize, managed);
    }
}
