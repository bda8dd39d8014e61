using Compositor.Backends.Drm;
using Xunit;

namespace Backends.Tests;

/// <summary>The DRM output's repaint schedule: frames start as late as their measured cost allows.</summary>
public sealed class RepaintScheduleTests
{
    private const long Ms = 1_000_000, Refresh = 16_666_667;

    [Fact]
    public void UnmeasuredFramesStartRightAway()
    {
        var s = new RepaintSchedule(Refresh);
        Assert.Equal(5 * Ms, s.NextStart(5 * Ms));
        s.Presented(10 * Ms);
        // No frame measured yet: the budget is a whole refresh, so there is no time to wait.
        Assert.Equal(11 * Ms, s.NextStart(11 * Ms));
    }

    [Fact]
    public void AFastFrameStartsItsBudgetAndMarginBeforeTheNextVblank()
    {
        var s = new RepaintSchedule(Refresh);
        s.Presented(100 * Ms);
        s.FrameStarted(101 * Ms);
        s.FrameDone(104 * Ms); // 3 ms
        s.Presented(100 * Ms + Refresh);
        var next = s.NextStart(100 * Ms + Refresh + Ms);
        Assert.Equal(100 * Ms + 2 * Refresh - 3 * Ms - RepaintSchedule.MarginNanoseconds, next);
    }

    [Fact]
    public void AfterAnIdleSpellTheNextVblankIsFoundFromTheLastOnesPhase()
    {
        var s = new RepaintSchedule(Refresh);
        s.FrameStarted(0);
        s.FrameDone(Ms);
        s.Presented(10 * Ms);
        // 30.5 refreshes later.
        var now = 10 * Ms + 30 * Refresh + Refresh / 2;
        var vblank = 10 * Ms + 31 * Refresh;
        Assert.Equal(vblank - Ms - RepaintSchedule.MarginNanoseconds, s.NextStart(now));
        // Over a second later the phase is not trusted: right away.
        now = 10 * Ms + 100 * Refresh + Refresh / 2;
        Assert.Equal(now, s.NextStart(now));
    }

    [Fact]
    public void ASlowFrameRaisesTheBudgetAtOnceAndItDecaysSlowly()
    {
        var s = new RepaintSchedule(Refresh);
        s.FrameStarted(0);
        s.FrameDone(2 * Ms);
        Assert.Equal(2 * Ms, s.BudgetNanoseconds);
        s.FrameStarted(10 * Ms);
        s.FrameDone(18 * Ms);
        Assert.Equal(8 * Ms, s.BudgetNanoseconds);
        s.FrameStarted(20 * Ms);
        s.FrameDone(21 * Ms);
        Assert.Equal(8 * Ms - 8 * Ms / 16, s.BudgetNanoseconds);
        // Past the point where budget and margin fill the refresh, frames start at once.
        s.FrameStarted(30 * Ms);
        s.FrameDone(30 * Ms + Refresh);
        s.Presented(50 * Ms);
        Assert.Equal(51 * Ms, s.NextStart(51 * Ms));
    }

    [Fact]
    public void AFlipThatMissesItsVblankRaisesTheBudgetByAQuarterRefresh()
    {
        var s = new RepaintSchedule(Refresh);
        s.FrameStarted(0);
        s.FrameDone(Ms);
        s.Presented(10 * Ms);
        var start = s.NextStart(11 * Ms);
        Assert.Equal(10 * Ms + Refresh - Ms - RepaintSchedule.MarginNanoseconds, start);
        // The flip came a refresh late.
        s.Presented(10 * Ms + 2 * Refresh);
        Assert.Equal(1, s.Missed);
        Assert.Equal(Ms + Refresh / 4, s.BudgetNanoseconds);
        // On time: no change.
        s.NextStart(10 * Ms + 2 * Refresh + Ms);
        s.Presented(10 * Ms + 3 * Refresh);
        Assert.Equal(1, s.Missed);
    }
}
