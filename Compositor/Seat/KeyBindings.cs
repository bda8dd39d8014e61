using Compositor.Config;
using Compositor.Input;

namespace Compositor.Seat;

/// <summary>
/// The compositor's own key chords (<see cref="CompositorConfig.Bindings"/>): a press that matches
/// one runs its action and neither it nor its release reaches a client. Modifiers themselves always
/// pass through, so a client sees Super go down and up, as under sway and weston. Matching costs a
/// scan of the binding list per key press and allocates nothing.
/// </summary>
public sealed class KeyBindings(IReadOnlyList<KeyBinding> bindings, Action<KeyBinding> run)
{
    private readonly KeyBinding[] _bindings = [.. bindings];
    private readonly uint[] _swallowed = new uint[16];
    private int _swallowedCount;

    /// <summary>The focused surface inhibits shortcuts (zwp_keyboard_shortcuts_inhibitor_v1): only
    /// console switching stays the compositor's, so a user can always get out of a client's grip.</summary>
    public bool Inhibited { get; set; }

    /// <summary>The session is locked: as when inhibited, only console switching is the compositor's
    /// (so no binding launches a program or closes a window behind the lock screen).</summary>
    public bool Locked { get; set; }

    /// <summary>True when the key event is the compositor's: a binding's press, or the release of one.</summary>
    public bool Filter(KeyboardState state, uint keycode, bool pressed)
    {
        if (!pressed)
        {
            var i = Array.IndexOf(_swallowed, keycode, 0, _swallowedCount);
            if (i < 0) return false;
            _swallowed[i] = _swallowed[--_swallowedCount];
            return true;
        }
        var mods = state.BindingModifiers;
        var keysym = 0u;
        foreach (var b in _bindings)
        {
            if (b.Chord.Modifiers != mods || ((Inhibited || Locked) && b.Action != BindingAction.SwitchVt)) continue;
            if (keysym == 0) keysym = state.BaseKeysym(keycode);
            if (b.Chord.Keysym != keysym) continue;
            if (_swallowedCount < _swallowed.Length) _swallowed[_swallowedCount++] = keycode;
            run(b);
            return true;
        }
        return false;
    }
}
