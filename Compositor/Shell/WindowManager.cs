using Compositor.Backends;
using Compositor.Scene;
using Compositor.Surfaces;
using Wayland.Protocols.Server;

namespace Compositor.Shell;

/// <summary>
/// The window policy, small and predictable: a new toplevel cascades from the top-left of the
/// first output and takes the keyboard; a click focuses and raises; maximized and fullscreen
/// windows fill their output; popups stack above their parent and close on a click elsewhere.
/// </summary>
public sealed class WindowManager
{
    /// <summary>Cascade step and origin of new windows, in layout pixels.</summary>
    public const int CascadeStep = 32;

    private readonly CompositorServer _server;
    private readonly List<Window> _mapped = [];     // bottom first
    private readonly List<Popup> _grabs = [];          // grabbing popups, topmost last
    private readonly Dictionary<Window, (int X, int Y)> _savedPositions = [];

    internal WindowManager(CompositorServer server)
    {
        _server = server;
        server.Seat.PointerPressed += OnPointerPressed;
        server.Seat.ModifierDragPressed += OnModifierDrag;
    }

    public Window? Focused { get; private set; }
    /// <summary>Mapped toplevels, bottom first.</summary>
    public IReadOnlyList<Window> Toplevels => _mapped;
    public SceneOutput? PrimaryOutput => _server.Scene.Outputs.Count > 0 ? _server.Scene.Outputs[0] : null;

    public SceneOutput? OutputAt(int x, int y)
    {
        foreach (var o in _server.Scene.Outputs)
            if (o.Bounds.Contains(x, y)) return o;
        return null;
    }

    internal void SurfaceMoved(Surface surface) => _server.Scene.UpdateOutputs(surface);

    /// <summary>What taskbar protocols (foreign toplevel lists) follow: a window mapped; its title,
    /// app id, parent, acked state, focus or minimized state may have changed (raised liberally:
    /// watchers compare with what they last told); it unmapped or went.</summary>
    public event Action<Window>? ToplevelMapped, ToplevelChanged, ToplevelUnmapped;

    internal void Changed(Window t)
    {
        if (t.IsMapped) ToplevelChanged?.Invoke(t);
    }

    // ---- toplevels ----

    /// <summary>The output the pointer is on, where new windows open.</summary>
    public SceneOutput? PointerOutput =>
        OutputAt((int)Math.Floor(_server.Seat.Pointer.X), (int)Math.Floor(_server.Seat.Pointer.Y)) ?? PrimaryOutput;

    internal void Map(Window t)
    {
        var s = t;
        var output = PointerOutput;
        var origin = output?.UsableArea ?? new Rect(0, 0, 0, 0);
        // Cascade: the n-th window on its output goes n steps down-right, wrapping before it leaves the output.
        var onOutput = 0;
        foreach (var other in _mapped)
            if (output is null || output.Bounds.Contains(other.WindowX, other.WindowY)) onOutput++;
        var step = CascadeStep * (1 + onOutput);
        if (output is not null && (step + s.Geometry.Width > origin.Width || step + s.Geometry.Height > origin.Height))
            step = CascadeStep * (1 + onOutput % 4);
        if (!t.PlacesItself)
        {
            s.WindowX = origin.X + step;
            s.WindowY = origin.Y + step;
        }
        if (output is not null)
        {
            // A window too big for its cascade place moves up and left until it fits; one bigger than
            // the output starts at the output's top-left corner, with its title bar on screen.
            var bar = t.TitleBar is not null ? TitleBar.Height : 0;
            s.WindowX = Math.Max(origin.X, Math.Min(s.WindowX, origin.Right - s.Geometry.Width));
            s.WindowY = Math.Max(origin.Y + bar, Math.Min(s.WindowY, origin.Bottom - s.Geometry.Height));
        }
        _savedPositions[t] = (s.WindowX, s.WindowY);
        ApplyState(t);
        _mapped.Add(t);
        _server.Scene.Raise(t.Placed);
        t.Raised();
        DamageTitleBar(t);
        Focus(t);
        _server.Seat.Pointer.UpdateFocus();
        _server.Log.Debug("Mapped {Toplevel} at {X},{Y} ({W}x{H})", t, s.WindowX, s.WindowY, s.Geometry.Width, s.Geometry.Height);
        ToplevelMapped?.Invoke(t);
    }

    internal void Committed(Window t)
    {
        var s = t;
        var (x, y) = (s.WindowX, s.WindowY);
        ApplyState(t);
        if (_resize is { } r && r.Toplevel == t) r.Committed();
        // A new width or place moves the bar: its old place and new one are redrawn.
        if (t.TitleBar is { } bar && bar.Bounds != bar.DamagedBounds) DamageTitleBar(t);
        if (x != s.WindowX || y != s.WindowY)
        {
            // Size and place changed together (a left-edge resize, leaving fullscreen): redraw all.
            _server.Scene.DamageAll();
            _server.Scene.UpdateOutputs(s.Surface);
        }
        Changed(t);
    }

    /// <summary>Puts a maximized or fullscreen window on its output, or back where it was.</summary>
    private void ApplyState(Window t)
    {
        var s = t;
        var acked = t.Current;
        if (acked is null || !(acked.Fullscreen || acked.Maximized))
        {
            if (_savedPositions.TryGetValue(t, out var saved) && (acked is not null))
                (s.WindowX, s.WindowY) = saved;
            return;
        }
        var output = (acked.Fullscreen ? t.FullscreenOutput : null) ?? OutputAt(s.WindowX, s.WindowY) ?? PrimaryOutput;
        if (output is null) return;
        var b = acked.Fullscreen ? output.Bounds : output.UsableArea;
        // A fullscreen window smaller than its output is centred (the protocol lets the compositor choose);
        // a maximized one with a title bar starts below it, both below any panel's exclusive zone.
        s.WindowX = b.X + (acked.Fullscreen ? Math.Max(0, (b.Width - s.Geometry.Width) / 2) : 0);
        s.WindowY = b.Y + (acked.Fullscreen ? Math.Max(0, (b.Height - s.Geometry.Height) / 2) : t.TitleBar is not null ? TitleBar.Height : 0);
    }

    internal void Unmap(Window t)
    {
        if (_move?.Toplevel == t || _resize?.Toplevel == t) _server.Seat.Pointer.EndGrab();
        if (!_mapped.Remove(t)) return;
        t.Minimized = false;
        // (The window already says it is unmapped: where its bar was, from the bar itself.)
        if (t.TitleBar is { } bar) _server.Scene.DamageLayout(bar.DamagedBounds);
        _server.Scene.Remove(t.Placed);
        if (Focused == t)
        {
            Focused = null;
            t.Activated = false;
            if (TopmostShown() is { } next) Focus(next);
            else if (_grabs.Count == 0 && !KeyboardHeldElsewhere()) _server.Seat.Keyboard.SetFocus(null);
        }
        _server.Seat.Pointer.UpdateFocus();
        ToplevelUnmapped?.Invoke(t);
    }

    internal void Forget(Window t)
    {
        Unmap(t);
        _savedPositions.Remove(t);
        if (Focused == t) Focused = null;
    }

    /// <summary>Gives a window the keyboard, raises it, and tells both windows their activated state.</summary>
    public void Focus(Window? t)
    {
        if (t is not null && !t.IsMapped) return;
        if (t is { Minimized: true })
        {
            SetMinimized(t, false);
            return;
        }
        if (t is not null) Raise(t);
        if (t == Focused) return;
        if (Focused is { } old)
        {
            old.Activated = false;
            DamageTitleBar(old);
            old.ScheduleConfigure();
            Changed(old);
        }
        Focused = t;
        // A layer surface that takes the keyboard exclusively (a launcher, a lock screen) keeps it.
        if (_grabs.Count == 0 && !KeyboardHeldElsewhere()) _server.Seat.Keyboard.SetFocus(t?.Surface);
        if (t is null) return;
        t.Activated = true;
        DamageTitleBar(t);
        t.ScheduleConfigure();
        t.Ping();
        Changed(t);
    }

    /// <summary>Minimized (only a taskbar protocol asks for it): the window leaves the screen, its
    /// popups close and the focus goes to the window below; focusing it again (a taskbar's activate
    /// or unset_minimized, Alt+Tab) puts it back on top. Nothing on screen shows it meanwhile, which
    /// is why xdg_toplevel.set_minimized is still ignored and not advertised.</summary>
    internal void SetMinimized(Window t, bool on)
    {
        if (!t.IsMapped || t.Minimized == on) return;
        var s = t;
        t.Minimized = on;
        if (!on)
        {
            _mapped.Remove(t);
            _mapped.Add(t);
            _server.Scene.Raise(t.Placed);
            t.Raised();
            DamageTitleBar(t);
            Focus(t);
            _server.Seat.Pointer.UpdateFocus();
            return;
        }
        for (var i = s.ChildPopups.Count - 1; i >= 0; i--) s.ChildPopups[i].Dismiss();
        if (t.TitleBar is { } bar) _server.Scene.DamageLayout(bar.DamagedBounds);
        _server.Scene.Remove(t.Placed);
        if (Focused == t) Focus(TopmostShown());
        _server.Seat.Pointer.UpdateFocus();
        Changed(t);
    }

    private Window? TopmostShown()
    {
        for (var i = _mapped.Count - 1; i >= 0; i--)
            if (!_mapped[i].Minimized) return _mapped[i];
        return null;
    }

    /// <summary>Set by the layer shell: whether a layer surface holds the keyboard exclusively.</summary>
    internal Func<bool> KeyboardHeldElsewhere { get; set; } = static () => false;

    private void Raise(Window t)
    {
        if (_mapped.Count > 0 && _mapped[^1] == t) return;
        _mapped.Remove(t);
        _mapped.Add(t);
        _server.Scene.Raise(t.Placed);
        t.Raised();
        RaisePopups(t.ChildPopups);
    }

    private void RaisePopups(IReadOnlyList<Popup> popups)
    {
        foreach (var p in popups)
        {
            if (!p.ShellSurface.IsMapped) continue;
            _server.Scene.Raise(p.ShellSurface);
            RaisePopups(p.ShellSurface.ChildPopups);
        }
    }

    internal void SetMaximized(Window t, bool on)
    {
        t.WantsMaximized = on;
        UpdateRequestedSize(t);
    }

    internal void SetFullscreen(Window t, bool on, SceneOutput? output)
    {
        t.WantsFullscreen = on;
        t.FullscreenOutput = on ? output : null;
        UpdateRequestedSize(t);
    }

    /// <summary>An output went away: its windows move to the first output left, at the same offset
    /// from its top-left corner (kept inside it), and fullscreen and maximized ones are asked to fill it.</summary>
    internal void OutputRemoved(SceneOutput gone)
    {
        var target = PrimaryOutput;
        foreach (var t in _mapped)
        {
            var s = t;
            var wasOn = t.FullscreenOutput == gone || gone.Bounds.Contains(s.WindowX, s.WindowY);
            if (t.FullscreenOutput == gone) t.FullscreenOutput = null;
            if (!wasOn || target is null) continue;
            var b = target.Bounds;
            s.Surface.DamageTree();
            s.WindowX = b.X + Math.Clamp(s.WindowX - gone.X, 0, Math.Max(0, b.Width - Math.Min(b.Width, s.Geometry.Width)));
            s.WindowY = b.Y + Math.Clamp(s.WindowY - gone.Y, t.TitleBar is not null ? TitleBar.Height : 0, Math.Max(0, b.Height - Math.Min(b.Height, s.Geometry.Height)));
            _savedPositions[t] = (s.WindowX, s.WindowY);
            foreach (var p in s.ChildPopups) p.UpdatePosition();
            if (t.WantsFullscreen || t.WantsMaximized) UpdateRequestedSize(t);
            _server.Scene.UpdateOutputs(s.Surface);
        }
    }

    /// <summary>An output's size changed: windows that fill it (maximized, fullscreen) are asked to
    /// fill its new size, and a maximized one moves with its origin.</summary>
    internal void OutputResized(SceneOutput output)
    {
        foreach (var t in _mapped)
        {
            if (!(t.WantsFullscreen || t.WantsMaximized)) continue;
            var s = t;
            var on = t.FullscreenOutput ?? OutputAt(s.WindowX, s.WindowY) ?? PrimaryOutput;
            if (on == output) UpdateRequestedSize(t);
        }
    }

    private void UpdateRequestedSize(Window t)
    {
        var s = t;
        if (!(t.Current?.Fullscreen ?? false) && !(t.Current?.Maximized ?? false) && s.IsMapped)
            _savedPositions[t] = (s.WindowX, s.WindowY);
        var output = t.FullscreenOutput ?? OutputAt(s.WindowX, s.WindowY) ?? PrimaryOutput;
        // Leaving maximized or fullscreen asks for 0x0: the client goes back to the size it had.
        // A maximized window's title bar takes its height from the output's.
        var bar = !t.WantsFullscreen && t.TitleBar is not null ? TitleBar.Height : 0;
        var area = t.WantsFullscreen ? output?.Bounds : output?.UsableArea;
        t.RequestedSize = (t.WantsFullscreen || t.WantsMaximized) && area is { } a
            ? (a.Width, a.Height - bar)
            : (0, 0);
        s.ScheduleConfigure();
    }

    // ---- server-side decorations ----

    /// <summary>The title bar's place needs redrawing (its title, focus or existence changed, or the window left).</summary>
    internal void DamageTitleBar(Window t)
    {
        if (t.TitleBar is not { } bar || !t.IsMapped) return;
        _server.Scene.DamageLayout(bar.DamagedBounds);
        _server.Scene.DamageLayout(bar.DamagedBounds = bar.Bounds);
    }

    /// <summary>Decorations came or went: a maximized window's size changes with them.</summary>
    internal void DecorationChanged(Window t)
    {
        DamageTitleBar(t);
        if (t.WantsMaximized && !t.WantsFullscreen) UpdateRequestedSize(t);
    }

    /// <summary>A press on a title bar: its close button asks the client to close, the rest drags the window.</summary>
    private void TitleBarPressed(Window t, TitleBar bar)
    {
        var pointer = _server.Seat.Pointer;
        if (bar.CloseButton.Contains((int)Math.Floor(pointer.X), (int)Math.Floor(pointer.Y)))
        {
            t.Close();
            return;
        }
        if (t.Current is { Maximized: true }) return;
        StartMove(t);
    }

    // ---- interactive move and resize ----

    private MoveGrab? _move;
    private ResizeGrab? _resize;

    internal void BeginMove(Window t, uint serial)
    {
        if (!t.IsMapped || !_server.Seat.Pointer.IsHeldPress(t.Client, serial)) return;
        if (t.Current is { Fullscreen: true } or { Maximized: true }) return;
        StartMove(t);
    }

    internal void BeginResize(Window t, uint serial, XdgToplevel.ResizeEdge edges)
    {
        if (!t.IsMapped || edges == XdgToplevel.ResizeEdge.None || !_server.Seat.Pointer.IsHeldPress(t.Client, serial)) return;
        if (t.Current is { Fullscreen: true } or { Maximized: true }) return;
        StartResize(t, edges);
    }

    /// <summary>The window follows the pointer from where it is now until the grab ends.</summary>
    private void StartMove(Window t)
    {
        var pointer = _server.Seat.Pointer;
        _move = new MoveGrab(this, t, pointer.X, pointer.Y);
        pointer.StartGrab(_move);
    }

    private void StartResize(Window t, XdgToplevel.ResizeEdge edges)
    {
        var pointer = _server.Seat.Pointer;
        _resize = new ResizeGrab(this, t, edges, pointer.X, pointer.Y);
        pointer.StartGrab(_resize);
    }

    /// <summary>The shell surface a placed surface belongs to: itself, or for a popup the shell surface at the root of its chain.</summary>
    private static ShellSurface? ShellSurfaceOf(IPlacedRole? placed)
    {
        var shellSurface = placed as ShellSurface;
        while (shellSurface?.Popup?.Parent is { } parent) shellSurface = parent;
        return shellSurface;
    }

    /// <summary>The window a placed surface belongs to: an X11 window's surface, or an xdg toplevel or one of its popups.</summary>
    private static Window? WindowOf(IPlacedRole? placed) =>
        placed is Xwayland.XSurfaceRole { Window: { IsManaged: true } x } ? x : ShellSurfaceOf(placed)?.Toplevel;

    private const uint ButtonLeft = 0x110, ButtonRight = 0x111;

    /// <summary>The drag modifier with a button on a window: left moves it, right resizes it from
    /// the corner nearest the pointer (as sway and most X window managers do).</summary>
    private bool OnModifierDrag(IPlacedRole root, uint button)
    {
        if (WindowOf(root) is not { IsMapped: true } t || button is not (ButtonLeft or ButtonRight)) return false;
        if (t.Current is { Fullscreen: true } or { Maximized: true }) return false;
        if (button == ButtonLeft)
        {
            StartMove(t);
            return true;
        }
        var (pointer, s) = (_server.Seat.Pointer, t);
        StartResize(t, (pointer.X < s.WindowX + s.Geometry.Width / 2.0 ? XdgToplevel.ResizeEdge.Left : XdgToplevel.ResizeEdge.Right)
                       | (pointer.Y < s.WindowY + s.Geometry.Height / 2.0 ? XdgToplevel.ResizeEdge.Top : XdgToplevel.ResizeEdge.Bottom));
        return true;
    }

    // ---- actions of key bindings ----

    /// <summary>Asks the focused window to close (xdg_toplevel.close: the client decides).</summary>
    public void CloseFocused() => Focused?.Close();

    /// <summary>Focuses and raises the bottom window: pressed again and again, every window in turn.</summary>
    public void CycleFocus()
    {
        if (_mapped.Count > 1) Focus(_mapped[0]);
    }

    public void ToggleFullscreen()
    {
        if (Focused is { } t) SetFullscreen(t, !t.WantsFullscreen, null);
    }

    public void ToggleMaximized()
    {
        if (Focused is { } t) SetMaximized(t, !t.WantsMaximized);
    }

    /// <summary>Puts a window's geometry (its top-left, without the title bar) at a layout position,
    /// its popups with it; the pointer learns what is under it now.</summary>
    internal void MoveWindow(Window t, int windowX, int windowY)
    {
        var s = t;
        s.Surface.DamageTree();
        s.WindowX = windowX;
        s.WindowY = windowY;
        _savedPositions[t] = (s.WindowX, s.WindowY);
        foreach (var p in s.ChildPopups) p.UpdatePosition();
        s.Surface.DamageTree();
        DamageTitleBar(t);
        _server.Scene.UpdateOutputs(s.Surface);
    }

    /// <summary>A test suite places a window (WLCS's position_window_absolute): its geometry's
    /// top-left goes to the layout position, as Mir and Smithay place it.</summary>
    internal void Place(Window t, int x, int y)
    {
        MoveWindow(t, x, y);
        _server.Seat.Pointer.UpdateFocus();
    }

    private sealed class MoveGrab(WindowManager wm, Window t, double startX, double startY) : Seat.IPointerGrab
    {
        private readonly int _windowX = t.WindowX, _windowY = t.WindowY;
        public Window Toplevel => t;

        public void Motion(double x, double y) =>
            wm.MoveWindow(t, _windowX + (int)Math.Round(x - startX), _windowY + (int)Math.Round(y - startY));

        public void End()
        {
            if (wm._move == this) wm._move = null;
        }
    }

    private sealed class ResizeGrab(WindowManager wm, Window t, XdgToplevel.ResizeEdge edges, double startX, double startY) : Seat.IPointerGrab
    {
        private readonly Rect _start = new(t.WindowX, t.WindowY, t.Geometry.Width, t.Geometry.Height);
        public Window Toplevel => t;

        public void Motion(double x, double y)
        {
            var dx = (int)Math.Round(x - startX);
            var dy = (int)Math.Round(y - startY);
            var w = _start.Width + (Has(XdgToplevel.ResizeEdge.Right) ? dx : Has(XdgToplevel.ResizeEdge.Left) ? -dx : 0);
            var h = _start.Height + (Has(XdgToplevel.ResizeEdge.Bottom) ? dy : Has(XdgToplevel.ResizeEdge.Top) ? -dy : 0);
            w = Clamp(w, t.MinWidth, t.MaxWidth);
            h = Clamp(h, t.MinHeight, t.MaxHeight);
            t.Resizing = true;
            t.RequestedSize = (w, h);
            t.ScheduleConfigure();
        }

        /// <summary>Keeps the edge opposite the one dragged where it was.</summary>
        public void Committed()
        {
            var s = t;
            if (Has(XdgToplevel.ResizeEdge.Left)) s.WindowX = _start.Right - s.Geometry.Width;
            if (Has(XdgToplevel.ResizeEdge.Top)) s.WindowY = _start.Bottom - s.Geometry.Height;
            wm._savedPositions[t] = (s.WindowX, s.WindowY);
        }

        public void End()
        {
            if (wm._resize == this) wm._resize = null;
            t.Resizing = false;
            t.ScheduleConfigure();
        }

        private bool Has(XdgToplevel.ResizeEdge e) => ((uint)edges & (uint)e) != 0;

        private static int Clamp(int v, int min, int max) => Math.Max(Math.Max(1, min), max > 0 ? Math.Min(v, max) : v);
    }

    // ---- popups ----

    internal void MapPopup(Popup p)
    {
        _server.Scene.Raise(p.ShellSurface);
        if (p.HasGrab) _server.Seat.Keyboard.SetFocus(p.ShellSurface.Surface);
        _server.Seat.Pointer.UpdateFocus();
    }

    internal void UnmapPopup(Popup p)
    {
        var wasGrabbing = _grabs.Remove(p);
        if (_server.Scene.Stack.Contains(p.ShellSurface))
        {
            _server.Scene.Remove(p.ShellSurface);
            _server.Seat.Pointer.UpdateFocus();
        }
        if (wasGrabbing || _server.Seat.Keyboard.Focus == p.ShellSurface.Surface)
            _server.Seat.Keyboard.SetFocus(_grabs.Count > 0 ? _grabs[^1].ShellSurface.Surface : Focused?.Surface);
    }

    /// <summary>xdg_popup.grab: allowed in answer to a press of this client, on a toplevel or on a
    /// popup that grabs itself; refused grabs dismiss the popup at once, as the protocol says.</summary>
    internal void Grab(Popup p, uint serial)
    {
        var client = p.Resource.Client;
        var seat = _server.Seat;
        var answersInput = (serial == seat.Pointer.LastPressSerial && client == seat.Pointer.LastPressClient)
                           || (serial == seat.Keyboard.LastPressSerial && client == seat.Keyboard.LastPressClient);
        var parentOk = p.Parent is { Toplevel: not null } || p.Parent?.Popup is { HasGrab: true } parentPopup && _grabs.Count > 0 && _grabs[^1] == parentPopup;
        var sameClient = _grabs.Count == 0 || _grabs[^1].Resource.Client == client;
        if (!answersInput || !parentOk || !sameClient)
        {
            _server.Log.Debug("Refused grab of {Popup} (serial {Serial})", p.Resource, serial);
            p.Dismiss();
            return;
        }
        p.HasGrab = true;
        _grabs.Add(p);
    }

    internal bool IsGrabbedBelowTop(Popup p) => _grabs.Count > 0 && _grabs[^1] != p && _grabs.Contains(p);

    /// <summary>Closes every grabbing popup, topmost first.</summary>
    public void DismissGrabs()
    {
        while (_grabs.Count > 0) _grabs[^1].Dismiss();
    }

    private void OnPointerPressed(IPlacedRole? root, Surface? surface, uint button)
    {
        // A click outside the grabbing client's surfaces ends the grab.
        if (_grabs.Count > 0 && surface?.Resource.Client != _grabs[^1].Resource.Client) DismissGrabs();
        // A click in a popup focuses the window it belongs to.
        if (WindowOf(root) is { } t)
        {
            Focus(t);
            // Pressed on the window's title bar rather than on a surface of it.
            if (surface is null && root == t.Placed && t.TitleBar is { Visible: true } bar && button == ButtonLeft) TitleBarPressed(t, bar);
        }
    }
}
