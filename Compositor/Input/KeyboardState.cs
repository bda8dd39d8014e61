namespace Compositor.Input;

/// <summary>wl_keyboard.modifiers' four values.</summary>
public readonly record struct Modifiers(uint Depressed, uint Latched, uint Locked, uint Group);

/// <summary>
/// Which keys are down and what the modifiers are, by libxkbcommon. Keycodes are evdev codes (XKB's
/// are evdev + 8). Updating allocates nothing: key events are a hot path.
/// </summary>
public sealed class KeyboardState : IDisposable
{
    private nint _state;
    private readonly nint _keymap;
    // Modifier indices of Shift, Control, Mod1 (Alt) and Mod4 (Super) in this keymap, for bindings.
    private readonly uint _shift, _ctrl, _alt, _super;
    private readonly uint[] _pressed = new uint[256];
    private int _pressedCount;

    public KeyboardState(Keymap keymap)
    {
        _keymap = keymap.Handle;
        _state = Xkb.StateNew(keymap.Handle);
        if (_state == 0) throw new InvalidOperationException("xkb_state_new failed");
        _shift = Xkb.KeymapModGetIndex(_keymap, "Shift");
        _ctrl = Xkb.KeymapModGetIndex(_keymap, "Control");
        _alt = Xkb.KeymapModGetIndex(_keymap, "Mod1");
        _super = Xkb.KeymapModGetIndex(_keymap, "Mod4");
    }

    /// <summary>The modifiers held or latched now (not locked: Caps Lock on does not stop a binding).</summary>
    public Config.ModifierMask BindingModifiers
    {
        get
        {
            var m = Modifiers.Depressed | Modifiers.Latched;
            var mask = Config.ModifierMask.None;
            if (Has(m, _shift)) mask |= Config.ModifierMask.Shift;
            if (Has(m, _ctrl)) mask |= Config.ModifierMask.Ctrl;
            if (Has(m, _alt)) mask |= Config.ModifierMask.Alt;
            if (Has(m, _super)) mask |= Config.ModifierMask.Super;
            return mask;
        }
    }

    private static bool Has(uint mods, uint index) => index < 32 && (mods & (1u << (int)index)) != 0;

    /// <summary>The key's keysym on the first level of the layout in effect, lower-cased: what a
    /// binding names (Super+Shift+q is q, not Q).</summary>
    public unsafe uint BaseKeysym(uint evdevKeycode)
    {
        var key = evdevKeycode + 8;
        var layout = Xkb.StateKeyGetLayout(_state, key);
        if (layout == uint.MaxValue) return 0;
        uint* syms;
        var n = Xkb.KeymapKeyGetSymsByLevel(_keymap, key, layout, 0, &syms);
        return n > 0 ? Xkb.KeysymToLower(syms[0]) : 0;
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
