using Compositor.Backends;
using Wayland.Events;
using Wayland.Protocols.Server;

namespace Compositor.Idle;

/// <summary>
/// ext_idle_notifier_v1 (v2) and ext_idle_notification_v1: a notification goes idle once seat0 has
/// had no input for its timeout (counted from its creation at the earliest) and is resumed by the
/// next input. get_idle_notification also waits while an idle inhibitor is active
/// (<see cref="IdleInhibitors"/>); get_input_idle_notification counts input alone.
/// One timer serves every notification: it is armed for the earliest deadline and, when it fires
/// early because input came meanwhile, re-armed for the new one. So input itself only stores a
/// time stamp (no syscall, no allocation), except the one event that resumes idled notifications.
/// Requests of both interfaces are handled here.
/// </summary>
public sealed class IdleNotifier : IExtIdleNotifierV1Handler
{
    public const uint Version = 2;

    private readonly EventLoop _loop;
    private readonly IdleInhibitors _inhibitors;
    private readonly List<Notification> _notifications = [];
    private TimerSource? _timer; // made for the first notification: nobody watching costs nothing
    private long _lastInputNs;
    private long _inhibitedAtNs;  // the last moment an inhibitor was seen active
    private int _idled;

    public IdleNotifier(CompositorServer server, IdleInhibitors inhibitors)
    {
        _loop = server.Loop;
        _inhibitors = inhibitors;
        _lastInputNs = MonotonicClock.Nanoseconds;
        inhibitors.Released += OnInhibitorReleased;
        server.Seat.InputActivity += OnInput;
        server.Display.CreateGlobal<ExtIdleNotifierV1>(Version, r => r.Handler = this);
    }

    private sealed class Notification(ExtIdleNotificationV1 resource, long timeoutNs, bool obeysInhibitors, long startNs) : IExtIdleNotificationV1Handler
    {
        public ExtIdleNotificationV1 Resource { get; } = resource;
        public long TimeoutNs { get; } = timeoutNs;
        public bool ObeysInhibitors { get; } = obeysInhibitors;
        public long StartNs { get; } = startNs;
        public bool Idle { get; set; }
        public void Destroy(ExtIdleNotificationV1 resource) { }
    }

    public void Destroy(ExtIdleNotifierV1 resource) { }

    public void GetIdleNotification(ExtIdleNotifierV1 resource, ExtIdleNotificationV1 id, uint timeout, WlSeat seat) => Add(id, timeout, true);

    public void GetInputIdleNotification(ExtIdleNotifierV1 resource, ExtIdleNotificationV1 id, uint timeout, WlSeat seat) => Add(id, timeout, false);

    private void Add(ExtIdleNotificationV1 resource, uint timeoutMs, bool obeysInhibitors)
    {
        var n = new Notification(resource, timeoutMs * 1_000_000L, obeysInhibitors, MonotonicClock.Nanoseconds);
        resource.Handler = n;
        _notifications.Add(n);
        resource.Destroyed += _ =>
        {
            _notifications.Remove(n);
            if (n.Idle) _idled--;
        };
        Schedule();
    }

    /// <summary>When <paramref name="n"/> may go idle, given what is known now.</summary>
    private long Deadline(Notification n)
    {
        var since = Math.Max(n.StartNs, _lastInputNs);
        if (n.ObeysInhibitors) since = Math.Max(since, _inhibitedAtNs);
        return since + n.TimeoutNs;
    }

    private void Schedule()
    {
        var earliest = long.MaxValue;
        foreach (var n in _notifications)
            if (!n.Idle) earliest = Math.Min(earliest, Deadline(n));
        if (earliest == long.MaxValue) return;
        _timer ??= _loop.AddTimer(OnTimer);
        _timer.ArmAt(earliest);
    }

    private void OnTimer()
    {
        var now = MonotonicClock.Nanoseconds;
        // An inhibitor on a visible surface holds the others off from now; its end is noticed at the
        // latest one timeout later (visibility changes are not signalled, an inhibitor's destruction is).
        if (_inhibitors.Active) _inhibitedAtNs = now;
        foreach (var n in _notifications)
        {
            if (n.Idle || Deadline(n) > now) continue;
            n.Idle = true;
            _idled++;
            n.Resource.SendIdled();
        }
        Schedule();
    }

    private void OnInput()
    {
        _lastInputNs = MonotonicClock.Nanoseconds;
        if (_idled == 0) return;
        _idled = 0;
        foreach (var n in _notifications)
        {
            if (!n.Idle) continue;
            n.Idle = false;
            n.Resource.SendResumed();
        }
        Schedule();
    }

    private void OnInhibitorReleased()
    {
        // It held idleness off until now: the countdown of those obeying it starts over from here.
        _inhibitedAtNs = MonotonicClock.Nanoseconds;
        Schedule();
    }
}
