using Wayland.Protocols.Server;
using Mode = Wayland.Protocols.Server.ZxdgToplevelDecorationV1.Mode;

namespace Compositor.Shell;

/// <summary>
/// zxdg_decoration_manager_v1 and zxdg_toplevel_decoration_v1. A client that asks for server-side
/// decorations gets them (a <see cref="TitleBar"/>); one that asks for client-side draws its own.
/// Without a preference (no set_mode yet, or unset_mode) the compositor's choice is server-side,
/// as KDE and sway choose. Every mode change is answered with a configure, as the protocol
/// requires. Every request of both interfaces is handled here.
/// </summary>
public sealed class Decoration : IZxdgToplevelDecorationV1Handler
{
    public const uint Version = 1;
    /// <summary>The mode given to a client that states no preference.</summary>
    public const Mode Preferred = Mode.ServerSide;

    private readonly Toplevel _toplevel;

    private Decoration(ZxdgToplevelDecorationV1 resource, Toplevel toplevel)
    {
        Resource = resource;
        _toplevel = toplevel;
        resource.Handler = this;
        resource.Destroyed += _ =>
        {
            if (_toplevel.Decoration != this) return;
            // Without the object, the window goes back to no server-side decorations.
            _toplevel.Decoration = null;
            _toplevel.SetServerSide(false);
        };
    }

    public ZxdgToplevelDecorationV1 Resource { get; }
    public Mode Mode { get; private set; } = Preferred;

    public static readonly ManagerHandler Manager = new();

    public sealed class ManagerHandler : IZxdgDecorationManagerV1Handler
    {
        public void Destroy(ZxdgDecorationManagerV1 resource) { }

        public void GetToplevelDecoration(ZxdgDecorationManagerV1 resource, ZxdgToplevelDecorationV1 id, XdgToplevel xdgToplevel)
        {
            var toplevel = (Toplevel)xdgToplevel.Data!;
            if (toplevel.Decoration is not null)
            {
                id.PostError(ZxdgToplevelDecorationV1.Error.AlreadyConstructed, $"{xdgToplevel} already has a decoration object");
                return;
            }
            if (toplevel.ShellSurface.Surface.HasContent)
            {
                id.PostError(ZxdgToplevelDecorationV1.Error.UnconfiguredBuffer, $"{xdgToplevel} already has a buffer");
                return;
            }
            var decoration = new Decoration(id, toplevel);
            toplevel.Decoration = decoration;
            // Before the initial commit the mode goes out with the first configure; after it, now.
            if (!toplevel.ShellSurface.Initialized) return;
            decoration.Use(Preferred);
        }
    }

    public void Destroy(ZxdgToplevelDecorationV1 resource) { }

    public void SetMode(ZxdgToplevelDecorationV1 resource, Mode mode)
    {
        if (mode is not (Mode.ClientSide or Mode.ServerSide))
        {
            resource.PostError(ZxdgToplevelDecorationV1.Error.InvalidMode, $"{(uint)mode} is not a zxdg_toplevel_decoration_v1.mode value");
            return;
        }
        Use(mode);
    }

    public void UnsetMode(ZxdgToplevelDecorationV1 resource) => Use(Preferred);

    private void Use(Mode mode)
    {
        Mode = mode;
        SendConfigure();
        _toplevel.ShellSurface.ScheduleConfigure();
    }

    /// <summary>Tells the client the mode, which then applies with the configure that follows.</summary>
    internal void SendConfigure()
    {
        Resource.SendConfigure(Mode);
        _toplevel.SetServerSide(Mode == Mode.ServerSide);
    }
}
