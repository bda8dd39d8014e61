using Compositor.Surfaces;
using Serilog;
using Wayland.Interop;
using Wayland.Protocols.Server;
using Wayland.Server;
using Wayland.Wire;

namespace Compositor.ExplicitSync;

/// <summary>
/// wp_linux_drm_syncobj_manager_v1: explicit sync. A client hands over its DRM syncobj timelines and,
/// per commit, a point the compositor waits for before reading the buffer (acquire) and one it
/// signals once it no longer reads it (release), as wlroots' <c>wlr_linux_drm_syncobj_v1.c</c> does.
/// Offered only where the renderer's device has timeline syncobjs (<see cref="SyncobjDevice"/>).
/// The manager's requests are handled here; the surface's in <see cref="SyncobjSurface"/>.
/// </summary>
internal sealed class SyncobjManager : IWpLinuxDrmSyncobjManagerV1Handler
{
    public const uint Version = 1;

    private readonly SyncobjDevice _device;
    private readonly ILogger _log;

    public SyncobjManager(Display display, SyncobjDevice device, ILogger log)
    {
        _device = device;
        _log = log;
        display.CreateGlobal<WpLinuxDrmSyncobjManagerV1>(Version, r => r.Handler = this);
    }

    public void Destroy(WpLinuxDrmSyncobjManagerV1 resource) { }

    public void GetSurface(WpLinuxDrmSyncobjManagerV1 resource, WpLinuxDrmSyncobjSurfaceV1 id, WlSurface surface)
    {
        var s = (Surface)surface.Data!;
        if (s.Syncobj is not null)
        {
            resource.PostError(WpLinuxDrmSyncobjManagerV1.Error.SurfaceExists, $"{surface} already has a wp_linux_drm_syncobj_surface_v1");
            return;
        }
        _ = new SyncobjSurface(id, s);
    }

    public void ImportTimeline(WpLinuxDrmSyncobjManagerV1 resource, WpLinuxDrmSyncobjTimelineV1 id, OwnedFd fd)
    {
        // The fd stays the dispatcher's (it closes it on return): the handle holds the syncobj.
        var error = DrmSyncobj.Import(_device.Fd, fd.Value, out var handle);
        if (error != 0)
        {
            resource.PostError(WpLinuxDrmSyncobjManagerV1.Error.InvalidTimeline, $"{fd} cannot be imported as a DRM syncobj (errno {error})");
            return;
        }
        _ = new SyncTimeline(_device, handle, id, _log);
    }
}
