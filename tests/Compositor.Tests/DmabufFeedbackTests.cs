using Compositor.Backends;
using Compositor.Tests.Harness;
using Wayland.Protocols.Client;
using static Tmds.Linux.LibC;

namespace Compositor.Tests;

/// <summary>
/// zwp_linux_dmabuf_feedback_v1 for a surface, against the compositor core whose 640x480 test output
/// has a plane standing for a DRM primary plane: the scanout tranche comes and goes as the surface
/// becomes its output's direct-scanout candidate and stops being one, and each change re-sends
/// the whole feedback.
/// </summary>
public sealed unsafe class DmabufFeedbackTests : IDisposable
{
    private const ulong PlaneDevice = 226UL << 8, RenderDevice = (226UL << 8) | 128;
    private const ulong Linear = 0, XTiled = 0x0100000000000001;

    private readonly InProcessCompositor _compositor = new(640, 480);
    private readonly List<int> _fds = [];

    public DmabufFeedbackTests()
    {
        // The plane takes linear and X-tiled XRGB8888 and linear ARGB8888; the renderer (the recording
        // stand-in) imports linear XRGB/ARGB and NV12, so the scanout tranche may offer only the linear pairs.
        _compositor.Backend.Output!.Scanout = new ScanoutPlane(PlaneDevice,
            [new(Fourcc.Xrgb8888, Linear, false), new(Fourcc.Xrgb8888, XTiled, false), new(Fourcc.Argb8888, Linear, false)]);
    }

    public void Dispose()
    {
        foreach (var fd in _fds) close(fd);
        _compositor.Dispose();
    }

    /// <summary>A tranche; its format-table indices comma-separated (records compare them by value then).</summary>
    private sealed record Tranche(ulong Device, ZwpLinuxDmabufFeedbackV1.TrancheFlags Flags, string Indices);

    /// <summary>Each done's tranches, in order.</summary>
    private static List<List<Tranche>> Watch(ZwpLinuxDmabufFeedbackV1 feedback)
    {
        var sent = new List<List<Tranche>>();
        var tranches = new List<Tranche>();
        ulong device = 0;
        var flags = (ZwpLinuxDmabufFeedbackV1.TrancheFlags)0;
        var indices = new List<ushort>();
        feedback.FormatTable += (_, fd, _) => close(fd.Value);
        feedback.TrancheTargetDevice += (_, d) => device = BitConverter.ToUInt64(d);
        feedback.TrancheFlagsEvent += (_, f) => flags = f;
        feedback.TrancheFormats += (_, ix) => { for (var i = 0; i < ix.Length; i += 2) indices.Add(BitConverter.ToUInt16(ix[i..])); };
        feedback.TrancheDone += _ =>
        {
            tranches.Add(new Tranche(device, flags, string.Join(",", indices)));
            indices.Clear();
        };
        feedback.Done += _ =>
        {
            sent.Add([.. tranches]);
            tranches.Clear();
        };
        return sent;
    }

    private WlBuffer DmabufBuffer(ZwpLinuxDmabufV1 dmabuf, int width, int height, uint fourcc)
    {
        var name = System.Runtime.InteropServices.Marshal.StringToHGlobalAnsi("dmabuf");
        var fd = memfd_create((byte*)name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
        System.Runtime.InteropServices.Marshal.FreeHGlobal(name);
        _fds.Add(fd);
        Assert.Equal(0, ftruncate(fd, width * height * 4));
        Assert.Equal(0, fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK));
        var p = dmabuf.CreateParams();
        p.Add(fd, 0, 0, (uint)width * 4, 0, 0);
        return p.CreateImmed(width, height, fourcc, 0);
    }

    [Fact]
    public void ScanoutTrancheComesWhileTheSurfaceCoversItsOutputOpaquely()
    {
        var client = _compositor.Connect();
        var dmabuf = client.Bind<ZwpLinuxDmabufV1>("zwp_linux_dmabuf_v1", 5);
        var surface = client.Bind<WlCompositor>("wl_compositor", 6).CreateSurface();
        var sent = Watch(dmabuf.GetSurfaceFeedback(surface));
        var defaults = Watch(dmabuf.GetDefaultFeedback());
        var window = new TestToplevel(client, surface);
        var renderer = new Tranche(RenderDevice, 0, "0,1,2");
        Assert.Equal([[renderer]], sent);

        // A window: composited, nothing new.
        window.Show(DmabufBuffer(dmabuf, 200, 100, Fourcc.Xrgb8888));
        _compositor.Frame();
        client.Roundtrip();
        Assert.Single(sent);

        // Fullscreen with an opaque buffer of the output's size: a scanout candidate. The scanout
        // tranche comes first, with the plane's device and the pairs both it and the renderer take.
        window.Toplevel.SetFullscreen(null);
        client.Roundtrip();
        window.Show(DmabufBuffer(dmabuf, 640, 480, Fourcc.Xrgb8888));
        _compositor.Frame();
        client.Roundtrip();
        Assert.Equal(2, sent.Count);
        Assert.Equal([new Tranche(PlaneDevice, ZwpLinuxDmabufFeedbackV1.TrancheFlags.Scanout, "0,1"), renderer], sent[^1]);
        _compositor.Frame();
        client.Roundtrip();
        Assert.Equal(2, sent.Count); // sent again only when it changes

        // A translucent buffer cannot replace the composited image: no longer a candidate.
        window.Show(DmabufBuffer(dmabuf, 640, 480, Fourcc.Argb8888));
        _compositor.Frame();
        client.Roundtrip();
        Assert.Equal(3, sent.Count);
        Assert.Equal([renderer], sent[^1]);

        // Opaque again, then another window on top of it: the fullscreen surface is hidden in part.
        window.Show(DmabufBuffer(dmabuf, 640, 480, Fourcc.Xrgb8888));
        _compositor.Frame();
        client.Roundtrip();
        Assert.Equal(4, sent.Count);
        Assert.Equal(ZwpLinuxDmabufFeedbackV1.TrancheFlags.Scanout, sent[^1][0].Flags);
        new TestToplevel(client, client.Bind<WlCompositor>("wl_compositor", 6).CreateSurface())
            .Show(DmabufBuffer(dmabuf, 100, 100, Fourcc.Xrgb8888));
        _compositor.Frame();
        client.Roundtrip();
        Assert.Equal(5, sent.Count);
        Assert.Equal([renderer], sent[^1]);

        // Default feedback never changes.
        Assert.Equal([[renderer]], defaults);
    }

    [Fact]
    public void AComposedCursorOverTheOutputKeepsItsSurfaceFromBeingScannedOut()
    {
        // No cursor plane here: a cursor drawn by composition would vanish under a scanned-out buffer.
        var client = _compositor.Connect();
        var dmabuf = client.Bind<ZwpLinuxDmabufV1>("zwp_linux_dmabuf_v1", 5);
        var compositor = client.Bind<WlCompositor>("wl_compositor", 6);
        var surface = compositor.CreateSurface();
        var sent = Watch(dmabuf.GetSurfaceFeedback(surface));
        var pointer = client.Bind<WlSeat>("wl_seat", 7).GetPointer();
        uint enter = 0;
        pointer.Enter += (_, serial, _, _, _) => enter = serial;
        var window = new TestToplevel(client, surface);
        window.Toplevel.SetFullscreen(null);
        client.Roundtrip();
        window.Show(DmabufBuffer(dmabuf, 640, 480, Fourcc.Xrgb8888));
        _compositor.Input.PointerMotionAbsolute(0, _compositor.Backend.Output!, 100, 100);
        _compositor.Input.PointerFrame();
        client.Roundtrip();
        // The compositor's own arrow, shown until the client sets a cursor, is composited too.
        _compositor.Frame();
        client.Roundtrip();
        Assert.Null(_compositor.Server.Scene.Outputs[0].ScanoutCandidate);
        pointer.SetCursor(enter, null, 0, 0);
        client.Roundtrip();
        _compositor.Frame();
        client.Roundtrip();
        Assert.Equal(ZwpLinuxDmabufFeedbackV1.TrancheFlags.Scanout, sent[^1][0].Flags);

        var cursor = compositor.CreateSurface();
        cursor.Attach(client.Bind<WpSinglePixelBufferManagerV1>("wp_single_pixel_buffer_manager_v1", 1)
            .CreateU32RgbaBuffer(uint.MaxValue, 0, 0, uint.MaxValue), 0, 0);
        cursor.Commit();
        pointer.SetCursor(enter, cursor, 0, 0);
        client.Roundtrip();
        _compositor.Frame();
        client.Roundtrip();
        Assert.Null(_compositor.Server.Scene.Outputs[0].ScanoutCandidate);
        Assert.NotEqual(ZwpLinuxDmabufFeedbackV1.TrancheFlags.Scanout, sent[^1][0].Flags);

        pointer.SetCursor(enter, null, 0, 0); // hidden, as fullscreen games and players do
        client.Roundtrip();
        _compositor.Frame();
        client.Roundtrip();
        Assert.NotNull(_compositor.Server.Scene.Outputs[0].ScanoutCandidate);
    }

    [Fact]
    public void ABufferScannedOutGoesBackToTheClientOnlyWhenItLeavesTheScreen()
    {
        var output = _compositor.Backend.Output!;
        var shown = new List<IScanoutSource>();
        output.AcceptScanout = b =>
        {
            b.Lock(); // as the DRM output does when it flips to the buffer
            shown.Add(b);
            return true;
        };
        var client = _compositor.Connect();
        var dmabuf = client.Bind<ZwpLinuxDmabufV1>("zwp_linux_dmabuf_v1", 5);
        var window = new TestToplevel(client, client.Bind<WlCompositor>("wl_compositor", 6).CreateSurface());
        window.Toplevel.SetFullscreen(null);
        client.Roundtrip();
        var (a, b) = (DmabufBuffer(dmabuf, 640, 480, Fourcc.Xrgb8888), DmabufBuffer(dmabuf, 640, 480, Fourcc.Xrgb8888));
        var released = new List<WlBuffer>();
        a.Release += released.Add;
        b.Release += released.Add;

        window.Show(a);
        _compositor.Frame();
        client.Roundtrip();
        Assert.Single(shown);
        Assert.Empty(_compositor.Renderer.Frames); // not composited

        // B replaces A, but A is still on screen until the next flip completes: no release yet.
        window.Show(b);
        _compositor.Frame();
        client.Roundtrip();
        Assert.Equal(2, shown.Count);
        Assert.Empty(released);
        shown[0].Unlock(); // the flip to B completed
        client.Roundtrip();
        Assert.Equal([a], released);

        // A display that refuses the buffer: the frame is composited (the whole output, since the
        // composited image was stale while B was shown directly).
        output.AcceptScanout = null;
        window.Show(a);
        _compositor.Frame();
        client.Roundtrip();
        Assert.NotEmpty(_compositor.Renderer.Frames);
        Assert.Equal([a], released); // B is still on screen
        shown[1].Unlock();
        client.Roundtrip();
        Assert.Equal([a, b], released);
    }

    /// <summary>A composited frame samples the client's DMA-BUF in place, and the GPU may read it until
    /// that frame is done: replaced meanwhile, the buffer goes back only once the frame is on screen.</summary>
    [Fact]
    public void ABufferAFrameReadGoesBackOnlyOnceThatFrameIsOnScreen()
    {
        var client = _compositor.Connect();
        var dmabuf = client.Bind<ZwpLinuxDmabufV1>("zwp_linux_dmabuf_v1", 5);
        var window = new TestToplevel(client, client.Bind<WlCompositor>("wl_compositor", 6).CreateSurface());
        var (a, b) = (DmabufBuffer(dmabuf, 100, 100, Fourcc.Xrgb8888), DmabufBuffer(dmabuf, 100, 100, Fourcc.Xrgb8888));
        var released = new List<WlBuffer>();
        a.Release += released.Add;
        b.Release += released.Add;

        window.Show(a);
        _compositor.Frame();
        client.Roundtrip();
        Assert.NotEmpty(_compositor.Renderer.Frames); // composited, reading A
        window.Show(b);
        client.Roundtrip();
        Assert.Empty(released);
        _compositor.Backend.Output!.RaisePresented(new PresentationTime(1_000_000, 16_666_667, 1, 1));
        client.Roundtrip();
        Assert.Equal([a], released);
    }

    [Fact]
    public void FeedbackOfADestroyedSurfaceIsForgotten()
    {
        var client = _compositor.Connect();
        var dmabuf = client.Bind<ZwpLinuxDmabufV1>("zwp_linux_dmabuf_v1", 5);
        var compositor = client.Bind<WlCompositor>("wl_compositor", 6);
        for (var i = 0; i < 10; i++)
        {
            var surface = compositor.CreateSurface();
            dmabuf.GetSurfaceFeedback(surface);
            surface.Destroy();
        }
        client.Roundtrip();
        Assert.Equal(0, _compositor.Server.Dmabuf!.SurfacesWithFeedback);
    }
}
