using Serilog;
using static Compositor.Backends.Native.DrmIoctl;

namespace Compositor.Backends.Drm;

/// <summary>
/// A CRTC's cursor plane (atomic KMS): two ARGB8888 dumb buffers of the size the driver gives
/// cursors (DRM_CAP_CURSOR_WIDTH/HEIGHT), one shown while the next image is drawn into the other.
/// A CPU renderer (pixman) draws into them through their DMA-BUF; a GPU renderer draws offscreen and
/// the image (a few KiB, only when the cursor changes) is read into the buffer, since a display
/// plane's pixels must be complete when the commit reaches it and a cursor change is rare. Its state
/// goes into the output's next atomic commit (<see cref="AtomicCrtc"/>).
/// </summary>
internal sealed class KmsCursorPlane : ICursorPlane, IDisposable
{
    private readonly IRenderer _renderer;
    private readonly ScanoutBuffer[] _buffers;
    private readonly IRenderTarget? _offscreen;
    private int _front = -1, _drawing = -1;

    private KmsCursorPlane(IRenderer renderer, ScanoutBuffer[] buffers, IRenderTarget? offscreen, int width, int height)
    {
        _renderer = renderer;
        _buffers = buffers;
        _offscreen = offscreen;
        Width = width;
        Height = height;
    }

    public int Width { get; }
    public int Height { get; }
    /// <summary>What the next commit sets: shown (with this framebuffer, place and hotspot) or not.</summary>
    public bool Visible { get; private set; }
    public uint FramebufferId => _front >= 0 ? _buffers[_front].FramebufferId : 0;
    public int X { get; private set; }
    public int Y { get; private set; }
    public int HotspotX { get; private set; }
    public int HotspotY { get; private set; }
    /// <summary>Images drawn (for the log and checks).</summary>
    public long Images { get; private set; }

    /// <param name="cpuDrawn">The output's renderer draws into dumb buffers itself (pixman).</param>
    public static KmsCursorPlane? Create(DrmDevice device, IRenderer renderer, bool cpuDrawn, ILogger log, string output)
    {
        var width = Cap(device, CapCursorWidth);
        var height = Cap(device, CapCursorHeight);
        var buffers = new ScanoutBuffer[2];
        try
        {
            for (var i = 0; i < buffers.Length; i++)
            {
                if (!cpuDrawn) buffers[i] = ScanoutBuffer.DumbOnly(device, width, height, Fourcc.Argb8888);
                else if (ScanoutBuffer.DrawnDumb(device, renderer, width, height, Fourcc.Argb8888) is ({ } b, _)) buffers[i] = b;
                else throw new IOException("the renderer cannot draw into an ARGB8888 dumb buffer");
            }
            return new KmsCursorPlane(renderer, buffers, cpuDrawn ? null : renderer.CreateOffscreenTarget(width, height), width, height);
        }
        catch (IOException e)
        {
            foreach (var b in buffers) b?.Dispose();
            log.Information("{Output}: the pointer is composited: no cursor plane buffer ({Why})", output, e.Message);
            return null;
        }
    }

    private static int Cap(DrmDevice device, ulong capability)
    {
        var cap = new GetCap { Capability = capability };
        return Ioctl(device.Fd, IoctlGetCap, ref cap) == 0 && cap.Value is > 0 and <= 512 ? (int)cap.Value : 64;
    }

    public IRenderTarget BeginImage()
    {
        // The buffer not on screen: the last commit showed the other one (frames follow the flips).
        _drawing = (_front + 1) % _buffers.Length;
        return _offscreen ?? _buffers[_drawing].Target!;
    }

    public void EndImage()
    {
        if (_drawing < 0) return;
        if (_offscreen is not null)
        {
            var dumb = _buffers[_drawing].Dumb!;
            _renderer.ReadPixels(_offscreen, new Rect(0, 0, Width, Height), Fourcc.Argb8888, dumb.Pixels, dumb.Pitch);
        }
        _front = _drawing;
        _drawing = -1;
        Images++;
    }

    public void Show(int x, int y, int hotspotX, int hotspotY)
    {
        Visible = _front >= 0;
        (X, Y, HotspotX, HotspotY) = (x, y, hotspotX, hotspotY);
    }

    public void Hide() => Visible = false;

    public void Dispose()
    {
        _offscreen?.Dispose();
        foreach (var b in _buffers) b.Dispose();
    }
}
