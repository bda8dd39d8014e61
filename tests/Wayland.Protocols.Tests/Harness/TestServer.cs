using Serilog;
using Wayland.Events;
using Wayland.Server;
using Wayland.Tests.Protocol.Server;
using Wayland.Wire;

namespace Wayland.Tests.Harness;

/// <summary>
/// A real server (event loop, display, test_wire global) in this process, driven step by step from
/// the test thread: clients connect through socketpairs and <see cref="Pump"/> runs the loop.
/// </summary>
public sealed class TestServer : IDisposable
{
    public TestServer(uint wireVersion = 3, FdBudget? fdBudget = null)
    {
        Loop = new EventLoop(Logger);
        Display = new Display(Loop, Logger, fdBudget);
        WireGlobal = Display.CreateGlobal<TestWire>(wireVersion, r => r.Handler = Echo);
    }

    public static readonly ILogger Logger = new LoggerConfiguration().MinimumLevel.Warning().CreateLogger();

    public EventLoop Loop { get; }
    public Display Display { get; }
    public Global<TestWire> WireGlobal { get; }
    public EchoHandler Echo { get; } = new();

    /// <summary>Connects a client that speaks raw bytes.</summary>
    public RawClient ConnectRaw()
    {
        var (server, client) = Native.SocketPair();
        Display.CreateClient(server);
        return new RawClient(client);
    }

    /// <summary>Connects a client built on the generated client side.</summary>
    public Wayland.Client.ClientDisplay ConnectClient()
    {
        var (server, client) = Native.SocketPair();
        Display.CreateClient(server);
        return new Wayland.Client.ClientDisplay(client);
    }

    /// <summary>Runs the loop until nothing is left to do (a few rounds, never blocking).</summary>
    public void Pump(int rounds = 8)
    {
        for (var i = 0; i < rounds; i++) Loop.Dispatch(0);
    }

    /// <summary>A client-side roundtrip with the server pumped on this same thread.</summary>
    public void Roundtrip(Wayland.Client.ClientDisplay client)
    {
        var done = false;
        var callback = client.Display.Sync();
        callback.Done += (_, _) => done = true;
        for (var i = 0; i < 1000 && !done; i++)
        {
            client.Flush();
            Pump(2);
            client.Dispatch(0);
        }
        Assert.True(done, "roundtrip did not complete");
    }

    public void Dispose()
    {
        Display.Dispose();
        Loop.Dispose();
    }

    /// <summary>Open fds of this process, for leak checks.</summary>
    public static int FdCount() => Directory.GetFiles("/proc/self/fd").Length;
}

/// <summary>Echoes every test_wire request back as the event of the same name.</summary>
public sealed class EchoHandler : ITestWireHandler, ITestChildHandler
{
    public int LateCalls;

    public void Ints(TestWire resource, int i, uint u, Fixed f) => resource.SendInts(i, u, f);
    public void Strings(TestWire resource, string s, string? maybe) => resource.SendStrings(s, maybe);
    public void Objects(TestWire resource, TestWire o, TestChild? maybe) => resource.SendObjects(o, maybe);
    public void Array(TestWire resource, ReadOnlySpan<byte> a) => resource.SendArray(a);
    public void Fd(TestWire resource, OwnedFd fd) => resource.SendFd(fd.Value);

    public void Create(TestWire resource, TestChild id)
    {
        id.Handler = this;
        id.SendHello(7);
        resource.SendChild(new TestChild(resource.Client, 0, resource.Version) { Handler = this });
    }

    public void Late(TestWire resource)
    {
        LateCalls++;
        resource.SendLate();
    }

    public void Destroy(TestWire resource) { }
    public void Destroy(TestChild resource) { }
}
