using System.Runtime.InteropServices;
using Compositor.Tests.Harness;
using Wayland.Protocols.Client;
using static Tmds.Linux.LibC;

namespace Compositor.Tests;

/// <summary>ext_image_copy_capture_manager_v1 with ext_output_image_capture_source_manager_v1
/// against the compositor core with a 640x480 test output: constraints, frames filled at the next
/// frame with transform, damage, presentation time and ready, later frames waiting for damage,
/// failures with their reasons, stopped when the output goes, and every protocol error. Pixels are
/// checked against grim in <see cref="ImageCopyCapturePixelTests"/>.</summary>
public sealed unsafe class ImageCopyCaptureTests : IDisposable
{
    private readonly InProcessCompositor _compositor = new(640, 480);
    private readonly List<int> _fds = [];

    public void Dispose()
    {
        foreach (var fd in _fds) close(fd);
        _compositor.Dispose();
    }

    private sealed class Client
    {
        public Client(InProcessCompositor compositor)
        {
            Test = compositor.Connect();
            Manager = Test.Bind<ExtImageCopyCaptureManagerV1>("ext_image_copy_capture_manager_v1", 1);
            Sources = Test.Bind<ExtOutputImageCaptureSourceManagerV1>("ext_output_image_capture_source_manager_v1", 1);
            Output = Test.Bind<WlOutput>("wl_output", 4);
            Shm = Test.Bind<WlShm>("wl_shm", 2);
        }
        public TestClient Test { get; }
        public ExtImageCopyCaptureManagerV1 Manager { get; }
        public ExtOutputImageCaptureSourceManagerV1 Sources { get; }
        public WlOutput Output { get; }
        public WlShm Shm { get; }
    }

    private sealed class Session
    {
        public Session(ExtImageCopyCaptureSessionV1 s)
        {
            Resource = s;
            s.BufferSize += (_, w, h) => Size = (w, h);
            s.ShmFormat += (_, f) => ShmFormats.Add(f);
            s.DmabufDevice += (_, _) => DmabufEvents++;
            s.DmabufFormat += (_, _, _) => DmabufEvents++;
            s.Done += _ => Dones++;
            s.Stopped += _ => Stopped = true;
        }
        public ExtImageCopyCaptureSessionV1 Resource { get; }
        public (uint W, uint H)? Size { get; private set; }
        public List<WlShm.Format> ShmFormats { get; } = [];
        public int DmabufEvents { get; private set; }
        public int Dones { get; private set; }
        public bool Stopped { get; private set; }
    }

    private sealed class Frame
    {
        public Frame(ExtImageCopyCaptureFrameV1 f)
        {
            Resource = f;
            f.Transform += (_, t) => Transform = t;
            f.Damage += (_, x, y, w, h) => Damage.Add((x, y, w, h));
            f.PresentationTime += (_, hi, lo, ns) => Time = ((ulong)hi << 32 | lo, ns);
            f.Ready += _ => Ready = true;
            f.Failed += (_, r) => Failed = r;
        }
        public ExtImageCopyCaptureFrameV1 Resource { get; }
        public WlOutput.Transform? Transform { get; private set; }
        public List<(int X, int Y, int W, int H)> Damage { get; } = [];
        public (ulong Seconds, uint Nanoseconds)? Time { get; private set; }
        public bool Ready { get; private set; }
        public ExtImageCopyCaptureFrameV1.FailureReason? Failed { get; private set; }
    }

    private static Session NewSession(Client c, ExtImageCopyCaptureManagerV1.Options options = 0)
    {
        var s = new Session(c.Manager.CreateSession(c.Sources.CreateSource(c.Output), options));
        c.Test.Roundtrip();
        return s;
    }

    private WlBuffer ShmBuffer(WlShm shm, int width, int height, int stride, WlShm.Format format = WlShm.Format.Xrgb8888)
    {
        var name = Marshal.StringToHGlobalAnsi("ext-capture");
        var fd = memfd_create((byte*)name, MFD_CLOEXEC);
        Marshal.FreeHGlobal(name);
        _fds.Add(fd);
        ftruncate(fd, (long)stride * height);
        return shm.CreatePool(fd, stride * height).CreateBuffer(0, width, height, stride, format);
    }

    /// <summary>create_frame, attach, damage everything, capture.</summary>
    private static Frame Capture(Client c, Session s, WlBuffer buffer)
    {
        var f = new Frame(s.Resource.CreateFrame());
        f.Resource.AttachBuffer(buffer);
        f.Resource.DamageBuffer(0, 0, 640, 480);
        f.Resource.Capture();
        c.Test.Roundtrip();
        return f;
    }

    private static void AssertError(TestClient client, string iface, uint code)
    {
        var error = client.ErrorAfterRoundtrip();
        Assert.True(error is not null, $"expected {iface} error {code}, got none");
        Assert.Equal((iface, code), (error!.Interface, error.Code));
    }

    private void ShowWindow(uint r, uint g, uint b)
    {
        var other = _compositor.Connect();
        var surface = other.Bind<WlCompositor>("wl_compositor", 6).CreateSurface();
        other.Bind<WpViewporter>("wp_viewporter", 1).GetViewport(surface).SetDestination(100, 80);
        new TestToplevel(other, surface)
            .Show(other.Bind<WpSinglePixelBufferManagerV1>("wp_single_pixel_buffer_manager_v1", 1).CreateU32RgbaBuffer(r, g, b, uint.MaxValue));
    }

    [Fact]
    public void SessionAnnouncesTheOutputSizeAndXrgbShmAndNoDmabuf()
    {
        var c = new Client(_compositor);
        var s = NewSession(c);
        Assert.Equal((640u, 480u), s.Size);
        Assert.Equal([WlShm.Format.Xrgb8888], s.ShmFormats);
        Assert.Equal(0, s.DmabufEvents);
        Assert.Equal(1, s.Dones);
        Assert.False(s.Stopped);
    }

    [Fact]
    public void FirstFrameIsFilledAtTheNextFrameWithFullDamageAndLaterOnesWaitForDamage()
    {
        var c = new Client(_compositor);
        var s = NewSession(c);
        var buffer = ShmBuffer(c.Shm, 640, 480, 2560);
        var f1 = Capture(c, s, buffer);
        Assert.False(f1.Ready); // not before a frame is drawn
        _compositor.Frame();
        c.Test.Roundtrip();
        Assert.True(f1.Ready);
        Assert.Null(f1.Failed);
        Assert.Equal(WlOutput.Transform.Normal, f1.Transform);
        Assert.Equal([(0, 0, 640, 480)], f1.Damage);
        Assert.NotNull(f1.Time);
        Assert.InRange(f1.Time!.Value.Nanoseconds, 0u, 999_999_999u);

        f1.Resource.Destroy();
        var f2 = Capture(c, s, buffer);
        _compositor.Frame();
        c.Test.Roundtrip();
        Assert.False(f2.Ready); // nothing changed
        ShowWindow(0, 0, uint.MaxValue);
        _compositor.Frame();
        c.Test.Roundtrip();
        Assert.True(f2.Ready);
        Assert.Equal([(32, 32, 100, 80)], f2.Damage);
    }

    [Fact]
    public void PaintCursorsCapturesComposeTheCursorOnAnOutputNobodyWatches()
    {
        using var compositor = new InProcessCompositor(640, 480, showsEveryFrame: false);
        var c = new Client(compositor);
        var s = new Session(c.Manager.CreateSession(c.Sources.CreateSource(c.Output), ExtImageCopyCaptureManagerV1.Options.PaintCursors));
        c.Test.Roundtrip();
        var f = new Frame(s.Resource.CreateFrame());
        f.Resource.AttachBuffer(ShmBuffer(c.Shm, 640, 480, 2560));
        f.Resource.Capture();
        c.Test.Roundtrip();
        var output = compositor.Server.Scene.Outputs[0];
        Assert.Equal((1, 1), (output.CapturesWaiting, output.CursorCapturesWaiting));
        compositor.Frame();
        c.Test.Roundtrip();
        Assert.True(f.Ready);
        Assert.Equal((0, 0), (output.CapturesWaiting, output.CursorCapturesWaiting));
    }

    [Theory]
    [InlineData(320, 480, 2560, WlShm.Format.Xrgb8888)]  // wrong size
    [InlineData(640, 240, 2560, WlShm.Format.Xrgb8888)]  // wrong height
    [InlineData(640, 480, 2560, WlShm.Format.Argb8888)]  // a format that was not announced
    public void BufferUnlikeTheConstraintsFailsWithBufferConstraints(int width, int height, int stride, WlShm.Format format)
    {
        var c = new Client(_compositor);
        var s = NewSession(c);
        var f = Capture(c, s, ShmBuffer(c.Shm, width, height, stride, format));
        Assert.Equal(ExtImageCopyCaptureFrameV1.FailureReason.BufferConstraints, f.Failed);
        Assert.False(f.Ready);
        Assert.Null(c.Test.ErrorAfterRoundtrip());
    }

    [Fact]
    public void UnpluggedOutputStopsTheSessionAndFailsItsFramesWithStopped()
    {
        var second = new InProcessCompositor.TestOutput(320, 240, name: "TEST-2");
        _compositor.Backend.Plug(second);
        var c = new Client(_compositor);
        c.Test.Roundtrip();
        var secondOutput = c.Test.Bind<WlOutput>("wl_output", 4); // the newest wl_output global
        var s = new Session(c.Manager.CreateSession(c.Sources.CreateSource(secondOutput), 0));
        c.Test.Roundtrip();
        Assert.Equal((320u, 240u), s.Size);
        var buffer = ShmBuffer(c.Shm, 320, 240, 1280);
        var queued = new Frame(s.Resource.CreateFrame());
        queued.Resource.AttachBuffer(buffer);
        queued.Resource.Capture();
        c.Test.Roundtrip();

        _compositor.Backend.Unplug(second);
        c.Test.Roundtrip();
        Assert.True(s.Stopped);
        Assert.Equal(ExtImageCopyCaptureFrameV1.FailureReason.Stopped, queued.Failed);

        // A frame of the stopped session fails at once; a source of the gone output stops its session at once.
        queued.Resource.Destroy();
        var late = Capture(c, s, buffer);
        Assert.Equal(ExtImageCopyCaptureFrameV1.FailureReason.Stopped, late.Failed);
        var gone = new Session(c.Manager.CreateSession(c.Sources.CreateSource(secondOutput), 0));
        c.Test.Roundtrip();
        Assert.True(gone.Stopped);
        Assert.Null(gone.Size);
        Assert.Null(c.Test.ErrorAfterRoundtrip());
    }

    [Fact]
    public void DestroyedFrameLeavesTheQueueAndDestroyedSourceLeavesTheSessionWorking()
    {
        var c = new Client(_compositor);
        var source = c.Sources.CreateSource(c.Output);
        var s = new Session(c.Manager.CreateSession(source, 0));
        source.Destroy();
        c.Test.Roundtrip();
        var buffer = ShmBuffer(c.Shm, 640, 480, 2560);
        var f = Capture(c, s, buffer);
        f.Resource.Destroy();
        c.Test.Roundtrip();
        Assert.Equal(0, _compositor.Server.Scene.Outputs[0].CapturesWaiting);
        var f2 = Capture(c, s, buffer);
        _compositor.Frame();
        c.Test.Roundtrip();
        Assert.True(f2.Ready);
    }

    [Fact]
    public void CursorSessionNeverEntersAndItsCaptureSessionIsStopped()
    {
        var c = new Client(_compositor);
        var pointer = c.Test.Bind<WlSeat>("wl_seat", 9).GetPointer();
        var cursor = c.Manager.CreatePointerCursorSession(c.Sources.CreateSource(c.Output), pointer);
        var entered = false;
        cursor.Enter += _ => entered = true;
        var s = new Session(cursor.GetCaptureSession());
        c.Test.Roundtrip();
        Assert.True(s.Stopped);
        Assert.False(entered);
        cursor.GetCaptureSession();
        AssertError(c.Test, "ext_image_copy_capture_cursor_session_v1", (uint)ExtImageCopyCaptureCursorSessionV1.Error.DuplicateSession);
    }

    // ---- protocol errors ----

    [Fact]
    public void UnknownOptionIsInvalidOption()
    {
        var c = new Client(_compositor);
        c.Manager.CreateSession(c.Sources.CreateSource(c.Output), (ExtImageCopyCaptureManagerV1.Options)2);
        AssertError(c.Test, "ext_image_copy_capture_manager_v1", (uint)ExtImageCopyCaptureManagerV1.Error.InvalidOption);
    }

    [Fact]
    public void SecondFrameWhileTheFirstLivesIsDuplicateFrame()
    {
        var c = new Client(_compositor);
        var s = NewSession(c);
        var first = s.Resource.CreateFrame();
        first.Destroy();
        s.Resource.CreateFrame(); // allowed: the first is destroyed
        Assert.Null(c.Test.ErrorAfterRoundtrip());
        s.Resource.CreateFrame();
        AssertError(c.Test, "ext_image_copy_capture_session_v1", (uint)ExtImageCopyCaptureSessionV1.Error.DuplicateFrame);
    }

    [Fact]
    public void CaptureWithoutABufferIsNoBuffer()
    {
        var c = new Client(_compositor);
        var s = NewSession(c);
        s.Resource.CreateFrame().Capture();
        AssertError(c.Test, "ext_image_copy_capture_frame_v1", (uint)ExtImageCopyCaptureFrameV1.Error.NoBuffer);
    }

    [Fact]
    public void CaptureOfADestroyedBufferIsNoBuffer()
    {
        var c = new Client(_compositor);
        var s = NewSession(c);
        var f = s.Resource.CreateFrame();
        var buffer = ShmBuffer(c.Shm, 640, 480, 2560);
        f.AttachBuffer(buffer);
        buffer.Destroy();
        f.Capture();
        AssertError(c.Test, "ext_image_copy_capture_frame_v1", (uint)ExtImageCopyCaptureFrameV1.Error.NoBuffer);
    }

    [Theory]
    [InlineData("capture")]
    [InlineData("attach_buffer")]
    [InlineData("damage_buffer")]
    public void RequestAfterCaptureIsAlreadyCaptured(string request)
    {
        var c = new Client(_compositor);
        var s = NewSession(c);
        var buffer = ShmBuffer(c.Shm, 640, 480, 2560);
        var f = s.Resource.CreateFrame();
        f.AttachBuffer(buffer);
        f.Capture();
        Assert.Null(c.Test.ErrorAfterRoundtrip());
        switch (request)
        {
            case "capture": f.Capture(); break;
            case "attach_buffer": f.AttachBuffer(buffer); break;
            default: f.DamageBuffer(0, 0, 10, 10); break;
        }
        AssertError(c.Test, "ext_image_copy_capture_frame_v1", (uint)ExtImageCopyCaptureFrameV1.Error.AlreadyCaptured);
    }

    [Theory]
    [InlineData(-1, 0, 10, 10)]
    [InlineData(0, -1, 10, 10)]
    [InlineData(0, 0, 0, 10)]
    [InlineData(0, 0, 10, -5)]
    public void DamageThatIsNoRectangleIsInvalidBufferDamage(int x, int y, int w, int h)
    {
        var c = new Client(_compositor);
        var s = NewSession(c);
        var f = s.Resource.CreateFrame();
        f.DamageBuffer(0, 0, 640, 480);
        Assert.Null(c.Test.ErrorAfterRoundtrip());
        f.DamageBuffer(x, y, w, h);
        AssertError(c.Test, "ext_image_copy_capture_frame_v1", (uint)ExtImageCopyCaptureFrameV1.Error.InvalidBufferDamage);
    }
}
