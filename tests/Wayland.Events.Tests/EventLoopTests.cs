using System.Diagnostics;
using Xunit;

namespace Wayland.Events.Tests;

public sealed class EventLoopTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(2);

    /// <summary>Dispatches until <paramref name="done"/> holds or <see cref="Patience"/> runs out.</summary>
    private static void DispatchUntil(EventLoop loop, Func<bool> done)
    {
        var clock = Stopwatch.StartNew();
        while (!done() && clock.Elapsed < Patience) loop.Dispatch(50);
    }

    [Fact]
    public void FdSource_fires_on_a_pipe_write_and_stops_after_dispose()
    {
        var (r, w) = Fds.Pipe();
        using var loop = new EventLoop();
        var calls = new List<(int Fd, FdEvents Events)>();
        var source = loop.AddFd(r, FdEvents.Readable, (fd, ev) =>
        {
            calls.Add((fd, ev));
            Fds.Drain(fd);
        });
        Assert.Equal(r, source.Fd);
        Assert.Equal(FdEvents.Readable, source.Mask);

        Assert.Equal(0, loop.Dispatch(0));
        Assert.Empty(calls);

        Fds.WriteByte(w);
        Assert.Equal(1, loop.Dispatch(1000));
        Assert.Equal([(r, FdEvents.Readable)], calls);

        Fds.WriteByte(w);
        source.Dispose();
        Assert.True(source.IsDisposed);
        Assert.Equal(0, loop.Dispatch(0));
        Assert.Single(calls);
        // The loop does not own the fd: it is still ours, with the byte unread.
        Assert.Equal(1, Fds.Drain(r));
        Fds.Close(r, w);
    }

    [Fact]
    public void FdSource_reports_hangup_when_the_writer_closes()
    {
        var (r, w) = Fds.Pipe();
        using var loop = new EventLoop();
        FdEvents seen = 0;
        using var source = loop.AddFd(r, FdEvents.Readable, (_, ev) => seen = ev);
        Fds.Close(w);
        Assert.Equal(1, loop.Dispatch(1000));
        Assert.True(seen.HasFlag(FdEvents.Hangup), $"got {seen}");
        source.Dispose();
        Fds.Close(r);
    }

    [Fact]
    public void SetMask_to_writable_fires()
    {
        var (r, w) = Fds.Pipe();
        using var loop = new EventLoop();
        var events = new List<FdEvents>();
        // The write end of an empty pipe is never readable but always writable.
        var source = loop.AddFd(w, FdEvents.Readable, (_, ev) => events.Add(ev));
        Assert.Equal(0, loop.Dispatch(0));
        Assert.Empty(events);

        source.SetMask(FdEvents.Writable);
        Assert.Equal(FdEvents.Writable, source.Mask);
        Assert.Equal(1, loop.Dispatch(1000));
        Assert.Equal([FdEvents.Writable], events);

        source.SetMask(0);
        Assert.Equal(0, loop.Dispatch(0));
        Assert.Single(events);
        source.Dispose();
        Assert.Throws<ObjectDisposedException>(() => source.SetMask(FdEvents.Readable));
        Fds.Close(r, w);
    }

    [Fact]
    public void AddFd_rejects_bad_arguments_and_leaves_no_registration()
    {
        var (r, w) = Fds.Pipe();
        using var loop = new EventLoop();
        Assert.Throws<ArgumentOutOfRangeException>(() => loop.AddFd(-1, FdEvents.Readable, (_, _) => { }));
        Assert.Throws<ArgumentException>(() => loop.AddFd(r, (FdEvents)2, (_, _) => { }));
        using var first = loop.AddFd(r, FdEvents.Readable, (_, _) => { });
        // A second registration of the same fd fails (EEXIST), and its cleanup must not remove the first.
        Assert.Throws<IOException>(() => loop.AddFd(r, FdEvents.Readable, (_, _) => { }));
        var fired = 0;
        first.Dispose();
        using var again = loop.AddFd(r, FdEvents.Readable, (_, _) => fired++);
        Fds.WriteByte(w);
        Assert.Equal(1, loop.Dispatch(1000));
        Assert.Equal(1, fired);
        again.Dispose();
        Fds.Close(r, w);
    }

    [Fact]
    public void Timer_fires_once()
    {
        using var loop = new EventLoop();
        var fired = 0;
        using var timer = loop.AddTimer(() => fired++);
        Assert.Equal(0, loop.Dispatch(30));
        Assert.Equal(0, fired);

        var clock = Stopwatch.StartNew();
        timer.Arm(TimeSpan.FromMilliseconds(20));
        DispatchUntil(loop, () => fired > 0);
        Assert.Equal(1, fired);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(19), $"fired after {clock.Elapsed}");

        Assert.Equal(0, loop.Dispatch(60));
        Assert.Equal(1, fired);
    }

    [Fact]
    public void Periodic_timer_fires_repeatedly_until_disarmed()
    {
        using var loop = new EventLoop();
        var fired = 0;
        using var timer = loop.AddTimer(() => fired++);
        timer.Arm(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(5));
        DispatchUntil(loop, () => fired >= 4);
        Assert.True(fired >= 4, $"fired {fired} times");

        timer.Disarm();
        var after = fired;
        Assert.Equal(0, loop.Dispatch(40));
        Assert.Equal(after, fired);
    }

    [Fact]
    public void Timer_armed_with_zero_fires_right_away()
    {
        using var loop = new EventLoop();
        var fired = 0;
        using var timer = loop.AddTimer(() => fired++);
        timer.Arm(TimeSpan.Zero);
        Assert.Equal(1, loop.Dispatch(1000));
        Assert.Equal(1, fired);
        Assert.Throws<ArgumentOutOfRangeException>(() => timer.Arm(TimeSpan.FromMilliseconds(-1)));
    }

    [Fact]
    public void Timer_disarmed_by_an_earlier_callback_of_the_same_round_does_not_fire()
    {
        using var loop = new EventLoop();
        var (r, w) = Fds.Pipe();
        var fired = 0;
        using var timer = loop.AddTimer(() => fired++);
        using var source = loop.AddFd(r, FdEvents.Readable, (fd, _) =>
        {
            Fds.Drain(fd);
            timer.Disarm();
        });
        timer.Arm(TimeSpan.Zero);
        Fds.WriteByte(w);
        // Both are ready before the wait; whichever order epoll reports them in, the timer may only fire
        // if it came first.
        var handled = loop.Dispatch(1000);
        Assert.InRange(handled, 1, 2);
        Assert.Equal(handled - 1, fired);
        Assert.Equal(0, loop.Dispatch(20));
        source.Dispose();
        Fds.Close(r, w);
    }

    [Fact]
    public void Idle_runs_once_before_sleeping_and_then_disposes_itself()
    {
        using var loop = new EventLoop();
        var log = new List<string>();
        loop.BeforeSleep += () => log.Add("sleep");
        var idle = loop.AddIdle(() => log.Add("idle"));
        Assert.Empty(log);
        Assert.False(idle.IsDisposed);

        loop.Dispatch(0);
        Assert.Equal(["idle", "sleep"], log);
        Assert.True(idle.IsDisposed);

        loop.Dispatch(0);
        Assert.Equal(["idle", "sleep", "sleep"], log);
    }

    [Fact]
    public void Idle_disposed_before_dispatch_never_runs()
    {
        using var loop = new EventLoop();
        var ran = false;
        var idle = loop.AddIdle(() => ran = true);
        idle.Dispose();
        loop.Dispatch(0);
        Assert.False(ran);
    }

    [Fact]
    public void Idle_added_by_an_idle_runs_next_time_and_the_loop_does_not_sleep_meanwhile()
    {
        using var loop = new EventLoop();
        var order = new List<int>();
        loop.AddIdle(() =>
        {
            order.Add(1);
            loop.AddIdle(() => order.Add(2));
        });
        var clock = Stopwatch.StartNew();
        loop.Dispatch(5000);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"slept {clock.Elapsed} with an idle pending");
        Assert.Equal([1], order);
        loop.Dispatch(0);
        Assert.Equal([1, 2], order);
    }

    [Fact]
    public void BeforeSleep_runs_before_each_wait()
    {
        var (r, w) = Fds.Pipe();
        using var loop = new EventLoop();
        var sleeps = 0;
        var readable = 0;
        using var source = loop.AddFd(r, FdEvents.Readable, (fd, _) =>
        {
            readable++;
            Fds.Drain(fd);
        });
        // What BeforeSleep does (a flush, in the display) must be visible to the very wait that follows.
        loop.BeforeSleep += () =>
        {
            sleeps++;
            if (sleeps == 1) Fds.WriteByte(w);
        };
        Assert.Equal(1, loop.Dispatch(1000));
        Assert.Equal((1, 1), (sleeps, readable));
        Assert.Equal(0, loop.Dispatch(0));
        Assert.Equal((2, 1), (sleeps, readable));
        source.Dispose();
        Fds.Close(r, w);
    }

    [Fact]
    public void Stop_from_another_thread_wakes_Run()
    {
        using var loop = new EventLoop();
        using var running = new ManualResetEventSlim();
        loop.AddIdle(running.Set);
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try { loop.Run(); }
            catch (Exception e) { failure = e; }
        });
        thread.Start();
        Assert.True(running.Wait(Patience));
        // Run is now in (or about to enter) an infinite epoll_wait with nothing else to wake it.
        Thread.Sleep(20);
        Assert.True(thread.IsAlive);
        loop.Stop();
        Assert.True(thread.Join(Patience), "Run did not return after Stop");
        Assert.Null(failure);
    }

    [Fact]
    public void Stop_from_a_callback_ends_Run_and_Run_can_start_again()
    {
        using var loop = new EventLoop();
        var fired = 0;
        using var timer = loop.AddTimer(() =>
        {
            fired++;
            loop.Stop();
        });
        timer.Arm(TimeSpan.Zero);
        loop.Run();
        Assert.Equal(1, fired);
        timer.Arm(TimeSpan.FromMilliseconds(1));
        loop.Run();
        Assert.Equal(2, fired);
    }

    [Fact]
    public void Source_removed_by_another_callback_in_the_same_round_is_not_called()
    {
        var a = Fds.Pipe();
        var b = Fds.Pipe();
        using var loop = new EventLoop();
        var called = new List<char>();
        FdSource? sa = null, sb = null;
        sa = loop.AddFd(a.Read, FdEvents.Readable, (fd, _) =>
        {
            called.Add('a');
            Fds.Drain(fd);
            sb!.Dispose();
        });
        sb = loop.AddFd(b.Read, FdEvents.Readable, (fd, _) =>
        {
            called.Add('b');
            Fds.Drain(fd);
            sa.Dispose();
        });
        Fds.WriteByte(a.Write);
        Fds.WriteByte(b.Write);

        Assert.Equal(1, loop.Dispatch(1000));
        Assert.Single(called);
        // The one that ran disposed the other; itself it left alone.
        Assert.NotEqual(sa.IsDisposed, sb.IsDisposed);
        Assert.Equal(called[0] == 'b', sa.IsDisposed);
        Assert.Equal(0, loop.Dispatch(0));
        sa.Dispose();
        sb.Dispose();
        Fds.Close(a.Read, a.Write, b.Read, b.Write);
    }

    [Fact]
    public void Stale_event_does_not_reach_a_new_source_that_reuses_the_slot()
    {
        var a = Fds.Pipe();
        var b = Fds.Pipe();
        var c = Fds.Pipe();
        using var loop = new EventLoop();
        var called = new List<char>();
        FdSource? sb = null, sc = null;
        // Whichever of a and b runs first retires the other and adds c, which takes the freed slot.
        void Retire(FdSource? other)
        {
            if (sc is not null) return;
            other!.Dispose();
            sc = loop.AddFd(c.Read, FdEvents.Readable, (fd, _) =>
            {
                called.Add('c');
                Fds.Drain(fd);
            });
        }
        FdSource? sa = null;
        sa = loop.AddFd(a.Read, FdEvents.Readable, (fd, _) => { called.Add('a'); Fds.Drain(fd); Retire(sb); });
        sb = loop.AddFd(b.Read, FdEvents.Readable, (fd, _) => { called.Add('b'); Fds.Drain(fd); Retire(sa); });
        Fds.WriteByte(a.Write);
        Fds.WriteByte(b.Write);
        Fds.WriteByte(c.Write);

        Assert.Equal(1, loop.Dispatch(1000));
        Assert.Single(called);
        Assert.DoesNotContain('c', called);

        Assert.Equal(1, loop.Dispatch(1000));
        Assert.Equal('c', called[^1]);
        sa.Dispose();
        sb.Dispose();
        sc!.Dispose();
        Fds.Close(a.Read, a.Write, b.Read, b.Write, c.Read, c.Write);
    }

    [Fact]
    public void Source_can_dispose_itself_from_its_callback()
    {
        var (r, w) = Fds.Pipe();
        using var loop = new EventLoop();
        var calls = 0;
        FdSource? source = null;
        source = loop.AddFd(r, FdEvents.Readable, (_, _) =>
        {
            calls++;
            source!.Dispose();
        });
        Fds.WriteByte(w);
        Assert.Equal(1, loop.Dispatch(1000));
        Assert.Equal(0, loop.Dispatch(0));
        Assert.Equal(1, calls);
        Fds.Close(r, w);
    }

    [Fact]
    public void Callback_exception_propagates_and_the_loop_stays_usable()
    {
        var (r, w) = Fds.Pipe();
        using var loop = new EventLoop();
        var calls = 0;
        using var source = loop.AddFd(r, FdEvents.Readable, (fd, _) =>
        {
            if (++calls == 1) throw new InvalidOperationException("boom");
            Fds.Drain(fd);
        });
        var idleRuns = 0;
        loop.AddIdle(() =>
        {
            idleRuns++;
            throw new FormatException("idle boom");
        });
        Fds.WriteByte(w);

        Assert.Throws<FormatException>(() => loop.Dispatch(1000));
        Assert.Equal(1, idleRuns);
        Assert.Throws<InvalidOperationException>(() => loop.Dispatch(1000));
        // Level-triggered: the unread byte is reported again, and the failed idle is gone.
        Assert.Equal(1, loop.Dispatch(1000));
        Assert.Equal((2, 1), (calls, idleRuns));
        source.Dispose();
        Fds.Close(r, w);
    }

    [Fact]
    public void Steady_state_dispatch_allocates_nothing()
    {
        var (r, w) = Fds.Pipe();
        using var loop = new EventLoop();
        var reads = 0;
        var ticks = 0;
        var sleeps = 0;
        using var source = loop.AddFd(r, FdEvents.Readable, (fd, _) =>
        {
            reads++;
            Fds.Drain(fd);
        });
        using var timer = loop.AddTimer(() => ticks++);
        loop.BeforeSleep += () => sleeps++;

        void Round()
        {
            Fds.WriteByte(w);
            timer.Arm(TimeSpan.Zero);
            loop.Dispatch(1000);
            loop.Dispatch(0);
        }

        for (var i = 0; i < 50; i++) Round(); // first calls may allocate (JIT, lazy statics)
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 200; i++) Round();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(250, reads);
        Assert.True(ticks > 0 && sleeps >= 500);
        source.Dispose();
        Fds.Close(r, w);
    }

    [Fact]
    public void Dispatch_from_a_callback_is_refused()
    {
        using var loop = new EventLoop();
        Exception? inner = null;
        loop.AddIdle(() => inner = Record.Exception(() => loop.Dispatch(0)));
        loop.Dispatch(0);
        Assert.IsType<InvalidOperationException>(inner);
        Assert.Equal(0, loop.Dispatch(0));
    }

    [Fact]
    public void Dispose_from_a_callback_ends_the_round_and_disposes_every_source()
    {
        var a = Fds.Pipe();
        var b = Fds.Pipe();
        var loop = new EventLoop();
        var calls = 0;
        var sa = loop.AddFd(a.Read, FdEvents.Readable, (_, _) => { calls++; loop.Dispose(); });
        var sb = loop.AddFd(b.Read, FdEvents.Readable, (_, _) => { calls++; loop.Dispose(); });
        var timer = loop.AddTimer(() => { });
        var idle = loop.AddIdle(() => { });
        Fds.WriteByte(a.Write);
        Fds.WriteByte(b.Write);
        loop.Run();
        Assert.Equal(1, calls);
        Assert.True(sa.IsDisposed && sb.IsDisposed && timer.IsDisposed);
        Assert.True(idle.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => loop.Dispatch(0));
        Assert.Throws<ObjectDisposedException>(() => loop.AddIdle(() => { }));
        loop.Stop();
        Fds.Close(a.Read, a.Write, b.Read, b.Write);
    }
}
