using Wayland.Events;
using static Tmds.Linux.LibC;

namespace Compositor.Backends.Drm;

/// <summary>
/// Learns in the event loop when the GPU finished a frame, without stalling the CPU in glFinish: the
/// renderer's sync_file fence becomes readable when the frame is complete (the DRM output times its
/// repaint schedule by it). Each frame brings a new fence fd; rather than registering each with the
/// loop (a source object per frame), they go into one epoll set of our own that the loop watches,
/// so waiting allocates nothing.
/// </summary>
internal sealed unsafe class FenceWait : IDisposable
{
    private readonly FdSource _source;
    private readonly Action _signalled;
    private int _epoll;
    private int _fence = -1;

    public FenceWait(EventLoop loop, Action signalled)
    {
        _signalled = signalled;
        _epoll = epoll_create1(EPOLL_CLOEXEC);
        if (_epoll < 0) throw new IOException($"epoll_create1 failed: errno {errno}");
        _source = loop.AddFd(_epoll, FdEvents.Readable, OnReadable);
    }

    /// <summary>A fence is being waited for.</summary>
    public bool Pending => _fence >= 0;

    /// <summary>Takes <paramref name="fence"/> (a sync_file fd, now ours to close) and raises the
    /// callback once it signals. False (the fence closed) when it cannot be watched.</summary>
    public bool Wait(int fence)
    {
        Cancel();
        var e = new Tmds.Linux.epoll_event { events = EPOLLIN };
        if (epoll_ctl(_epoll, EPOLL_CTL_ADD, fence, &e) != 0)
        {
            close(fence);
            return false;
        }
        _fence = fence;
        return true;
    }

    /// <summary>Forgets the fence being waited for, if any.</summary>
    public void Cancel()
    {
        if (_fence < 0) return;
        epoll_ctl(_epoll, EPOLL_CTL_DEL, _fence, null);
        close(_fence);
        _fence = -1;
    }

    private void OnReadable(int fd, FdEvents events)
    {
        var e = default(Tmds.Linux.epoll_event);
        if (epoll_wait(_epoll, &e, 1, 0) <= 0 || _fence < 0) return;
        Cancel();
        _signalled();
    }

    public void Dispose()
    {
        Cancel();
        _source.Dispose();
        if (_epoll >= 0) close(_epoll);
        _epoll = -1;
    }
}
