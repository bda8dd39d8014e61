using Compositor.Surfaces;
using Wayland.Protocols.Server;

namespace Compositor.TextInput;

/// <summary>
/// zwp_text_input_manager_v3 and zwp_input_method_manager_v2 on seat0, and the relay between them
/// (wlroots' and sway's shape): text inputs get enter and leave as the keyboard focus moves to and
/// from their client's surfaces; the focused text input that committed enable is the active one (at
/// most one: another one's enable is ignored meanwhile), and the seat's one input method hears its
/// state (activate, surrounding_text, text_change_cause, content_type, done) after each of its
/// commits, and deactivate when it is disabled, loses focus or goes. What the input method commits
/// goes to the active text input with done carrying that text input's commit count.
/// </summary>
public sealed class TextInputV3Relay : IZwpTextInputManagerV3Handler, IZwpInputMethodManagerV2Handler
{
    public const uint TextInputVersion = 1;
    public const uint InputMethodVersion = 1;

    private readonly CompositorServer _server;
    private readonly List<TextInputV3> _inputs = [];

    public TextInputV3Relay(CompositorServer server)
    {
        _server = server;
        server.Display.CreateGlobal<ZwpTextInputManagerV3>(TextInputVersion, r => r.Handler = this);
        server.Display.CreateGlobal<ZwpInputMethodManagerV2>(InputMethodVersion, r => r.Handler = this);
        server.Seat.Keyboard.FocusChanged += FocusChanged;
    }

    internal CompositorServer Server => _server;
    /// <summary>The seat's input method, if one is bound.</summary>
    internal InputMethodV2? Method { get; private set; }
    /// <summary>The focused, enabled text input the input method serves.</summary>
    internal TextInputV3? Active { get; private set; }

    // ---- zwp_text_input_manager_v3 ----

    public void Destroy(ZwpTextInputManagerV3 resource) { }

    public void GetTextInput(ZwpTextInputManagerV3 resource, ZwpTextInputV3 id, WlSeat seat)
    {
        var input = new TextInputV3(this, id);
        id.Handler = input;
        _inputs.Add(input);
        id.Destroyed += _ => Removed(input);
        if (_server.Seat.Keyboard.Focus is { } focus && focus.Resource.Client == id.Client) input.Enter(focus);
    }

    private void Removed(TextInputV3 input)
    {
        _inputs.Remove(input);
        if (Active == input) Deactivate();
    }

    private void FocusChanged(Surface? surface)
    {
        foreach (var input in _inputs)
        {
            if (input.Focus is null || input.Focus == surface) continue;
            if (Active == input) Deactivate();
            input.Leave();
        }
        if (surface is null) return;
        foreach (var input in _inputs)
            if (input.Focus is null && input.Resource.Client == surface.Resource.Client) input.Enter(surface);
    }

    internal void Committed(TextInputV3 input, bool wasEnabled, bool enableRequested)
    {
        if (Active is not null && Active != input) return; // another text input is active: ignored
        if (!input.Current.Enabled)
        {
            if (wasEnabled && Active == input) Deactivate();
            return;
        }
        var activate = Active is null || enableRequested;
        Active = input;
        Method?.SendState(input, activate);
        Method?.UpdatePopups();
    }

    private void Deactivate()
    {
        Active = null;
        Method?.SendDeactivate();
        Method?.UpdatePopups();
    }

    /// <summary>What the input method committed, for the active text input.</summary>
    internal void Forward(string? preedit, int cursorBegin, int cursorEnd, string? commit, uint deleteBefore, uint deleteAfter, bool delete)
    {
        if (Active is not { } input) return;
        var r = input.Resource;
        if (delete) r.SendDeleteSurroundingText(deleteBefore, deleteAfter);
        if (commit is not null) r.SendCommitString(commit);
        if (preedit is not null) r.SendPreeditString(preedit, cursorBegin, cursorEnd);
        r.SendDone(input.Serial);
    }

    // ---- zwp_input_method_manager_v2 ----

    public void Destroy(ZwpInputMethodManagerV2 resource) { }

    public void GetInputMethod(ZwpInputMethodManagerV2 resource, WlSeat seat, ZwpInputMethodV2 inputMethod)
    {
        if (Method is not null)
        {
            // One input method per seat: the later one is told so and stays inert.
            inputMethod.Handler = InputMethodV2.Inert;
            inputMethod.SendUnavailable();
            _server.Log.Information("Input method of {Client} refused: {Other} has seat0", inputMethod.Client, Method.Resource.Client);
            return;
        }
        var method = new InputMethodV2(this, inputMethod);
        inputMethod.Handler = method;
        Method = method;
        inputMethod.Destroyed += _ =>
        {
            method.Gone();
            if (Method == method) Method = null;
        };
        if (Active is { } active) method.SendState(active, activate: true);
    }
}
