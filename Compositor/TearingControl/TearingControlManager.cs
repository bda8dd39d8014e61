using Compositor.Surfaces;
using Wayland.Protocols.Server;

namespace Compositor.TearingControl;

/// <summary>
/// wp_tearing_control_manager_v1 and wp_tearing_control_v1: a client may say that its surface
/// accepts tearing (async page flips) for lower latency. The hint is double-buffered surface state:
/// it applies on the surface's commit and is then <c>Surface.Current.PresentationHint</c>; the
/// backends present with vsync regardless, which the protocol allows (it is a hint). Destroying the
/// object reverts to vsync on the next commit. A surface has one such object at a time
/// (tearing_control_exists). Requests of both interfaces are handled here.
/// </summary>
public sealed class TearingControlManager : IWpTearingControlManagerV1Handler
{
    public const uint Version = 1;

    private readonly HashSet<Surface> _controlled = [];
    private readonly Serilog.ILogger _log;

    public TearingControlManager(Wayland.Server.Display display, Serilog.ILogger log)
    {
        _log = log;
        display.CreateGlobal<WpTearingControlManagerV1>(Version, r => r.Handler = this);
    }

    public void Destroy(WpTearingControlManagerV1 resource) { }

    public void GetTearingControl(WpTearingControlManagerV1 resource, WpTearingControlV1 id, WlSurface surface)
    {
        var s = (Surface)surface.Data!;
        if (!_controlled.Add(s))
        {
            resource.PostError(WpTearingControlManagerV1.Error.TearingControlExists, $"{surface} already has a wp_tearing_control_v1");
            return;
        }
        id.Handler = new Control(s, _log);
        void Forget(Surface _) => _controlled.Remove(s);
        s.Destroyed += Forget;
        id.Destroyed += _ =>
        {
            s.Destroyed -= Forget;
            if (!_controlled.Remove(s) || s.IsDestroyed) return;
            s.Pending.PresentationHint = WpTearingControlV1.PresentationHint.Vsync;
            s.Pending.Changes |= SurfaceChanges.PresentationHint;
        };
    }

    private sealed class Control(Surface surface, Serilog.ILogger log) : IWpTearingControlV1Handler
    {
        public void Destroy(WpTearingControlV1 resource) { }

        public void SetPresentationHint(WpTearingControlV1 resource, WpTearingControlV1.PresentationHint hint)
        {
            if (surface.IsDestroyed) return;
            if (hint > WpTearingControlV1.PresentationHint.Async)
            {
                // The protocol names no error for a value outside its enum: ignored.
                log.Debug("{Resource}: presentation hint {Value} is not in the enum; ignored", resource, (uint)hint);
                return;
            }
            surface.Pending.PresentationHint = hint;
            surface.Pending.Changes |= SurfaceChanges.PresentationHint;
        }
    }
}
