using Compositor.Backends;
using Wayland.Protocols.Server;
using Wayland.Server;

namespace Compositor.Scene;

/// <summary>
/// An output as the compositor sees it: the backend's screen, its place in the global layout, the
/// damage waiting to be drawn, and its wl_output global. wl_output requests are handled here.
/// </summary>
public sealed class SceneOutput : IWlOutputHandler
{
    public const uint WlOutputVersion = 4;

    private readonly List<WlOutput> _resources = [];
    private readonly List<ZxdgOutputV1> _xdgOutputs = [];

    /// <param name="scale">Output pixels per layout pixel (the config's, else the backend's); fractional allowed.</param>
    /// <param name="transform">wl_output.transform (0-7) of the framebuffer: how the picture is
    /// rotated or flipped to be upright on a turned or mirrored screen.</param>
    public SceneOutput(Display display, IOutput output, int x, int y, double scale = 0, int transform = 0)
    {
        Output = output;
        X = x;
        Y = y;
        Scale = scale > 0 ? scale : output.Scale;
        Transform = transform & 7;
        Damage.Set(Bounds);
        Global = display.CreateGlobal<WlOutput>(WlOutputVersion, Bind);
    }

    public IOutput Output { get; }
    public Global<WlOutput> Global { get; }
    /// <summary>Position of the output's top-left corner in the global layout.</summary>
    public int X { get; }
    public int Y { get; }
    /// <summary>The part of <see cref="Bounds"/> left to windows by layer-shell panels' exclusive zones
    /// (where maximized windows go and new ones open).</summary>
    public Rect UsableArea
    {
        get => _usable is { } u && !u.Intersect(Bounds).IsEmpty ? u.Intersect(Bounds) : Bounds;
        internal set => _usable = value;
    }
    private Rect? _usable;

    public Rect Bounds => new(X, Y, (int)Math.Round(UprightWidth / Scale), (int)Math.Round(UprightHeight / Scale));
    /// <summary>Output pixels per layout pixel: 1, 2, or fractional (1.5).</summary>
    public double Scale { get; }
    /// <summary>wl_output.transform of the framebuffer (0 normal … 7 flipped-270): the framebuffer holds
    /// the upright picture transformed by it (see <see cref="OutputTransform"/>).</summary>
    public int Transform { get; }
    /// <summary>The picture's size in output pixels as seen upright: the mode's, swapped at 90 and 270.</summary>
    private int UprightWidth => OutputTransform.SwapsAxes(Transform) ? Output.Height : Output.Width;
    private int UprightHeight => OutputTransform.SwapsAxes(Transform) ? Output.Width : Output.Height;
    /// <summary>Whether layout pixels are framebuffer pixels, shifted (scale 1, no transform).</summary>
    public bool IsPlain => Scale == 1 && Transform == 0;
    /// <summary>wl_output.scale and wl_surface.preferred_buffer_scale: the scale rounded up, which
    /// clients without fractional scaling draw at (the compositor scales their buffers down).</summary>
    public int IntegerScale => RoundedUp(Scale);

    /// <summary>A scale rounded up to a whole one (1.5 → 2; 2.0000000001 from arithmetic stays 2).</summary>
    public static int RoundedUp(double scale) => (int)Math.Ceiling(scale - 1e-9);

    /// <summary>A layout rectangle in this output's framebuffer pixels (scaled, then transformed).
    /// Both edges are rounded, so rectangles that meet in the layout meet in pixels too, whatever the scale.</summary>
    public Rect ToPixels(Rect r)
    {
        if (Scale == 1) return Transformed(new Rect(r.X - X, r.Y - Y, r.Width, r.Height));
        var x0 = (int)Math.Round((r.X - X) * Scale);
        var y0 = (int)Math.Round((r.Y - Y) * Scale);
        var x1 = (int)Math.Round((r.X + r.Width - X) * Scale);
        var y1 = (int)Math.Round((r.Y + r.Height - Y) * Scale);
        return Transformed(new Rect(x0, y0, x1 - x0, y1 - y0));
    }

    /// <summary>The framebuffer pixels a layout rectangle touches, rounded outwards (for damage).</summary>
    public Rect ToPixelsCovering(Rect r)
    {
        if (Scale == 1) return Transformed(new Rect(r.X - X, r.Y - Y, r.Width, r.Height));
        var x0 = (int)Math.Floor((r.X - X) * Scale);
        var y0 = (int)Math.Floor((r.Y - Y) * Scale);
        var x1 = (int)Math.Ceiling((r.X + r.Width - X) * Scale);
        var y1 = (int)Math.Ceiling((r.Y + r.Height - Y) * Scale);
        return Transformed(new Rect(x0, y0, x1 - x0, y1 - y0));
    }

    private Rect Transformed(Rect upright) =>
        Transform == 0 ? upright : OutputTransform.Apply(Transform, upright, UprightWidth, UprightHeight);

    /// <summary>The layout point a framebuffer pixel position shows (where a pointer on a nested
    /// window or a touch screen points).</summary>
    public (double X, double Y) FromPixels(double x, double y)
    {
        var (ux, uy) = OutputTransform.Invert(Transform, x, y, UprightWidth, UprightHeight);
        return (X + ux / Scale, Y + uy / Scale);
    }

    /// <summary>The transform a renderer applies to draw a buffer with <paramref name="bufferTransform"/> here.</summary>
    public int DrawTransform(int bufferTransform) => OutputTransform.Compose(bufferTransform, Transform);
    /// <summary>What must be redrawn, in layout coordinates.</summary>
    public Region Damage { get; } = new();
    /// <summary>Client buffers the frame being drawn samples in place (DMA-BUFs, imported shm), locked:
    /// the GPU may read them until that frame is done, so each frame's batch is held until the backend
    /// reports that frame on screen (frames are reported in order, one report per frame).</summary>
    public List<Buffers.ClientBuffer> Reading { get; private set; } = [];
    private readonly Queue<List<Buffers.ClientBuffer>> _readsInFlight = new();
    private readonly Stack<List<Buffers.ClientBuffer>> _spareReads = new();

    /// <summary>Frames handed to the backend, and those it reported on screen (in order, one report each):
    /// the session lock waits for a frame submitted after it to be presented.</summary>
    public long FramesSubmitted { get; private set; }
    public long FramesPresented { get; private set; }

    /// <summary>The frame just drawn goes to the backend: its reads wait for its own report.</summary>
    internal void FrameSubmitted()
    {
        FramesSubmitted++;
        _readsInFlight.Enqueue(Reading);
        Reading = _spareReads.Count > 0 ? _spareReads.Pop() : [];
    }

    /// <summary>The oldest frame in flight is on screen: the buffers it read go back to their clients.</summary>
    internal void FramePresented()
    {
        FramesPresented++;
        if (!_readsInFlight.TryDequeue(out var batch)) return;
        Unlock(batch);
        _spareReads.Push(batch);
    }

    /// <summary>No report will come (the output is gone, the compositor stops): every read ends.</summary>
    internal void ReleaseAllReads()
    {
        Unlock(Reading);
        while (_readsInFlight.TryDequeue(out var batch)) Unlock(batch);
    }

    private static void Unlock(List<Buffers.ClientBuffer> batch)
    {
        // Indexed: a foreach would box the enumerator on this per-frame path.
        for (var i = 0; i < batch.Count; i++) batch[i].Unlock();
        batch.Clear();
    }
    /// <summary>Presentation feedback of content drawn in the frame now in flight.</summary>
    public List<(Surfaces.Surface Surface, WpPresentationFeedback Feedback)> InFlight { get; } = [];
    /// <summary>The surface that could be scanned out on this output's plane instead of composited
    /// (see <see cref="Scene.UpdateScanoutCandidate"/>); null when none, or the output has no plane.</summary>
    public Surfaces.Surface? ScanoutCandidate { get; set; }
    /// <summary>The last frame showed the candidate's buffer directly, not the composited image.</summary>
    public bool ScannedOut { get; set; }
    /// <summary>The pointer is on the output's cursor plane, not in the composited image: moving it
    /// damages nothing there.</summary>
    public bool CursorOnPlane { get; internal set; }
    /// <summary>Surfaces the last frame showed on overlay planes, left out of the composited image.</summary>
    internal List<Surfaces.Surface> OnOverlays { get; } = [];
    /// <summary>The cursor surface and commit, or the compositor's cursor image, that the cursor plane holds.</summary>
    internal object? CursorImage { get; set; }
    internal long CursorImageCommit { get; set; }
    /// <summary>The last frame composited the cursor into the image.</summary>
    internal bool CursorComposited { get; set; }
    /// <summary>Captures (screencopy frames) waiting for this output's next drawn frame.</summary>
    public int CapturesWaiting { get; set; }
    /// <summary>Of those, the ones that asked for the cursor (overlay_cursor): an output nobody
    /// watches (headless) composites the cursor only for them.</summary>
    public int CursorCapturesWaiting { get; set; }
    /// <summary>Whether the next frame must be drawn: someone sees it.</summary>
    public bool IsWatched => Output.ShowsEveryFrame || CapturesWaiting > 0;

    public IReadOnlyList<WlOutput> Resources => _resources;

    /// <summary>The output is gone: its resources no longer lead to it (requests naming them, such
    /// as a capture or set_fullscreen, find no output), and presentation feedback waiting for its
    /// frames is discarded.</summary>
    internal void Retire()
    {
        _retired = true;
        foreach (var r in _resources) r.Data = null;
        foreach (var (_, feedback) in InFlight)
            if (!feedback.IsDestroyed) { feedback.SendDiscarded(); feedback.Destroy(); }
        InFlight.Clear();
    }

    private bool _retired;

    private void Bind(WlOutput resource)
    {
        resource.Handler = this;
        // A bind that crossed the global's removal gets an inert resource.
        resource.Data = _retired ? null : this;
        _resources.Add(resource);
        resource.Destroyed += r => _resources.Remove((WlOutput)r);
        SendState(resource);
    }

    private void SendState(WlOutput r)
    {
        var o = Output;
        r.SendGeometry(X, Y, o.PhysicalWidthMm, o.PhysicalHeightMm, WlOutput.Subpixel.Unknown, o.Make, o.Model, (WlOutput.Transform)Transform);
        r.SendMode(WlOutput.Mode.Current | WlOutput.Mode.Preferred, o.Width, o.Height, o.RefreshMilliHz);
        r.SendScale(IntegerScale);
        r.SendName(o.Name);
        r.SendDescription(o.Description);
        r.SendDone();
    }

    /// <summary>An xdg_output describing this output, told again when the mode changes.</summary>
    internal void AddXdgOutput(ZxdgOutputV1 resource)
    {
        _xdgOutputs.Add(resource);
        resource.Destroyed += r => _xdgOutputs.Remove((ZxdgOutputV1)r);
    }

    /// <summary>The backend changed the output's mode: every client bound to it hears the new mode
    /// and logical size (in one batch ending with wl_output.done), and all of it is redrawn.</summary>
    public void ModeChanged()
    {
        var o = Output;
        foreach (var x in _xdgOutputs)
        {
            x.SendLogicalSize(Bounds.Width, Bounds.Height);
            if (x.Version < 3) x.SendDone();
        }
        foreach (var r in _resources)
        {
            r.SendMode(WlOutput.Mode.Current | WlOutput.Mode.Preferred, o.Width, o.Height, o.RefreshMilliHz);
            r.SendDone();
        }
        Damage.Set(Bounds);
        o.ScheduleFrame();
    }

    public void Release(WlOutput resource) { }
}
