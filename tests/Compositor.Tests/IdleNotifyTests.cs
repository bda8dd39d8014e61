using Compositor.Backends.Headless;
using System.Diagnostics;
using Compositor.Tests.Harness;
using Wayland.Protocols.Client;

namespace Compositor.Tests;

/// <summary>ext_idle_notifier_v1 and zwp_idle_inhibit_manager_v1: idled after the timeout without
/// input, resumed by input, held off by an inhibitor on a visible surface (for get_idle_notification
/// only). Neither protocol defines errors. Times are real: timeouts are tens of milliseconds.</summary>
public sealed class IdleNotifyTests : IDisposable
{
    private readonly InProcessCompositor _compositor = new(640, 480);
    public void Dispose() => _compositor.Dispose();

    private (SeatPeer Peer, ExtIdleNotifierV1 Notifier) Connect()
    {
        var peer = new SeatPeer(_compositor);
        return (peer, peer.Client.Bind<ExtIdleNotifierV1>("ext_idle_notifier_v1", 2));
    }

    private static List<string> Watch(ExtIdleNotificationV1 n)
    {
        var events = new List<string>();
        n.Idled += _ => events.Add("idled");
        n.Resumed += _ => events.Add("resumed");
        return events;
    }

    /// <summary>Runs the compositor's loop (its timers fire) and the client for <paramref name="ms"/>.</summary>
    private static void RunFor(SeatPeer peer, int ms)
    {
        var clock = Stopwatch.StartNew();
        while (clock.ElapsedMilliseconds < ms)
        {
            peer.Client.Roundtrip();
            Thread.Sleep(5);
        }
        peer.Client.Roundtrip();
    }

    private void Motion() => _compositor.Input.PointerMotion(0, 1, 0);

    [Fact]
    public void IdledAfterTheTimeoutWithoutInputResumedByInputAndIdledAgain()
    {
        var (peer, notifier) = Connect();
        var events = Watch(notifier.GetIdleNotification(150, peer.Seat));
        RunFor(peer, 50);
        Assert.Empty(events);
        RunFor(peer, 250);
        Assert.Equal(["idled"], events);
        RunFor(peer, 100);
        Assert.Equal(["idled"], events); // once, not again while still idle

        Motion();
        peer.Client.Roundtrip();
        Assert.Equal(["idled", "resumed"], events);
        Motion(); // more input while active sends nothing
        RunFor(peer, 50);
        Assert.Equal(["idled", "resumed"], events);
        RunFor(peer, 300);
        Assert.Equal(["idled", "resumed", "idled"], events);
    }

    [Fact]
    public void InputBeforeTheTimeoutPostponesIt()
    {
        var (peer, notifier) = Connect();
        var events = Watch(notifier.GetInputIdleNotification(200, peer.Seat));
        for (var i = 0; i < 6; i++)
        {
            RunFor(peer, 80);
            _compositor.Input.KeyboardKey(0, 30, i % 2 == 0);
        }
        Assert.Empty(events); // 480 ms in all, never 200 without input
        RunFor(peer, 400);
        Assert.Equal(["idled"], events);
    }

    [Fact]
    public void AnInhibitorOnAVisibleSurfaceHoldsOffIdleButNotInputIdle()
    {
        var (peer, notifier) = Connect();
        var window = peer.Window();
        var inhibitor = peer.Client.Bind<ZwpIdleInhibitManagerV1>("zwp_idle_inhibit_manager_v1", 1).CreateInhibitor(window.Surface);
        var idle = Watch(notifier.GetIdleNotification(100, peer.Seat));
        var inputIdle = Watch(notifier.GetInputIdleNotification(100, peer.Seat));
        RunFor(peer, 400);
        Assert.Empty(idle);
        Assert.Equal(["idled"], inputIdle);

        // Gone: the countdown starts over from its destruction.
        inhibitor.Destroy();
        RunFor(peer, 40);
        Assert.Empty(idle);
        RunFor(peer, 300);
        Assert.Equal(["idled"], idle);
    }

    [Fact]
    public void AnInhibitorOnASurfaceNotShownInhibitsNothingNorDoesOneWhoseSurfaceWasDestroyed()
    {
        var (peer, notifier) = Connect();
        var compositor = peer.Client.Bind<WlCompositor>("wl_compositor", 6);
        var manager = peer.Client.Bind<ZwpIdleInhibitManagerV1>("zwp_idle_inhibit_manager_v1", 1);
        manager.CreateInhibitor(compositor.CreateSurface()); // never mapped
        var window = peer.Window();
        manager.CreateInhibitor(window.Surface);
        window.Toplevel.Destroy();
        window.XdgSurface.Destroy();
        window.Surface.Destroy();
        var idle = Watch(notifier.GetIdleNotification(100, peer.Seat));
        RunFor(peer, 400);
        Assert.Equal(["idled"], idle);
        Assert.Null(peer.Client.Display.Error);
    }

    [Fact]
    public void AZeroTimeoutIdlesAtOnceAndANotificationDestroyedWhileIdleIsForgotten()
    {
        var (peer, notifier) = Connect();
        var n = notifier.GetIdleNotification(0, peer.Seat);
        var events = Watch(n);
        RunFor(peer, 30);
        Assert.Equal(["idled"], events);
        n.Destroy();
        peer.Client.Roundtrip();
        var other = Watch(notifier.GetIdleNotification(60, peer.Seat));
        Motion();
        RunFor(peer, 300);
        Assert.Equal(["idled"], other);
        Assert.Null(peer.Client.Display.Error);
    }
}

/// <summary>Debian's swayidle (1.8, ext-idle-notify-v1) against the executable: its timeout command
/// runs after a second without input, its resume command after injected input, and not at all
/// while wlroots' idle-inhibit example shows its window with an inhibitor.</summary>
public sealed class IdleNotifyRealClientTests : IDisposable
{
    private readonly RunningCompositor _compositor = new("640x480@60");
    public void Dispose() => _compositor.Dispose();

    [Fact]
    public void SwayidleRunsItsTimeoutCommandAfterASecondIdleAndItsResumeCommandOnInput()
    {
        var idled = Path.Combine(_compositor.RuntimeDir, "idled");
        var resumed = Path.Combine(_compositor.RuntimeDir, "resumed");
        var swayidle = _compositor.StartClient("swayidle", traced: true, "-w", "timeout", "1", $"touch {idled}", "resume", $"touch {resumed}");
        var started = Stopwatch.StartNew();
        try
        {
            Peers.WaitFor(() => File.Exists(idled), "swayidle's timeout command");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\nswayidle:\n{swayidle.Stderr}\ncompositor log:\n{_compositor.Log}");
        }
        Assert.True(started.ElapsedMilliseconds >= 900, $"idle after {started.ElapsedMilliseconds} ms");
        Assert.Contains("ext_idle_notifier_v1", swayidle.Stderr);
        Assert.False(File.Exists(resumed));

        using var input = new TestInputClient(_compositor.TestInputPath);
        Assert.Equal("ok", input.Send("motion 0 100 100"));
        Peers.WaitFor(() => File.Exists(resumed), "swayidle's resume command");
    }

    [Fact]
    public void WlrootsIdleInhibitExampleHoldsSwayidleOffUntilAClickLetsGo()
    {
        const string example = "/usr/lib/wlroots/idle-inhibit";
        Assert.True(File.Exists(example), $"{example} is not installed (Debian's wlroots examples)");
        // The example shows a window with an inhibitor from the start; a left click toggles it.
        var inhibit = _compositor.StartClient(example, traced: true);
        Peers.WaitFor(() => inhibit.Stderr.Contains("create_inhibitor") && inhibit.Stderr.Contains("ack_configure"), "the example's inhibitor and window");
        Thread.Sleep(300); // its first frame
        var idled = Path.Combine(_compositor.RuntimeDir, "idled");
        var swayidle = _compositor.StartClient("swayidle", "-w", "timeout", "1", $"touch {idled}");
        Thread.Sleep(2500);
        Assert.False(File.Exists(idled), $"idle while the inhibitor's window was shown\nswayidle:\n{swayidle.Stderr}");

        using var input = new TestInputClient(_compositor.TestInputPath);
        foreach (var line in new[] { "motion 0 100 100", "button left press", "button left release" })
            Assert.Equal("ok", input.Send(line)); // its window is at 32,32
        Peers.WaitFor(() => inhibit.Stderr.Contains("zwp_idle_inhibitor_v1") && inhibit.Stderr.Contains(".destroy()"), "the example to destroy its inhibitor");
        var released = Stopwatch.StartNew();
        try
        {
            Peers.WaitFor(() => File.Exists(idled), "swayidle's timeout command once nothing inhibits");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\nexample:\n{inhibit.Stderr}\ncompositor log:\n{_compositor.Log}");
        }
        Assert.True(released.ElapsedMilliseconds >= 700, $"idle {released.ElapsedMilliseconds} ms after the inhibitor went");
    }
}
