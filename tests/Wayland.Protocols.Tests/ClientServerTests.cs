using CsCheck;
using Wayland.Client;
using Wayland.Protocols.Client;
using Wayland.Tests.Harness;
using Wayland.Tests.Protocol.Client;
using Wayland.Wire;

namespace Wayland.Tests;

/// <summary>The generated client side talking to the generated server side over a real socket.</summary>
public sealed class ClientServerTests : IDisposable
{
    private readonly TestServer _server = new();
    private readonly ClientDisplay _client;
    private readonly WlRegistry _registry;
    private readonly Dictionary<uint, (string Interface, uint Version)> _globals = [];

    public ClientServerTests()
    {
        _client = _server.ConnectClient();
        _registry = _client.GetRegistry();
        _registry.Global += (_, name, iface, version) => _globals[name] = (iface, version);
        _registry.GlobalRemove += (_, name) => _globals.Remove(name);
        _server.Roundtrip(_client);
    }

    public void Dispose()
    {
        _client.Dispose();
        _server.Dispose();
    }

    private TestWire BindWire(uint version = 3)
    {
        var name = _globals.Single(g => g.Value.Interface == "test_wire").Key;
        return _registry.Bind<TestWire>(name, version);
    }

    [Fact]
    public void RegistryListsGlobalsAndAnnouncesChanges()
    {
        Assert.Equal(("test_wire", 3u), _globals.Values.Single());
        var global = _server.Display.CreateGlobal<Wayland.Protocols.Server.WlCompositor>(6, _ => { });
        _server.Roundtrip(_client);
        Assert.Contains(("wl_compositor", 6u), _globals.Values);
        global.Destroy();
        _server.Roundtrip(_client);
        Assert.DoesNotContain(("wl_compositor", 6u), _globals.Values);
    }

    [Fact]
    public void GlobalFilterHidesGlobalsPerClient()
    {
        var secret = _server.Display.CreateGlobal<Wayland.Protocols.Server.WlCompositor>(1, _ => { }, filter: _ => false);
        _server.Roundtrip(_client);
        Assert.DoesNotContain(_globals.Values, g => g.Interface == "wl_compositor");
        Assert.False(_server.Display.IsVisible(_server.Display.Clients[0], secret));
    }

    [Fact]
    public void EveryArgumentTypeRoundTripsThroughServerAndBack()
    {
        var wire = BindWire();
        (int, uint, Fixed) ints = default;
        (string, string?) strings = default;
        byte[] array = [];
        wire.IntsEvent += (_, i, u, f) => ints = (i, u, f);
        wire.StringsEvent += (_, s, maybe) => strings = (s, maybe);
        wire.ArrayEvent += (_, a) => array = a.ToArray();

        Gen.Select(Gen.Int, Gen.UInt, Gen.Int, Gen.String.Where(s => !s.Contains('\0') && s.Length < 500),
                   Gen.String.Where(s => !s.Contains('\0') && s.Length < 500).Null(), Gen.Byte.Array[0, 1500])
            .Sample((i, u, f, s, maybe, a) =>
            {
                wire.Ints(i, u, new Fixed(f));
                wire.Strings(s, maybe);
                wire.Array(a);
                _server.Roundtrip(_client);
                return ints == (i, u, new Fixed(f)) && strings == (s, maybe) && array.AsSpan().SequenceEqual(a);
            }, iter: 200, threads: 1);
    }

    [Fact]
    public void ObjectsNewIdsAndServerCreatedObjects()
    {
        var wire = BindWire();
        TestChild? serverMade = null;
        uint hello = 0;
        (TestWire?, TestChild?) objects = default;
        wire.Child += (_, child) => serverMade = child;
        wire.ObjectsEvent += (_, o, maybe) => objects = (o, maybe);

        var child = wire.Create();
        child.Hello += (_, serial) => hello = serial;
        _server.Roundtrip(_client);
        Assert.Equal(7u, hello);
        Assert.NotNull(serverMade);
        Assert.True(WireFormat.IsServerId(serverMade!.Id));
        Assert.True(WireFormat.IsClientId(child.Id));

        wire.Objects(wire, child);
        _server.Roundtrip(_client);
        Assert.Same(wire, objects.Item1);
        Assert.Same(child, objects.Item2);
        wire.Objects(wire, null);
        _server.Roundtrip(_client);
        Assert.Null(objects.Item2);
    }

    [Fact]
    public void DestroyedIdsAreReusedAfterDeleteId()
    {
        var wire = BindWire();
        var child = wire.Create();
        var id = child.Id;
        child.Destroy();
        _server.Roundtrip(_client);
        // The round trip's own wl_callback took id+1 and was freed after it; like libwayland's
        // wl_map, the most recently freed id is reused first, then the destroyed child's.
        var again = wire.Create();
        var third = wire.Create();
        Assert.Equal(id + 1, again.Id);
        Assert.Equal(id, third.Id);
        _server.Roundtrip(_client);
    }

    [Fact]
    public unsafe void FdRoundTripsAsTheSameFile()
    {
        var wire = BindWire();
        string? content = null;
        wire.FdEvent += (_, fd) =>
        {
            var buffer = new byte[32];
            long n;
            fixed (byte* p = buffer) n = Tmds.Linux.LibC.pread(fd.Value, p, 32, 0);
            content = System.Text.Encoding.ASCII.GetString(buffer, 0, (int)n);
        };
        var path = Path.GetTempFileName();
        File.WriteAllText(path, "round trip");
        var baseline = TestServer.FdCount();
        using (var file = File.OpenHandle(path))
        {
            wire.Fd((int)file.DangerousGetHandle());
            _server.Roundtrip(_client);
        }
        File.Delete(path);
        Assert.Equal("round trip", content);
        Assert.Equal(baseline, TestServer.FdCount());
    }

    [Fact]
    public void EventsAboveTheBoundVersionAreNotSent()
    {
        var v2 = BindWire(2);
        var v3 = BindWire(3);
        var late2 = 0;
        var late3 = 0;
        v2.LateEvent += _ => late2++;
        v3.LateEvent += _ => late3++;
        v2.Late();
        v3.Late();
        _server.Roundtrip(_client);
        Assert.Equal(2, _server.Echo.LateCalls);
        Assert.Equal(0, late2);
        Assert.Equal(1, late3);
    }

    [Fact]
    public void ClientRefusesRequestsAboveItsVersion()
    {
        var v1 = BindWire(1);
        Assert.Throws<InvalidOperationException>(() => v1.Late());
    }

    [Fact]
    public void ProtocolErrorReachesTheClientApi()
    {
        var wire = BindWire(3);
        _registry.Bind<TestWire>(99, 1);
        var e = Assert.Throws<WaylandProtocolException>(() => _server.Roundtrip(_client));
        Assert.Equal(_registry.Id, e.Error.ObjectId);
        Assert.Equal((uint)Wayland.Protocols.Server.WlDisplay.Error.InvalidObject, e.Error.Code);
        Assert.Contains("invalid global", e.Error.Message);
        _ = wire;
    }

    [Fact]
    public void AWriteAfterTheServerHungUpOnAnErrorReportsTheError()
    {
        _registry.Bind<TestWire>(99, 1);
        _client.Flush();
        _server.Pump(); // the server posts the error and closes the connection; the client has read nothing
        Assert.Empty(_server.Display.Clients);
        _client.Display.Sync();
        // The write fails (EPIPE), and the error that made the server hang up is what the client hears.
        var e = Assert.Throws<WaylandProtocolException>(() => _client.Flush());
        Assert.Equal((uint)Wayland.Protocols.Server.WlDisplay.Error.InvalidObject, e.Error.Code);
    }

    [Fact]
    public void DisconnectDestroysEveryObjectOnceInIdOrderEvenWhenOneDestroysAnother()
    {
        using var client = _server.ConnectClient();
        var registry = client.GetRegistry();
        uint wireName = 0;
        registry.Global += (_, name, iface, _) => { if (iface == "test_wire") wireName = name; };
        _server.Roundtrip(client);
        var wire = registry.Bind<TestWire>(wireName, 3);
        for (var i = 0; i < 3; i++) wire.Create(); // each makes a client-id child and a server-id one
        _server.Roundtrip(client);

        var serverClient = _server.Display.Clients[^1];
        var children = serverClient.Resources.OfType<Wayland.Tests.Protocol.Server.TestChild>().ToList();
        Assert.Equal(6, children.Count);
        var clientChildren = children.Where(c => WireFormat.IsClientId(c.Id)).ToList();
        var destroyed = new List<uint>();
        foreach (var c in children) c.Destroyed += r => destroyed.Add(r.Id);
        // Like a parent whose teardown takes a child with it: the first destroys the last one.
        clientChildren[0].Destroyed += _ => clientChildren[2].Destroy();

        client.Dispose();
        _server.Pump();

        Assert.True(serverClient.IsDestroyed);
        Assert.DoesNotContain(serverClient, _server.Display.Clients);
        var serverIds = children.Where(c => WireFormat.IsServerId(c.Id)).Select(c => c.Id);
        Assert.Equal([clientChildren[0].Id, clientChildren[2].Id, clientChildren[1].Id, .. serverIds], destroyed);
        Assert.Empty(serverClient.Resources);
    }
}
