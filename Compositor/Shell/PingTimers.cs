using Compositor.Backends;
using Wayland.Events;

namespace Compositor.Shell;

/// <summary>
/// The timeouts of every xdg_wm_base's outstanding ping on one timer (a timerfd per wm_base would
/// be a kernel object per client). Every ping waits the same <see cref="Timeout"/>, so pings come
/// due in the order they were sent and a FIFO queue is the whole schedule. An answered ping, or one
/// whose wm_base is gone, is cancelled in place and skipped when it comes due.
/// </summary>
internal sealed class PingTimers(EventLoop loop, TimeSpan timeout) : IDisposable
{
    /// <summary>One outstanding ping. Cancelling lets go of the wm_base at once, so a client that
    /// left is not kept in memory until its ping would have timed out.</summary>
    internal sealed class Ticket(WmBase owner, uint serial, long dueNs)
    {
        public WmBase? Owner { get; private set; } = owner;
        public uint Serial { get; } = serial;
        public long DueNs { get; } = dueNs;
        public void Cancel() => Owner = null;
    }

    private readonly Queue<Ticket> _queue = new();
    private TimerSource? _timer; // made at the first ping: a compositor nobody pings needs none
    private long _lastDueNs;

    public TimeSpan Timeout { get; set; } = timeout;

    /// <summary>Ping <paramref name="serial"/> went out: tell <paramref name="wmBase"/> if it is still
    /// unanswered after <see cref="Timeout"/>, unless the ticket is cancelled first.</summary>
    public Ticket Start(WmBase wmBase, uint serial)
    {
        var due = MonotonicClock.Nanoseconds + (long)Timeout.TotalNanoseconds;
        // Timeout may have been lowered since the last ping; keep the queue in deadline order anyway.
        if (_queue.Count > 0) due = Math.Max(due, _lastDueNs);
        _lastDueNs = due;
        var ticket = new Ticket(wmBase, serial, due);
        _queue.Enqueue(ticket);
        if (_queue.Count == 1) Arm(due);
        return ticket;
    }

    private void Arm(long dueNs)
    {
        _timer ??= loop.AddTimer(OnTimer);
        _timer.ArmAt(dueNs);
    }

    private void OnTimer()
    {
        var now = MonotonicClock.Nanoseconds;
        while (_queue.TryPeek(out var ticket) && ticket.DueNs <= now)
        {
            _queue.Dequeue();
            ticket.Owner?.PingTimedOut(ticket.Serial);
        }
        if (_queue.TryPeek(out var next)) Arm(next.DueNs);
    }

    public void Dispose()
    {
        _timer?.Dispose();
        _timer = null;
        _queue.Clear();
    }
}
