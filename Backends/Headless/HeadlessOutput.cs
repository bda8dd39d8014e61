using Wayland.Events;

namespace Compositor.Backends.Headless;

/// <summary>
/// A virtual screen: renders into an offscreen target, and keeps time with a frame clock of refresh
/// boundaries at a fixed phase (start + k·period), armed only when a frame is asked for.
/// </summary>
public sealed class HeadlessOutput : IOutput, IDisposable
{
    private readonly TimerSource _timer;
    private long _startNs;
    private bool _scheduled;
    private long _frameNs;
    private ulong _sequence;

    private readonly IRenderer _renderer;

    internal HeadlessOutput(EventLoop loop, IRenderer renderer, OutputMode config, int index, bool drawEveryFrame)
    {
        _renderer = renderer;
        ShowsEveryFrame = drawEveryFrame;
        Width = config.Width;
        Height = config.Height;
        RefreshMilliHz = config.RefreshMilliHz;
        Name = $"HEADLESS-{index}";
        Description = $"Headless output {index} ({config})";
        // 96 dpi, as a screen of this many pixels would plausibly be.
        PhysicalWidthMm = (int)Math.Round(Width * 25.4 / 96);
        PhysicalHeightMm = (int)Math.Round(Height * 25.4 / 96);
        Target = renderer.CreateOffscreenTarget(Width, Height);
        RefreshNanoseconds = 1_000_000_000_000L / RefreshMilliHz;
        _startNs = MonotonicClock.Nanoseconds;
        _timer = loop.AddTimer(OnRefresh);
        var modes = new List<OutputMode> { config };
        foreach (var m in CommonModes)
            if (m != config) modes.Add(m);
        Modes = modes;
    }

    private static readonly OutputMode[] CommonModes =
        [new(640, 480, 60000), new(800, 600, 60000), new(1024, 768, 60000), new(1280, 720, 60000), new(1280, 800, 60000), new(1920, 1080, 60000)];

    /// <summary>A new size: a new offscreen target; a new refresh: the frame clock restarts on its grid.</summary>
    public bool TrySetMode(OutputMode mode)
    {
        if (mode.Width is < 1 or > 16384 || mode.Height is < 1 or > 16384 || mode.RefreshMilliHz is < 1000 or > 1_000_000) return false;
        if (mode == new OutputMode(Width, Height, RefreshMilliHz)) return true;
        if ((mode.Width, mode.Height) != (Width, Height))
        {
            var target = _renderer.CreateOffscreenTarget(mode.Width, mode.Height);
            Target.Dispose();
            Target = target;
        }
        (Width, Height, RefreshMilliHz) = (mode.Width, mode.Height, mode.RefreshMilliHz);
        RefreshNanoseconds = 1_000_000_000_000L / RefreshMilliHz;
        _startNs = MonotonicClock.Nanoseconds;
        ModeChanged?.Invoke(this);
        return true;
    }

    public string Name { get; }
    public string Description { get; }
    public string Make => "compositor";
    public string Model => "headless";
    public int Width { get; private set; }
    public int Height { get; private set; }
    public int RefreshMilliHz { get; private set; }
    public int PhysicalWidthMm { get; }
    public int PhysicalHeightMm { get; }
    public int Scale => 1;
    public bool ShowsEveryFrame { get; }
    public ScanoutPlane? Scanout => null;
    public bool TryScanout(IScanoutSource buffer) => false;
    public IRenderTarget Target { get; private set; }
    public long RefreshNanoseconds { get; private set; }

    /// <summary>The mode it was started with, then common screen sizes: a virtual screen takes any.</summary>
    public IReadOnlyList<OutputMode> Modes { get; }
    public OutputMode PreferredMode => Modes[0];
    public bool AcceptsCustomModes => true;
    public event Action<IOutput>? ModeChanged;

    public event Action<IOutput>? Frame;
    public event Action<IOutput, PresentationTime>? Presented;

    /// <summary>Off: the frame clock stops (a frame asked for meanwhile comes once it is on again), as a
    /// screen in power saving shows and refreshes nothing.</summary>
    public bool PoweredOn { get; private set; } = true;

    public bool TrySetPower(bool on)
    {
        if (on == PoweredOn) return true;
        PoweredOn = on;
        if (!on)
        {
            _timer.Disarm();
            return true;
        }
        if (_scheduled)
        {
            _scheduled = false;
            ScheduleFrame();
        }
        return true;
    }

    public void ScheduleFrame()
    {
        if (_scheduled) return;
        _scheduled = true;
        if (!PoweredOn) return;
        // The next refresh boundary after now: frames stay on the clock's grid however late the request.
        var now = MonotonicClock.Nanoseconds;
        var k = (now - _startNs) / RefreshNanoseconds + 1;
        _timer.ArmAt(_startNs + k * RefreshNanoseconds);
    }

    private void OnRefresh()
    {
        _scheduled = false;
        var now = MonotonicClock.Nanoseconds;
        _frameNs = _startNs + (now - _startNs) / RefreshNanoseconds * RefreshNanoseconds;
        _sequence = (ulong)((_frameNs - _startNs) / RefreshNanoseconds);
        Frame?.Invoke(this);
    }

    /// <summary>Nothing to scan out: the image is in the target as soon as rendering finished. The
    /// presentation time is the refresh boundary the frame was made for. No vsync, hardware clock or
    /// completion flag: weston's headless backend reports none either, since there is no display.</summary>
    public void Present(ReadOnlySpan<Rect> damage)
    {
        // The image exists once the renderer finished it (a software rasterizer works lazily
        // otherwise); only then is it "presented".
        if (!damage.IsEmpty) _renderer.Finish();
        Presented?.Invoke(this, new PresentationTime(_frameNs, RefreshNanoseconds, _sequence, 0));
    }

    public void Dispose()
    {
        _timer.Dispose();
        Target.Dispose();
    }

}
