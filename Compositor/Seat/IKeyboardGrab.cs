namespace Compositor.Seat;

/// <summary>Takes the keyboard's keys instead of the focused client (an input method's grab). The
/// keyboard's state is already updated when it is called; <see cref="Keyboard.State"/> has the modifiers.</summary>
internal interface IKeyboardGrab
{
    void Key(uint timeMs, uint keycode, bool pressed, bool modifiersChanged);
}
