using System.Runtime.InteropServices;
using Compositor.Tests.Harness;
using Wayland.Protocols.Client;
using static Tmds.Linux.LibC;

namespace Compositor.Tests;

/// <summary>
/// ext-image-copy-capture through the executable (headless, llvmpipe): no Debian client speaks it,
/// so the test process captures the screen over the socket with our generated client side and
/// compares every pixel with grim's capture of the same screen (wlr-screencopy).
/// </summary>
public sealed unsafe class ImageCopyCapturePixelTests : IDisposable
{
    private readonly RunningCompositor _compositor = new("640x480@60");
    public void Dispose() => _compositor.Dispose();

    [Fact]
    public void CapturedScreenMatchesGrimPixelForPixel()
    {
        using var client = new SocketClient(_compositor);
        client.MapSolidWindow(100, 80, 0, 200u * 0x01010101u, 100u * 0x01010101u);
        var manager = client.Bind<ExtImageCopyCaptureManagerV1>("ext_image_copy_capture_manager_v1", 1);
        var sources = client.Bind<ExtOutputImageCaptureSourceManagerV1>("ext_output_image_capture_source_manager_v1", 1);
        var output = client.Bind<WlOutput>("wl_output", 4);
        var shm = client.Bind<WlShm>("wl_shm", 1);
        var session = manager.CreateSession(sources.CreateSource(output), 0);
        (uint W, uint H)? size = null;
        var done = false;
        session.BufferSize += (_, w, h) => size = (w, h);
        session.Done += _ => done = true;
        client.Display.Roundtrip();
        Assert.True(done);
        Assert.Equal((640u, 480u), size);

        const int width = 640, height = 480, stride = width * 4;
        var name = Marshal.StringToHGlobalAnsi("ext-capture");
        var fd = memfd_create((byte*)name, MFD_CLOEXEC);
        Marshal.FreeHGlobal(name);
        try
        {
            ftruncate(fd, stride * height);
            var pool = shm.CreatePool(fd, stride * height);
            var buffer = pool.CreateBuffer(0, width, height, stride, WlShm.Format.Xrgb8888);
            var frame = session.CreateFrame();
            var ready = false;
            ExtImageCopyCaptureFrameV1.FailureReason? failed = null;
            frame.Ready += _ => ready = true;
            frame.Failed += (_, r) => failed = r;
            frame.AttachBuffer(buffer);
            frame.DamageBuffer(0, 0, width, height);
            frame.Capture();
            client.Display.Flush();
            for (var deadline = DateTime.UtcNow.AddSeconds(10); !ready && failed is null && DateTime.UtcNow < deadline;)
                client.Display.Dispatch(100);
            Assert.Null(failed);
            Assert.True(ready, "no ready in 10 s");

            var captured = new byte[stride * height];
            fixed (byte* p = captured)
                Assert.Equal(captured.Length, (int)pread(fd, p, captured.Length, 0));
            var grim = _compositor.Screenshot();
            Assert.Equal((width, height), (grim.Width, grim.Height));
            var differing = 0;
            for (var y = 0; y < height; y++)
                for (var x = 0; x < width; x++)
                {
                    var i = y * stride + x * 4; // XRGB8888, little-endian: B, G, R, X
                    if ((captured[i + 2], captured[i + 1], captured[i]) != grim[x, y]) differing++;
                }
            Assert.Equal(0, differing);
            // The window is really in both: a capture of an empty screen would match grim too.
            var at = 50 * stride + 50 * 4;
            Assert.Equal(((byte)0, (byte)200, (byte)100), (captured[at + 2], captured[at + 1], captured[at]));
        }
        finally { close(fd); }
    }
}
