namespace Compositor.Backends.Drm;

/// <summary>
/// When to start drawing a frame so that it is done just before the vblank that shows it: late
/// enough that client commits made meanwhile still make it into the frame (commit-to-present
/// latency), early enough to finish. A frame's cost is measured from its start until it is done:
/// its GPU fence signalled, or, drawn on the CPU, its flip queued. The budget is the highest
/// recent cost, decaying slowly, plus a margin. mutter calls this dynamic max render time; weston
/// uses a fixed repaint window. A frame whose flip still missed the vblank it aimed for (timer
/// wake-ups late, as under a loaded or emulated CPU) raises the budget by a quarter refresh: a miss
/// costs a whole refresh, so the schedule backs off until misses stop. Until a frame was measured,
/// and whenever the budget fills the refresh, frames start right away, as a flip chain without a
/// schedule would.
/// </summary>
public sealed class RepaintSchedule(long refreshNanoseconds)
{
    /// <summary>Slack for timer wake-up and the flip ioctl.</summary>
    public const long MarginNanoseconds = 2_000_000;

    private long _lastVblank = -1, _frameStart = -1, _target = -1;

    public long RefreshNanoseconds { get; } = refreshNanoseconds;
    /// <summary>The expected cost of a frame, from its start to its flip (highest recent, decaying);
    /// -1 until a frame was measured.</summary>
    public long BudgetNanoseconds { get; private set; } = -1;

    /// <summary>Flips that landed a vblank or more after the one they aimed for.</summary>
    public long Missed { get; private set; }

    /// <summary>A flip completed at <paramref name="vblank"/>: the phase of later vblanks, and whether
    /// the frame made the vblank it was started for.</summary>
    public void Presented(long vblank)
    {
        if (_target >= 0 && vblank > _target + RefreshNanoseconds / 2)
        {
            Missed++;
            BudgetNanoseconds = Math.Min(RefreshNanoseconds, Math.Max(BudgetNanoseconds, 0) + RefreshNanoseconds / 4);
        }
        _target = -1;
        _lastVblank = vblank;
    }

    public void FrameStarted(long now) => _frameStart = now;

    /// <summary>The display was away (another console had it): no vblank phase, no promise pending.</summary>
    public void Forget() => _lastVblank = _target = -1;

    /// <summary>The frame is done (its fence signalled, or its flip queued): its cost is known.</summary>
    public void FrameDone(long now)
    {
        if (_frameStart < 0) return;
        var cost = now - _frameStart;
        _frameStart = -1;
        // Up at once, down by a sixteenth a frame: one slow frame keeps the budget for a while.
        BudgetNanoseconds = BudgetNanoseconds < 0 ? cost : Math.Max(cost, BudgetNanoseconds - BudgetNanoseconds / 16);
    }

    /// <summary>When the next frame should start (monotonic ns); at most <paramref name="now"/> means now.</summary>
    public long NextStart(long now)
    {
        _target = -1;
        // After a second without flips the phase is not trusted: the mode's rounded refresh drifts.
        if (_lastVblank < 0 || now - _lastVblank > 1_000_000_000) return now;
        if (BudgetNanoseconds < 0 || BudgetNanoseconds + MarginNanoseconds >= RefreshNanoseconds) return now;
        // The first vblank still ahead, then back by the budget.
        var elapsed = now - _lastVblank;
        var vblank = _lastVblank + (elapsed / RefreshNanoseconds + 1) * RefreshNanoseconds;
        var start = vblank - BudgetNanoseconds - MarginNanoseconds;
        if (start < now) return now; // too late for that one: no promise made
        _target = vblank;
        return start;
    }
}
