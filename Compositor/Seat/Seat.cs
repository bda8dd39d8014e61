using Compositor.Backends;
using Compositor.Scene;
using Compositor.Surfaces;
using Wayland.Protocols.Server;

namespace Compositor.Seat;

/// <summary>
/// wl_seat "seat0": one pointer, one keyboard, and touch where the backend has a touch device. Receives the backend's input (it is the backend's
/// <see cref="IInputSink"/>) and routes it to the surface under the pointer and to the keyboard
/// focus. A button press on a window asks the shell to focus it (<see cref="PointerPressed"/>).
/// wl_seat requests are handled here; wl_pointer in <see cref="Pointer"/>, wl_keyboard in
/// <see cref="Keyboard"/>, wl_touch in <see cref="Touch"/>.
/// </summary>
public sealed class Seat : IInputSink, IWlSeatHandler
{
    public const uint Version = 9;
    public const string SeatName = "seat0";

    private readonly CompositorServer _server;

    private readonly Config.ModifierMask _dragModifier;
    private uint _dragButton; // the button of a modifier drag in progress (its press and release are ours)

    public Seat(CompositorServer server, Config.CompositorConfig config)
    {
        _server = server;
        Pointer = new Pointer(server, config.Cursor);
        Keyboard = new Keyboard(server, config.Keyboard);
        Touch = new Touch(server);
        Bindings = new KeyBindings(config.Bindings, b => BindingPressed?.Invoke(b));
        _dragModifier = config.DragModifier;
        server.Display.CreateGlobal<WlSeat>(Version, Bind);
    }

    public Pointer Pointer { get; }
    public Keyboard Keyboard { get; }
    public Touch Touch { get; }
    public KeyBindings Bindings { get; }

    /// <summary>A key binding's chord was pressed (the server runs its action).</summary>
    public event Action<Config.KeyBinding>? BindingPressed;

    /// <summary>The drag modifier held and a left (move) or right (resize) button pressed over a
    /// placed surface: the window manager starts a move or resize; the button is not the client's.</summary>
    public event Func<IPlacedRole, uint, bool>? ModifierDragPressed;

    /// <summary>A first button (or, as button 0, a first touch point) went down, over a placed surface
    /// (a window or popup) or over nothing (both null): the shell focuses and raises, or dismisses popups.</summary>
    public event Action<IPlacedRole?, Surface?, uint>? PointerPressed;

    /// <summary>Input arrived from the backend (idle notifications restart). Raised for every event:
    /// a handler must not allocate.</summary>
    public event Action? InputActivity;

    private readonly List<WlSeat> _resources = [];
    private bool _hasTouch, _everHadTouch;

    private WlSeat.Capability Capabilities =>
        WlSeat.Capability.Pointer | WlSeat.Capability.Keyboard | (_hasTouch ? WlSeat.Capability.Touch : 0);

    private void Bind(WlSeat resource)
    {
        resource.Handler = this;
        resource.Data = this;
        _resources.Add(resource);
        resource.Destroyed += r => _resources.Remove((WlSeat)r);
        resource.SendCapabilities(Capabilities);
        resource.SendName(SeatName);
    }

    public void GetPointer(WlSeat resource, WlPointer id) => Pointer.Add(id);

    public void GetKeyboard(WlSeat resource, WlKeyboard id) => Keyboard.Add(id);

    public void GetTouch(WlSeat resource, WlTouch id)
    {
        // A seat that once had touch hands out (inert) wl_touch objects after the device went.
        if (_everHadTouch) Touch.Add(id);
        else resource.PostError(WlSeat.Error.MissingCapability, "seat0 has never had touch capability");
    }

    public void Release(WlSeat resource) { }

    /// <summary>Whether <paramref name="client"/> has keyboard focus and <paramref name="serial"/> was
    /// issued since it got it (its enter or later input): what selections and activation tokens must
    /// quote, so only the client the user is working in can act on the user's behalf.</summary>
    public bool IsFocusedInputSerial(Wayland.Server.Client client, uint serial)
    {
        if (Keyboard.Focus is not { IsDestroyed: false } focus || focus.Resource.Client != client) return false;
        // Unsigned differences, so the comparison survives the serial wrapping around.
        var enter = Keyboard.EnterSerial;
        return serial - enter <= _server.Display.Serial - enter;
    }

    // ---- input from the backend ----

    public void KeyboardKey(uint timeMs, uint keycode, bool pressed)
    {
        InputActivity?.Invoke();
        if (Bindings.Filter(Keyboard.State, keycode, pressed)) return;
        Keyboard.Key(timeMs, keycode, pressed);
    }

    public void PointerMotionAbsolute(uint timeMs, IOutput output, double x, double y)
    {
        InputActivity?.Invoke();
        if (LayoutPoint(output, x, y) is { } p) Pointer.MoveConstrained(timeMs, p.X, p.Y);
    }

    public void PointerMotion(uint timeMs, double dx, double dy)
    {
        InputActivity?.Invoke();
        Pointer.MoveBy(timeMs * 1000UL, dx, dy, dx, dy);
    }

    public void PointerMotionRelative(ulong timeUs, double dx, double dy, double dxUnaccelerated, double dyUnaccelerated)
    {
        InputActivity?.Invoke();
        Pointer.MoveBy(timeUs, dx, dy, dxUnaccelerated, dyUnaccelerated);
    }

    public void PointerButton(uint timeMs, uint button, bool pressed)
    {
        InputActivity?.Invoke();
        if (_dragButton != 0)
        {
            // A modifier drag: its button's release ends it; other buttons meanwhile are dropped.
            if (!pressed && button == _dragButton)
            {
                _dragButton = 0;
                Pointer.EndGrab();
                Pointer.UpdateFocus();
            }
            return;
        }
        if (pressed && Pointer.ButtonsDown == 0)
        {
            var surface = _server.Scene.SurfaceAt(Pointer.X, Pointer.Y, out _, out _, out var root);
            PointerPressed?.Invoke(root, surface, button);
            if (root is not null && _dragModifier != Config.ModifierMask.None
                && (Keyboard.State.BindingModifiers & _dragModifier) == _dragModifier
                && ModifierDragPressed?.Invoke(root, button) == true)
            {
                _dragButton = button;
                return;
            }
        }
        Pointer.Button(timeMs, button, pressed);
    }

    public void PointerAxis(uint timeMs, uint axis, double value, int discrete)
    {
        InputActivity?.Invoke();
        Pointer.Axis(timeMs, axis, value, discrete);
    }

    public void PointerFrame() => Pointer.Frame();

    public void PointerLeft() => _server.Scene.CursorVisible = false;

    public void TouchAvailable(bool available)
    {
        if (available == _hasTouch) return;
        _hasTouch = available;
        _everHadTouch |= available;
        if (!available) Touch.Cancel();
        foreach (var r in _resources) r.SendCapabilities(Capabilities);
    }

    public void TouchDown(uint timeMs, int id, IOutput output, double x, double y)
    {
        if (LayoutPoint(output, x, y) is { } p) TouchDownAt(timeMs, id, p.X, p.Y);
    }

    public void TouchMotion(uint timeMs, int id, IOutput output, double x, double y)
    {
        InputActivity?.Invoke();
        if (LayoutPoint(output, x, y) is { } p) Touch.Motion(timeMs, id, p.X, p.Y);
    }

    /// <summary>A touch point down at a layout position (the WLCS control socket gives those).</summary>
    internal void TouchDownAt(uint timeMs, int id, double x, double y)
    {
        InputActivity?.Invoke();
        if (Touch.PointsDown == 0)
        {
            // A first finger down acts like a first button: the window under it is focused and raised.
            var surface = _server.Scene.SurfaceAt(x, y, out _, out _, out var root);
            PointerPressed?.Invoke(root, surface, 0);
        }
        Touch.Down(timeMs, id, x, y);
    }

    public void TouchUp(uint timeMs, int id)
    {
        InputActivity?.Invoke();
        Touch.Up(timeMs, id);
    }

    public void TouchFrame() => Touch.Frame();

    public void TouchCancel() => Touch.Cancel();

    /// <summary>zwp_pointer_gestures_v1, which the backend's touchpad gestures go to.</summary>
    public PointerGestures.PointerGestures? Gestures { get; set; }

    public void GestureSwipeBegin(uint timeMs, uint fingers)
    {
        InputActivity?.Invoke();
        Gestures?.SwipeBegin(timeMs, fingers);
    }

    public void GestureSwipeUpdate(uint timeMs, double dx, double dy)
    {
        InputActivity?.Invoke();
        Gestures?.SwipeUpdate(timeMs, dx, dy);
    }

    public void GestureSwipeEnd(uint timeMs, bool cancelled)
    {
        InputActivity?.Invoke();
        Gestures?.SwipeEnd(timeMs, cancelled);
    }

    public void GesturePinchBegin(uint timeMs, uint fingers)
    {
        InputActivity?.Invoke();
        Gestures?.PinchBegin(timeMs, fingers);
    }

    public void GesturePinchUpdate(uint timeMs, double dx, double dy, double scale, double rotation)
    {
        InputActivity?.Invoke();
        Gestures?.PinchUpdate(timeMs, dx, dy, scale, rotation);
    }

    public void GesturePinchEnd(uint timeMs, bool cancelled)
    {
        InputActivity?.Invoke();
        Gestures?.PinchEnd(timeMs, cancelled);
    }

    public void GestureHoldBegin(uint timeMs, uint fingers)
    {
        InputActivity?.Invoke();
        Gestures?.HoldBegin(timeMs, fingers);
    }

    public void GestureHoldEnd(uint timeMs, bool cancelled)
    {
        InputActivity?.Invoke();
        Gestures?.HoldEnd(timeMs, cancelled);
    }

    private (double X, double Y)? LayoutPoint(IOutput output, double x, double y)
    {
        foreach (var o in _server.Scene.Outputs)
            if (o.Output == output) return o.FromPixels(x, y);
        return null;
    }
}
