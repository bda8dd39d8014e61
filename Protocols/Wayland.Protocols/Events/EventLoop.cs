using Serilog;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace Wayland.Events;

/// <summary>
/// An epoll loop in the manner of libwayland's wl_event_loop. Single-threaded: everything but
/// <see cref="Stop"/> must be called from the thread that dispatches (or while nothing dispatches).
/// </summary>
public sealed class EventLoop : IDisposable
{
    private const int MaxEventsPerDispatch = 32;
    private const uint KnownEvents = (uint)(FdEvents.Readable | FdEvents.Writable | FdEvents.Error | FdEvents.Hangup);

    // Slot indexes are 32-bit, so this key can never name a source.
    private const ulong WakeKey = ulong.MaxValue;

    private struct Slot
    {
        public EventSource? Source;
        public uint Generation;
    }

    // epoll_data carries (generation << 32 | slot) rather than a managed reference: an event collected
    // for a source that is disposed later in the same round then simply fails the lookup, even when a new
    // source has taken the slot meanwhile.
    private Slot[] _slots = new Slot[16];
    private int _slotsUsed;
    private readonly Stack<int> _freeSlots = new();

    private readonly List<IdleSource> _idles = [];
    private long _nextIdleSequence;

    private int _epollFd = -1;
    private int _wakeFd = -1;
    private volatile bool _stopRequested;
    private bool _dispatching;
    private bool _disposed;

    public EventLoop(ILogger? log = null)
    {
        Log = (log ?? Serilog.Log.Logger).ForContext<EventLoop>();
        _epollFd = epoll_create1(EPOLL_CLOEXEC);
        if (_epollFd < 0) throw EventsNative.Failure("epoll_create1", errno);
        try
        {
            _wakeFd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
            if (_wakeFd < 0) throw EventsNative.Failure("eventfd", errno);
            EpollAdd(_wakeFd, (uint)FdEvents.Readable, WakeKey);
        }
        catch
        {
            EventsNative.CloseQuietly(ref _wakeFd);
            EventsNative.CloseQuietly(ref _epollFd);
            throw;
        }
    }

    internal ILogger Log { get; }

    public int EpollFd => _epollFd;

    /// <summary>Invoked right before each epoll_wait, after the idle sources have run.</summary>
    public event Action? BeforeSleep;

    /// <summary>Watches <paramref name="fd"/>, which stays the caller's to close (after disposing the source).</summary>
    public FdSource AddFd(int fd, FdEvents mask, FdCallback callback)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(fd);
        ArgumentNullException.ThrowIfNull(callback);
        ToEpoll(mask);
        return Attach(new FdSource(this, fd, mask, callback));
    }

    /// <summary>A disarmed timer; see <see cref="TimerSource.Arm"/>.</summary>
    public TimerSource AddTimer(Action callback)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(callback);
        return Attach(new TimerSource(this, callback));
    }

    /// <summary>Delivers <paramref name="signal"/> through the loop; see <see cref="SignalSource"/> for
    /// what that does to the signal mask. Add it from the thread that will dispatch.</summary>
    public SignalSource AddSignal(int signal, Action<int> callback)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(callback);
        // SIGKILL and SIGSTOP cannot be blocked or caught; a signalfd would silently never report them.
        if (signal < 1 || signal > 64 || signal == SIGKILL || signal == SIGSTOP)
            throw new ArgumentOutOfRangeException(nameof(signal), signal, "not a signal that can be caught");
        return Attach(new SignalSource(this, signal, callback));
    }

    public IdleSource AddIdle(Action callback)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(callback);
        var idle = new IdleSource(this, callback, _nextIdleSequence++);
        _idles.Add(idle);
        return idle;
    }

    /// <summary>
    /// Runs the pending idle sources, raises <see cref="BeforeSleep"/>, waits once in epoll_wait (at most
    /// <paramref name="timeoutMs"/>; -1 waits indefinitely) and runs the callbacks of what became ready.
    /// Returns how many source callbacks ran for epoll events; 0 also when a signal interrupted the wait.
    /// An exception from a callback propagates; events of that round not yet dispatched are not lost,
    /// since epoll is level-triggered and reports them again on the next call.
    /// </summary>
    public unsafe int Dispatch(int timeoutMs)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_dispatching) throw new InvalidOperationException("EventLoop.Dispatch was called from one of its own callbacks.");
        _dispatching = true;
        try
        {
            RunIdles();
            if (_disposed) return 0;
            BeforeSleep?.Invoke();
            if (_disposed) return 0;
            // Idle sources added by idles or by BeforeSleep are due before sleeping, so don't sleep.
            if (_idles.Count > 0) timeoutMs = 0;

            epoll_event* events = stackalloc epoll_event[MaxEventsPerDispatch];
            int count = epoll_wait(_epollFd, events, MaxEventsPerDispatch, timeoutMs);
            if (count < 0)
            {
                int error = errno;
                if (error == EINTR) return 0;
                throw EventsNative.Failure("epoll_wait", error);
            }

            int handled = 0;
            for (int i = 0; i < count && !_disposed; i++)
            {
                ulong key = events[i].data.u64;
                if (key == WakeKey)
                {
                    DrainWake();
                    continue;
                }
                EventSource? source = Lookup(key);
                if (source is not null && source.Dispatch((FdEvents)((uint)events[i].events & KnownEvents)))
                    handled++;
            }
            return handled;
        }
        finally
        {
            _dispatching = false;
        }
    }

    /// <summary>Dispatches until <see cref="Stop"/>. A Stop that came before Run makes it return at once.</summary>
    public void Run()
    {
        while (!_stopRequested && !_disposed) Dispatch(-1);
        _stopRequested = false;
    }

    /// <summary>Makes <see cref="Run"/> return after the current dispatch. Callable from any thread, but not
    /// concurrently with <see cref="Dispose"/>.</summary>
    public unsafe void Stop()
    {
        _stopRequested = true;
        int fd = Volatile.Read(ref _wakeFd);
        if (fd < 0) return;
        ulong one = 1;
        // Failure can only be a saturated counter, which already guarantees the wake-up.
        write(fd, &one, sizeof(ulong));
    }

    /// <summary>Disposes every source (closing the timerfds and signalfds they own, but not the fds given
    /// to <see cref="AddFd"/>), then the loop's own fds. Callable from a callback: Dispatch returns after it.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        // Sources detach themselves, which edits both collections: walk by index.
        for (int i = 0; i < _slotsUsed; i++) _slots[i].Source?.Dispose();
        while (_idles.Count > 0) _idles[^1].Dispose();
        int wakeFd = Interlocked.Exchange(ref _wakeFd, -1);
        EventsNative.CloseQuietly(ref wakeFd);
        EventsNative.CloseQuietly(ref _epollFd);
    }

    private void RunIdles()
    {
        // Only idles that existed when the round began: one that re-adds itself must not starve the fds.
        long end = _nextIdleSequence;
        while (_idles.Count > 0 && _idles[0].Sequence < end)
        {
            IdleSource idle = _idles[0];
            // Removed before it runs, so an idle that throws does not run again.
            _idles.RemoveAt(0);
            idle.Run();
            if (_disposed) return;
        }
    }

    private unsafe void DrainWake()
    {
        ulong value;
        read(_wakeFd, &value, sizeof(ulong));
    }

    private T Attach<T>(T source) where T : EventSource
    {
        int index;
        if (_freeSlots.Count > 0)
        {
            index = _freeSlots.Pop();
        }
        else
        {
            if (_slotsUsed == _slots.Length) Array.Resize(ref _slots, _slots.Length * 2);
            index = _slotsUsed++;
        }
        ref Slot slot = ref _slots[index];
        slot.Source = source;
        source.Key = ((ulong)slot.Generation << 32) | (uint)index;
        try
        {
            source.Activate();
        }
        catch
        {
            source.Dispose();
            throw;
        }
        return source;
    }

    private EventSource? Lookup(ulong key)
    {
        uint index = (uint)key;
        if (index >= (uint)_slotsUsed) return null;
        ref Slot slot = ref _slots[index];
        return slot.Generation == (uint)(key >> 32) ? slot.Source : null;
    }

    internal void Unregister(EventSource source)
    {
        uint index = (uint)source.Key;
        if (Lookup(source.Key) != source) return;
        ref Slot slot = ref _slots[index];
        slot.Source = null;
        slot.Generation++;
        _freeSlots.Push((int)index);
    }

    internal void RemoveIdle(IdleSource idle) => _idles.Remove(idle);

    internal static uint ToEpoll(FdEvents mask)
    {
        if (((uint)mask & ~KnownEvents) != 0)
            throw new ArgumentException($"unknown FdEvents bits 0x{(uint)mask & ~KnownEvents:x}", nameof(mask));
        return (uint)mask;
    }

    internal unsafe void EpollAdd(int fd, uint events, ulong key) => EpollControl(EPOLL_CTL_ADD, "ADD", fd, events, key);

    internal unsafe void EpollModify(int fd, uint events, ulong key) => EpollControl(EPOLL_CTL_MOD, "MOD", fd, events, key);

    /// <summary>Best effort: the fd may already be closed, which removed it from epoll by itself.</summary>
    internal unsafe void EpollRemove(int fd)
    {
        if (_epollFd < 0 || fd < 0) return;
        // Kernels before 2.6.9 rejected a null event even for DEL.
        epoll_event unused = default;
        epoll_ctl(_epollFd, EPOLL_CTL_DEL, fd, &unused);
    }

    private unsafe void EpollControl(int op, string opName, int fd, uint events, ulong key)
    {
        epoll_event ev = default;
        ev.events = (int)events;
        ev.data.u64 = key;
        if (epoll_ctl(_epollFd, op, fd, &ev) != 0)
            throw EventsNative.Failure($"epoll_ctl({opName}, fd {fd})", errno);
    }
}
