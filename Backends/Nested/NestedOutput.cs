using Serilog;
using Wayland.Client;
using Wayland.Events;
using Wayland.Protocols.Client;

namespace Compositor.Backends.Nested;

/// <summary>
/// An output that is a window in another Wayland compositor: an xdg_toplevel of a fixed size.
/// Frames are paced by the parent's frame callbacks; each frame's damage is copied from the
/// offscreen image into a free shm buffer (<see cref="BufferDamage"/> keeps what each one lacks),
/// which is attached with exactly that damage. Presentation comes from the parent's
/// wp_presentation when it has one.
/// </summary>
public sealed class NestedOutput : IOutput, IDisposable
{
    private const int BufferCount = 3;

    private readonly ClientDisplay _parent;
    private readonly Action _flushParent;
    private readonly IRenderer _renderer;
    private readonly ILogger _log;
    private readonly WpPresentation? _presentation;
    private readonly TimerSource _startFrame;
    private readonly TimerSource _afterSkippedFrame;
    private readonly ShmSwapchain _swapchain;
    private readonly BufferDamage _bufferDamage = new(BufferCount);
    private readonly Region _copy = new();
    private readonly WlCallback.DoneHandler _onFrameDone;
    private readonly WpPresentationFeedback.PresentedHandler _onPresented;
    private readonly WpPresentationFeedback.DiscardedHandler _onDiscarded;
    private bool _scheduled, _waitingForParent;
    private uint _sequence;

    /// <param name="flushParent">Sends what is queued for the parent; a lost parent is the backend's to handle.</param>
    internal NestedOutput(EventLoop loop, ClientDisplay parent, Action flushParent, ParentGlobals globals, IRenderer renderer, int width, int height, ILogger log)
    {
        _parent = parent;
        _flushParent = flushParent;
        _renderer = renderer;
        _log = log;
        _presentation = globals.Presentation;
        Width = width;
        Height = height;
        _onFrameDone = (_, _) => FrameDone();
        _onPresented = OnPresented;
        _onDiscarded = _ => OnDiscarded();

        Surface = globals.Compositor.CreateSurface();
        XdgSurface = globals.WmBase.GetXdgSurface(Surface);
        Toplevel = XdgSurface.GetToplevel();
        Toplevel.SetTitle("compositor (nested)");
        Toplevel.SetAppId("compositor");
        // One size: the output's mode does not change with the window.
        Toplevel.SetMinSize(width, height);
        Toplevel.SetMaxSize(width, height);
        Toplevel.Close += _ => CloseRequested?.Invoke();
        uint serial = 0;
        XdgSurface.Configure += (s, sn) =>
        {
            serial = sn;
            s.AckConfigure(sn);
        };
        Surface.Commit();
        while (serial == 0 && parent.Error is null) parent.Dispatch(5000);
        if (parent.Error is { } error) throw new WaylandProtocolException(error);

        _swapchain = new ShmSwapchain(globals.Shm, width, height, BufferCount);
        _bufferDamage.DamageAll(new Rect(0, 0, width, height));
        Target = renderer.CreateOffscreenTarget(width, height);
        _startFrame = loop.AddTimer(StartFrame);
        _afterSkippedFrame = loop.AddTimer(FrameDone);
        Description = $"window {width}x{height} in the parent compositor";
    }

    public string Name => "WL-1";
    public string Description { get; }
    public string Make => "wayland";
    public string Model => "nested";
    public int Width { get; }
    public int Height { get; }
    public int RefreshMilliHz => 60_000; // the parent's pace, really; it does not say
    public int PhysicalWidthMm => 0;
    public int PhysicalHeightMm => 0;
    public int Scale => 1;
    public bool ShowsEveryFrame => true;
    public ScanoutPlane? Scanout => null;
    public bool TryScanout(IScanoutSource buffer) => false;
    public IRenderTarget Target { get; }
    public WlSurface Surface { get; }
    public XdgSurface XdgSurface { get; }
    public XdgToplevel Toplevel { get; }

    public event Action<IOutput>? Frame;
    public event Action<IOutput, PresentationTime>? Presented;
    /// <summary>The parent asked the window to close.</summary>
    internal event Action? CloseRequested;

    public void ScheduleFrame()
    {
        if (_scheduled) return;
        _scheduled = true;
        if (!_waitingForParent) _startFrame.ArmAt(1);
    }

    private void StartFrame()
    {
        if (!_scheduled || _waitingForParent) return;
        _scheduled = false;
        Frame?.Invoke(this);
    }

    private void FrameDone()
    {
        _waitingForParent = false;
        StartFrame();
    }

    public void Present(ReadOnlySpan<Rect> damage)
    {
        var index = damage.IsEmpty ? -1 : _swapchain.Free();
        if (index < 0)
        {
            // Nothing new, or every buffer still with the parent: nothing to show. The damage is
            // not lost: buffers that did not get it still miss it.
            _bufferDamage.Skip(damage);
            Presented?.Invoke(this, new PresentationTime(MonotonicClock.Nanoseconds, 0, _sequence, 0));
            // No parent frame callback comes for a frame not committed: wait a refresh instead,
            // so clients asking for frames without drawing do not spin the loop.
            _waitingForParent = true;
            _afterSkippedFrame.ArmAt(MonotonicClock.Nanoseconds + 16_666_667);
            return;
        }
        _bufferDamage.Draw(index, damage, _copy);
        var pixels = _swapchain.Pixels(index);
        foreach (var r in _copy.Rects)
        {
            var c = r.Intersect(new Rect(0, 0, Width, Height));
            if (!c.IsEmpty) _renderer.ReadPixels(Target, c, Fourcc.Xrgb8888, pixels[(c.Y * _swapchain.Stride + c.X * 4)..], _swapchain.Stride);
        }
        Surface.Attach(_swapchain.Take(index), 0, 0);
        foreach (var r in damage) Surface.DamageBuffer(r.X, r.Y, r.Width, r.Height);
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
            Presented?.Invoke(this, new PresentationTime(MonotonicClock.Nanoseconds, 0, ++_sequence, 0));
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
        Target.Dispose();
        _swapchain.Dispose();
        Toplevel.Destroy();
        XdgSurface.Destroy();
        Surface.Destroy();
    }

}
