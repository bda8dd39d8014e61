namespace Compositor.Backends;

/// <summary>
/// Where a backend delivers input (the compositor's seat implements it). Keycodes are Linux evdev
/// codes (KEY_A = 30), buttons are evdev button codes (BTN_LEFT = 0x110), times are milliseconds of
/// CLOCK_MONOTONIC. A backend calls <see cref="PointerFrame"/> after a group of pointer events.
/// </summary>
public interface IInputSink
{
    void KeyboardKey(uint timeMs, uint keycode, bool pressed);
    /// <summary>Absolute position in the output's pixels (nested windows, tablets, test injection).</summary>
    void PointerMotionAbsolute(uint timeMs, IOutput output, double x, double y);
    /// <summary>Relative motion (mice).</summary>
    void PointerMotion(uint timeMs, double dx, double dy);
    /// <summary>Relative motion with microsecond time and the device's own, unaccelerated deltas
    /// beside the accelerated ones (libinput gives both; games want the raw ones).</summary>
    void PointerMotionRelative(ulong timeUs, double dx, double dy, double dxUnaccelerated, double dyUnaccelerated) =>
        PointerMotion((uint)(timeUs / 1000), dx, dy);
    void PointerButton(uint timeMs, uint button, bool pressed);
    /// <summary>Scroll: axis 0 vertical, 1 horizontal; value in surface pixels; discrete in wheel clicks (0 if none).</summary>
    void PointerAxis(uint timeMs, uint axis, double value, int discrete);
    void PointerFrame();
    /// <summary>The pointer left every output (a nested window's parent took it): no cursor is drawn
    /// until the next motion brings it back.</summary>
    void PointerLeft() { }

    /// <summary>Whether the seat has a touch device (wl_seat's touch capability): a backend says so
    /// when one comes or the last one goes.</summary>
    void TouchAvailable(bool available) { }
    /// <summary>A touch point <paramref name="id"/> went down at a position in the output's pixels.</summary>
    void TouchDown(uint timeMs, int id, IOutput output, double x, double y) { }
    void TouchMotion(uint timeMs, int id, IOutput output, double x, double y) { }
    void TouchUp(uint timeMs, int id) { }
    /// <summary>The end of a group of touch events.</summary>
    void TouchFrame() { }
    /// <summary>The device took the touch session back: every point is gone.</summary>
    void TouchCancel() { }

    /// <summary>Touchpad gestures as libinput recognises them: a swipe of several fingers (deltas in
    /// pointer motion units), a pinch (deltas, scale relative to the start, rotation in degrees
    /// clockwise since the last update) and a hold; each ends, or is cancelled.</summary>
    void GestureSwipeBegin(uint timeMs, uint fingers) { }
    void GestureSwipeUpdate(uint timeMs, double dx, double dy) { }
    void GestureSwipeEnd(uint timeMs, bool cancelled) { }
    void GesturePinchBegin(uint timeMs, uint fingers) { }
    void GesturePinchUpdate(uint timeMs, double dx, double dy, double scale, double rotation) { }
    void GesturePinchEnd(uint timeMs, bool cancelled) { }
    void GestureHoldBegin(uint timeMs, uint fingers) { }
    void GestureHoldEnd(uint timeMs, bool cancelled) { }
}
