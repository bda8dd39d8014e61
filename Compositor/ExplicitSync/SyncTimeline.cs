using Serilog;
using Wayland.Interop;
using Wayland.Protocols.Server;
using static Tmds.Linux.LibC;

namespace Compositor.ExplicitSync;

/// <summary>
/// wp_linux_drm_syncobj_timeline_v1: a client's DRM syncobj timeline, imported as a handle on our
/// device. Points set on it outlive the object ("timeline points set ... are not unset" by its
/// destroy), so the handle goes when the last of them has been used: the resource counts as one
/// reference and each held <see cref="SyncPoint"/> as one more.
/// </summary>
internal sealed class SyncTimeline : IWpLinuxDrmSyncobjTimelineV1Handler
{
    private readonly SyncobjDevice _device;
    private readonly uint _handle;
    private readonly ILogger _log;
    private int _references = 1;

    public SyncTimeline(SyncobjDevice device, uint handle, WpLinuxDrmSyncobjTimelineV1 resource, ILogger log)
    {
        _device = device;
        _handle = handle;
        _log = log;
        resource.Handler = this;
        resource.Data = this;
        resource.Destroyed += _ => Unref();
    }

    public void Destroy(WpLinuxDrmSyncobjTimelineV1 resource) { }

    public void Ref() => _references++;

    public void Unref()
    {
        // (Once the device is closed, at shutdown, its handles are gone with it.)
        if (--_references == 0 && _device.Fd >= 0) DrmSyncobj.Destroy(_device.Fd, _handle);
    }

    /// <summary>-1 when <paramref name="point"/> has signalled; else an eventfd (the caller's) that
    /// becomes readable when it does. A timeline the kernel cannot answer for is not waited on.</summary>
    public int WaitFd(ulong point)
    {
        var error = DrmSyncobj.Query(_device.Fd, _handle, out var signalled);
        if (error == 0 && signalled >= point) return -1;
        var efd = error == 0 ? eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK) : -1;
        if (efd >= 0 && (error = DrmSyncobj.SignalEventfd(_device.Fd, _handle, point, efd)) == 0) return efd;
        if (efd >= 0) close(efd);
        _log.Warning("An acquire point ({Point}) cannot be waited for (errno {Errno}): its buffer is shown without waiting", point, error);
        return -1;
    }

    /// <summary>Signals <paramref name="point"/> from the CPU: the client may reuse the buffer.</summary>
    public void Signal(ulong point)
    {
        if (_device.Fd < 0) return; // shutting down: the clients are gone
        var error = DrmSyncobj.Signal(_device.Fd, _handle, point);
        if (error != 0) _log.Warning("A release point ({Point}) could not be signalled (errno {Errno})", point, error);
    }
}

/// <summary>A point on a client's timeline, holding a reference to the timeline while set.</summary>
internal struct SyncPoint
{
    public SyncTimeline? Timeline;
    public ulong Value;

    public readonly bool IsSet => Timeline is not null;

    /// <summary>Takes a reference for the new point, then drops this one's.</summary>
    public void Set(SyncTimeline timeline, ulong value)
    {
        timeline.Ref();
        Timeline?.Unref();
        (Timeline, Value) = (timeline, value);
    }

    /// <summary>Forgets the point, dropping its reference.</summary>
    public void Clear()
    {
        Timeline?.Unref();
        this = default;
    }

    /// <summary>Moves the point (and its reference) out, leaving this one unset.</summary>
    public SyncPoint Take()
    {
        var taken = this;
        this = default;
        return taken;
    }
}
