namespace Compositor.Backends;

/// <summary>
/// One screen. The compositor asks for a frame with <see cref="ScheduleFrame"/>; at the output's
/// next refresh the backend raises <see cref="Frame"/>, the compositor renders into
/// <see cref="Target"/> and calls <see cref="Present"/>, and once the image is on screen the backend
/// raises <see cref="Presented"/> with the real time it happened. An output nobody schedules
/// does nothing: an idle compositor sleeps.
/// </summary>
public interface IOutput
{
    string Name { get; }
    string Description { get; }
    string Make { get; }
    string Model { get; }

    /// <summary>Raised when the mode (size, refresh) changed: a nested window the parent resized.</summary>
    event Action<IOutput>? ModeChanged { add { } remove { } }

    /// <summary>The modes the output can be set to, the current one among them; <see cref="PreferredMode"/>
    /// is the one it starts with where nothing asks otherwise.</summary>
    IReadOnlyList<OutputMode> Modes => [new OutputMode(Width, Height, RefreshMilliHz)];
    OutputMode PreferredMode => Modes[0];

    /// <summary>Switches to <paramref name="mode"/> (one of <see cref="Modes"/>, or any mode where
    /// <see cref="AcceptsCustomModes"/>), raising <see cref="ModeChanged"/>; false when it cannot.</summary>
    bool TrySetMode(OutputMode mode) => mode == new OutputMode(Width, Height, RefreshMilliHz);
    /// <summary>Whether any size and refresh will do (a virtual output).</summary>
    bool AcceptsCustomModes => false;

    /// <summary>Whether the display is lit (zwlr_output_power_v1's on). An output that is off shows
    /// nothing and raises no <see cref="Frame"/> until it is on again.</summary>
    bool PoweredOn => true;

    /// <summary>Turns the display off or back on; false when it cannot (then nothing changed).</summary>
    bool TrySetPower(bool on) => on;

    /// <summary>Current mode in pixels.</summary>
    int Width { get; }
    int Height { get; }
    /// <summary>Refresh rate in mHz (60000 for 60 Hz).</summary>
    int RefreshMilliHz { get; }
    int PhysicalWidthMm { get; }
    int PhysicalHeightMm { get; }
    int Scale { get; }

    /// <summary>Whether every frame's pixels are seen as drawn: true for a screen or a window. A headless
    /// output's pixels are seen only when something captures them, so it may say false: the compositor
    /// then draws only the frames a capture waits for, keeping the damage in between (frame callbacks
    /// and presentation go on at every refresh).</summary>
    bool ShowsEveryFrame { get; }

    /// <summary>The plane that could show a fullscreen client's buffer directly; null where client
    /// buffers are never scanned out (headless, nested). linux-dmabuf surface feedback offers its
    /// formats to the surface that covers the output.</summary>
    ScanoutPlane? Scanout { get; }

    /// <summary>Shows a client's buffer directly (direct scanout) at the next refresh instead of a
    /// composited image; false when the display cannot take it, and the compositor composites. A
    /// true answer stands for the frame's <see cref="Present"/>.</summary>
    bool TryScanout(IScanoutSource buffer);

    /// <summary>The plane the pointer can be shown on instead of being composited; null where there
    /// is none (headless, nested, a display without one or driven through legacy KMS).</summary>
    ICursorPlane? CursorPlane => null;

    /// <summary>Overlay planes for client buffers; null where there are none (virtio-gpu has none).</summary>
    IOverlayPlanes? Overlays => null;

    /// <summary>What the renderer draws into for this output: for an output with a swapchain, the
    /// buffer <see cref="AcquireTarget"/> picked for the frame being drawn.</summary>
    IRenderTarget Target { get; }

    /// <summary>Called before a frame with damage is drawn: an output that draws into one of several
    /// buffers (a swapchain of scanout buffers) picks the next one as <see cref="Target"/> and adds to
    /// <paramref name="damage"/> what that buffer lacks from the frames drawn into the others (its
    /// buffer age, in output pixels). An output with one target changes nothing.</summary>
    void AcquireTarget(Region damage) { }

    /// <summary>Asks for one <see cref="Frame"/> at the next refresh; repeated calls before it are one.</summary>
    void ScheduleFrame();

    /// <summary>Time to render: raised once per <see cref="ScheduleFrame"/>, at a refresh boundary.</summary>
    event Action<IOutput>? Frame;

    /// <summary>Shows what was rendered into <see cref="Target"/>. <paramref name="damage"/> is the
    /// region that changed since the last present, in output pixels (empty: nothing changed).</summary>
    void Present(ReadOnlySpan<Rect> damage);

    /// <summary>Raised when a presented image is on screen.</summary>
    event Action<IOutput, PresentationTime>? Presented;
}

/// <summary>When an image reached the screen, in wp_presentation's terms.</summary>
/// <param name="MonotonicNanoseconds">CLOCK_MONOTONIC time the image turned visible.</param>
/// <param name="RefreshNanoseconds">Duration of one refresh (0 if unknown).</param>
/// <param name="Sequence">Refresh counter (vblank sequence).</param>
/// <param name="Flags">wp_presentation_feedback.kind bits: 1 vsync, 2 hw_clock, 4 hw_completion, 8 zero_copy.</param>
public readonly record struct PresentationTime(long MonotonicNanoseconds, long RefreshNanoseconds, ulong Sequence, uint Flags);
