using Compositor.Backends.Rendering;
using Serilog;
using Wayland.Client;
using Wayland.Events;
using Wayland.Protocols.Client;

namespace Compositor.Backends.Nested;

/// <summary>
/// An output that is a window in another Wayland compositor: an xdg_toplevel whose size the parent
/// may change (a configure with a size becomes our new mode). Frames are paced by the parent's
/// frame callbacks. Where the parent takes DMA-BUFs and the renderer has a render node, the
/// renderer draws straight into GBM buffers the parent imports (<see cref="DmabufSwapchain"/>: no
/// copy); else each frame's damage is read back from an offscreen image into a free shm buffer.
/// Either way <see cref="BufferDamage"/> keeps what each buffer lacks, and the buffer is attached
/// with exactly that damage. Presentation comes from the parent's wp_presentation when it has one.
/// </summary>
public sealed class NestedOutput : IOutput, IDisposable
{
    private const int BufferCount = 3;

    private readonly ClientDisplay _parent;
    private readonly Action _flushParent;
    private readonly ParentGlobals _globals;
    private readonly IRenderer _renderer;
    private readonly nint _gbm;
    private readonly ILogger _log;
    private readonly WpPresentation? _presentation;
    private readonly TimerSource _startFrame;
    private readonly TimerSource _afterSkippedFrame;
    private readonly BufferDamage _bufferDamage = new(BufferCount);
    private readonly Region _copy = new();
    // Damage of frames drawn but never committed: the parent must hear of it with the next commit.
    private readonly Region _uncommitted = new();
    private readonly WlCallback.DoneHandler _onFrameDone;
    private readonly WpPresentationFeedback.PresentedHandler _onPresented;
    private readonly WpPresentationFeedback.DiscardedHandler _onDiscarded;
    private ShmSwapchain? _shm;
    private DmabufSwapchain? _dmabuf;
    // The shm path's drawing, or on the DMA-BUF path a frame's when every buffer is with the parent.
    private IRenderTarget? _offscreen;
    private int _acquired = -1, _lastDrawn = -1;
    // The frame being drawn found no free buffer: it goes into the offscreen image, unseen.
    private bool _drawingOffscreen;
    private readonly TimerSource _resize;
    // New buffers are being made (their creation waits for the parent's answers): no frames meanwhile.
    private bool _resizing;
    private bool _scheduled, _waitingForParent;
    private (int Width, int Height) _configured;
    private uint _sequence;

    /// <param name="flushParent">Sends what is queued for the parent; a lost parent is the backend's to handle.</param>
    internal NestedOutput(EventLoop loop, ClientDisplay parent, Action flushParent, ParentGlobals globals, IRenderer renderer, int width, int height, ILogger log)
    {
        _parent = parent;
        _flushParent = flushParent;
        _globals = globals;
        _renderer = renderer;
        _gbm = (renderer as GlesRenderer)?.Device?.Gbm ?? 0;
        _log = log;
        _presentation = globals.Presentation;
        Width = width;
        Height = height;
        _onFrameDone = (_, _) => FrameDone();
        _onPresented = OnPresented;
        _onDiscarded = _ => OnDiscarded();

        _resize = loop.AddTimer(Resize);
        Surface = globals.Compositor.CreateSurface();
        XdgSurface = globals.WmBase.GetXdgSurface(Surface);
        Toplevel = XdgSurface.GetToplevel();
        Toplevel.SetTitle("compositor (nested)");
        Toplevel.SetAppId("compositor");
        Toplevel.Close += _ => CloseRequested?.Invoke();
        // 0x0: ours to choose (the --output size, or what we have); a size: the parent's wish, followed.
        Toplevel.Configure += (_, w, h, _) => _configured = (w, h);
        var initial = true;
        XdgSurface.Configure += (s, serial) =>
        {
            s.AckConfigure(serial);
            // Not from inside the parent's dispatch: making DMA-BUF buffers waits for the parent's
            // answers, which would dispatch this same configure again.
            if (initial) initial = false;
            else _resize.ArmAt(1);
        };
        Surface.Commit();
        while (initial && parent.Error is null) parent.Dispatch(5000);
        if (parent.Error is { } error) throw new WaylandProtocolException(error);
        if (_configured is ( > 0, > 0)) (Width, Height) = _configured;

        CreateBuffers();
        _startFrame = loop.AddTimer(StartFrame);
        _afterSkippedFrame = loop.AddTimer(FrameDone);
    }

    public string Name => "WL-1";
    public string Description => $"window {Width}x{Height} in the parent compositor";
    public string Make => "wayland";
    public string Model => "nested";
    public int Width { get; private set; }
    public int Height { get; private set; }
    public int RefreshMilliHz => 60_000; // the parent's pace, really; it does not say
    public int PhysicalWidthMm => 0;
    public int PhysicalHeightMm => 0;
    public int Scale => 1;
    public bool ShowsEveryFrame => true;
    public ScanoutPlane? Scanout => null;
    public bool TryScanout(IScanoutSource buffer) => false;
    /// <summary>On the DMA-BUF path the buffer being drawn, else the one drawn last; the offscreen
    /// image on the shm path.</summary>
    public IRenderTarget Target =>
        _dmabuf is not null && !_drawingOffscreen && (_acquired >= 0 || _lastDrawn >= 0) ? _dmabuf.Target(_acquired >= 0 ? _acquired : _lastDrawn) : Offscreen();
    /// <summary>"linux-dmabuf (implicit)", "linux-dmabuf (linear)" or "wl_shm": how frames reach the parent.</summary>
    public string Transport => _dmabuf is { } d ? $"linux-dmabuf ({d.Layout})" : "wl_shm";
    /// <summary>Why frames go through wl_shm (empty on the DMA-BUF path).</summary>
    public string WhyShm { get; private set; } = "";
    public WlSurface Surface { get; }
    public XdgSurface XdgSurface { get; }
    public XdgToplevel Toplevel { get; }

    public event Action<IOutput>? Frame;
    public event Action<IOutput, PresentationTime>? Presented;
    public event Action<IOutput>? ModeChanged;
    /// <summary>The parent asked the window to close.</summary>
    internal event Action? CloseRequested;

    private IRenderTarget Offscreen() => _offscreen ??= _renderer.CreateOffscreenTarget(Width, Height);

    private void CreateBuffers()
    {
        _dmabuf = null;
        WhyShm = "";
        if (_globals.Dmabuf is { } dmabuf)
            _dmabuf = DmabufSwapchain.Create(_parent, dmabuf, _globals.DmabufFormats, _renderer, _gbm, Width, Height, BufferCount, out var whyNot)
                      ?? Fallback(whyNot);
        else Fallback("the parent has no zwp_linux_dmabuf_v1");
        _bufferDamage.DamageAll(new Rect(0, 0, Width, Height));
        _uncommitted.Set(new Rect(0, 0, Width, Height));
        _acquired = _lastDrawn = -1;

        DmabufSwapchain? Fallback(string why)
        {
            WhyShm = why;
            _shm = new ShmSwapchain(_globals.Shm, Width, Height, BufferCount);
            return null;
        }
    }

    /// <summary>The parent sized the window: new buffers of that size, and a new mode.</summary>
    private void Resize()
    {
        if (_configured is not ( > 0, > 0) || _configured == (Width, Height)) return;
        (Width, Height) = _configured;
        _log.Information("{Output}: the parent resized the window to {Width}x{Height}", Name, Width, Height);
        _resizing = true;
        try
        {
            DisposeBuffers();
            CreateBuffers();
        }
        finally
        {
            _resizing = false;
        }
        ModeChanged?.Invoke(this);
        if (_scheduled && !_waitingForParent) _startFrame.ArmAt(1);
    }

    private void DisposeBuffers()
    {
        _offscreen?.Dispose();
        _offscreen = null;
        _shm?.Dispose();
        _shm = null;
        _dmabuf?.Dispose();
        _dmabuf = null;
    }

    public void ScheduleFrame()
    {
        if (_scheduled) return;
        _scheduled = true;
        if (!_waitingForParent) _startFrame.ArmAt(1);
    }

    private void StartFrame()
    {
        if (!_scheduled || _waitingForParent || _resizing) return;
        _scheduled = false;
        Frame?.Invoke(this);
    }

    private void FrameDone()
    {
        _waitingForParent = false;
        StartFrame();
    }

    /// <summary>DMA-BUF path: the free buffer is drawn into, with what it missed.</summary>
    public void AcquireTarget(Region damage)
    {
        if (_dmabuf is null) return;
        _acquired = _dmabuf.Free();
        // None free: the frame goes into the offscreen image, unseen (Present skips it, and every
        // buffer keeps missing its damage).
        _drawingOffscreen = _acquired < 0;
        if (_drawingOffscreen) return;
        _bufferDamage.Draw(_acquired, damage.Rects, _copy);
        damage.Set(_copy);
    }

    public void Present(ReadOnlySpan<Rect> damage)
    {
        WlBuffer? buffer = null;
        _drawingOffscreen = false;
        if (damage.IsEmpty) { }
        else if (_dmabuf is not null)
        {
            if (_acquired >= 0)
            {
                // The parent's import waits for our drawing through the buffer's implicit fences.
                var fence = _renderer.Submit();
                if (fence >= 0) Tmds.Linux.LibC.close(fence);
                buffer = _dmabuf.Take(_acquired);
                _lastDrawn = _acquired;
                _acquired = -1;
            }
        }
        else if (_shm!.Free() is var index and >= 0)
        {
            _bufferDamage.Draw(index, damage, _copy);
            var pixels = _shm.Pixels(index);
            foreach (var r in _copy.Rects)
            {
                var c = r.Intersect(new Rect(0, 0, Width, Height));
                if (!c.IsEmpty) _renderer.ReadPixels(Offscreen(), c, Fourcc.Xrgb8888, pixels[(c.Y * _shm.Stride + c.X * 4)..], _shm.Stride);
            }
            buffer = _shm.Take(index);
        }
        if (buffer is null)
        {
            // Nothing new, or every buffer still with the parent: nothing to show. The damage is
            // not lost: buffers that did not get it still miss it.
            _bufferDamage.Skip(damage);
            foreach (var r in damage) _uncommitted.AddBounded(r, BufferDamage.MaxRects);
            // "Presented" gives the frame's client buffers back: the GPU must be done reading them.
            _renderer.Finish();
            Presented?.Invoke(this, new PresentationTime(MonotonicClock.Nanoseconds, 0, _sequence, 0));
            // No parent frame callback comes for a frame not committed: wait a refresh instead,
            // so clients asking for frames without drawing do not spin the loop.
            _waitingForParent = true;
            _afterSkippedFrame.ArmAt(MonotonicClock.Nanoseconds + 16_666_667);
            return;
        }
        Surface.Attach(buffer, 0, 0);
        foreach (var r in damage) Surface.DamageBuffer(r.X, r.Y, r.Width, r.Height);
        foreach (var r in _uncommitted.Rects) Surface.DamageBuffer(r.X, r.Y, r.Width, r.Height);
        _uncommitted.Clear();
        Surface.Frame().Done += _onFrameDone;
        if (_presentation is not null)
        {
            var feedback = _presentation.Feedback(Surface);
            feedback.Presented += _onPresented;
            feedback.Discarded += _onDiscarded;
        }
        Surface.Commit();
        _waitingForParent = true;
        _flushParent();
        if (_presentation is null)
        {
            // As above: what the frame read goes back to its clients, so the GPU must be done with it.
            _renderer.Finish();
            Presented?.Invoke(this, new PresentationTime(MonotonicClock.Nanoseconds, 0, ++_sequence, 0));
        }
    }

    private void OnPresented(WpPresentationFeedback sender, uint secHi, uint secLo, uint nsec, uint refresh, uint seqHi, uint seqLo, WpPresentationFeedback.Kind flags)
    {
        var ns = (long)(((ulong)secHi << 32) | secLo) * 1_000_000_000L + nsec;
        // The parent's timing stands for ours; zero_copy is about its buffer, not our clients'.
        Presented?.Invoke(this, new PresentationTime(ns, refresh, ((ulong)seqHi << 32) | seqLo, (uint)flags & 7u));
    }

    private void OnDiscarded() => Presented?.Invoke(this, new PresentationTime(MonotonicClock.Nanoseconds, 0, _sequence, 0));

    public void Dispose()
    {
        _startFrame.Dispose();
        _afterSkippedFrame.Dispose();
        _resize.Dispose();
        DisposeBuffers();
        Toplevel.Destroy();
        XdgSurface.Destroy();
        Surface.Destroy();
    }
}
