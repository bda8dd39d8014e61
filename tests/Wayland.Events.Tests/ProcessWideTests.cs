using System.Diagnostics;
using Tmds.Linux;
using Xunit;
using static Tmds.Linux.LibC;

namespace Wayland.Events.Tests;

/// <summary>Signals and fd accounting: both see the whole process, so these run alone.</summary>
[Collection(ProcessWideCollection.Name)]
public sealed class ProcessWideTests
{
    private static unsafe bool IsBlockedInThisThread(int signal)
    {
        sigset_t current;
        Assert.Equal(0, sigprocmask(SIG_BLOCK, null, &current));
        return sigismember(&current, signal) == 1;
    }

    [Fact]
    public void SignalSource_receives_SIGUSR1_sent_to_the_process()
    {
        using var loop = new EventLoop();
        var received = new List<int>();
        Assert.False(IsBlockedInThisThread(SIGUSR1));
        var source = loop.AddSignal(SIGUSR1, received.Add);
        Assert.Equal(SIGUSR1, source.Signal);
        Assert.True(IsBlockedInThisThread(SIGUSR1));

        // Process-directed: the kernel may hand it to any thread, most of which do not block it.
        for (var round = 1; round <= 3; round++)
        {
            Assert.Equal(0, Libc.kill(Environment.ProcessId, SIGUSR1));
            var clock = Stopwatch.StartNew();
            while (received.Count < round && clock.Elapsed < TimeSpan.FromSeconds(2)) loop.Dispatch(100);
            Assert.Equal(Enumerable.Repeat(SIGUSR1, round), received);
        }

        source.Dispose();
        Assert.False(IsBlockedInThisThread(SIGUSR1));
        Assert.Equal(0, loop.Dispatch(0));
    }

    [Fact]
    public unsafe void SignalSource_receives_a_signal_sent_to_the_loop_thread()
    {
        using var loop = new EventLoop();
        var received = 0;
        using var source = loop.AddSignal(SIGUSR2, _ => received++);
        // raise() targets the calling thread, which blocks it: only the signalfd can see this one.
        Assert.Equal(0, raise(SIGUSR2));
        Assert.Equal(1, loop.Dispatch(1000));
        Assert.Equal(1, received);
    }

    [Fact]
    public void AddSignal_refuses_signals_that_cannot_be_caught()
    {
        using var loop = new EventLoop();
        Assert.Throws<ArgumentOutOfRangeException>(() => loop.AddSignal(SIGKILL, _ => { }));
        Assert.Throws<ArgumentOutOfRangeException>(() => loop.AddSignal(0, _ => { }));
        Assert.Throws<ArgumentOutOfRangeException>(() => loop.AddSignal(65, _ => { }));
    }

    [Fact]
    public void Loop_and_its_sources_leave_no_fd_behind()
    {
        void Cycle()
        {
            var (r, w) = Fds.Pipe();
            var loop = new EventLoop();
            loop.AddFd(r, FdEvents.Readable, (fd, _) => Fds.Drain(fd));
            var timer = loop.AddTimer(() => { });
            timer.Arm(TimeSpan.Zero);
            var disposedEarly = loop.AddTimer(() => { });
            disposedEarly.Dispose();
            loop.AddSignal(SIGUSR2, _ => { });
            loop.AddIdle(() => { });
            Fds.WriteByte(w);
            loop.Dispatch(100);
            loop.Stop();
            // Disposing the loop disposes the sources still attached; the pipe stays ours to close.
            loop.Dispose();
            Assert.True(Fds.IsOpen(r));
            Fds.Close(r, w);
        }

        Cycle(); // the first round may open what the runtime keeps for good
        var before = Fds.Count();
        for (var i = 0; i < 3; i++) Cycle();
        Assert.Equal(before, Fds.Count());
    }

    [Fact]
    public void ListeningSocket_leaves_no_fd_behind()
    {
        using var dir = new RuntimeDir();
        void Cycle()
        {
            using var socket = ListeningSocket.Create(null);
            using (var client = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix,
                       System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified))
            {
                client.Connect(new System.Net.Sockets.UnixDomainSocketEndPoint(socket.Path));
                var fd = socket.Accept();
                Assert.True(fd >= 0);
                Fds.Close(fd);
            }
            // A refused second socket must give back its lock fd.
            Assert.Throws<WaylandSocketException>(() => ListeningSocket.Create(socket.Name));
        }

        Cycle();
        var before = Fds.Count();
        for (var i = 0; i < 3; i++) Cycle();
        Assert.Equal(before, Fds.Count());
    }
}
