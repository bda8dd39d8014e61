using System.Globalization;
using System.Text;
using Compositor.Shell;
using Serilog;
using Tmds.Linux;
using Wayland.Events;
using Wayland.Protocols.Server;
using static Tmds.Linux.LibC;

namespace Compositor.Testing;

/// <summary>
/// The private control channel of a test suite that drives the compositor from outside, as WLCS's
/// integration module (tests/Wlcs/) does: a connected SOCK_SEQPACKET socket inherited as an fd, one
/// command a datagram, each answered "ok …" or "error …" once it has been applied, so the caller
/// knows its effects (events to clients included) come before anything it does next.
/// <list type="bullet">
/// <item><c>client</c> with a socket fd (SCM_RIGHTS): served as a new Wayland client; "ok ID".</item>
/// <item><c>position ID SURFACE X Y</c>: the toplevel of the client's wl_surface (object id) goes to X,Y.</item>
/// <item><c>pointer X Y</c>, <c>pointer-rel DX DY</c>, <c>button CODE press|release</c>: layout coordinates.</item>
/// <item><c>touch-down ID X Y</c>, <c>touch-move ID X Y</c>, <c>touch-up ID</c>: one point each, then frame.</item>
/// </list>
/// On start it sends "ready" and the advertised globals as NAME:VERSION; when the other end closes,
/// the compositor stops.
/// </summary>
public sealed unsafe class ControlSocket : IDisposable
{
    private const int MaxDatagram = 4096;
    private readonly CompositorServer _server;
    private readonly ILogger _log;
    private readonly int _fd;
    private readonly FdSource _source;
    private readonly Action _closed;
    private readonly Dictionary<int, Wayland.Server.Client> _clients = [];
    private int _nextClient = 1;

    /// <param name="fd">The connected socket; this object owns it.</param>
    public ControlSocket(CompositorServer server, int fd, Action closed, ILogger log)
    {
        _server = server;
        _fd = fd;
        _log = log;
        _closed = closed;
        _source = server.Display.Loop.AddFd(fd, FdEvents.Readable, (_, _) => Read());
        server.Seat.TouchAvailable(true); // the suite's touch points are a touch screen
    }

    /// <summary>Tells the other end the compositor is up, and what it offers.</summary>
    public void SendReady()
    {
        var text = new StringBuilder("ready");
        foreach (var g in _server.Display.Globals)
            text.Append(' ').Append(g.Interface).Append(':').Append(g.Version.ToString(CultureInfo.InvariantCulture));
        Send(text.ToString());
    }

    private void Read()
    {
        var buffer = stackalloc byte[MaxDatagram];
        var control = stackalloc byte[64];
        iovec iov = default;
        iov.iov_base = buffer;
        iov.iov_len = MaxDatagram;
        msghdr msg = default;
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = 64;
        long n;
        do n = recvmsg(_fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
        while (n < 0 && errno == EINTR);
        if (n < 0 && errno == EAGAIN) return;
        var fd = ReceivedFd(&msg);
        if (n <= 0)
        {
            if (fd >= 0) close(fd);
            _log.Information("Control socket closed: stopping");
            _source.Dispose();
            _closed();
            return;
        }
        var line = Encoding.UTF8.GetString(buffer, (int)n).Trim();
        string reply;
        try { reply = Apply(line, ref fd); }
        catch (Exception e) when (e is FormatException or OverflowException or IndexOutOfRangeException) { reply = "error " + e.Message; }
        if (fd >= 0) close(fd); // a command that takes no fd closes one sent with it
        Send(reply);
    }

    /// <summary>The first fd of an SCM_RIGHTS message, others closed; -1 when none.</summary>
    private static int ReceivedFd(msghdr* msg)
    {
        var result = -1;
        var p = (byte*)msg->msg_control;
        var end = p + (uint)msg->msg_controllen;
        while (p + 16 <= end)
        {
            var length = (long)*(nuint*)p;
            if (length < 16 || length > end - p) break;
            if (*(int*)(p + 8) == SOL_SOCKET && *(int*)(p + 12) == SCM_RIGHTS)
                for (var i = 0; i < (int)(length - 16) / sizeof(int); i++)
                {
                    var fd = ((int*)(p + 16))[i];
                    if (result < 0) result = fd; else close(fd);
                }
            p += (length + 7) & ~7L;
        }
        return result;
    }

    private string Apply(string line, ref int fd)
    {
        var a = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (a.Length == 0) return "error empty command";
        var time = Backends.MonotonicClock.Milliseconds;
        var seat = _server.Seat;
        switch (a[0])
        {
            case "client" when a.Length == 1:
            {
                if (fd < 0) return "error client needs a socket fd";
                var client = _server.Display.CreateClient(fd);
                fd = -1; // the display owns it now
                var id = _nextClient++;
                _clients[id] = client;
                client.Destroyed += _ => _clients.Remove(id);
                return $"ok {id}";
            }
            case "position" when a.Length == 5:
                return Position(Int(a[1]), (uint)Int(a[2]), Int(a[3]), Int(a[4]));
            case "pointer" when a.Length == 3:
                seat.Pointer.MoveConstrained(time, Num(a[1]), Num(a[2]));
                seat.PointerFrame();
                return "ok";
            case "pointer-rel" when a.Length == 3:
                seat.PointerMotion(time, Num(a[1]), Num(a[2]));
                seat.PointerFrame();
                return "ok";
            case "button" when a.Length == 3 && a[2] is "press" or "release":
                seat.PointerButton(time, (uint)Int(a[1]), a[2] == "press");
                seat.PointerFrame();
                return "ok";
            case "touch-down" when a.Length == 4:
                seat.TouchDownAt(time, Int(a[1]), Num(a[2]), Num(a[3]));
                seat.TouchFrame();
                return "ok";
            case "touch-move" when a.Length == 4:
                seat.Touch.Motion(time, Int(a[1]), Num(a[2]), Num(a[3]));
                seat.TouchFrame();
                return "ok";
            case "touch-up" when a.Length == 2:
                seat.TouchUp(time, Int(a[1]));
                seat.TouchFrame();
                return "ok";
            default:
                return $"error unknown command or wrong arguments: '{line}'";
        }
    }

    private string Position(int clientId, uint surfaceId, int x, int y)
    {
        if (!_clients.TryGetValue(clientId, out var client)) return $"error no client {clientId}";
        if (client.GetResource(surfaceId) is not WlSurface { Data: Surfaces.Surface surface }) return $"error client {clientId} has no wl_surface {surfaceId}";
        if (surface.Role is not ShellSurface { Toplevel: { } toplevel }) return $"error wl_surface {surfaceId} is not a toplevel";
        _server.Shell.Windows.Place(toplevel, x, y);
        return "ok";
    }

    private static int Int(string s) => int.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture);
    private static double Num(string s) => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);

    private void Send(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        fixed (byte* p = bytes)
            if (send(_fd, p, bytes.Length, MSG_NOSIGNAL) < 0) _log.Warning("Control socket: reply not sent (errno {Errno})", errno);
    }

    public void Dispose()
    {
        _source.Dispose();
        close(_fd);
    }
}
