using Wayland.Protocols.Server;
using Mode = Wayland.Protocols.Server.ZxdgToplevelDecorationV1.Mode;

namespace Compositor.Shell;

/// <summary>
/// zxdg_decoration_manager_v1 and zxdg_toplevel_decoration_v1. The compositor draws no window
/// frames, so whatever a client asks for, the answer is client-side decorations; asking still
/// produces a configure, as the protocol requires. Every request of both interfaces is handled here.
/// </summary>
public sealed class Decoration : IZxdgToplevelDecorationV1Handler
{
    public const uint Version = 1;

    private readonly Toplevel _toplevel;

    private Decoration(ZxdgToplevelDecorationV1 resource, Toplevel toplevel)
    {
        Resource = resource;
        _toplevel = toplevel;
        resource.Handler = this;
        resource.Destroyed += _ => { if (_toplevel.Decoration == this) _toplevel.Decoration = null; };
    }

    public ZxdgToplevelDecorationV1 Resource { get; }
    public static Mode ModeUsed => Mode.ClientSide;

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
            decoration.SendConfigure();
            toplevel.ShellSurface.ScheduleConfigure();
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
        SendConfigure();
        _toplevel.ShellSurface.ScheduleConfigure();
    }

    public void UnsetMode(ZxdgToplevelDecorationV1 resource)
    {
        SendConfigure();
        _toplevel.ShellSurface.ScheduleConfigure();
    }

    internal void SendConfigure() => Resource.SendConfigure(ModeUsed);
}
