using Compositor.Backends;
using Compositor.Scene;
using Compositor.Surfaces;
using Serilog;
using Wayland.Events;
using Wayland.Protocols.Server;
using Wayland.Server;

namespace Compositor;

/// <summary>
/// The compositor's state in one place: the display and its globals, the backend and renderer, the
/// scene. Read top to bottom, the constructor lists every global the compositor offers and which
/// class handles it.
/// </summary>
public sealed class CompositorServer : IDisposable
{
    private readonly List<Surface> _surfaces = [];
    private readonly Dictionary<IOutput, SceneOutput> _outputs = [];
    private readonly ExplicitSync.SyncobjDevice? _syncobjDevice; // explicit sync's timelines live here

    public CompositorServer(EventLoop loop, Display display, IBackend backend, ILogger log, Config.CompositorConfig? config = null)
    {
        Config = config ?? Compositor.Config.CompositorConfig.Default();
        Loop = loop;
        Display = display;
        Backend = backend;
        Log = log;
        Scene = new Scene.Scene();
        SceneRenderer = new SceneRenderer(Scene, backend.Renderer);
        Readiness = new Dmabuf.DmaBufReadiness(loop, log);
        Util.UnguessableToken.Warm();

        var compositor = new CompositorGlobal(this);
        display.CreateGlobal<WlCompositor>(CompositorGlobal.Version, r => r.Handler = compositor);
        display.CreateGlobal<WlSubcompositor>(SubcompositorGlobal.Version, r => r.Handler = SubcompositorGlobal.Handler);
        _ = new Shm.ShmGlobal(display, backend.Renderer.ShmFormats, backend.Renderer as IDmaBufImporter, log);
        display.CreateGlobal<ZxdgOutputManagerV1>(XdgOutputManager.Version, r => r.Handler = XdgOutputManager.Instance);
        display.CreateGlobal<WpPresentation>(PresentationGlobal.Version, PresentationGlobal.Bind);
        display.CreateGlobal<WpViewporter>(Viewport.Version, r => r.Handler = Viewport.Manager);
        display.CreateGlobal<WpFractionalScaleManagerV1>(FractionalScale.Version, r => r.Handler = FractionalScale.Manager);
        display.CreateGlobal<WpSinglePixelBufferManagerV1>(Buffers.SinglePixelBuffer.ManagerVersion, r => r.Handler = Buffers.SinglePixelBuffer.Manager);
        _ = new ContentType.ContentTypeManager(display, log);
        _ = new TearingControl.TearingControlManager(display, log);

        Seat = new Seat.Seat(this, Config);
        Seat.BindingPressed += RunBinding;
        _ = new Seat.CursorShapes(display, Seat.Pointer);
        Seat.Pointer.Relative = new Seat.RelativePointer(display);
        Seat.Pointer.Constraints = new Seat.PointerConstraints(display, Seat);
        Seat.Gestures = new PointerGestures.PointerGestures(display, Seat.Pointer);
        _ = new ShortcutsInhibit.KeyboardShortcutsInhibit(display, Seat);
        DataDevices = new DataDevice.DataDeviceManager(display, Seat);
        Primary = new PrimarySelection.PrimarySelectionManager(display, Seat, log);
        _ = new TextInput.TextInputV3Relay(this);
        TextInputV1 = new TextInput.TextInputV1Relay(this);
        Shell = new Shell.XdgShell(this);
        Layers = new LayerShell.LayerShell(this);
        OutputManagement = new OutputManagement.OutputManager(this);
        OutputPower = new OutputManagement.OutputPowerManager(this);
        Activation = new Activation.XdgActivation(this);
        _ = new XdgForeign.XdgForeign(display, log);
        _ = new Idle.IdleNotifier(this, new Idle.IdleInhibitors(display));
        _ = new ForeignToplevel.ForeignToplevels(this); // ext_foreign_toplevel_list_v1, zwlr_foreign_toplevel_manager_v1
        SessionLock = new SessionLock.SessionLockManager(this); // ext_session_lock_manager_v1
        Screencopy = new Screencopy.ScreencopyService(this);
        _ = new ImageCopyCapture.ImageCopyCaptureManager(display, Screencopy); // ext_image_copy_capture_manager_v1, ext_output_image_capture_source_manager_v1
        if (backend.Renderer is IDmaBufImporter importer)
        {
            Dmabuf = new Dmabuf.LinuxDmabuf(display, importer, Scene, log);
            _syncobjDevice = ExplicitSync.SyncobjDevice.Open(importer.MainDevice, log);
            if (_syncobjDevice is not null) _ = new ExplicitSync.SyncobjManager(display, _syncobjDevice, log);
        }

        backend.OutputAdded += AddOutput;
        backend.OutputRemoved += RemoveOutput;
    }

    public Config.CompositorConfig Config { get; }
    public EventLoop Loop { get; }
    public Display Display { get; }
    public IBackend Backend { get; }
    public IRenderer Renderer => Backend.Renderer;
    public ILogger Log { get; }
    public Scene.Scene Scene { get; }
    public SceneRenderer SceneRenderer { get; }
    /// <summary>Every live surface, in no particular order.</summary>
    public IReadOnlyList<Surface> Surfaces => _surfaces;
    public Seat.Seat Seat { get; }
    public DataDevice.DataDeviceManager DataDevices { get; }
    /// <summary>The primary selection (middle-click paste).</summary>
    public PrimarySelection.PrimarySelectionManager Primary { get; }
    /// <summary>Text input v1 and the input method the compositor starts (<see cref="Config.CompositorConfig.InputMethodPath"/>).</summary>
    public TextInput.TextInputV1Relay TextInputV1 { get; }
    /// <summary>xdg_wm_base, decorations, and the window manager.</summary>
    public Shell.XdgShell Shell { get; }
    /// <summary>zwlr_layer_shell_v1: wallpapers, panels and overlays around the windows.</summary>
    public LayerShell.LayerShell Layers { get; }
    /// <summary>zwlr_output_manager_v1: outputs as heads, modes set by clients (wlr-randr).</summary>
    public OutputManagement.OutputManager OutputManagement { get; }
    /// <summary>zwlr_output_power_manager_v1: screens turned off and on.</summary>
    public OutputManagement.OutputPowerManager OutputPower { get; }
    /// <summary>xdg_activation_v1: tokens, and focus for windows that bring a good one.</summary>
    public Activation.XdgActivation Activation { get; }
    public Screencopy.ScreencopyService Screencopy { get; }
    /// <summary>ext_session_lock_manager_v1: the lock screen, and whether the session is locked.</summary>
    public SessionLock.SessionLockManager SessionLock { get; }
    /// <summary>Waits for client DMA-BUFs still being written before their commits apply (implicit sync).</summary>
    internal Dmabuf.DmaBufReadiness Readiness { get; }
    /// <summary>zwp_linux_dmabuf_v1, when the renderer imports DMA-BUFs.</summary>
    public Dmabuf.LinuxDmabuf? Dmabuf { get; }

    /// <summary>A binding's <c>launch</c>: the host starts the command line as a client.</summary>
    public event Action<string>? LaunchRequested;
    /// <summary>A binding's <c>quit</c>.</summary>
    public event Action? QuitRequested;

    private void RunBinding(Config.KeyBinding b)
    {
        Log.Debug("Binding {Action} {Argument}", b.Action, b.Argument);
        switch (b.Action)
        {
            case Compositor.Config.BindingAction.Launch: LaunchRequested?.Invoke(b.Argument); break;
            case Compositor.Config.BindingAction.Close: Shell.Windows.CloseFocused(); break;
            case Compositor.Config.BindingAction.CycleFocus: Shell.Windows.CycleFocus(); break;
            case Compositor.Config.BindingAction.Fullscreen: Shell.Windows.ToggleFullscreen(); break;
            case Compositor.Config.BindingAction.Maximize: Shell.Windows.ToggleMaximized(); break;
            case Compositor.Config.BindingAction.Quit: QuitRequested?.Invoke(); break;
            case Compositor.Config.BindingAction.SwitchVt:
                if (!Backend.SwitchConsole(int.Parse(b.Argument, System.Globalization.CultureInfo.InvariantCulture)))
                    Log.Information("No console to switch to on the {Backend} backend", Backend.Name);
                break;
        }
    }

    /// <summary>Starts the backend: outputs appear, input flows to the seat.</summary>
    public void Start()
    {
        Backend.Start(Seat);
        Log.Information("Backend {Backend}: renderer {Renderer}", Backend.Name, Renderer.Description);
    }

    internal void AddSurface(Surface surface)
    {
        surface.ServerIndex = _surfaces.Count;
        _surfaces.Add(surface);
        SurfaceCreated?.Invoke(surface);
    }

    /// <summary>A client made a wl_surface (the X11 window manager pairs Xwayland's with X windows).</summary>
    public event Action<Surface>? SurfaceCreated;

    /// <summary>Takes a destroyed surface out of <see cref="Surfaces"/> by moving the last one into its
    /// place: a client leaving with 100k surfaces costs 100k steps, not 100k list searches.</summary>
    internal void RemoveSurface(Surface surface)
    {
        var i = surface.ServerIndex;
        if (i < 0) return;
        var last = _surfaces[^1];
        _surfaces[i] = last;
        last.ServerIndex = i;
        _surfaces.RemoveAt(_surfaces.Count - 1);
        surface.ServerIndex = -1;
        // Give back the array a crowd of surfaces grew, once they are mostly gone (amortised O(1)).
        if (_surfaces.Capacity > 1024 && _surfaces.Count < _surfaces.Capacity / 4) _surfaces.Capacity = _surfaces.Count * 2;
    }

    private void AddOutput(IOutput output)
    {
        // Outputs sit side by side, left to right, in the order they appear, unless the config places them.
        var (x, y) = (0, 0);
        foreach (var o in Scene.Outputs) x = Math.Max(x, o.Bounds.Right);
        var configured = Config.Outputs.GetValueOrDefault(output.Name);
        if (configured?.Position is { } position) (x, y) = position;
        var sceneOutput = new SceneOutput(Display, output, x, y, configured?.Scale ?? 0, configured?.Transform ?? 0);
        _outputs[output] = sceneOutput;
        output.Frame += OnFrame;
        output.Presented += OnPresented;
        output.ModeChanged += OnModeChanged;
        Scene.AddOutput(sceneOutput);
        Layers.Arrange();
        OutputManagement.OutputsChanged();
        Log.Information("Output {Name}: {Width}x{Height}@{Refresh:0.##}Hz at {X},{Y}{Scale}", output.Name, output.Width, output.Height,
            output.RefreshMilliHz / 1000.0, x, y, (sceneOutput.Scale == 1 ? "" : $", scale {sceneOutput.Scale:0.###}")
            + (sceneOutput.Transform == 0 ? "" : $", transform {Compositor.Config.CompositorConfig.TransformNames[sceneOutput.Transform]}"));
    }

    /// <summary>An output is gone (unplugged): every surface on it gets leave, its wl_output global
    /// goes, and windows on it move to an output that remains.</summary>
    private void RemoveOutput(IOutput output)
    {
        if (!_outputs.Remove(output, out var sceneOutput)) return;
        output.Frame -= OnFrame;
        output.Presented -= OnPresented;
        output.ModeChanged -= OnModeChanged;
        Log.Information("Output {Name} removed", output.Name);
        var index = Scene.IndexOf(sceneOutput);
        var wasOn = new List<Surface>();
        foreach (var s in _surfaces)
        {
            if (index is < 0 or >= 64) break;
            if ((s.Outputs & (1UL << index)) != 0)
            {
                wasOn.Add(s);
                foreach (var wlOutput in sceneOutput.Resources)
                    if (wlOutput.Client == s.Resource.Client) s.Resource.SendLeave(wlOutput);
            }
            // Every surface's mask: the outputs after it move down one place.
            var below = s.Outputs & ((1UL << index) - 1);
            s.Outputs = below | (s.Outputs >> (index + 1) << index);
        }
        Scene.RemoveOutput(sceneOutput);
        SceneRenderer.ReleaseReads(sceneOutput);
        // Its wl_output resources stay with their clients, inert; captures of it fail; feedback of
        // frames it will never show is discarded.
        sceneOutput.Retire();
        Screencopy.OutputRemoved(sceneOutput);
        // Announced gone now; forgotten once binds that crossed the announcement have arrived (as wlroots waits).
        sceneOutput.Global.Remove();
        Wayland.Events.TimerSource? forget = null;
        forget = Loop.AddTimer(() =>
        {
            sceneOutput.Global.Destroy();
            forget!.Dispose();
        });
        forget.Arm(TimeSpan.FromSeconds(5));
        Shell.Windows.OutputRemoved(sceneOutput);
        Layers.OutputRemoved(sceneOutput);
        SessionLock.OutputRemoved(sceneOutput);
        OutputPower.OutputRemoved(sceneOutput);
        OutputManagement.OutputsChanged();
        // Those on it now draw for the scale of the outputs they are left on.
        foreach (var s in wasOn)
            if (!s.IsDestroyed) Scene.RefreshPreferredScale(s);
        // The pointer stays inside what remains of the layout.
        Seat.Pointer.MoveTo(MonotonicClock.Milliseconds, Seat.Pointer.X, Seat.Pointer.Y);
        Scene.DamageAll();
    }

    /// <summary>A new mode: clients hear it, and maximized and fullscreen windows on the output are
    /// asked for the new size.</summary>
    private void OnModeChanged(IOutput output)
    {
        if (!_outputs.TryGetValue(output, out var o)) return;
        Log.Information("Output {Name}: now {Width}x{Height}", output.Name, output.Width, output.Height);
        o.ModeChanged();
        Layers.Arrange();
        OutputManagement.OutputsChanged();
        Shell.Windows.OutputResized(o);
        SessionLock.OutputResized(o);
    }

    private void OnFrame(IOutput output)
    {
        if (_outputs.TryGetValue(output, out var o)) SceneRenderer.RenderFrame(o);
    }

    private void OnPresented(IOutput output, PresentationTime time)
    {
        if (!_outputs.TryGetValue(output, out var o)) return;
        SceneRenderer.Presented(o, time);
        SessionLock.FramePresented(o);
    }

    public void Dispose()
    {
        // What the frames cost in copies: the zero-copy paths keep the bytes at 0 and imports at one per buffer.
        var c = Backend.Renderer.Counters;
        Log.Information("Renderer totals: {Frames} frames drawn, {Uploaded} bytes uploaded, {Copied} bytes copied into scanout buffers, "
            + "{ReadBack} bytes read back, {Imports} DMA-BUF imports",
            SceneRenderer.FramesRendered, c.BytesUploaded, c.ScanoutBytesCopied, c.BytesReadBack, c.DmaBufImports);
        // Clients came last, so they go first: their surfaces' teardown damages outputs and releases
        // buffers, which needs the backend and the renderer still alive.
        Display.DestroyClients("compositor shutting down");
        // Buffers the last frames read: their clients are gone, so this frees them.
        foreach (var o in _outputs.Values) SceneRenderer.ReleaseReads(o);
        Dmabuf?.Dispose();
        _syncobjDevice?.Dispose();
        Readiness.Dispose();
        Shell.Pings.Dispose();
        Seat.Keyboard.Dispose();
        Seat.Pointer.Theme.Dispose();
        Backend.OutputAdded -= AddOutput;
        Backend.OutputRemoved -= RemoveOutput;
    }
}
