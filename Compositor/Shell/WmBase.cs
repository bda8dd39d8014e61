using Compositor.Surfaces;
using Wayland.Protocols.Server;

namespace Compositor.Shell;

/// <summary>
/// One client's xdg_wm_base: creates positioners and xdg_surfaces, and answers pings. A client that
/// does not pong within the shell's ping timeout (<see cref="XdgShell.PingTimeout"/>) is logged as
/// unresponsive (there is no "kill this window?" dialog). Every xdg_wm_base request is handled here.
/// </summary>
public sealed class WmBase : IXdgWmBaseHandler
{
    private readonly XdgShell _shell;
    private readonly List<ShellSurface> _surfaces = [];
    private uint _pingSerial;
    private PingTimers.Ticket? _pingTimeout;

    internal WmBase(XdgShell shell, XdgWmBase resource)
    {
        _shell = shell;
        Resource = resource;
        resource.Handler = this;
        resource.Data = this;
        resource.Destroyed += _ => _pingTimeout?.Cancel();
    }

    public XdgWmBase Resource { get; }
    /// <summary>A ping is out and not answered yet.</summary>
    public bool AwaitingPong => _pingSerial != 0;
    public bool Unresponsive { get; private set; }

    public void Destroy(XdgWmBase resource)
    {
        if (_surfaces.Count > 0)
            resource.PostError(XdgWmBase.Error.DefunctSurfaces, $"{resource} destroyed while {_surfaces.Count} xdg_surface(s) it created still exist");
    }

    public void CreatePositioner(XdgWmBase resource, XdgPositioner id) => Positioner.Create(id);

    public void GetXdgSurface(XdgWmBase resource, XdgSurface id, WlSurface wlSurface)
    {
        var surface = (Surface)wlSurface.Data!;
        if (surface.Role is not null || surface.RoleName is not null and not "xdg_surface")
        {
            resource.PostError(XdgWmBase.Error.Role, $"{wlSurface} already has the role {surface.RoleName}");
            return;
        }
        // "Creating an xdg_surface from a wl_surface which has a buffer attached or committed is a client error."
        if (surface.HasContent || surface.Pending.Buffer is not null)
        {
            resource.PostError(XdgWmBase.Error.InvalidSurfaceState, $"{wlSurface} has a buffer attached or committed");
            return;
        }
        var shellSurface = new ShellSurface(_shell, this, id, surface);
        if (!surface.TrySetRole(shellSurface, resource, (uint)XdgWmBase.Error.Role)) return;
        _surfaces.Add(shellSurface);
    }

    internal void Remove(ShellSurface surface) => _surfaces.Remove(surface);

    public void Pong(XdgWmBase resource, uint serial)
    {
        if (serial != _pingSerial) return;
        _pingSerial = 0;
        _pingTimeout?.Cancel();
        _pingTimeout = null;
        if (Unresponsive) _shell.Log.Information("{Client} answers pings again", resource.Client);
        Unresponsive = false;
    }

    /// <summary>Checks the client is alive (sent when one of its windows gets focus).</summary>
    public void Ping()
    {
        if (Resource.IsDestroyed || AwaitingPong) return;
        _pingSerial = _shell.Server.Display.NextSerial();
        Resource.SendPing(_pingSerial);
        _pingTimeout = _shell.Pings.Start(this, _pingSerial);
    }

    /// <summary>Ping <paramref name="serial"/>'s time is up; it counts only if still unanswered.</summary>
    internal void PingTimedOut(uint serial)
    {
        if (Resource.IsDestroyed || serial != _pingSerial) return;
        _pingTimeout = null;
        Unresponsive = true;
        _shell.Log.Warning("{Client} did not answer ping {Serial} within {Timeout}s: unresponsive", Resource.Client, serial,
            _shell.PingTimeout.TotalSeconds);
    }
}
