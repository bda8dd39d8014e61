using Compositor.Scene;
using Compositor.Surfaces;
using Wayland.Protocols.Server;
using Wayland.Server;
using Wayland.Wire;

namespace Compositor.Seat;

/// <summary>
/// The pointer: its position in the layout, the surface it is over (focus follows the pointer,
/// except that an implicit grab keeps it while a button is held), and every wl_pointer resource.
/// wl_pointer requests (set_cursor, release) are handled here.
/// </summary>
public sealed class Pointer : IWlPointerHandler
{
    private readonly CompositorServer _server;
    private readonly List<WlPointer> _resources = [];
    private Surface? _focus;
    private uint _enterSerial;
    private bool _pendingFrame;
    private IPointerGrab? _grab;

    internal Pointer(CompositorServer server, Config.CursorConfig cursor)
    {
        _server = server;
        Theme = new CursorTheme(server.Renderer, cursor, server.Log);
        ShowShape("default");
    }

    /// <summary>The compositor's cursor images.</summary>
    public CursorTheme Theme { get; }

    public double X { get; private set; }
    public double Y { get; private set; }
    public Surface? Focus => _focus;
    public int ButtonsDown { get; private set; }
    /// <summary>Serial of the last button press sent, and the client it went to: move, resize and
    /// popup grabs must quote it.</summary>
    public uint LastPressSerial { get; private set; }
    public Wayland.Server.Client? LastPressClient { get; private set; }
    /// <summary>The client's cursor surface, drawn at the pointer.</summary>
    public CursorRole? Cursor { get; private set; }
    /// <summary>zwp_relative_pointer_manager_v1: relative motion goes there too.</summary>
    public RelativePointer? Relative { get; set; }
    /// <summary>zwp_pointer_constraints_v1: a lock or confinement holds the cursor.</summary>
    public PointerConstraints? Constraints { get; set; }

    internal void Add(WlPointer resource)
    {
        resource.Handler = this;
        _resources.Add(resource);
        resource.Destroyed += r => _resources.Remove((WlPointer)r);
        // A client that binds while the pointer is over it learns so at once.
        if (_focus is not null && _focus.Resource.Client == resource.Client)
            resource.SendEnter(_enterSerial, _focus.Resource, LocalX(), LocalY());
    }

    /// <summary>A mouse's motion: relative pointers hear it, then the cursor moves unless a lock
    /// holds it, and within the region a confinement allows.</summary>
    public void MoveBy(ulong timeUs, double dx, double dy, double dxUnaccel, double dyUnaccel)
    {
        if (_focus is not null && _grab is null && Relative?.Send(_focus.Resource.Client, timeUs, dx, dy, dxUnaccel, dyUnaccel) == true)
            _pendingFrame = true;
        MoveConstrained((uint)(timeUs / 1000), X + dx, Y + dy);
    }

    /// <summary>A motion from input: none while a lock holds the cursor, kept inside a confinement.</summary>
    public void MoveConstrained(uint timeMs, double x, double y)
    {
        if (Constraints?.Active is { } active)
        {
            if (active.Locks) return;
            (x, y) = active.Confine(X, Y, x, y);
        }
        MoveTo(timeMs, x, y);
    }

    /// <summary>Puts the cursor at a layout point (clamped to the outputs), whatever constrains it.</summary>
    public void MoveTo(uint timeMs, double x, double y)
    {
        var bounds = LayoutBounds();
        X = Math.Clamp(x, bounds.X, Math.Max(bounds.X, bounds.Right - 1));
        Y = Math.Clamp(y, bounds.Y, Math.Max(bounds.Y, bounds.Bottom - 1));
        _server.Scene.CursorVisible = true;
        if (Cursor is not null) Cursor.Moved(X, Y);
        else if (_server.Scene.ImageCursor is { } image) _server.Scene.SetImageCursor(image, X, Y);
        if (_grab is not null)
        {
            _grab.Motion(X, Y);
            return;
        }

        // A new focus learns the position from enter; motion is for surfaces the pointer was already in.
        if (ButtonsDown == 0 && UpdateFocus()) return;
        if (_focus is null) return;
        var (sx, sy) = (LocalX(), LocalY());
        foreach (var r in _resources)
            if (r.Client == _focus.Resource.Client) r.SendMotion(timeMs, sx, sy);
        _pendingFrame = true;
        // Moving into a constraint's region starts it.
        Constraints?.Update();
    }

    internal void Button(uint timeMs, uint button, bool pressed)
    {
        ButtonsDown = Math.Max(0, ButtonsDown + (pressed ? 1 : -1));
        if (_focus is not null)
        {
            var serial = _server.Display.NextSerial();
            foreach (var r in _resources)
                if (r.Client == _focus.Resource.Client)
                    r.SendButton(serial, timeMs, button, pressed ? WlPointer.ButtonState.Pressed : WlPointer.ButtonState.Released);
            _pendingFrame = true;
            if (pressed) (LastPressSerial, LastPressClient) = (serial, _focus.Resource.Client);
        }
        // Releasing the last button ends the implicit grab: focus follows the pointer again.
        if (!pressed && ButtonsDown == 0)
        {
            // The release ends its frame before a leave to another surface starts the next.
            Frame();
            EndGrab();
            UpdateFocus();
        }
    }

    internal void Axis(uint timeMs, uint axis, double value, int discrete)
    {
        if (_focus is null || axis > 1) return;
        var a = (WlPointer.Axis)axis;
        foreach (var r in _resources)
        {
            if (r.Client != _focus.Resource.Client) continue;
            if (discrete != 0)
            {
                r.SendAxisSource(WlPointer.AxisSource.Wheel);
                // axis_discrete (v5-7) was replaced by axis_value120 in v8; a v8 client must not get the old one.
                if (r.Version >= 8) r.SendAxisValue120(a, discrete * 120);
                else r.SendAxisDiscrete(a, discrete);
            }
            r.SendAxis(timeMs, a, Fixed.FromDouble(value));
        }
        _pendingFrame = true;
    }

    internal void Frame()
    {
        if (!_pendingFrame || _focus is null) return;
        _pendingFrame = false;
        foreach (var r in _resources)
            if (r.Client == _focus.Resource.Client) r.SendFrame();
    }

    /// <summary>Whether <paramref name="serial"/> is the press of a button still held, sent to <paramref name="client"/>.</summary>
    public bool IsHeldPress(Wayland.Server.Client client, uint serial) =>
        ButtonsDown > 0 && serial == LastPressSerial && client == LastPressClient;

    public void StartGrab(IPointerGrab grab)
    {
        EndGrab();
        _grab = grab;
    }

    public void EndGrab()
    {
        var grab = _grab;
        _grab = null;
        grab?.End();
    }

    /// <summary>Re-evaluates what is under the pointer (after motion, or when windows change);
    /// true when a surface was entered.</summary>
    public bool UpdateFocus()
    {
        var entered = ChangeFocus();
        Constraints?.Update();
        return entered;
    }

    private bool ChangeFocus()
    {
        // A button held keeps the focus, unless a lock took the screen from under it.
        if (_grab is not null || ButtonsDown > 0 && _focus is not null && !LockedAway(_focus)) return false;
        var surface = _server.Scene.SurfaceAt(X, Y, out _, out _, out _);
        if (surface == _focus) return false;
        if (_focus is not null && !_focus.IsDestroyed)
        {
            var serial = _server.Display.NextSerial();
            foreach (var r in _resources)
                if (r.Client == _focus.Resource.Client) { r.SendLeave(serial, _focus.Resource); r.SendFrame(); }
        }
        if (_focus is not null) _focus.Destroyed -= OnFocusDestroyed;
        _focus = surface;
        // Over the background there is no client to draw a cursor, and a client just entered has
        // not set one yet: the compositor's own arrow until it does.
        ShowShape("default");
        if (surface is null) return false;
        surface.Destroyed += OnFocusDestroyed;
        _enterSerial = _server.Display.NextSerial();
        var (sx, sy) = (LocalX(), LocalY());
        foreach (var r in _resources)
            if (r.Client == surface.Resource.Client) { r.SendEnter(_enterSerial, surface.Resource, sx, sy); r.SendFrame(); }
        return true;
    }

    private void OnFocusDestroyed(Surface s)
    {
        _focus = null;
        ButtonsDown = 0;
    }

    /// <summary>Whether the session is locked and the surface is not on the lock screen.</summary>
    private bool LockedAway(Surface s)
    {
        if (!_server.Scene.Locked) return false;
        while (s.AsSubsurface is { Parent: { } parent }) s = parent;
        return s.Role is not IPlacedRole placed || !_server.Scene.Shows(placed);
    }

    public void SetCursor(WlPointer resource, uint serial, WlSurface? surface, int hotspotX, int hotspotY)
    {
        // Only the client the pointer is over, answering its latest enter, may set the cursor.
        if (_focus is null || _focus.Resource.Client != resource.Client || serial != _enterSerial) return;
        if (surface is null)
        {
            ShowShape(null);
            return;
        }
        var s = (Surface)surface.Data!;
        if (s.Role is CursorRole existing)
        {
            existing.SetHotspot(hotspotX, hotspotY);
            SetCursor(existing);
            return;
        }
        var role = new CursorRole(_server, s, hotspotX, hotspotY);
        if (!s.TrySetRole(role, resource, (uint)WlPointer.Error.Role)) return;
        SetCursor(role);
    }

    /// <summary>wp_cursor_shape_device_v1.set_shape, with set_cursor's rule: the focused client, answering its latest enter.</summary>
    internal void SetShape(Wayland.Server.Client client, uint serial, string name)
    {
        if (_focus is null || _focus.Resource.Client != client || serial != _enterSerial) return;
        ShowShape(name);
    }

    /// <summary>Shows a shape of the compositor's theme (null: no cursor), in place of any client cursor surface.</summary>
    private void ShowShape(string? name)
    {
        SetCursor(null);
        _server.Scene.SetImageCursor(name is null ? null : Theme.Get(name), X, Y);
    }

    private void SetCursor(CursorRole? cursor)
    {
        if (cursor is not null) _server.Scene.SetImageCursor(null, X, Y);
        if (Cursor == cursor) return;
        if (Cursor is not null) _server.Scene.DamageSurfaceTree(Cursor.Surface);
        Cursor = cursor;
        _server.Scene.Cursor = cursor;
        cursor?.Moved(X, Y);
    }

    public void Release(WlPointer resource) { }

    private Fixed LocalX() => Fixed.FromDouble(X - OriginOf(_focus!).X);
    private Fixed LocalY() => Fixed.FromDouble(Y - OriginOf(_focus!).Y);

    private static (int X, int Y) OriginOf(Surface s) =>
        Scene.Scene.TryGetPosition(s, out var x, out var y) ? (x, y) : (0, 0);

    private Backends.Rect LayoutBounds()
    {
        var outputs = _server.Scene.Outputs;
        if (outputs.Count == 0) return new Backends.Rect(0, 0, 1, 1);
        int x0 = int.MaxValue, y0 = int.MaxValue, x1 = int.MinValue, y1 = int.MinValue;
        foreach (var o in outputs)
        {
            var b = o.Bounds;
            x0 = Math.Min(x0, b.X); y0 = Math.Min(y0, b.Y); x1 = Math.Max(x1, b.Right); y1 = Math.Max(y1, b.Bottom);
        }
        return new Backends.Rect(x0, y0, x1 - x0, y1 - y0);
    }
}
