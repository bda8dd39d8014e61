using Compositor.Backends;
using Compositor.Scene;
using Compositor.Surfaces;
using Wayland.Protocols.Server;

namespace Compositor.Seat;

/// <summary>
/// wl_seat "seat0": one pointer and one keyboard. Receives the backend's input (it is the backend's
/// <see cref="IInputSink"/>) and routes it to the surface under the pointer and to the keyboard
/// focus. A button press on a window asks the shell to focus it (<see cref="PointerPressed"/>).
/// wl_seat requests are handled here; wl_pointer in <see cref="Pointer"/>, wl_keyboard in
/// <see cref="Keyboard"/>.
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
        Bindings = new KeyBindings(config.Bindings, b => BindingPressed?.Invoke(b));
        _dragModifier = config.DragModifier;
        server.Display.CreateGlobal<WlSeat>(Version, Bind);
    }

    public Pointer Pointer { get; }
    public Keyboard Keyboard { get; }
    public KeyBindings Bindings { get; }

    /// <summary>A key binding's chord was pressed (the server runs its action).</summary>
    public event Action<Config.KeyBinding>? BindingPressed;

    /// <summary>The drag modifier held and a left (move) or right (resize) button pressed over a
    /// placed surface: the window manager starts a move or resize; the button is not the client's.</summary>
    public event Func<IPlacedRole, uint, bool>? ModifierDragPressed;

    /// <summary>A first button went down, over a placed surface (a window or popup) or over nothing
    /// (both null): the shell focuses and raises, or dismisses popups.</summary>
    public event Action<IPlacedRole?, Surface?, uint>? PointerPressed;

    private void Bind(WlSeat resource)
    {
        resource.Handler = this;
        resource.Data = this;
        resource.SendCapabilities(WlSeat.Capability.Pointer | WlSeat.Capability.Keyboard);
        resource.SendName(SeatName);
    }

    public void GetPointer(WlSeat resource, WlPointer id) => Pointer.Add(id);

    public void GetKeyboard(WlSeat resource, WlKeyboard id) => Keyboard.Add(id);

    public void GetTouch(WlSeat resource, WlTouch id) =>
        resource.PostError(WlSeat.Error.MissingCapability, "seat0 has never had touch capability");

    public void Release(WlSeat resource) { }

    // ---- input from the backend ----

    public void KeyboardKey(uint timeMs, uint keycode, bool pressed)
    {
        if (Bindings.Filter(Keyboard.State, keycode, pressed)) return;
        Keyboard.Key(timeMs, keycode, pressed);
    }

    public void PointerMotionAbsolute(uint timeMs, IOutput output, double x, double y)
    {
        foreach (var o in _server.Scene.Outputs)
            if (o.Output == output)
            {
                var (lx, ly) = o.FromPixels(x, y);
                Pointer.MoveTo(timeMs, lx, ly);
                return;
            }
    }

    public void PointerMotion(uint timeMs, double dx, double dy) => Pointer.MoveTo(timeMs, Pointer.X + dx, Pointer.Y + dy);

    public void PointerButton(uint timeMs, uint button, bool pressed)
    {
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

    public void PointerAxis(uint timeMs, uint axis, double value, int discrete) => Pointer.Axis(timeMs, axis, value, discrete);

    public void PointerFrame() => Pointer.Frame();

    public void PointerLeft() => _server.Scene.CursorVisible = false;
}
