namespace Compositor.Input;

/// <summary>wl_keyboard.modifiers' four values.</summary>
public readonly record struct Modifiers(uint Depressed, uint Latched, uint Locked, uint Group);

/// <summary>
/// Which keys are down and what the modifiers are, by libxkbcommon. Keycodes are evdev codes (XKB's
/// are evdev + 8). Updating allocates nothing: key events are a hot path.
/// </summary>
public sealed class KeyboardState : IDisposable
{
    /// <summary>Key repeat sent with wl_keyboard.repeat_info: 25 per second after 600 ms, as weston.</summary>
    public const int RepeatRate = 25, RepeatDelay = 600;

    private nint _state;
    private readonly uint[] _pressed = new uint[256];
    private int _pressedCount;

    public KeyboardState(Keymap keymap)
    {
        _state = Xkb.StateNew(keymap.Handle);
        if (_state == 0) throw new InvalidOperationException("xkb_state_new failed");
    }

    public Modifiers Modifiers { get; private set; }

    /// <summary>Keys held now, in the order they went down (for wl_keyboard.enter).</summary>
    public ReadOnlySpan<uint> PressedKeys => _pressed.AsSpan(0, _pressedCount);

    /// <summary>Applies a key event; true when the modifiers changed.</summary>
    public bool UpdateKey(uint evdevKeycode, bool pressed)
    {
        var index = Array.IndexOf(_pressed, evdevKeycode, 0, _pressedCount);
        if (pressed && index < 0 && _pressedCount < _pressed.Length) _pressed[_pressedCount++] = evdevKeycode;
        else if (!pressed && index >= 0)
        {
            Array.Copy(_pressed, index + 1, _pressed, index, _pressedCount - index - 1);
            _pressedCount--;
        }
        Xkb.StateUpdateKey(_state, evdevKeycode + 8, pressed ? Xkb.KeyDown : Xkb.KeyUp);
        var m = new Modifiers(
            Xkb.StateSerializeMods(_state, Xkb.ModsDepressed),
            Xkb.StateSerializeMods(_state, Xkb.ModsLatched),
            Xkb.StateSerializeMods(_state, Xkb.ModsLocked),
            Xkb.StateSerializeLayout(_state, Xkb.LayoutEffective));
        if (m == Modifiers) return false;
        Modifiers = m;
        return true;
    }

    public void Dispose()
    {
        if (_state != 0) { Xkb.StateUnref(_state); _state = 0; }
    }
}
