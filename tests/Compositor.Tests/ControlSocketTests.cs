using System.Text;
using Compositor.Tests.Harness;
using Compositor.Testing;
using Wayland.Protocols.Client;
using static Tmds.Linux.LibC;

namespace Compositor.Tests;

/// <summary>The control socket WLCS's integration module drives the compositor through
/// (tests/Wlcs/integration.c): a client handed over with SCM_RIGHTS, a window placed by client and
/// object id, pointer and touch input in layout coordinates, each command answered once applied,
/// bad commands answered with an error and nothing else, and the compositor told to stop when the
/// other end closes. WLCS itself runs over it in tests/Wlcs/run.sh.</summary>
public sealed unsafe class ControlSocketTests : IDisposable
{
    private readonly InProcessCompositor _compositor = new(640, 480);
    private readonly ControlSocket _control;
    private int _peer;
    private bool _closed;

    public ControlSocketTests()
    {
        var pair = stackalloc int[2];
        Assert.Equal(0, socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair));
        _peer = pair[0];
        _control = new ControlSocket(_compositor.Server, pair[1], () => _closed = true, InProcessCompositor.Logger);
    }

    public void Dispose()
    {
        _control.Dispose();
        if (_peer >= 0) close(_peer);
        _compositor.Dispose();
    }

    /// <summary>Sends a command (with an fd, or -1), lets the compositor run, and reads its answer.</summary>
    private string Command(string text, int fd = -1)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var control = stackalloc byte[24];
        fixed (byte* p = bytes)
        {
            Tmds.Linux.iovec iov = default;
            iov.iov_base = p;
            iov.iov_len = bytes.Length;
            Tmds.Linux.msghdr msg = default;
            msg.msg_iov = &iov;
            msg.msg_iovlen = 1;
            if (fd >= 0)
            {
                new Span<byte>(control, 24).Clear();
                *(nuint*)control = 20; // cmsg_len: header (16) + one int
                *(int*)(control + 8) = SOL_SOCKET;
                *(int*)(control + 12) = SCM_RIGHTS;
                *(int*)(control + 16) = fd;
                msg.msg_control = control;
                msg.msg_controllen = 24;
            }
            Assert.True(sendmsg(_peer, &msg, 0) >= 0);
        }
        _compositor.Pump();
        var reply = stackalloc byte[4096];
        var n = recv(_peer, reply, 4096, MSG_DONTWAIT);
        Assert.True(n > 0, $"no answer to '{text}'");
        return Encoding.UTF8.GetString(reply, (int)n);
    }

    [Fact]
    public void ReadyNamesTheAdvertisedGlobals()
    {
        _control.SendReady();
        var reply = stackalloc byte[8192];
        var n = recv(_peer, reply, 8192, MSG_DONTWAIT);
        var words = Encoding.UTF8.GetString(reply, (int)n).Split(' ');
        Assert.Equal("ready", words[0]);
        Assert.Contains("wl_compositor:6", words);
        Assert.Contains("xdg_wm_base:6", words);
        Assert.Equal(_compositor.Display.Globals.Count, words.Length - 1);
    }

    [Fact]
    public void AClientHandedOverIsServedItsWindowPlacedAndTouchAndPointerInputReachIt()
    {
        var (server, clientFd) = Wayland.Wire.Native.SocketPair();
        var answer = Command("client", server);
        close(server); // the compositor got its own copy
        Assert.StartsWith("ok ", answer);
        var id = int.Parse(answer[3..]);

        using var display = new Wayland.Client.ClientDisplay(clientFd);
        var client = new TestClient(_compositor, display) { ServerClient = _compositor.Display.Clients[^1] };
        var seat = client.Bind<WlSeat>("wl_seat", 8);
        var surface = client.Bind<WlCompositor>("wl_compositor", 6).CreateSurface();
        var window = new TestToplevel(client, surface);
        client.Bind<WpViewporter>("wp_viewporter", 1).GetViewport(surface).SetDestination(100, 80);
        window.Show(client.Bind<WpSinglePixelBufferManagerV1>("wp_single_pixel_buffer_manager_v1", 1).CreateU32RgbaBuffer(0, 0, 0, uint.MaxValue));
        var events = new List<string>();
        var pointer = seat.GetPointer();
        pointer.Enter += (_, _, _, x, y) => events.Add($"enter {x.ToDouble()},{y.ToDouble()}");
        pointer.Button += (_, _, _, b, state) => events.Add($"button {b} {state}");
        var touch = seat.GetTouch();
        touch.Down += (_, _, _, _, tid, x, y) => events.Add($"down {tid} {x.ToDouble()},{y.ToDouble()}");
        touch.Up += (_, _, _, tid) => events.Add($"up {tid}");
        client.Roundtrip();

        Assert.Equal("ok", Command($"position {id} {surface.Id} 300 200"));
        Assert.Equal("ok", Command("pointer 310.5 205"));
        Assert.Equal("ok", Command("button 272 press"));
        Assert.Equal("ok", Command("button 272 release"));
        Assert.Equal("ok", Command("touch-down 3 350 250"));
        Assert.Equal("ok", Command("touch-up 3"));
        client.Roundtrip();
        Assert.Equal(["enter 10.5,5", "button 272 Pressed", "button 272 Released", "down 3 50,50", "up 3"], events);

        // Relative motion moves the one pointer.
        Assert.Equal("ok", Command("pointer-rel -10.5 -5"));
        Assert.Equal((300.0, 200.0), (_compositor.Server.Seat.Pointer.X, _compositor.Server.Seat.Pointer.Y));
    }

    [Theory]
    [InlineData("jump 1 2", "error unknown command")]
    [InlineData("pointer 1", "error unknown command")]
    [InlineData("pointer x 2", "error ")]
    [InlineData("client", "error client needs a socket fd")]
    [InlineData("position 9 3 0 0", "error no client 9")]
    [InlineData("button 272 hold", "error unknown command")]
    public void ABadCommandIsAnsweredWithAnErrorAndChangesNothing(string command, string error)
    {
        var before = (_compositor.Server.Seat.Pointer.X, _compositor.Server.Seat.Pointer.Y);
        Assert.StartsWith(error, Command(command));
        Assert.Equal(before, (_compositor.Server.Seat.Pointer.X, _compositor.Server.Seat.Pointer.Y));
        Assert.Equal("ok", Command("pointer 1 1")); // still serving
    }

    [Fact]
    public void AnFdSentWithACommandThatTakesNoneIsClosed()
    {
        var baseline = OpenFds.Snapshot();
        var (a, b) = Wayland.Wire.Native.SocketPair();
        Assert.Equal("ok", Command("pointer 5 5", a));
        close(a);
        close(b);
        OpenFds.AssertNoLeak(baseline);
    }

    [Fact]
    public void ClosingTheOtherEndStopsTheCompositor()
    {
        close(_peer);
        _peer = -1;
        _compositor.Pump();
        Assert.True(_closed);
    }
}
