using Compositor.Seat;
using Wayland.Protocols.Server;

namespace Compositor.TextInput;

/// <summary>
/// A zwp_input_method_context_v1: made for the input method each time a text input is activated.
/// While it is the relay's current context, what the input method sends through it goes to the
/// active text input; after deactivate it is inert until the client destroys it. Its keyboard grab
/// sends the keyboard's keys to a wl_keyboard of the input method; key and modifiers come back to be
/// passed to the focused client.
/// </summary>
internal sealed class InputMethodContextV1(TextInputV1Relay relay, ZwpInputMethodContextV1 resource) : IZwpInputMethodContextV1Handler
{
    private Grab? _grab;

    public ZwpInputMethodContextV1 Resource { get; } = resource;

    private ZwpTextInputV1? Input => relay.Context == Resource ? relay.Active?.Resource : null;

    /// <summary>No longer current: its grab ends.</summary>
    internal void End()
    {
        if (_grab is not null && relay.Server.Seat.Keyboard.Grab == _grab) relay.Server.Seat.Keyboard.Grab = null;
        _grab = null;
    }

    public void Destroy(ZwpInputMethodContextV1 resource) { }

    public void CommitString(ZwpInputMethodContextV1 resource, uint serial, string text) => Input?.SendCommitString(serial, text);

    public void PreeditString(ZwpInputMethodContextV1 resource, uint serial, string text, string commit) => Input?.SendPreeditString(serial, text, commit);

    public void PreeditStyling(ZwpInputMethodContextV1 resource, uint index, uint length, uint style) =>
        Input?.SendPreeditStyling(index, length, (ZwpTextInputV1.PreeditStyle)style);

    public void PreeditCursor(ZwpInputMethodContextV1 resource, int index) => Input?.SendPreeditCursor(index);

    public void DeleteSurroundingText(ZwpInputMethodContextV1 resource, int index, uint length) => Input?.SendDeleteSurroundingText(index, length);

    public void CursorPosition(ZwpInputMethodContextV1 resource, int index, int anchor) => Input?.SendCursorPosition(index, anchor);

    public void ModifiersMap(ZwpInputMethodContextV1 resource, ReadOnlySpan<byte> map) => Input?.SendModifiersMap(map);

    public void Keysym(ZwpInputMethodContextV1 resource, uint serial, uint time, uint sym, uint state, uint modifiers) =>
        Input?.SendKeysym(serial, time, sym, state, modifiers);

    public void GrabKeyboard(ZwpInputMethodContextV1 resource, WlKeyboard keyboard)
    {
        var seatKeyboard = relay.Server.Seat.Keyboard;
        keyboard.Handler = seatKeyboard; // wl_keyboard.release only
        keyboard.SendKeymap(WlKeyboard.KeymapFormat.XkbV1, seatKeyboard.Keymap.Fd.Value, seatKeyboard.Keymap.Size);
        if (keyboard.Version >= 4) keyboard.SendRepeatInfo(seatKeyboard.Config.RepeatRate, seatKeyboard.Config.RepeatDelay);
        if (Input is null) return; // a context no longer current grabs nothing
        End();
        var grab = new Grab(seatKeyboard, keyboard);
        _grab = grab;
        seatKeyboard.Grab = grab;
        keyboard.Destroyed += _ =>
        {
            if (seatKeyboard.Grab == grab) seatKeyboard.Grab = null;
            if (_grab == grab) _grab = null;
        };
    }

    public void Key(ZwpInputMethodContextV1 resource, uint serial, uint time, uint key, uint state)
    {
        if (Input is not null) relay.Server.Seat.Keyboard.SendToFocus(time, key, state == (uint)WlKeyboard.KeyState.Pressed);
    }

    public void Modifiers(ZwpInputMethodContextV1 resource, uint serial, uint modsDepressed, uint modsLatched, uint modsLocked, uint group)
    {
        if (Input is not null) relay.Server.Seat.Keyboard.SendModifiersToFocus(modsDepressed, modsLatched, modsLocked, group);
    }

    public void Language(ZwpInputMethodContextV1 resource, uint serial, string language) => Input?.SendLanguage(serial, language);

    public void TextDirection(ZwpInputMethodContextV1 resource, uint serial, uint direction) =>
        Input?.SendTextDirection(serial, (ZwpTextInputV1.TextDirection)direction);

    private sealed class Grab(Keyboard keyboard, WlKeyboard resource) : IKeyboardGrab
    {
        public void Key(uint timeMs, uint keycode, bool pressed, bool modifiersChanged)
        {
            resource.SendKey(keyboard.NextSerial(), timeMs, keycode, pressed ? WlKeyboard.KeyState.Pressed : WlKeyboard.KeyState.Released);
            if (!modifiersChanged) return;
            var m = keyboard.State.Modifiers;
            resource.SendModifiers(keyboard.NextSerial(), m.Depressed, m.Latched, m.Locked, m.Group);
        }
    }
}
