using Serilog;
using Wayland.Events;
using static Tmds.Linux.LibC;

namespace Compositor.Dmabuf;

/// <summary>Told when the DMA-BUF it waited for can be read.</summary>
internal interface IReadinessWaiter
{
    void Readable();
}

/// <summary>
/// Implicit sync for client DMA-BUFs: whether a buffer's writers (the client's GPU work) are done,
/// and a wait in the event loop until they are. A commit whose buffer is still being written waits
/// for it (<see cref="Surfaces.CommitQueue"/>), as mutter's <c>meta-wayland-dma-buf.c</c> and
/// Smithay's <c>generate_blocker</c> do: a readable buffer is told by poll() at once; otherwise the
/// buffer's write fences are exported as a sync_file (DMA_BUF_IOCTL_EXPORT_SYNC_FILE, read access),
/// or, on kernels without that ioctl, a dup of the DMA-BUF itself is polled. Every wait goes into one
/// epoll set of our own that the loop watches, keyed by a slot, so a GPU client whose every commit
/// waits costs no allocation per frame.
/// </summary>
internal sealed unsafe class DmaBufReadiness : IDisposable
{
    private struct Slot
    {
        public IReadinessWaiter? Waiter;
        public int Fd;
    }

    private readonly ILogger _log;
    private readonly FdSource _source;
    private Slot[] _slots = new Slot[8];
    private readonly Stack<int> _free = new();
    private int _used;
    private int _epoll;
    private bool _unwatchableLogged;

    public DmaBufReadiness(EventLoop loop, ILogger log)
    {
        _log = log;
        _epoll = epoll_create1(EPOLL_CLOEXEC);
        if (_epoll < 0) throw new IOException($"epoll_create1 failed: errno {errno}");
        _source = loop.AddFd(_epoll, FdEvents.Readable, OnReadable);
    }

    /// <summary>The fd to wait on until <paramref name="dmabuf"/> can be read, now the caller's;
    /// -1 when it can be read now. Tests put a fence of their own here.</summary>
    internal Func<int, int> FenceOf { get; set; } = ReadFence;

    /// <summary>Waits in flight (for tests and leak checks).</summary>
    public int Waiting => _used - _free.Count;

    /// <summary>-1 when <paramref name="dmabuf"/> can be read now (and for fds that are no DMA-BUF:
    /// a memfd is always readable); else an fd, now the caller's, that becomes readable when it can.</summary>
    private static int ReadFence(int dmabuf)
    {
        var p = new Tmds.Linux.pollfd { fd = dmabuf, events = POLLIN };
        // Readable now, or not a file poll can judge (an error): nothing to wait for.
        if (poll(&p, 1, 0) != 0) return -1;
        // struct dma_buf_export_sync_file { __u32 flags; __s32 fd; }, DMA_BUF_SYNC_READ: wait for writers.
        const nuint DmaBufIoctlExportSyncFile = 0xC0086202;
        var export = stackalloc int[2] { 1, -1 };
        if (Wayland.Interop.Libc.ioctl(dmabuf, DmaBufIoctlExportSyncFile, export) == 0 && export[1] >= 0) return export[1];
        return fcntl(dmabuf, F_DUPFD_CLOEXEC, 0);
    }

    /// <summary>The first of <paramref name="planes"/> still being written: a fence fd for it (the
    /// caller's), or -1 when every plane can be read.</summary>
    public int FirstUnready(ReadOnlySpan<Backends.DmaBufPlane> planes)
    {
        for (var i = 0; i < planes.Length; i++)
        {
            var fd = planes[i].Fd.Value;
            if (fd < 0) continue;
            // Planes of one buffer usually share the fd: it needs asking once.
            var seen = false;
            for (var j = 0; j < i && !seen; j++) seen = planes[j].Fd.Value == fd;
            if (seen) continue;
            var fence = FenceOf(fd);
            if (fence >= 0) return fence;
        }
        return -1;
    }

    /// <summary>Takes <paramref name="fence"/> (a sync_file, a DMA-BUF, or an explicit sync acquire
    /// point's eventfd) and tells <paramref name="waiter"/> once it is readable.
    /// Returns the wait's key for <see cref="Cancel"/>, or -1 (the fence closed) when it cannot be
    /// watched: the caller then treats the buffer as readable rather than wait for ever.</summary>
    public int Wait(int fence, IReadinessWaiter waiter)
    {
        var key = _free.Count > 0 ? _free.Pop() : _used++;
        if (key == _slots.Length) Array.Resize(ref _slots, _slots.Length * 2);
        var e = new Tmds.Linux.epoll_event { events = EPOLLIN };
        e.data.u32 = (uint)key;
        if (epoll_ctl(_epoll, EPOLL_CTL_ADD, fence, &e) != 0)
        {
            if (!_unwatchableLogged)
            {
                _log.Warning("A buffer's fence (implicit or an acquire point's) cannot be waited for (epoll errno {Errno}): shown without waiting", errno);
                _unwatchableLogged = true;
            }
            close(fence);
            _free.Push(key);
            return -1;
        }
        _slots[key] = new Slot { Waiter = waiter, Fd = fence };
        return key;
    }

    /// <summary>Forgets a wait (its surface is gone) and closes its fence.</summary>
    public void Cancel(int key)
    {
        if ((uint)key >= (uint)_used || _slots[key].Waiter is null) return;
        Release(key);
    }

    private void Release(int key)
    {
        ref var slot = ref _slots[key];
        epoll_ctl(_epoll, EPOLL_CTL_DEL, slot.Fd, null);
        close(slot.Fd);
        slot = default;
        _free.Push(key);
    }

    private void OnReadable(int fd, FdEvents events)
    {
        const int Max = 16;
        var ready = stackalloc Tmds.Linux.epoll_event[Max];
        var n = epoll_wait(_epoll, ready, Max, 0);
        for (var i = 0; i < n; i++)
        {
            var key = (int)ready[i].data.u32;
            // An earlier waiter of this round may have cancelled this one (its client left).
            if ((uint)key >= (uint)_used || _slots[key].Waiter is not { } waiter) continue;
            Release(key);
            waiter.Readable();
        }
    }

    public void Dispose()
    {
        for (var key = 0; key < _used; key++)
            if (_slots[key].Waiter is not null) Release(key);
        _source.Dispose();
        if (_epoll >= 0) close(_epoll);
        _epoll = -1;
    }
}
