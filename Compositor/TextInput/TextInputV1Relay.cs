using Compositor.Scene;
using Compositor.Surfaces;
using Wayland.Protocols.Server;
using Wayland.Server;
using static Tmds.Linux.LibC;

namespace Compositor.TextInput;

/// <summary>
/// zwp_text_input_manager_v1 for every client, and zwp_input_method_v1 and zwp_input_panel_v1 for
/// the one client the compositor started as its input method (weston's text-backend shape: the
/// compositor launches the input method, <see cref="AdoptInputMethodClient"/>). A text input's
/// activate makes it the seat's active one (the previous one is deactivated and told leave), sends
/// it enter, and gives the input method a new context; deactivate, a keyboard focus moving off its
/// surface, or its end, deactivates it. Panels are shown while the active text input asked for them:
/// a toplevel panel at the bottom centre of its output, an overlay panel at the cursor rectangle.
/// </summary>
public sealed class TextInputV1Relay : IZwpTextInputManagerV1Handler, IZwpInputPanelV1Handler
{
    public const uint Version = 1;

    private readonly CompositorServer _server;
    private readonly List<PanelSurface> _panels = [];
    private ZwpInputMethodV1? _binding;
    private InputMethodContextV1? _context;

    public TextInputV1Relay(CompositorServer server)
    {
        _server = server;
        server.Display.CreateGlobal<ZwpTextInputManagerV1>(Version, r => r.Handler = this);
        server.Display.CreateGlobal<ZwpInputMethodV1>(Version, BindInputMethod, c => c == MethodClient);
        server.Display.CreateGlobal<ZwpInputPanelV1>(Version, r => r.Handler = this, c => c == MethodClient);
        server.Seat.Keyboard.FocusChanged += FocusChanged;
    }

    internal CompositorServer Server => _server;
    /// <summary>The client that may bind the input method and panel globals.</summary>
    public Client? MethodClient { get; private set; }
    internal TextInputV1? Active { get; private set; }
    internal ZwpInputMethodContextV1? Context => _context?.Resource;

    /// <summary>Makes a client (one the compositor started) the input method: only it sees
    /// zwp_input_method_v1 and zwp_input_panel_v1.</summary>
    public void AdoptInputMethodClient(Client client)
    {
        MethodClient = client;
        client.Destroyed += c =>
        {
            if (MethodClient == c) MethodClient = null;
        };
    }

    /// <summary>Connects the input method the compositor is about to start: a socket pair whose
    /// server end becomes <see cref="MethodClient"/>; the other end (blocking, inherited across exec)
    /// is returned for the child's WAYLAND_SOCKET, and the caller closes it once the child has it.</summary>
    public unsafe int ConnectInputMethod()
    {
        int* fds = stackalloc int[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) throw new IOException($"socketpair failed: errno {errno}");
        // Ours non-blocking as every client connection; theirs blocking and kept across exec.
        fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
        fcntl(fds[1], F_SETFD, 0);
        AdoptInputMethodClient(_server.Display.CreateClient(fds[0]));
        return fds[1];
    }

    // ---- zwp_text_input_manager_v1 ----

    public void CreateTextInput(ZwpTextInputManagerV1 resource, ZwpTextInputV1 id)
    {
        var input = new TextInputV1(this, id);
        id.Handler = input;
        id.Destroyed += _ =>
        {
            if (Active == input) Deactivate(input, sendLeave: false);
        };
    }

    internal void Activate(TextInputV1 input, Surface surface)
    {
        if (Active == input) return;
        if (Active is { } previous) Deactivate(previous);
        Active = input;
        input.Surface = surface;
        if (_binding is not null)
        {
            var context = new ZwpInputMethodContextV1(_binding.Client, 0, _binding.Version);
            _context = new InputMethodContextV1(this, context);
            context.Handler = _context;
            _binding.SendActivate(context);
        }
        input.Resource.SendEnter(surface.Resource);
        UpdatePanels();
    }

    internal void Deactivate(TextInputV1 input, bool sendLeave = true)
    {
        if (Active != input) return;
        if (_context is { } context)
        {
            context.End();
            if (_binding is { IsDestroyed: false } binding && !context.Resource.IsDestroyed) binding.SendDeactivate(context.Resource);
            _context = null;
        }
        Active = null;
        input.Surface = null;
        if (sendLeave) input.Resource.SendLeave();
        UpdatePanels();
    }

    private void FocusChanged(Surface? surface)
    {
        if (Active is { } input && input.Surface != surface) Deactivate(input);
    }

    // ---- zwp_input_method_v1 ----

    private void BindInputMethod(ZwpInputMethodV1 resource)
    {
        if (_binding is not null)
        {
            // As weston: one binding at a time.
            resource.PostError((uint)WlDisplay.Error.InvalidObject, "zwp_input_method_v1 is already bound");
            return;
        }
        _binding = resource;
        resource.Destroyed += _ =>
        {
            if (_binding != resource) return;
            _binding = null;
            _context?.End();
            _context = null;
        };
    }

    // ---- zwp_input_panel_v1 ----

    public void GetInputPanelSurface(ZwpInputPanelV1 resource, ZwpInputPanelSurfaceV1 id, WlSurface surface)
    {
        var s = (Surface)surface.Data!;
        var panel = new PanelSurface(this);
        panel.Role = new PanelRole("zwp_input_panel_surface_v1", s, _server.Scene, _ => Place(panel));
        id.Handler = panel;
        // The protocol names no error; as weston, a surface with another role is an invalid object.
        if (!s.TrySetRole(panel.Role, resource, (uint)WlDisplay.Error.InvalidObject)) return;
        _panels.Add(panel);
        id.Destroyed += _ =>
        {
            _panels.Remove(panel);
            panel.Role.Place(false, 0, 0);
            s.ClearRole(panel.Role);
        };
    }

    internal void UpdatePanels()
    {
        foreach (var p in _panels) Place(p);
    }

    private void Place(PanelSurface panel)
    {
        var role = panel.Role;
        var show = Active is { PanelRequested: true } && panel.Kind != PanelKind.None;
        if (!show)
        {
            role.Place(false, role.X, role.Y);
            return;
        }
        var input = Active!;
        if (panel.Kind == PanelKind.Overlay)
        {
            if (input.Surface is null || !Scene.Scene.TryGetPosition(input.Surface, out var sx, out var sy))
            {
                role.Place(false, role.X, role.Y);
                return;
            }
            var r = input.CursorRectangle;
            role.Place(true, sx + r.X + r.Width, sy + r.Y + r.Height);
            return;
        }
        var output = panel.Output is { } o && _server.Scene.Outputs.Contains(o) ? o : _server.Scene.Outputs.Count > 0 ? _server.Scene.Outputs[0] : null;
        if (output is null)
        {
            role.Place(false, role.X, role.Y);
            return;
        }
        var b = output.Bounds;
        role.Place(true, b.X + (b.Width - role.Surface.Width) / 2, b.Y + b.Height - role.Surface.Height);
    }

    internal enum PanelKind { None, Toplevel, Overlay }

    private sealed class PanelSurface(TextInputV1Relay relay) : IZwpInputPanelSurfaceV1Handler
    {
        public PanelRole Role { get; set; } = null!;
        public PanelKind Kind { get; private set; }
        public SceneOutput? Output { get; private set; }

        public void SetToplevel(ZwpInputPanelSurfaceV1 resource, WlOutput output, uint position)
        {
            // center_bottom is the one position the protocol has.
            (Kind, Output) = (PanelKind.Toplevel, output.Data as SceneOutput);
            relay.Place(this);
        }

        public void SetOverlayPanel(ZwpInputPanelSurfaceV1 resource)
        {
            Kind = PanelKind.Overlay;
            relay.Place(this);
        }
    }
}
