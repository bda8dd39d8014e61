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

    public Seat(CompositorServer server)
    {
        _server = server;
        Pointer = new Pointer(server);
        Keyboard = new Keyboard(server);
        server.Display.CreateGlobal<WlSeat>(Version, Bind);
    }

    public Pointer Pointer { get; }
    public Keyboard Keyboard { get; }

    /// <summary>A first button went down, over a placed surface (a window or popup) or over nothing
    /// (both null): the shell focuses and raises, or dismisses popups.</summary>
    public event Action<IPlacedRole?, Surface?>? PointerPressed;

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

    public void KeyboardKey(uint timeMs, uint keycode, bool pressed) => Keyboard.Key(timeMs, keycode, pressed);

    public void PointerMotionAbsolute(uint timeMs, IOutput output, double x, double y)
    {
        foreach (var o in _server.Scene.Outputs)
            if (o.Output == output)
            {
                Pointer.MoveTo(timeMs, o.X + x / output.Scale, o.Y + y / output.Scale);
                return;
            }
    }

    public void PointerMotion(uint timeMs, double dx, double dy) => Pointer.MoveTo(timeMs, Pointer.X + dx, Pointer.Y + dy);

    public void PointerButton(uint timeMs, uint button, bool pressed)
    {
        if (pressed && Pointer.ButtonsDown == 0)
        {
            var surface = _server.Scene.SurfaceAt(Pointer.X, Pointer.Y, out _, out _, out var root);
            PointerPressed?.Invoke(root, surface);
        }
        Pointer.Button(timeMs, button, pressed);
    }

    public void PointerAxis(uint timeMs, uint axis, double value, int discrete) => Pointer.Axis(timeMs, axis, value, discrete);

    public void PointerFrame() => Pointer.Frame();
}
