using Wayland.Protocols.Server;
using Wayland.Tests.Harness;
using static Wayland.Tests.Harness.RawWire;

namespace Wayland.Tests;

/// <summary>
/// Each malformed or hostile input gets wl_display.error with libwayland's code, the offending client
/// alone is disconnected, no fd leaks, and a second client keeps being served.
/// </summary>
public sealed class BadInputTests
{
    private const uint InvalidObject = (uint)WlDisplay.Error.InvalidObject;
    private const uint InvalidMethod = (uint)WlDisplay.Error.InvalidMethod;
    private const uint NoMemory = (uint)WlDisplay.Error.NoMemory;

    // wl_display requests: 0 sync(new_id wl_callback), 1 get_registry(new_id wl_registry)
    private static byte[] Sync(uint id) => Message(1, 0, id);
    private static byte[] GetRegistry(uint id) => Message(1, 1, id);
    // wl_registry.bind(name, interface, version, new_id)
    private static byte[] Bind(uint registry, uint name, string iface, uint version, uint id) =>
        Message(registry, 0, name, iface, version, id);

    /// <summary>Binds test_wire (global name 1) as object 3 through registry 2.</summary>
    private static byte[] BindWire(uint version = 3) =>
        [.. GetRegistry(2), .. Bind(2, 1, "test_wire", version, 3)];

    private static void AssertRejected(Action<RawClient> misbehave, uint code, string? messageContains = null,
        uint expectedObject = 1, int pumpRounds = 8)
    {
        using var server = new TestServer();
        var baseline = TestServer.FdCount();
        using (var bystander = server.ConnectRaw())
        {
            var bad = server.ConnectRaw();
            misbehave(bad);
            server.Pump(pumpRounds);

            var error = RawWire.Error(bad.Events());
            Assert.True(error.HasValue, "no wl_display.error received");
            Assert.Equal(code, error.Value.Code);
            Assert.Equal(expectedObject, error.Value.ObjectId);
            if (messageContains is not null) Assert.Contains(messageContains, error.Value.Message);
            Assert.True(bad.PeerClosed, "the misbehaving client was not disconnected");
            bad.Dispose();

            bystander.Send(Sync(2));
            server.Pump();
            Assert.Contains(bystander.Events(), e => e.ObjectId == 2 && e.Opcode == 0);
            Assert.Single(server.Display.Clients);
        }
        server.Pump();
        Assert.Empty(server.Display.Clients);
        Assert.Equal(baseline, TestServer.FdCount());
    }

    [Fact]
    public void TruncatedHeaderThenClose() =>
        AssertRejected(c => { c.Send([1, 0, 0, 0]); c.ShutdownWrite(); }, InvalidMethod, "middle of a message");

    [Fact]
    public void SizeBelowHeader() => AssertRejected(c => c.Send(Header(1, 0, 4)), InvalidMethod, "too short");

    [Fact]
    public void SizeAboveLimit() =>
        AssertRejected(c => c.Send([.. Header(1, 0, 8192), .. new byte[64]]), InvalidMethod, "exceeds 4096");

    [Fact]
    public void SizeNotMultipleOfFour() =>
        AssertRejected(c => c.Send([.. Header(1, 0, 14), .. new byte[8]]), InvalidMethod, "multiple of 4");

    [Fact]
    public void UnknownObject() => AssertRejected(c => c.Send(Message(77, 0)), InvalidObject, "invalid object 77");

    [Fact]
    public void UnknownOpcode() => AssertRejected(c => c.Send(Message(1, 9)), InvalidMethod, "invalid method 9");

    [Fact]
    public void RequestAboveBoundVersion() =>
        // test_wire.late is since 2; bound at version 1.
        AssertRejected(c => c.Send([.. BindWire(1), .. Message(3, 6)]), InvalidMethod, "since 1 < 2");

    [Fact]
    public void NewIdInServerRange() =>
        AssertRejected(c => c.Send(Sync(0xff000001)), InvalidMethod, "invalid arguments for wl_display@1.sync");

    [Fact]
    public void NewIdAlreadyInUse() => AssertRejected(c => c.Send(Sync(1)), InvalidMethod, "invalid arguments");

    [Fact]
    public void NewIdSkippingAhead() => AssertRejected(c => c.Send(Sync(5000)), InvalidMethod, "invalid arguments");

    [Fact]
    public void NullNewId() => AssertRejected(c => c.Send(Sync(0)), InvalidMethod, "invalid arguments");

    [Fact]
    public void StringWithoutNul() =>
        // test_wire.strings(s, maybe): length 4 with "abcd" and no terminator.
        AssertRejected(c => c.Send([.. BindWire(), .. Message(3, 1, 4u, new Raw("abcd"u8.ToArray()), 0u)]),
            InvalidMethod, "invalid arguments for test_wire@3.strings");

    [Fact]
    public void StringLongerThanMessage() =>
        AssertRejected(c => c.Send([.. BindWire(), .. Message(3, 1, 100u, new Raw("ab\0\0"u8.ToArray()))]),
            InvalidMethod, "invalid arguments for test_wire@3.strings");

    [Fact]
    public void NullForNonNullableString() =>
        AssertRejected(c => c.Send([.. BindWire(), .. Message(3, 1, 0u, 0u)]), InvalidMethod, "invalid arguments");

    [Fact]
    public void ArrayPastMessageEnd() =>
        AssertRejected(c => c.Send([.. BindWire(), .. Message(3, 3, 64u, new Raw(new byte[8]))]),
            InvalidMethod, "invalid arguments for test_wire@3.array");

    [Fact]
    public void MissingArgument() =>
        AssertRejected(c => c.Send([.. BindWire(), .. Message(3, 0, 1u)]), InvalidMethod, "invalid arguments for test_wire@3.ints");

    [Fact]
    public void ObjectArgumentOfWrongType() =>
        // objects(o: test_wire) given the registry.
        AssertRejected(c => c.Send([.. BindWire(), .. Message(3, 2, 2u, 0u)]), InvalidMethod, "invalid arguments for test_wire@3.objects");

    [Fact]
    public void FdMissing() =>
        AssertRejected(c => c.Send([.. BindWire(), .. Message(3, 4)]), InvalidMethod, "invalid arguments for test_wire@3.fd");

    [Fact]
    public void MoreFdsThanArguments()
    {
        // A sync carries three fds that no message claims; the stream then moves well past the window
        // in which a real client's fds may lead their message.
        var syncs = Enumerable.Range(3, (int)(Wayland.Server.Client.FdLeadWindow / 12) + 2)
            .SelectMany(i => Sync((uint)i)).ToArray();
        AssertRejected(c =>
        {
            var pipe = Pipe();
            c.Send(Sync(2), pipe.Read, pipe.Write, pipe.Read);
            Close(pipe);
            c.Send(syncs);
        }, InvalidMethod, "without a message", pumpRounds: 64);
    }

    [Fact]
    public void BindUnknownGlobal() =>
        AssertRejected(c => c.Send([.. GetRegistry(2), .. Bind(2, 99, "test_wire", 1, 3)]), InvalidObject, "invalid global", expectedObject: 2);

    [Fact]
    public void BindWrongInterface() =>
        AssertRejected(c => c.Send([.. GetRegistry(2), .. Bind(2, 1, "wl_compositor", 1, 3)]), InvalidObject, "invalid interface", expectedObject: 2);

    [Fact]
    public void BindVersionTooHigh() =>
        AssertRejected(c => c.Send([.. GetRegistry(2), .. Bind(2, 1, "test_wire", 4, 3)]), InvalidObject, "have 3, wanted 4", expectedObject: 2);

    [Fact]
    public void BindVersionZero() =>
        AssertRejected(c => c.Send([.. GetRegistry(2), .. Bind(2, 1, "test_wire", 0, 3)]), InvalidObject, "invalid version", expectedObject: 2);

    [Fact]
    public void ClientClosesMidMessage()
    {
        using var server = new TestServer();
        var baseline = TestServer.FdCount();
        using var bystander = server.ConnectRaw();
        var bad = server.ConnectRaw();
        var pipe = Pipe();
        // Half of a test_wire.fd message, with its fd, then the client vanishes.
        bad.Send([.. BindWire(), .. Header(3, 4, 8)[..4]], pipe.Read);
        Close(pipe);
        bad.Dispose();
        server.Pump();
        Assert.Single(server.Display.Clients);
        bystander.Send(Sync(2));
        server.Pump();
        Assert.Contains(bystander.Events(), e => e.ObjectId == 2 && e.Opcode == 0);
        Assert.Equal(baseline + 2, TestServer.FdCount()); // the bystander's two socket ends
    }

    [Fact]
    public void ClientThatNeverReadsIsCutOffWithoutBlockingTheServer()
    {
        using var server = new TestServer();
        server.Display.MaxClientOutputBytes = 64 * 1024;
        var baseline = TestServer.FdCount();
        using var bystander = server.ConnectRaw();
        var slow = server.ConnectRaw();
        slow.Send(BindWire());
        server.Pump();
        // test_wire.array (opcode 3) echoes its array back as an event: 4000 bytes out per request,
        // which the slow client never reads. The socket fills, then our buffer, then it is cut off.
        var request = Message(3, 3, new byte[4000]);
        var sent = 0;
        while (server.Display.Clients.Count == 2 && sent < 1000)
        {
            slow.Send(request);
            sent++;
            server.Pump(2);
        }
        Assert.Single(server.Display.Clients);
        Assert.True(sent * 4000 > 64 * 1024, $"cut off after only {sent} requests");
        Assert.True(slow.PeerClosed);
        slow.Dispose();

        bystander.Send(Sync(2));
        server.Pump();
        Assert.Contains(bystander.Events(), e => e.ObjectId == 2 && e.Opcode == 0);
        bystander.Dispose();
        server.Pump();
        Assert.Empty(server.Display.Clients);
        var fds = string.Join("\n", Directory.GetFiles("/proc/self/fd").Select(f => f + " " + new FileInfo(f).LinkTarget));
        Assert.True(baseline == TestServer.FdCount(), fds);
    }

    [Fact]
    public void HandlerExceptionIsAnImplementationErrorForThatClientOnly()
    {
        using var server = new TestServer();
        server.Display.CreateGlobal<WlCompositor>(1, r => r.Handler = new ThrowingCompositor());
        using var bystander = server.ConnectRaw();
        using var bad = server.ConnectRaw();
        bad.Send([.. GetRegistry(2), .. Bind(2, 2, "wl_compositor", 1, 3), .. Message(3, 0, 4u)]);
        server.Pump();
        var error = RawWire.Error(bad.Events());
        Assert.Equal((uint)WlDisplay.Error.Implementation, error?.Code);
        Assert.True(bad.PeerClosed);
        bystander.Send(Sync(2));
        server.Pump();
        Assert.Contains(bystander.Events(), e => e.ObjectId == 2);
    }

    private sealed class ThrowingCompositor : IWlCompositorHandler
    {
        public void CreateSurface(WlCompositor resource, WlSurface id) => throw new InvalidOperationException("bug");
        public void CreateRegion(WlCompositor resource, WlRegion id) => throw new InvalidOperationException("bug");
    }

    private static unsafe (int Read, int Write) Pipe()
    {
        int* fds = stackalloc int[2];
        Assert.Equal(0, Tmds.Linux.LibC.pipe2(fds, Tmds.Linux.LibC.O_CLOEXEC));
        return (fds[0], fds[1]);
    }

    private static void Close((int Read, int Write) pipe)
    {
        Tmds.Linux.LibC.close(pipe.Read);
        Tmds.Linux.LibC.close(pipe.Write);
    }
}
