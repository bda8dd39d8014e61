using Compositor.Backends;
using Compositor.Surfaces;
using Wayland.Protocols.Server;

namespace Compositor.TextInput;

/// <summary>
/// One zwp_text_input_v1 (weston-editor's): activate and deactivate are explicit, per seat and
/// surface; the rest is passed to the input method's context while this text input is the active
/// one (<see cref="TextInputV1Relay"/>), as weston does. show/hide_input_panel and the cursor
/// rectangle decide where and whether the input method's panels are shown.
/// </summary>
internal sealed class TextInputV1(TextInputV1Relay relay, ZwpTextInputV1 resource) : IZwpTextInputV1Handler
{
    public ZwpTextInputV1 Resource { get; } = resource;
    /// <summary>The surface it was activated on, while active.</summary>
    public Surface? Surface { get; set; }
    public bool PanelRequested { get; private set; }
    /// <summary>In <see cref="Surface"/>'s coordinates.</summary>
    public Rect CursorRectangle { get; private set; }

    private ZwpInputMethodContextV1? Context => relay.Active == this ? relay.Context : null;

    public void Activate(ZwpTextInputV1 resource, WlSeat seat, WlSurface surface) => relay.Activate(this, (Surface)surface.Data!);

    public void Deactivate(ZwpTextInputV1 resource, WlSeat seat) => relay.Deactivate(this);

    public void ShowInputPanel(ZwpTextInputV1 resource)
    {
        PanelRequested = true;
        relay.UpdatePanels();
    }

    public void HideInputPanel(ZwpTextInputV1 resource)
    {
        PanelRequested = false;
        relay.UpdatePanels();
    }

    public void Reset(ZwpTextInputV1 resource) => Context?.SendReset();

    public void SetSurroundingText(ZwpTextInputV1 resource, string text, uint cursor, uint anchor) => Context?.SendSurroundingText(text, cursor, anchor);

    public void SetContentType(ZwpTextInputV1 resource, ZwpTextInputV1.ContentHint hint, ZwpTextInputV1.ContentPurpose purpose) =>
        Context?.SendContentType((uint)hint, (uint)purpose);

    public void SetCursorRectangle(ZwpTextInputV1 resource, int x, int y, int width, int height)
    {
        CursorRectangle = new Rect(x, y, width, height);
        relay.UpdatePanels();
    }

    public void SetPreferredLanguage(ZwpTextInputV1 resource, string language) => Context?.SendPreferredLanguage(language);

    public void CommitState(ZwpTextInputV1 resource, uint serial) => Context?.SendCommitState(serial);

    public void InvokeAction(ZwpTextInputV1 resource, uint button, uint index) => Context?.SendInvokeAction(button, index);
}
