using Wayland.Protocols.Client;

namespace Compositor.Backends.Nested;

/// <summary>
/// The parent's pointer and keyboard over the nested window, passed on as this compositor's input:
/// positions in the window are positions on the output; key codes are evdev codes on both sides.
/// Keys still down when the window loses the keyboard are released, so none stays stuck.
/// </summary>
internal sealed class NestedInput : IDisposable
{
    private readonly HashSet<uint> _down = [];
    private WlPointer? _pointer;
    private WlKeyboard? _keyboard;

    /// <summary>Listens from the moment the seat is bound (its capabilities come with the next
    /// dispatch); input arrives once <see cref="Start"/> names the sink and the window.</summary>
    public NestedInput(WlSeat seat)
    {
        seat.Capabilities += (s, caps) =>
        {
            if ((caps & WlSeat.Capability.Pointer) != 0 && _pointer is null) _pointer = Pointer(s.GetPointer());
            if ((caps & WlSeat.Capability.Keyboard) != 0 && _keyboard is null) _keyboard = Keyboard(s.GetKeyboard());
        };
    }

    private IInputSink? _sink;
    private NestedOutput? _output;

    public void Start(IInputSink sink, NestedOutput output) => (_sink, _output) = (sink, output);

    private WlPointer Pointer(WlPointer pointer)
    {
        pointer.Enter += (p, serial, surface, x, y) =>
        {
            if (_output is not { } o || surface != o.Surface) return;
            // Our window draws the pointer itself (the compositor's arrow or its clients' cursors):
            // the parent's own cursor would be a second one over it.
            p.SetCursor(serial, null, 0, 0);
            _sink!.PointerMotionAbsolute(MonotonicClock.Milliseconds, o, x.ToDouble(), y.ToDouble());
        };
        pointer.Leave += (_, _, _) => _sink?.PointerLeft();
        pointer.Motion += (_, time, x, y) =>
        {
            if (_output is { } o) _sink!.PointerMotionAbsolute(time, o, x.ToDouble(), y.ToDouble());
        };
        pointer.Button += (_, _, time, button, state) => _sink?.PointerButton(time, button, state == WlPointer.ButtonState.Pressed);
        pointer.AxisEvent += (_, time, axis, value) => _sink?.PointerAxis(time, (uint)axis, value.ToDouble(), 0);
        pointer.Frame += _ => _sink?.PointerFrame();
        return pointer;
    }

    private WlKeyboard Keyboard(WlKeyboard keyboard)
    {
        keyboard.Keymap += (_, _, fd, _) => fd.Dispose(); // our seat has its own keymap
        keyboard.Key += (_, _, time, key, state) =>
        {
            if (_sink is null) return;
            var pressed = state == WlKeyboard.KeyState.Pressed;
            if (pressed) _down.Add(key); else _down.Remove(key);
            _sink.KeyboardKey(time, key, pressed);
        };
        keyboard.Leave += (_, _, _) =>
        {
            foreach (var key in _down) _sink?.KeyboardKey(MonotonicClock.Milliseconds, key, false);
            _down.Clear();
        };
        return keyboard;
    }


    public void Dispose()
    {
        _pointer?.Release();
        _keyboard?.Release();
    }
}
