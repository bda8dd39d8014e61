using System.Runtime.InteropServices;
using Tmds.Linux;
using static Tmds.Linux.LibC;
using Wayland.Interop;

namespace Wayland.Events;

/// <summary>Readiness bits; the values are epoll's, so they pass through without translation.</summary>
[Flags]
public enum FdEvents : uint
{
    Readable = 1,
    Writable = 4,
    Error = 8,
    Hangup = 16,
}

public delegate void FdCallback(int fd, FdEvents events);

/// <summary>
/// Something the <see cref="EventLoop"/> waits on. Sources belong to one loop and are used from the
/// thread that dispatches it.
/// </summary>
public abstract class EventSource : IDisposable
{
    // Only this assembly defines sources: the loop relies on each one's Dispatch/Release contract.
    private protected EventSource(EventLoop loop) => Loop = loop;

    private protected EventLoop Loop { get; }

    /// <summary>The epoll_data of this source's fds: its slot in the loop and that slot's generation.</summary>
    internal ulong Key { get; set; }

    public bool IsDisposed { get; private set; }

    /// <summary>
    /// Removes the source from the loop. Safe from any callback, including the source's own; an event of
    /// this source already collected in the current dispatch round is then dropped.
    /// </summary>
    public void Dispose()
    {
        if (IsDisposed) return;
        IsDisposed = true;
        Release();
    }

    /// <summary>Adds the source's fds to epoll; on failure the loop disposes the source.</summary>
    internal virtual void Activate() { }

    /// <summary>Handles one epoll report; returns whether the callback ran.</summary>
    internal virtual bool Dispatch(FdEvents events) => false;

    /// <summary>Runs once, from the first Dispose: detaches from the loop and frees what the source owns.
    /// Must not throw, since it also runs while the loop is being torn down.</summary>
    private protected abstract void Release();
}

/// <summary>Watches an fd the caller owns. Dispose the source before closing the fd: epoll forgets a closed
/// fd by itself, but removing a number that was reused by a newer registration would drop that one.</summary>
public sealed class FdSource : EventSource
{
    private readonly FdCallback _callback;
    private bool _added;

    internal FdSource(EventLoop loop, int fd, FdEvents mask, FdCallback callback) : base(loop)
    {
        Fd = fd;
        Mask = mask;
        _callback = callback;
    }

    public int Fd { get; }

    public FdEvents Mask { get; private set; }

    public void SetMask(FdEvents mask)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        Loop.EpollModify(Fd, EventLoop.ToEpoll(mask), Key);
        Mask = mask;
    }

    internal override void Activate()
    {
        Loop.EpollAdd(Fd, EventLoop.ToEpoll(Mask), Key);
        _added = true;
    }

    internal override bool Dispatch(FdEvents events)
    {
        // A SetMask earlier in this round may have dropped interest in bits epoll already reported.
        events &= Mask | FdEvents.Error | FdEvents.Hangup;
        if (events == 0) return false;
        _callback(Fd, events);
        return true;
    }

    private protected override void Release()
    {
        // Unlike the fds other sources create, this one may be registered by someone else (EEXIST on add).
        if (_added) Loop.EpollRemove(Fd);
        Loop.Unregister(this);
    }
}

/// <summary>A timerfd on CLOCK_MONOTONIC, so wall-clock changes do not move it. Created disarmed.</summary>
public sealed class TimerSource : EventSource
{
    private readonly Action _callback;
    private int _timerFd;

    internal TimerSource(EventLoop loop, Action callback) : base(loop)
    {
        _callback = callback;
        _timerFd = Libc.timerfd_create(EventsNative.CLOCK_MONOTONIC,
            EventsNative.TFD_CLOEXEC | EventsNative.TFD_NONBLOCK);
        if (_timerFd < 0) throw EventsNative.Failure("timerfd_create", errno);
    }

    /// <summary>Fires after <paramref name="dueIn"/>, then every <paramref name="period"/> if it is not zero.
    /// Re-arming replaces the previous schedule and forgets expirations not yet dispatched.</summary>
    public void Arm(TimeSpan dueIn, TimeSpan period = default)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        ArgumentOutOfRangeException.ThrowIfLessThan(dueIn, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(period, TimeSpan.Zero);
        var spec = new Libc.ITimerSpec
        {
            Value = EventsNative.ToTimespec(dueIn),
            Interval = EventsNative.ToTimespec(period),
        };
        // An all-zero it_value means "disarm" to the kernel; 1ns is the earliest time that still expires.
        if (dueIn == TimeSpan.Zero) spec.Value.Nanoseconds = 1;
        SetTime(spec);
    }

    /// <summary>Fires once at an absolute CLOCK_MONOTONIC time (refresh boundaries of a frame clock);
    /// a time already past fires at once.</summary>
    public void ArmAt(long monotonicNanoseconds)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        var spec = new Libc.ITimerSpec();
        spec.Value.Seconds = (nint)Math.Max(0, monotonicNanoseconds / 1_000_000_000);
        spec.Value.Nanoseconds = (nint)(monotonicNanoseconds <= 0 ? 1 : monotonicNanoseconds % 1_000_000_000);
        if (spec.Value.Seconds == 0 && spec.Value.Nanoseconds == 0) spec.Value.Nanoseconds = 1;
        SetTime(spec, TimerAbsolute);
    }

    private const int TimerAbsolute = 1; // TFD_TIMER_ABSTIME

    public void Disarm()
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        SetTime(default);
    }

    private unsafe void SetTime(Libc.ITimerSpec spec, int flags = 0)
    {
        if (Libc.timerfd_settime(_timerFd, flags, &spec, null) != 0)
            throw EventsNative.Failure("timerfd_settime", errno);
    }

    internal override void Activate() => Loop.EpollAdd(_timerFd, (uint)FdEvents.Readable, Key);

    internal override unsafe bool Dispatch(FdEvents events)
    {
        ulong expirations;
        // EAGAIN: an Arm or Disarm earlier in this round reset the count, so this expiry no longer stands.
        if ((long)read(_timerFd, &expirations, sizeof(ulong)) != sizeof(ulong)) return false;
        // Like libwayland, one callback however many periods passed: a late loop should not burst.
        _callback();
        return true;
    }

    private protected override void Release()
    {
        Loop.EpollRemove(_timerFd);
        Loop.Unregister(this);
        EventsNative.CloseQuietly(ref _timerFd);
    }
}

/// <summary>
/// Delivers a POSIX signal through the loop with a signalfd.
/// </summary>
/// <remarks>
/// A signalfd only sees a signal that stays pending, i.e. one blocked in the thread the kernel picks.
/// sigprocmask acts on the calling thread only (it is pthread_sigmask in a threaded process), and the
/// .NET runtime's own threads, started before us, do not block anything, so a process-directed signal
/// (kill(getpid(), ...)) usually lands on one of them, where for most signals the default action ends
/// the process. So besides blocking the signal in this thread (the loop's, which also catches signals
/// sent to it directly), the source registers a <see cref="PosixSignalRegistration"/>: the runtime's
/// handler cancels the default action and the source forwards the signal through an eventfd that the
/// loop watches under the same key. Both paths end in the same callback. The mask is restored on
/// Dispose if this source was the one that blocked the signal.
/// </remarks>
public sealed class SignalSource : EventSource
{
    private readonly Action<int> _callback;
    private readonly Lock _forwardGate = new();
    private readonly int _blockingThread = Environment.CurrentManagedThreadId;
    private readonly bool _weBlocked;
    private int _signalFd = -1;
    private int _forwardFd = -1;
    private PosixSignalRegistration? _registration;

    internal unsafe SignalSource(EventLoop loop, int signal, Action<int> callback) : base(loop)
    {
        Signal = signal;
        _callback = callback;
        sigset_t set = MaskOf(signal);
        sigset_t old;
        if (sigprocmask(SIG_BLOCK, &set, &old) != 0) throw EventsNative.Failure("sigprocmask", errno);
        _weBlocked = sigismember(&old, signal) == 0;
        try
        {
            _signalFd = Libc.signalfd(-1, &set, EventsNative.SFD_CLOEXEC | EventsNative.SFD_NONBLOCK);
            if (_signalFd < 0) throw EventsNative.Failure("signalfd", errno);
            _forwardFd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
            if (_forwardFd < 0) throw EventsNative.Failure("eventfd", errno);
        }
        catch
        {
            EventsNative.CloseQuietly(ref _signalFd);
            EventsNative.CloseQuietly(ref _forwardFd);
            if (_weBlocked) sigprocmask(SIG_UNBLOCK, &set, null);
            throw;
        }
    }

    public int Signal { get; }

    internal override void Activate()
    {
        Loop.EpollAdd(_signalFd, (uint)FdEvents.Readable, Key);
        Loop.EpollAdd(_forwardFd, (uint)FdEvents.Readable, Key);
        try
        {
            _registration = PosixSignalRegistration.Create((PosixSignal)Signal, OnRuntimeSignal);
        }
        catch (Exception e) when (e is PlatformNotSupportedException or IOException or ArgumentException)
        {
            Loop.Log.Warning(e, "Signal {Signal} is only seen when it reaches the loop thread", Signal);
        }
    }

    /// <summary>Runs on a runtime thread when the signal was delivered to a thread that does not block it.</summary>
    private unsafe void OnRuntimeSignal(PosixSignalContext context)
    {
        // Set even after Dispose: between Dispose's unblock and the registration's removal, the default
        // action would still end the process.
        context.Cancel = true;
        lock (_forwardGate)
        {
            if (_forwardFd < 0) return;
            ulong one = 1;
            write(_forwardFd, &one, sizeof(ulong));
        }
    }

    internal override unsafe bool Dispatch(FdEvents events)
    {
        // Standard signals coalesce while pending anyway, so one callback per wake-up loses nothing;
        // both fds are drained here because they share a key and may arrive in the same round.
        byte* info = stackalloc byte[EventsNative.SignalfdSiginfoSize];
        bool got = (long)read(_signalFd, info, EventsNative.SignalfdSiginfoSize) == EventsNative.SignalfdSiginfoSize;
        ulong count;
        if ((long)read(_forwardFd, &count, sizeof(ulong)) == sizeof(ulong)) got = true;
        if (!got) return false;
        _callback(Signal);
        return true;
    }

    private protected override unsafe void Release()
    {
        Loop.EpollRemove(_signalFd);
        Loop.EpollRemove(_forwardFd);
        Loop.Unregister(this);
        if (_weBlocked)
        {
            if (Environment.CurrentManagedThreadId == _blockingThread)
            {
                // Anything still pending would be delivered the moment it is unblocked: consume it first.
                byte* info = stackalloc byte[EventsNative.SignalfdSiginfoSize];
                while ((long)read(_signalFd, info, EventsNative.SignalfdSiginfoSize) > 0) { }
                sigset_t set = MaskOf(Signal);
                sigprocmask(SIG_UNBLOCK, &set, null);
            }
            else
            {
                Loop.Log.Debug("Signal {Signal} stays blocked in the thread that added it", Signal);
            }
        }
        _registration?.Dispose();
        EventsNative.CloseQuietly(ref _signalFd);
        lock (_forwardGate) EventsNative.CloseQuietly(ref _forwardFd);
    }

    private static unsafe sigset_t MaskOf(int signal)
    {
        sigset_t set;
        sigemptyset(&set);
        if (sigaddset(&set, signal) != 0) throw new ArgumentOutOfRangeException(nameof(signal), signal, "not a signal number");
        return set;
    }
}

/// <summary>Runs once, at the start of the next <see cref="EventLoop.Dispatch"/> (before it sleeps), and
/// then disposes itself. Disposing it earlier cancels it.</summary>
public sealed class IdleSource : EventSource
{
    private readonly Action _callback;

    internal IdleSource(EventLoop loop, Action callback, long sequence) : base(loop)
    {
        _callback = callback;
        Sequence = sequence;
    }

    /// <summary>Order of creation, so a dispatch round can tell idles added during the round from older ones.</summary>
    internal long Sequence { get; }

    internal void Run()
    {
        try
        {
            _callback();
        }
        finally
        {
            Dispose();
        }
    }

    private protected override void Release() => Loop.RemoveIdle(this);
}
