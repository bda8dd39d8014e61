using Compositor.Backends;
using Compositor.Surfaces;
using Wayland.Protocols.Server;

namespace Compositor.TextInput;

/// <summary>What a text input last committed: the state an input method is told about.</summary>
internal struct TextInputV3State
{
    public bool Enabled;
    public string? SurroundingText;
    public int Cursor, Anchor;
    public ZwpTextInputV3.ChangeCause ChangeCause;
    public ZwpTextInputV3.ContentHint Hint;
    public ZwpTextInputV3.ContentPurpose Purpose;
    /// <summary>In the focused surface's coordinates; empty until the client sets one.</summary>
    public Rect CursorRectangle;
}

/// <summary>
/// One zwp_text_input_v3: its requests fill a pending state that commit makes current (every request
/// but commit is double-buffered), and the commits are counted for the serial of done. Focus (enter
/// and leave) and what the input method hears are the relay's (<see cref="TextInputV3Relay"/>).
/// </summary>
internal sealed class TextInputV3(TextInputV3Relay relay, ZwpTextInputV3 resource) : IZwpTextInputV3Handler
{
    private TextInputV3State _pending;
    private bool _enableRequested; // since the last commit: the input method is activated anew

    public ZwpTextInputV3 Resource { get; } = resource;
    public TextInputV3State Current;
    /// <summary>Commits so far: the serial of the next done.</summary>
    public uint Serial { get; private set; }
    /// <summary>The surface this text input was last sent enter for, until leave.</summary>
    public Surface? Focus { get; private set; }

    public void Enter(Surface surface)
    {
        Focus = surface;
        Resource.SendEnter(surface.Resource);
    }

    public void Leave()
    {
        if (Focus is { IsDestroyed: false } s) Resource.SendLeave(s.Resource);
        Focus = null;
    }

    public void Destroy(ZwpTextInputV3 resource) { }

    public void Enable(ZwpTextInputV3 resource)
    {
        // enable resets everything set before it.
        _pending = new TextInputV3State { Enabled = true };
        _enableRequested = true;
    }

    public void Disable(ZwpTextInputV3 resource) => _pending.Enabled = false;

    public void SetSurroundingText(ZwpTextInputV3 resource, string text, int cursor, int anchor) =>
        (_pending.SurroundingText, _pending.Cursor, _pending.Anchor) = (text, cursor, anchor);

    public void SetTextChangeCause(ZwpTextInputV3 resource, ZwpTextInputV3.ChangeCause cause) => _pending.ChangeCause = cause;

    public void SetContentType(ZwpTextInputV3 resource, ZwpTextInputV3.ContentHint hint, ZwpTextInputV3.ContentPurpose purpose) =>
        (_pending.Hint, _pending.Purpose) = (hint, purpose);

    public void SetCursorRectangle(ZwpTextInputV3 resource, int x, int y, int width, int height) =>
        _pending.CursorRectangle = new Rect(x, y, width, height);

    public void Commit(ZwpTextInputV3 resource)
    {
        var wasEnabled = Current.Enabled;
        Current = _pending;
        // The change cause is the one value reset to its initial one by every commit.
        _pending.ChangeCause = ZwpTextInputV3.ChangeCause.InputMethod;
        var enabled = _enableRequested;
        _enableRequested = false;
        Serial++;
        // After leave the compositor ignores the text input until the next enter.
        if (Focus is null) return;
        relay.Committed(this, wasEnabled, enabled);
    }
}
