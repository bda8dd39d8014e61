using Compositor.Backends;
using Compositor.Tests.Harness;
using Tmds.Linux;
using Wayland.Protocols.Client;
using static Tmds.Linux.LibC;

namespace Compositor.Tests;

/// <summary>
/// zwp_linux_buffer_params_v1 checks, one error at a time in the spec's order, with real fds
/// (memfds standing in for DMA-BUFs: lseek gives their size the same way) over a real socket.
/// The import itself is the recording renderer's; real EGL imports are tested with Mesa.
/// </summary>
public sealed unsafe class DmabufParamsTests : IDisposable
{
    private const uint Xrgb = Fourcc.Xrgb8888, Nv12 = Fourcc.Nv12;
    private const uint LinearHi = 0, LinearLo = 0;
    private const uint ImplicitHi = 0x00ffffff, ImplicitLo = 0xffffffff;

    private readonly InProcessCompositor _compositor = new();
    private readonly List<int> _fds = [];

    public void Dispose()
    {
        foreach (var fd in _fds) close(fd);
        _compositor.Dispose();
    }

    /// <summary>A memfd standing in for a DMA-BUF, sealed against shrinking as the compositor requires
    /// of anything that is not a real DMA-BUF.</summary>
    private int MemFd(long size, bool seal = true)
    {
        var name = System.Runtime.InteropServices.Marshal.StringToHGlobalAnsi("dmabuf");
        var fd = memfd_create((byte*)name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
        System.Runtime.InteropServices.Marshal.FreeHGlobal(name);
        Assert.Equal(0, ftruncate(fd, size));
        if (seal) Assert.Equal(0, fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK));
        _fds.Add(fd);
        return fd;
    }

    private (TestClient Client, ZwpLinuxBufferParamsV1 Params) Params(uint version = 5)
    {
        var client = _compositor.Connect();
        var dmabuf = client.Bind<ZwpLinuxDmabufV1>("zwp_linux_dmabuf_v1", version);
        return (client, dmabuf.CreateParams());
    }

    private static void AssertError(TestClient client, ZwpLinuxBufferParamsV1.Error code)
    {
        var error = client.ErrorAfterRoundtrip();
        Assert.True(error is not null, $"expected {code}, got no error");
        Assert.Equal(("zwp_linux_buffer_params_v1", (uint)code), (error!.Interface, error.Code));
    }

    [Fact]
    public void CreateAnswersCreatedWithAWorkingBuffer()
    {
        var (client, p) = Params();
        p.Add(MemFd(64 * 64 * 4), 0, 0, 256, LinearHi, LinearLo);
        WlBuffer? created = null;
        p.Created += (_, b) => created = b;
        p.Create(64, 64, Xrgb, 0);
        Assert.Null(client.ErrorAfterRoundtrip());
        Assert.NotNull(created);
        Assert.Equal(1, _compositor.Renderer.Imports);
    }

    /// <summary>Interlaced buffers (and flags the protocol does not define) are a runtime "failed":
    /// the planes' fds are closed right then, not whenever a finalizer gets to them.</summary>
    [Theory]
    [InlineData(ZwpLinuxBufferParamsV1.Flags.Interlaced)]
    [InlineData(ZwpLinuxBufferParamsV1.Flags.Interlaced | ZwpLinuxBufferParamsV1.Flags.BottomFirst)]
    [InlineData(ZwpLinuxBufferParamsV1.Flags.BottomFirst | ZwpLinuxBufferParamsV1.Flags.YInvert)]
    [InlineData((ZwpLinuxBufferParamsV1.Flags)8)]
    public void UnsupportedFlagsAreFailedAndTheirFdsClosedAtOnce(ZwpLinuxBufferParamsV1.Flags flags)
    {
        var client = _compositor.Connect();
        var dmabuf = client.Bind<ZwpLinuxDmabufV1>("zwp_linux_dmabuf_v1", 5);
        client.Roundtrip();
        var fd = MemFd(64 * 64 * 4);
        var baseline = OpenFds.Snapshot();
        var failed = 0;
        var created = 0;
        var all = new List<ZwpLinuxBufferParamsV1>();
        for (var i = 0; i < 50; i++)
        {
            var p = dmabuf.CreateParams();
            p.Add(fd, 0, 0, 256, LinearHi, LinearLo);
            p.Failed += _ => failed++;
            p.Created += (_, _) => created++;
            p.Create(64, 64, Xrgb, flags);
            all.Add(p);
        }
        Assert.Null(client.ErrorAfterRoundtrip());
        Assert.Equal((50, 0), (failed, created));
        Assert.Equal(0, _compositor.Renderer.Imports);
        OpenFds.AssertNoLeak(baseline);
    }

    /// <summary>y_invert is supported: the buffer is made and the renderer told to flip it.</summary>
    [Fact]
    public void YInvertedBuffersAreCreatedAndImportedFlipped()
    {
        var (client, p) = Params();
        p.Add(MemFd(64 * 64 * 4), 0, 0, 256, LinearHi, LinearLo);
        WlBuffer? created = null;
        p.Created += (_, b) => created = b;
        p.Create(64, 64, Xrgb, ZwpLinuxBufferParamsV1.Flags.YInvert);
        Assert.Null(client.ErrorAfterRoundtrip());
        Assert.NotNull(created);
        Assert.True(_compositor.Renderer.LastImport!.Value.YInverted);
        Assert.True(_compositor.Renderer.LastImported!.YInverted);
    }

    [Fact]
    public void ImportFailureIsFailedNotACrash()
    {
        // NV12 with the implicit modifier: neither imported nor readable without the driver.
        _compositor.Renderer.RefuseImports = true;
        var (client, p) = Params();
        var fd = MemFd(64 * 64 * 3 / 2);
        p.Add(fd, 0, 0, 64, ImplicitHi, ImplicitLo);
        p.Add(fd, 1, 64 * 64, 64, ImplicitHi, ImplicitLo);
        var failed = false;
        p.Failed += _ => failed = true;
        p.Create(64, 64, Nv12, 0);
        Assert.Null(client.ErrorAfterRoundtrip());
        Assert.True(failed);
    }

    [Fact]
    public void CreateImmedImportFailureIsInvalidWlBuffer()
    {
        _compositor.Renderer.RefuseImports = true;
        var (client, p) = Params();
        var fd = MemFd(64 * 64 * 3 / 2);
        p.Add(fd, 0, 0, 64, ImplicitHi, ImplicitLo);
        p.Add(fd, 1, 64 * 64, 64, ImplicitHi, ImplicitLo);
        p.CreateImmed(64, 64, Nv12, 0);
        AssertError(client, ZwpLinuxBufferParamsV1.Error.InvalidWlBuffer);
    }

    /// <summary>A memfd that could still shrink is not mapped by anyone (it could fault the reader):
    /// failed, like a buffer nobody can import.</summary>
    [Fact]
    public void UnsealedMemfdIsFailed()
    {
        var (client, p) = Params();
        p.Add(MemFd(64 * 64 * 4, seal: false), 0, 0, 256, LinearHi, LinearLo);
        var failed = false;
        p.Failed += _ => failed = true;
        p.Create(64, 64, Xrgb, 0);
        Assert.Null(client.ErrorAfterRoundtrip());
        Assert.True(failed);
        Assert.Equal(0, _compositor.Renderer.Imports);
    }

    /// <summary>A refused buffer too large to hand to the renderer as one span of rows (over 2 GiB,
    /// sparse here) is failed, not mapped: its upload would otherwise overflow on commit.</summary>
    [Fact]
    public void RefusedBufferLargerThanASpanIsFailed()
    {
        _compositor.Renderer.RefuseImports = true;
        var (client, p) = Params();
        const int Width = 16384, Height = 40000, Stride = Width * 4; // 2.6 GB
        p.Add(MemFd((long)Stride * Height), 0, 0, Stride, LinearHi, LinearLo);
        var failed = false;
        p.Failed += _ => failed = true;
        p.Create(Width, Height, Xrgb, 0);
        Assert.Null(client.ErrorAfterRoundtrip());
        Assert.True(failed);
    }

    /// <summary>A linear XRGB buffer the renderer refuses is still shown: read through a CPU
    /// mapping (what llvmpipe needs for udmabuf buffers) and copied when a frame draws it, held
    /// until replaced.</summary>
    [Fact]
    public void RefusedLinearBufferIsReadThroughAMappingWhenDrawnAndHeldUntilReplaced()
    {
        using var compositor = new InProcessCompositor(640, 480);
        compositor.Renderer.RefuseImports = true;
        var client = compositor.Connect();
        var p = client.Bind<ZwpLinuxDmabufV1>("zwp_linux_dmabuf_v1", 5).CreateParams();
        var fd = MemFd(64 * 64 * 4);
        var pixel = 0xff336699u;
        Assert.Equal(4, (long)pwrite(fd, &pixel, 4, 0));
        p.Add(fd, 0, 0, 256, LinearHi, LinearLo);
        WlBuffer? created = null;
        p.Created += (_, b) => created = b;
        p.Create(64, 64, Xrgb, 0);
        Assert.Null(client.ErrorAfterRoundtrip());
        Assert.NotNull(created);
        var released = 0;
        created!.Release += _ => released++;
        var window = new TestToplevel(client, client.Bind<WlCompositor>("wl_compositor", 6).CreateSurface());
        window.Show(created, () => window.Surface.DamageBuffer(0, 0, 64, 64));
        Assert.Null(client.ErrorAfterRoundtrip());
        Assert.Equal(0, compositor.Renderer.Imports);
        // Copied when a frame draws it (a frame scanning it out directly would not copy at all).
        Assert.Equal(0, compositor.Renderer.Uploads);
        compositor.Frame();
        Assert.Equal(1, compositor.Renderer.Uploads);
        Assert.Equal(0xff336699u, compositor.Renderer.LastUpload.FirstPixel);
        compositor.Frame();
        Assert.Equal(1, compositor.Renderer.Uploads); // nothing new, nothing copied
        // Held like any DMA-BUF (a display plane may show it directly) until replaced.
        Assert.Equal(0, released);
        window.Surface.Attach(null, 0, 0);
        window.Surface.Commit();
        Assert.Null(client.ErrorAfterRoundtrip());
        Assert.Equal(1, released);
    }

    [Fact]
    public void AlreadyUsed()
    {
        var (client, p) = Params();
        p.Add(MemFd(4096), 0, 0, 64, LinearHi, LinearLo);
        p.Create(16, 16, Xrgb, 0);
        p.Add(MemFd(4096), 1, 0, 64, LinearHi, LinearLo);
        AssertError(client, ZwpLinuxBufferParamsV1.Error.AlreadyUsed);
    }

    [Fact]
    public void PlaneIndexTooLarge()
    {
        var (client, p) = Params();
        p.Add(MemFd(4096), 4, 0, 64, LinearHi, LinearLo);
        AssertError(client, ZwpLinuxBufferParamsV1.Error.PlaneIdx);
    }

    [Fact]
    public void PlaneSetTwice()
    {
        var (client, p) = Params();
        p.Add(MemFd(4096), 0, 0, 64, LinearHi, LinearLo);
        p.Add(MemFd(4096), 0, 0, 64, LinearHi, LinearLo);
        AssertError(client, ZwpLinuxBufferParamsV1.Error.PlaneSet);
    }

    [Fact]
    public void IncompleteWithoutPlanesWithAGapOrTooFewForTheFormat()
    {
        var (client, p) = Params();
        p.Create(16, 16, Xrgb, 0);
        AssertError(client, ZwpLinuxBufferParamsV1.Error.Incomplete);

        (client, p) = Params();
        p.Add(MemFd(4096), 1, 0, 64, ImplicitHi, ImplicitLo);
        p.Create(16, 16, Nv12, 0);
        AssertError(client, ZwpLinuxBufferParamsV1.Error.Incomplete);

        (client, p) = Params();
        p.Add(MemFd(4096), 0, 0, 16, ImplicitHi, ImplicitLo);
        p.Create(16, 16, Nv12, 0);
        AssertError(client, ZwpLinuxBufferParamsV1.Error.Incomplete);
    }

    [Fact]
    public void InvalidFormatForUnadvertisedPairsAndMixedModifiers()
    {
        var (client, p) = Params();
        p.Add(MemFd(4096), 0, 0, 64, LinearHi, LinearLo);
        p.Create(16, 16, Fourcc.Rgb565, 0);
        AssertError(client, ZwpLinuxBufferParamsV1.Error.InvalidFormat);

        (client, p) = Params();
        p.Add(MemFd(4096), 0, 0, 64, ImplicitHi, ImplicitLo); // XRGB8888 is advertised linear only
        p.Create(16, 16, Xrgb, 0);
        AssertError(client, ZwpLinuxBufferParamsV1.Error.InvalidFormat);

        (client, p) = Params();
        p.Add(MemFd(4096), 0, 0, 16, ImplicitHi, ImplicitLo);
        p.Add(MemFd(4096), 1, 0, 16, LinearHi, LinearLo);
        AssertError(client, ZwpLinuxBufferParamsV1.Error.InvalidFormat);
    }

    [Fact]
    public void InvalidDimensions()
    {
        var (client, p) = Params();
        p.Add(MemFd(4096), 0, 0, 64, LinearHi, LinearLo);
        p.Create(0, 16, Xrgb, 0);
        AssertError(client, ZwpLinuxBufferParamsV1.Error.InvalidDimensions);
    }

    [Fact]
    public void OutOfBoundsAgainstTheRealSizeAndOnOverflow()
    {
        var (client, p) = Params();
        p.Add(MemFd(4096), 0, 4096, 64, LinearHi, LinearLo);
        p.Create(16, 16, Xrgb, 0);
        AssertError(client, ZwpLinuxBufferParamsV1.Error.OutOfBounds);

        (client, p) = Params();
        p.Add(MemFd(4096), 0, 0, 64, LinearHi, LinearLo);
        p.Create(16, 65, Xrgb, 0); // 65 rows of 64 bytes > 4096
        AssertError(client, ZwpLinuxBufferParamsV1.Error.OutOfBounds);

        (client, p) = Params();
        p.Add(MemFd(4096), 0, 0xfffff000, 0x10000, LinearHi, LinearLo);
        p.Create(16, 0x10000, Xrgb, 0);
        AssertError(client, ZwpLinuxBufferParamsV1.Error.OutOfBounds);
    }

    [Fact]
    public void ErrorsComeInTheSpecsOrder()
    {
        // Unadvertised format, zero width and an offset past the end at once: invalid_format wins.
        var (client, p) = Params();
        p.Add(MemFd(4096), 0, 8192, 64, LinearHi, LinearLo);
        p.Create(0, 16, Fourcc.Rgb565, 0);
        AssertError(client, ZwpLinuxBufferParamsV1.Error.InvalidFormat);

        // Zero width and an offset past the end: invalid_dimensions before out_of_bounds.
        (client, p) = Params();
        p.Add(MemFd(4096), 0, 8192, 64, LinearHi, LinearLo);
        p.Create(0, 16, Xrgb, 0);
        AssertError(client, ZwpLinuxBufferParamsV1.Error.InvalidDimensions);
    }

    [Fact]
    public void ThousandCyclesCloseEveryFdOnEveryPathAndLeaveMemoryAtBaseline()
    {
        var baseline = OpenFds.Snapshot();
        var memory = GC.GetTotalMemory(forceFullCollection: true);
        var name = System.Runtime.InteropServices.Marshal.StringToHGlobalAnsi("cycle");
        for (var i = 0; i < 1000; i++)
        {
            var client = _compositor.Connect();
            var dmabuf = client.Bind<ZwpLinuxDmabufV1>("zwp_linux_dmabuf_v1", 5);
            var fd = memfd_create((byte*)name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
            ftruncate(fd, 4096);
            fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK);
            var p = dmabuf.CreateParams();
            p.Add(fd, 0, 0, 64, LinearHi, LinearLo);
            switch (i % 4)
            {
                case 0: p.Destroy(); break;                                    // unused params
                case 1: p.CreateImmed(16, 16, Xrgb, 0).Destroy(); p.Destroy(); break; // buffer made and destroyed
                case 2: p.Create(0, 16, Xrgb, 0); break;                       // protocol error
                case 3: break;                                                 // client leaves with params pending
            }
            client.Roundtrip();
            close(fd);
            client.Dispose();
            _compositor.Pump();
        }
        System.Runtime.InteropServices.Marshal.FreeHGlobal(name);
        Assert.Empty(_compositor.Display.Clients);
        OpenFds.AssertNoLeak(baseline);
        var grown = GC.GetTotalMemory(forceFullCollection: true) - memory;
        Assert.True(grown < 1 << 20, $"managed memory grew by {grown} bytes over 1000 cycles");
    }

    [Fact]
    public void Version3AdvertisesModifiersAndVersion4SendsFeedbackWithASealedTable()
    {
        var client = _compositor.Connect();
        var v3 = client.Bind<ZwpLinuxDmabufV1>("zwp_linux_dmabuf_v1", 3);
        var modifiers = new List<(uint, ulong)>();
        v3.Modifier += (_, f, hi, lo) => modifiers.Add((f, ((ulong)hi << 32) | lo));
        client.Roundtrip();
        Assert.Equal([(Xrgb, 0UL), (Fourcc.Argb8888, 0UL), (Nv12, 0x00ffffffffffffffUL)], modifiers);

        var v5 = client.Bind<ZwpLinuxDmabufV1>("zwp_linux_dmabuf_v1", 5);
        var feedback = v5.GetDefaultFeedback();
        byte[]? table = null;
        ulong device = 0;
        var indices = new List<ushort>();
        var done = false;
        feedback.FormatTable += (_, fd, size) =>
        {
            var seals = fcntl(fd.Value, F_GET_SEALS);
            Assert.Equal(F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL, seals & (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL));
            table = new byte[size];
            fixed (byte* t = table) Assert.Equal((long)size, (long)pread(fd.Value, t, size, 0));
        };
        feedback.MainDevice += (_, d) => device = BitConverter.ToUInt64(d);
        feedback.TrancheFormats += (_, ix) => { for (var i = 0; i < ix.Length; i += 2) indices.Add(BitConverter.ToUInt16(ix[i..])); };
        feedback.Done += _ => done = true;
        client.Roundtrip();
        Assert.True(done);
        Assert.Equal((226UL << 8) | 128, device);
        Assert.Equal(48, table!.Length);
        Assert.Equal(Nv12, BitConverter.ToUInt32(table, 32));
        Assert.Equal(0x00ffffffffffffffUL, BitConverter.ToUInt64(table, 40));
        Assert.Equal([0, 1, 2], indices);
    }
}
