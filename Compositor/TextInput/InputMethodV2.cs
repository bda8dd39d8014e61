using Compositor.Seat;
using Compositor.Surfaces;
using Wayland.Protocols.Server;

namespace Compositor.TextInput;

/// <summary>
/// The seat's zwp_input_method_v2: commit_string, set_preedit_string and delete_surrounding_text
/// fill a pending state that commit hands to the active text input (through the relay), unless its
/// serial is not the number of done events sent (then it is dropped, as the protocol says: the
/// client had not seen the latest state). Also its popup surfaces (placed below the text input's
/// cursor rectangle, shown while a text input is active) and its keyboard grab.
/// </summary>
internal sealed class InputMethodV2 : IZwpInputMethodV2Handler
{
    /// <summary>The handler of an input method refused with unavailable: every request is ignored.</summary>
    internal static readonly IZwpInputMethodV2Handler Inert = new InertMethod();

    private readonly TextInputV3Relay _relay;
    private readonly List<Popup> _popups = [];
    private KeyboardGrab? _grab;
    private uint _doneCount;
    private bool _active;
    // Pending state, applied by commit.
    private string? _preedit, _commit;
    private int _preeditBegin, _preeditEnd;
    private uint _deleteBefore, _deleteAfter;
    private bool _delete;

    public InputMethodV2(TextInputV3Relay relay, ZwpInputMethodV2 resource)
    {
        _relay = relay;
        Resource = resource;
    }

    public ZwpInputMethodV2 Resource { get; }

    /// <summary>A text input became active (<paramref name="activate"/>) or committed new state.</summary>
    internal void SendState(TextInputV3 input, bool activate)
    {
        if (activate || !_active) Resource.SendActivate();
        _active = true;
        ref readonly var s = ref input.Current;
        if (s.SurroundingText is not null) Resource.SendSurroundingText(s.SurroundingText, (uint)s.Cursor, (uint)s.Anchor);
        Resource.SendTextChangeCause(s.ChangeCause);
        Resource.SendContentType(s.Hint, s.Purpose);
        SendDone();
    }

    internal void SendDeactivate()
    {
        if (!_active) return;
        _active = false;
        Resource.SendDeactivate();
        SendDone();
    }

    private void SendDone()
    {
        Resource.SendDone();
        _doneCount++;
    }

    /// <summary>The resource is gone: its grab and popups go with it.</summary>
    internal void Gone()
    {
        if (_grab is not null) _relay.Server.Seat.Keyboard.Grab = null;
        foreach (var p in _popups) p.Role.Place(false, 0, 0);
    }

    public void CommitString(ZwpInputMethodV2 resource, string text) => _commit = text;

    public void SetPreeditString(ZwpInputMethodV2 resource, string text, int cursorBegin, int cursorEnd) =>
        (_preedit, _preeditBegin, _preeditEnd) = (text, cursorBegin, cursorEnd);

    public void DeleteSurroundingText(ZwpInputMethodV2 resource, uint beforeLength, uint afterLength) =>
        (_deleteBefore, _deleteAfter, _delete) = (beforeLength, afterLength, true);

    public void Commit(ZwpInputMethodV2 resource, uint serial)
    {
        if (serial == _doneCount && _active) _relay.Forward(_preedit, _preeditBegin, _preeditEnd, _commit, _deleteBefore, _deleteAfter, _delete);
        else _relay.Server.Log.Debug("{Method}: commit {Serial} after {Done} done events, dropped", resource, serial, _doneCount);
        (_preedit, _commit, _delete) = (null, null, false);
    }

    public void GetInputPopupSurface(ZwpInputMethodV2 resource, ZwpInputPopupSurfaceV2 id, WlSurface surface)
    {
        var s = (Surface)surface.Data!;
        var popup = new Popup(this, id);
        popup.Role = new PanelRole("zwp_input_popup_surface_v2", s, _relay.Server.Scene, _ => Place(popup));
        id.Handler = popup;
        if (!s.TrySetRole(popup.Role, resource, (uint)ZwpInputMethodV2.Error.Role)) return;
        _popups.Add(popup);
        id.Destroyed += _ =>
        {
            _popups.Remove(popup);
            popup.Role.Place(false, 0, 0);
            s.ClearRole(popup.Role);
        };
        Place(popup);
    }

    internal void UpdatePopups()
    {
        foreach (var p in _popups) Place(p);
    }

    /// <summary>Below the active text input's cursor rectangle (its surface's corner without one), told
    /// where that rectangle is relative to the popup.</summary>
    private void Place(Popup popup)
    {
        if (_relay.Active is not { Focus: { } focus } input || !Scene.Scene.TryGetPosition(focus, out var x, out var y))
        {
            popup.Role.Place(false, 0, 0);
            return;
        }
        var r = input.Current.CursorRectangle;
        popup.Role.Place(true, x + r.X, y + r.Y + r.Height);
        if (popup.Sent != r)
        {
            popup.Sent = r;
            popup.Resource.SendTextInputRectangle(0, -r.Height, r.Width, r.Height);
        }
    }

    public void GrabKeyboard(ZwpInputMethodV2 resource, ZwpInputMethodKeyboardGrabV2 keyboard)
    {
        var seatKeyboard = _relay.Server.Seat.Keyboard;
        // One grab at a time (as wlroots): a second one stays inert.
        if (_grab is not null)
        {
            keyboard.Handler = KeyboardGrab.InertHandler;
            return;
        }
        var grab = new KeyboardGrab(seatKeyboard, keyboard);
        keyboard.Handler = grab;
        _grab = grab;
        seatKeyboard.Grab = grab;
        keyboard.Destroyed += _ =>
        {
            if (_grab == grab) _grab = null;
            if (seatKeyboard.Grab == grab) seatKeyboard.Grab = null;
        };
    }

    public void Destroy(ZwpInputMethodV2 resource) { }

    private sealed class Popup(InputMethodV2 method, ZwpInputPopupSurfaceV2 resource) : IZwpInputPopupSurfaceV2Handler
    {
        public ZwpInputPopupSurfaceV2 Resource { get; } = resource;
        public PanelRole Role { get; set; } = null!;
        public Backends.Rect? Sent { get; set; }
        public InputMethodV2 Method { get; } = method;
        public void Destroy(ZwpInputPopupSurfaceV2 resource) { }
    }

    /// <summary>The keyboard's keys and modifiers for the grab holder instead of the focused client,
    /// from the keymap on (sent at once, with repeat info and the current modifiers).</summary>
    private sealed class KeyboardGrab : IZwpInputMethodKeyboardGrabV2Handler, IKeyboardGrab
    {
        internal static readonly IZwpInputMethodKeyboardGrabV2Handler InertHandler = new Inert();

        private readonly Keyboard _keyboard;
        private readonly ZwpInputMethodKeyboardGrabV2 _resource;

        public KeyboardGrab(Keyboard keyboard, ZwpInputMethodKeyboardGrabV2 resource)
        {
            _keyboard = keyboard;
            _resource = resource;
            resource.SendKeymap(WlKeyboard.KeymapFormat.XkbV1, keyboard.Keymap.Fd.Value, keyboard.Keymap.Size);
            resource.SendRepeatInfo(keyboard.Config.RepeatRate, keyboard.Config.RepeatDelay);
            SendModifiers();
        }

        public void Key(uint timeMs, uint keycode, bool pressed, bool modifiersChanged)
        {
            _resource.SendKey(_keyboard.NextSerial(), timeMs, keycode, pressed ? WlKeyboard.KeyState.Pressed : WlKeyboard.KeyState.Released);
            if (modifiersChanged) SendModifiers();
        }

        private void SendModifiers()
        {
            var m = _keyboard.State.Modifiers;
            _resource.SendModifiers(_keyboard.NextSerial(), m.Depressed, m.Latched, m.Locked, m.Group);
        }

        public void Release(ZwpInputMethodKeyboardGrabV2 resource) { }

        private sealed class Inert : IZwpInputMethodKeyboardGrabV2Handler
        {
            public void Release(ZwpInputMethodKeyboardGrabV2 resource) { }
        }
    }

    private sealed class InertMethod : IZwpInputMethodV2Handler
    {
        public void CommitString(ZwpInputMethodV2 resource, string text) { }
        public void SetPreeditString(ZwpInputMethodV2 resource, string text, int cursorBegin, int cursorEnd) { }
        public void DeleteSurroundingText(ZwpInputMethodV2 resource, uint beforeLength, uint afterLength) { }
        public void Commit(ZwpInputMethodV2 resource, uint serial) { }
        public void GetInputPopupSurface(ZwpInputMethodV2 resource, ZwpInputPopupSurfaceV2 id, WlSurface surface) => id.Handler = InertPopup.Instance;
        public void GrabKeyboard(ZwpInputMethodV2 resource, ZwpInputMethodKeyboardGrabV2 keyboard) => keyboard.Handler = KeyboardGrab.InertHandler;
        public void Destroy(ZwpInputMethodV2 resource) { }
    }

    private sealed class InertPopup : IZwpInputPopupSurfaceV2Handler
    {
        internal static readonly InertPopup Instance = new();
        public void Destroy(ZwpInputPopupSurfaceV2 resource) { }
    }
}
