using Wayland.Tests.Harness;
using static Wayland.Tests.Harness.RawWire;

namespace Wayland.Tests;

/// <summary>Events queued for several clients reach every one of them, whatever happens to the others
/// while they are flushed.</summary>
public sealed class FlushTests
{
    [Fact]
    public void AClientDyingDuringAFlushDoesNotStarveTheOthers()
    {
        using var server = new TestServer();
        var clients = Enumerable.Range(0, 4).Select(_ => server.ConnectRaw()).ToArray();
        server.Pump();
        var serverSide = server.Display.Clients.ToArray();

        // Client 1 goes away without the server having read its hangup: the write to it fails (EPIPE)
        // in the middle of the flush, as when a client is killed between two loop iterations.
        clients[1].Dispose();
        foreach (var c in serverSide) c.DisplayResource.SendDeleteId(100);
        server.Display.FlushClients();

        Assert.DoesNotContain(serverSide[1], server.Display.Clients);
        foreach (var i in new[] { 0, 2, 3 })
            Assert.Equal([(1u, (ushort)1)], clients[i].Events().Select(e => (e.ObjectId, e.Opcode)));

        // And they keep being flushed afterwards.
        foreach (var i in new[] { 0, 2, 3 }) clients[i].Send(Message(1, 0, 2u)); // wl_display.sync
        server.Pump();
        foreach (var i in new[] { 0, 2, 3 })
            Assert.Contains(clients[i].Events(), e => e.ObjectId == 2 && e.Opcode == 0);
        foreach (var c in clients) c.Dispose();
    }
}
