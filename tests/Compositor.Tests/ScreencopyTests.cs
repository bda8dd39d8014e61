using System.Runtime.InteropServices;
using Compositor.Tests.Harness;
using Wayland.Protocols.Client;
using static Tmds.Linux.LibC;

namespace Compositor.Tests;

/// <summary>zwlr_screencopy_manager_v1 v3 against the compositor core with a 640x480 test output:
/// the buffer negotiation, copy at the next frame, copy_with_damage waiting for damage and reporting
/// it, and the protocol's errors. Captured pixels are checked with grim in <see cref="RealClientTests"/>.</summary>
public sealed unsafe class ScreencopyTests : IDisposable
{
    private readonly InProcessCompositor _compositor = new(640, 480);
    private readonly List<int> _fds = [];

    public void Dispose()
    {
        foreach (var fd in _fds) close(fd);
        _compositor.Dispose();
    }

    private sealed class Capture
    {
        public (WlShm.Format Format, uint W, uint H, uint Stride)? Buffer;
        public bool BufferDone, Ready, Failed;
        public ZwlrScreencopyFrameV1.Flags? Flags;
        public List<(uint X, uint Y, uint W, uint H)> Damage { get; } = [];
    }

    private (TestClient Client, ZwlrScreencopyManagerV1 Manager, WlOutput Output, WlShm Shm) Connect()
    {
        var client = _compositor.Connect();
        return (client, client.Bind<ZwlrScreencopyManagerV1>("zwlr_screencopy_manager_v1", 3),
            client.Bind<WlOutput>("wl_output", 4), client.Bind<WlShm>("wl_shm", 2));
    }

    private static Capture Watch(ZwlrScreencopyFrameV1 frame)
    {
        var c = new Capture();
        frame.Buffer += (_, f, w, h, s) => c.Buffer = (f, w, h, s);
        frame.BufferDone += _ => c.BufferDone = true;
        frame.FlagsEvent += (_, f) => c.Flags = f;
        frame.Ready += (_, _, _, _) => c.Ready = true;
        frame.Failed += _ => c.Failed = true;
        frame.Damage += (_, x, y, w, h) => c.Damage.Add((x, y, w, h));
        return c;
    }

    /// <summary>Asks for a capture of the output into the buffer with copy_with_damage; it completes at a frame.</summary>
    private static Capture CopyWithDamage(TestClient client, ZwlrScreencopyManagerV1 manager, WlOutput output, WlBuffer buffer)
    {
        var frame = manager.CaptureOutput(0, output);
        var c = Watch(frame);
        client.Roundtrip();
        frame.CopyWithDamage(buffer);
        client.Roundtrip();
        return c;
    }

    private WlBuffer ShmBuffer(WlShm shm, int width, int height, int stride, WlShm.Format format = WlShm.Format.Xrgb8888)
    {
        var name = Marshal.StringToHGlobalAnsi("screencopy");
        var fd = memfd_create((byte*)name, MFD_CLOEXEC);
        Marshal.FreeHGlobal(name);
        _fds.Add(fd);
        ftruncate(fd, (long)stride * height);
        return shm.CreatePool(fd, stride * height).CreateBuffer(0, width, height, stride, format);
    }

    [Fact]
    public void CopyAnnouncesTheBufferAndIsFilledAtTheNextFrame()
    {
        var (client, manager, output, shm) = Connect();
        var frame = manager.CaptureOutput(0, output);
        var c = Watch(frame);
        client.Roundtrip();
        Assert.Equal((WlShm.Format.Xrgb8888, 640u, 480u, 2560u), c.Buffer);
        Assert.True(c.BufferDone);

        frame.Copy(ShmBuffer(shm, 640, 480, 2560));
        client.Roundtrip();
        Assert.False(c.Ready); // not before a frame is drawn
        _compositor.Frame();
        client.Roundtrip();
        Assert.True(c.Ready);
        Assert.Equal((ZwlrScreencopyFrameV1.Flags)0, c.Flags);
        Assert.False(c.Failed);
    }

    [Fact]
    public void RegionCaptureAnnouncesTheRegionSizeAndMissingTheOutputFails()
    {
        var (client, manager, output, _) = Connect();
        var region = Watch(manager.CaptureOutputRegion(0, output, 600, 400, 100, 100));
        var outside = Watch(manager.CaptureOutputRegion(0, output, 1000, 1000, 10, 10));
        client.Roundtrip();
        Assert.Equal((WlShm.Format.Xrgb8888, 40u, 80u, 160u), region.Buffer); // clipped to the output
        Assert.True(outside.Failed);
    }

    [Fact]
    public void CopyWithDamageWaitsForDamageAndReportsWhere()
    {
        var (client, manager, output, shm) = Connect();
        var buffer = ShmBuffer(shm, 640, 480, 2560);
        var c1 = CopyWithDamage(client, manager, output, buffer);
        _compositor.Frame();
        client.Roundtrip();
        Assert.True(c1.Ready); // everything is new to a first capture
        Assert.Equal([(0u, 0u, 640u, 480u)], c1.Damage);

        var c2 = CopyWithDamage(client, manager, output, buffer);
        _compositor.Frame();
        client.Roundtrip();
        Assert.False(c2.Ready); // nothing changed on screen

        // A client shows a 100x80 surface somewhere: the capture completes with that damage.
        var other = _compositor.Connect();
        var surface = other.Bind<WlCompositor>("wl_compositor", 6).CreateSurface();
        other.Bind<WpViewporter>("wp_viewporter", 1).GetViewport(surface).SetDestination(100, 80);
        new TestToplevel(other, surface)
            .Show(other.Bind<WpSinglePixelBufferManagerV1>("wp_single_pixel_buffer_manager_v1", 1).CreateU32RgbaBuffer(0, 0, 0, uint.MaxValue));
        _compositor.Frame();
        client.Roundtrip();
        Assert.True(c2.Ready);
        Assert.Equal([(32u, 32u, 100u, 80u)], c2.Damage);
    }

    [Fact]
    public void OutputNobodyWatchesDrawsOnlyCapturedFramesWithAllDamageSinceTheLast()
    {
        // An output like a headless one: its frames are seen only through captures.
        using var compositor = new InProcessCompositor(640, 480, showsEveryFrame: false);
        var client = compositor.Connect();
        var (manager, output, shm) = (client.Bind<ZwlrScreencopyManagerV1>("zwlr_screencopy_manager_v1", 3),
            client.Bind<WlOutput>("wl_output", 4), client.Bind<WlShm>("wl_shm", 2));
        var surface = client.Bind<WlCompositor>("wl_compositor", 6).CreateSurface();
        client.Bind<WpViewporter>("wp_viewporter", 1).GetViewport(surface).SetDestination(100, 80);
        var window = new TestToplevel(client, surface);
        var pixels = client.Bind<WpSinglePixelBufferManagerV1>("wp_single_pixel_buffer_manager_v1", 1);
        var callbacks = 0;
        window.Show(pixels.CreateU32RgbaBuffer(0, 0, 0, uint.MaxValue), () => surface.Frame().Done += (_, _) => callbacks++);

        // Refreshes with nothing captured: no drawing, but the client is paced as usual.
        compositor.Frame();
        compositor.Frame();
        client.Roundtrip();
        Assert.Equal(1, callbacks);
        Assert.Empty(compositor.Renderer.Frames);

        // A capture waits: the next refresh draws everything damaged since the start (the whole output).
        var buffer = ShmBuffer(shm, 640, 480, 2560);
        var c1 = CopyWithDamage(client, manager, output, buffer);
        compositor.Frame();
        client.Roundtrip();
        Assert.True(c1.Ready);
        Assert.Equal([new Backends.Rect(0, 0, 640, 480)], Assert.Single(compositor.Renderer.Frames));

        // New content over two uncaptured refreshes: not drawn; the next capture draws just its damage.
        surface.Attach(pixels.CreateU32RgbaBuffer(uint.MaxValue, 0, 0, uint.MaxValue), 0, 0);
        surface.Damage(0, 0, 100, 80);
        surface.Commit();
        client.Roundtrip();
        compositor.Frame();
        compositor.Frame();
        Assert.Single(compositor.Renderer.Frames);
        var c2 = CopyWithDamage(client, manager, output, buffer);
        compositor.Frame();
        client.Roundtrip();
        Assert.True(c2.Ready);
        Assert.Equal([new Backends.Rect(32, 32, 100, 80)], compositor.Renderer.Frames[^1]);
        Assert.Equal([(32u, 32u, 100u, 80u)], c2.Damage);
        Assert.Equal(2, compositor.Renderer.Frames.Count);
    }

    [Fact]
    public void SecondCopyOfAFrameIsAlreadyUsed()
    {
        var (client, manager, output, shm) = Connect();
        var frame = manager.CaptureOutput(0, output);
        client.Roundtrip();
        var buffer = ShmBuffer(shm, 640, 480, 2560);
        frame.Copy(buffer);
        frame.Copy(buffer);
        var error = client.ErrorAfterRoundtrip();
        Assert.Equal(("zwlr_screencopy_frame_v1", (uint)ZwlrScreencopyFrameV1.Error.AlreadyUsed), (error?.Interface, error?.Code ?? 99));
    }

    [Theory]
    [InlineData(320, 480, 2560, WlShm.Format.Xrgb8888)]  // wrong size
    [InlineData(640, 480, 2560, WlShm.Format.Argb8888)]  // a format that was not announced
    public void BufferUnlikeTheAnnouncedOneIsInvalidBuffer(int width, int height, int stride, WlShm.Format format)
    {
        var (client, manager, output, shm) = Connect();
        var frame = manager.CaptureOutput(0, output);
        client.Roundtrip();
        frame.Copy(ShmBuffer(shm, width, height, stride, format));
        var error = client.ErrorAfterRoundtrip();
        Assert.Equal(("zwlr_screencopy_frame_v1", (uint)ZwlrScreencopyFrameV1.Error.InvalidBuffer), (error?.Interface, error?.Code ?? 99));
    }
}
