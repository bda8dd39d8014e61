using Compositor.Backends;
using Compositor.Surfaces;
using Wayland.Protocols.Server;

namespace Compositor.ExplicitSync;

/// <summary>
/// wp_linux_drm_syncobj_surface_v1: a surface's acquire and release points, double-buffered. At
/// commit they go with the attached buffer: the acquire point with the commit's state
/// (<see cref="SurfaceState.Acquire"/>: the commit waits for it instead of the buffer's implicit
/// fences), the release point to the buffer, signalled once nothing reads it any more. Every request of the interface is handled here.
/// </summary>
internal sealed class SyncobjSurface : IWpLinuxDrmSyncobjSurfaceV1Handler
{
    private Surface? _surface;
    private SyncPoint _acquire, _release;

    public SyncobjSurface(WpLinuxDrmSyncobjSurfaceV1 resource, Surface surface)
    {
        Resource = resource;
        _surface = surface;
        resource.Handler = this;
        surface.Syncobj = this;
        surface.Destroyed += SurfaceGone;
        resource.Destroyed += _ =>
        {
            // Points set since the last commit are dropped; those committed keep theirs.
            if (_surface is { } s)
            {
                s.Destroyed -= SurfaceGone;
                if (s.Syncobj == this) s.Syncobj = null;
            }
            _surface = null;
            ClearPending();
        };
    }

    private void SurfaceGone(Surface surface)
    {
        _surface = null;
        ClearPending();
    }

    public WpLinuxDrmSyncobjSurfaceV1 Resource { get; }

    public void Destroy(WpLinuxDrmSyncobjSurfaceV1 resource) { }

    public void SetAcquirePoint(WpLinuxDrmSyncobjSurfaceV1 resource, WpLinuxDrmSyncobjTimelineV1 timeline, uint pointHi, uint pointLo) =>
        SetPoint(ref _acquire, resource, timeline, pointHi, pointLo);

    public void SetReleasePoint(WpLinuxDrmSyncobjSurfaceV1 resource, WpLinuxDrmSyncobjTimelineV1 timeline, uint pointHi, uint pointLo) =>
        SetPoint(ref _release, resource, timeline, pointHi, pointLo);

    private void SetPoint(ref SyncPoint point, WpLinuxDrmSyncobjSurfaceV1 resource, WpLinuxDrmSyncobjTimelineV1 timeline, uint hi, uint lo)
    {
        if (_surface is null)
        {
            resource.PostError(WpLinuxDrmSyncobjSurfaceV1.Error.NoSurface, $"the wl_surface of {resource} was destroyed");
            return;
        }
        point.Set((SyncTimeline)timeline.Data!, ((ulong)hi << 32) | lo);
    }

    /// <summary>The surface commits <paramref name="pending"/>: checks the points against its buffer
    /// and hands them to the buffer. False when that is a protocol error (posted).</summary>
    internal bool Commit(SurfaceState pending)
    {
        var buffer = (pending.Changes & SurfaceChanges.Buffer) != 0 ? pending.Buffer : null;
        if (buffer is null)
        {
            if (!_acquire.IsSet && !_release.IsSet) return true;
            return Fail(WpLinuxDrmSyncobjSurfaceV1.Error.NoBuffer, $"{(_acquire.IsSet ? "an acquire" : "a release")} point was set but no buffer attached");
        }
        if (!_acquire.IsSet) return Fail(WpLinuxDrmSyncobjSurfaceV1.Error.NoAcquirePoint, $"{buffer.Resource} was attached without an acquire point");
        if (!_release.IsSet) return Fail(WpLinuxDrmSyncobjSurfaceV1.Error.NoReleasePoint, $"{buffer.Resource} was attached without a release point");
        if (_acquire.Timeline == _release.Timeline && _acquire.Value >= _release.Value)
            return Fail(WpLinuxDrmSyncobjSurfaceV1.Error.ConflictingPoints,
                $"acquire point {_acquire.Value} is not below release point {_release.Value} on the same timeline");
        // What explicit sync covers: buffers of linux-dmabuf, the GPU's (shm is read by the CPU at commit).
        if (buffer is not IScanoutSource)
            return Fail(WpLinuxDrmSyncobjSurfaceV1.Error.UnsupportedBuffer, $"{buffer.Resource} is no linux-dmabuf buffer: explicit sync does not cover it");
        if (buffer.IsFreed)
        {
            // Destroyed before this commit with nothing holding it: it shows nothing, reads nothing.
            ClearPending();
            return true;
        }
        pending.Acquire.Clear();
        pending.Acquire = _acquire.Take();
        buffer.AddRelease(_release.Take());
        return true;
    }

    private bool Fail(WpLinuxDrmSyncobjSurfaceV1.Error error, string message)
    {
        Resource.PostError(error, message);
        return false;
    }

    private void ClearPending()
    {
        _acquire.Clear();
        _release.Clear();
    }
}
