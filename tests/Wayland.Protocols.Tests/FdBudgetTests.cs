using Wayland.Protocols.Server;
using Wayland.Tests.Harness;
using Wayland.Wire;
using static Tmds.Linux.LibC;
using static Wayland.Tests.Harness.RawWire;

namespace Wayland.Tests;

/// <summary>
/// No client can take the fds everyone needs: one that holds its share is cut off with no_memory,
/// and when all clients together hold more than the budget, the largest holder goes, so clients that
/// come next still get theirs. Fds are counted without the GC, as the kernel sees them.
/// </summary>
public sealed unsafe class FdBudgetTests
{
    private const uint NoMemory = (uint)WlDisplay.Error.NoMemory;

    /// <summary>Sends <paramref name="count"/> fds (of one pipe) with no message to claim them yet.</summary>
    private static void SendFds(RawClient client, int count)
    {
        int* p = stackalloc int[2];
        Assert.Equal(0, pipe2(p, O_CLOEXEC));
        client.Send(Message(1, 0, 2u), Enumerable.Repeat(p[0], count).ToArray()); // a wl_display.sync rides along
        close(p[0]);
        close(p[1]);
    }

    [Fact]
    public void AClientOverItsShareIsCutOffAndItsFdsClosed()
    {
        using var server = new TestServer(fdBudget: new FdBudget(limit: 100, perClient: 20, reserve: 50));
        var baseline = TestServer.FdCount();
        using var bystander = server.ConnectRaw();
        using var bad = server.ConnectRaw();
        SendFds(bad, 19);
        server.Pump();
        Assert.Equal(19, server.Display.Clients[1].HeldFds);
        SendFds(bad, 2);
        server.Pump();

        var error = RawWire.Error(bad.Events());
        Assert.Equal(NoMemory, error?.Code);
        Assert.Contains("fd budget", error?.Message);
        Assert.True(bad.PeerClosed);
        Assert.Equal(0, server.Display.FdBudget.Held);
        bystander.Send(Message(1, 0, 2u));
        server.Pump();
        Assert.Contains(bystander.Events(), e => e.ObjectId == 2 && e.Opcode == 0);
        bad.Dispose();
        Assert.Equal(baseline + 2, TestServer.FdCount()); // the bystander's two socket ends
    }

    [Fact]
    public void WhenAllTogetherHoldTooManyTheLargestHolderGoesAndNewcomersAreServed()
    {
        using var server = new TestServer(fdBudget: new FdBudget(limit: 60, perClient: 20, reserve: 40));
        var baseline = TestServer.FdCount();
        var hoarders = new[] { 15, 19, 16, 17 }.Select(n => (Client: server.ConnectRaw(), Count: n)).ToArray();
        foreach (var (client, count) in hoarders) SendFds(client, count);
        server.Pump();

        // 67 held: the one with 19 is cut off, which brings the rest (48) under the budget.
        Assert.Equal(NoMemory, RawWire.Error(hoarders[1].Client.Events())?.Code);
        Assert.True(hoarders[1].Client.PeerClosed);
        foreach (var i in new[] { 0, 2, 3 }) Assert.False(hoarders[i].Client.PeerClosed);
        Assert.Equal(48, server.Display.FdBudget.Held);

        using (var newcomer = server.ConnectRaw())
        {
            newcomer.Send([.. Message(1, 1, 2u), .. Message(2, 0, 1u, "test_wire", 3u, 3u)]); // get_registry, bind test_wire
            int* p = stackalloc int[2];
            Assert.Equal(0, pipe2(p, O_CLOEXEC));
            newcomer.Send(Message(3, 4), p[0]); // test_wire.fd: echoed back
            close(p[0]);
            close(p[1]);
            newcomer.Send(Message(1, 0, 4u));
            server.Pump();
            var events = newcomer.Events();
            Assert.Null(RawWire.Error(events));
            Assert.Contains(events, e => e.ObjectId == 4 && e.Opcode == 0);
        }

        foreach (var (client, _) in hoarders) client.Dispose();
        server.Pump();
        Assert.Empty(server.Display.Clients);
        Assert.Equal(0, server.Display.FdBudget.Held);
        Assert.Equal(baseline, TestServer.FdCount());
    }

    /// <summary>Between the budget running out and the largest holder being cut off (the next idle
    /// moment), clients may use half the reserve, never more: one that would is cut off itself.</summary>
    [Fact]
    public void NoClientGetsPastHalfTheReserve()
    {
        using var server = new TestServer(fdBudget: new FdBudget(limit: 30, perClient: 20, reserve: 20));
        var clients = Enumerable.Range(0, 3).Select(_ => server.ConnectRaw()).ToArray();
        foreach (var c in clients) SendFds(c, 19); // 57 wanted: 30 + 20 / 2 = 40 at most
        server.Pump();

        var messages = clients.Select(c => RawWire.Error(c.Events())?.Message).Where(m => m is not null).ToList();
        Assert.Contains(messages, m => m!.Contains("fd budget for clients is exhausted"));
        Assert.Contains(messages, m => m!.Contains("holds the most"));
        Assert.Single(server.Display.Clients);
        Assert.Equal(19, server.Display.FdBudget.Held);
        foreach (var c in clients) c.Dispose();
    }

    [Fact]
    public void TheDefaultBudgetLeavesAReserveUnderTheProcessLimit()
    {
        var budget = FdBudget.ForThisProcess();
        var soft = int.Parse(File.ReadLines("/proc/self/limits").First(l => l.StartsWith("Max open files")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[3]);
        Assert.Equal(soft, budget.Limit + budget.Reserve);
        Assert.True(budget.Reserve >= soft / 4);
        Assert.InRange(budget.PerClient, 64, WireConnection.MaxQueuedFds);
    }
}
