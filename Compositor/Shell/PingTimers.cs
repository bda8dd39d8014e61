using Compositor.Backends;
using Wayland.Events;

namespace Compositor.Shell;

/// <summary>
/// The timeouts of every xdg_wm_base's outstanding ping on one timer (a timerfd per wm_base would
/// be a kernel object per client). Every ping waits the same <see cref="Timeout"/>, so pings come
/// due in the order they were sent and a FIFO queue is the whole schedule. A pong, or a wm_base
/// that is gone, leaves its entry in place: it is dropped when it comes due.
/// </summary>
internal sealed class PingTimers(EventLoop loop, TimeSpan timeout) : IDisposable
{
    private readonly Queue<(long DueNs, WmBase WmBase, uint Serial)> _queue = new();
    private TimerSource? _timer; // made at the first ping: a compositor nobody pings needs none
    private long _lastDueNs;

    public TimeSpan Timeout { get; set; } = timeout;

    /// <summary>Ping <paramref name="serial"/> went out: tell <paramref name="wmBase"/> if it is still
    /// unanswered after <see cref="Timeout"/>.</summary>
    public void Start(WmBase wmBase, uint serial)
    {
        var due = MonotonicClock.Nanoseconds + (long)Timeout.TotalNanoseconds;
        // Timeout may have been lowered since the last ping; keep the queue in deadline order anyway.
        if (_queue.Count > 0) due = Math.Max(due, _lastDueNs);
        _lastDueNs = due;
        _queue.Enqueue((due, wmBase, serial));
        if (_queue.Count == 1) Arm(due);
    }

    private void Arm(long dueNs)
    {
        _timer ??= loop.AddTimer(OnTimer);
        _timer.ArmAt(dueNs);
    }

    private void OnTimer()
    {
        var now = MonotonicClock.Nanoseconds;
        while (_queue.TryPeek(out var entry) && entry.DueNs <= now)
        {
            _queue.Dequeue();
            entry.WmBase.PingTimedOut(entry.Serial);
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
