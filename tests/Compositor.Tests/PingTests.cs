using System.Diagnostics;
using Compositor.Shell;
using Compositor.Tests.Harness;
using Wayland.Protocols.Client;

namespace Compositor.Tests;

/// <summary>xdg_wm_base.ping timeouts: every client's pings share one timer, and a client that does
/// not answer in time is marked unresponsive while the ones that answer are not.</summary>
public sealed class PingTests : IDisposable
{
    private readonly InProcessCompositor _compositor = new(640, 480);
    public void Dispose() => _compositor.Dispose();

    /// <summary>A client with an xdg_wm_base that answers pings while <see cref="Answers"/>.</summary>
    private sealed class Pinged
    {
        public Pinged(InProcessCompositor compositor)
        {
            Client = compositor.Connect();
            var wm = Client.Bind<XdgWmBase>("xdg_wm_base", 6);
            wm.Ping += (w, serial) => { Pings++; LastSerial = serial; if (Answers) w.Pong(serial); };
            WmBase = wm;
            Client.Roundtrip();
            Server = (WmBase)Client.ServerClient.Resources.OfType<Wayland.Protocols.Server.XdgWmBase>().Single().Data!;
        }

        public TestClient Client { get; }
        public XdgWmBase WmBase { get; }
        public WmBase Server { get; }
        public uint LastSerial { get; private set; }
        public bool Answers { get; set; } = true;
        public int Pings { get; private set; }
    }

    /// <summary>The fds this compositor's own epoll set watches (its fdinfo has one "tfd:" line per
    /// fd): the process's fd count would move with every other test running beside this one.</summary>
    private int WatchedFdCount() =>
        File.ReadLines($"/proc/self/fdinfo/{_compositor.Loop.EpollFd}").Count(l => l.StartsWith("tfd:", StringComparison.Ordinal));

    [Fact]
    public void PingingManyWmBasesOpensOneTimerNotOnePerClient()
    {
        var clients = Enumerable.Range(0, 50).Select(_ => new Pinged(_compositor) { Answers = false }).ToList();
        var before = WatchedFdCount();
        foreach (var c in clients) c.Server.Ping();
        foreach (var c in clients) c.Client.Roundtrip();
        var after = WatchedFdCount();

        Assert.All(clients, c => Assert.Equal(1, c.Pings));
        Assert.All(clients, c => Assert.True(c.Server.AwaitingPong));
        Assert.Equal(1, after - before); // the shared timerfd, made at the first ping
    }

    [Fact]
    public void OnlyTheClientsThatDoNotAnswerInTimeBecomeUnresponsive()
    {
        _compositor.Server.Shell.PingTimeout = TimeSpan.FromMilliseconds(100);
        var silent = new Pinged(_compositor) { Answers = false };
        var answering = new Pinged(_compositor);
        var gone = new Pinged(_compositor) { Answers = false };
        var twice = new Pinged(_compositor);
        var all = new[] { silent, answering, gone, twice };
        foreach (var c in all) c.Server.Ping();
        // The pong a client sends while dispatching the ping goes out with its next round trip.
        foreach (var c in all) { c.Client.Roundtrip(); c.Client.Roundtrip(); }
        // Answered, then pinged again with a long timeout and not answered: its first ping's entry,
        // still queued, comes due with the others and must not count against the second ping.
        _compositor.Server.Shell.PingTimeout = TimeSpan.FromSeconds(30);
        twice.Answers = false;
        twice.Server.Ping();
        twice.Client.Roundtrip();
        gone.Client.Dispose(); // leaves with a ping outstanding
        _compositor.Pump();

        var sw = Stopwatch.StartNew();
        while (!silent.Server.Unresponsive && sw.Elapsed < TimeSpan.FromSeconds(10)) _compositor.Loop.Dispatch(20);
        // Pings sent just after the silent one's are due a moment later: let the timer run for them.
        var settle = Stopwatch.StartNew();
        while (settle.ElapsedMilliseconds < 50) _compositor.Loop.Dispatch(10);

        Assert.True(silent.Server.Unresponsive);
        Assert.True(silent.Server.AwaitingPong);
        Assert.False(answering.Server.Unresponsive);
        Assert.False(answering.Server.AwaitingPong);
        Assert.Equal(2, twice.Pings);
        Assert.True(twice.Server.AwaitingPong);
        Assert.False(twice.Server.Unresponsive);
        Assert.False(gone.Server.Unresponsive);

        // A late answer makes the client responsive again.
        silent.WmBase.Pong(silent.LastSerial);
        silent.Client.Roundtrip();
        Assert.False(silent.Server.Unresponsive);
        Assert.False(silent.Server.AwaitingPong);
    }
}
