using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Serilog;
using Wayland.Events;

namespace Compositor.Backends.Headless;

/// <summary>
/// Input for tests (headless has no devices): a Unix socket taking one command per line, applied to
/// the seat and answered "ok" or "error REASON" so a test knows it happened. Commands:
/// <c>key CODE press|release</c>, <c>type TEXT</c>, <c>motion OUTPUT X Y</c>,
/// <c>button CODE|left|right|middle press|release</c>, <c>axis vertical|horizontal VALUE</c>.
/// </summary>
public sealed class TestInputSocket : IDisposable
{
    private const int MaxLine = 4096;
    private readonly EventLoop _loop;
    private readonly IInputSink _input;
    private readonly Func<IReadOnlyList<IOutput>> _outputs;
    private readonly ILogger _log;
    private readonly Socket _listener;
    private readonly FdSource _source;
    private readonly List<Connection> _connections = [];

    public TestInputSocket(EventLoop loop, string path, IInputSink input, Func<IReadOnlyList<IOutput>> outputs, ILogger log)
    {
        _loop = loop;
        _input = input;
        _outputs = outputs;
        _log = log;
        Path = path;
        if (File.Exists(path)) File.Delete(path);
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified) { Blocking = false };
        _listener.Bind(new UnixDomainSocketEndPoint(path));
        _listener.Listen(8);
        _source = loop.AddFd((int)_listener.Handle, FdEvents.Readable, (_, _) => Accept());
        log.Information("Test input on {Path}", path);
    }

    public string Path { get; }

    private void Accept()
    {
        while (true)
        {
            Socket s;
            try { s = _listener.Accept(); }
            catch (SocketException) { return; }
            s.Blocking = false;
            var c = new Connection(s);
            c.Source = _loop.AddFd((int)s.Handle, FdEvents.Readable, (_, _) => Read(c));
            _connections.Add(c);
        }
    }

    private sealed class Connection(Socket socket)
    {
        public Socket Socket { get; } = socket;
        public FdSource? Source { get; set; }
        public StringBuilder Pending { get; } = new();
    }

    private void Read(Connection c)
    {
        var buffer = new byte[1024];
        int n;
        try { n = c.Socket.Receive(buffer); }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock) { return; }
        catch (SocketException) { n = 0; }
        if (n == 0) { Close(c); return; }
        c.Pending.Append(Encoding.UTF8.GetString(buffer, 0, n));
        while (true)
        {
            var text = c.Pending.ToString();
            var newline = text.IndexOf('\n');
            if (newline < 0)
            {
                if (text.Length > MaxLine) { Reply(c, "error line too long"); Close(c); }
                return;
            }
            c.Pending.Remove(0, newline + 1);
            var line = text[..newline].Trim();
            string reply;
            try { reply = Apply(line); }
            catch (Exception e) when (e is FormatException or OverflowException or ArgumentException) { reply = "error " + e.Message; }
            Reply(c, reply);
        }
    }

    private static void Reply(Connection c, string text)
    {
        try { c.Socket.Send(Encoding.UTF8.GetBytes(text + "\n")); } catch (SocketException) { }
    }

    private void Close(Connection c)
    {
        c.Source?.Dispose();
        c.Socket.Dispose();
        _connections.Remove(c);
    }


    /// <summary>Applies one command; returns "ok" or "error …".</summary>
    internal string Apply(string line)
    {
        var parts = line.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) return "error empty command";
        var args = parts.Length > 1 ? parts[1] : "";
        switch (parts[0])
        {
            case "key":
            {
                var a = args.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (a.Length != 2) return "error usage: key CODE press|release";
                _input.KeyboardKey(MonotonicClock.Milliseconds, uint.Parse(a[0], CultureInfo.InvariantCulture), Pressed(a[1]));
                return "ok";
            }
            case "type":
                foreach (var ch in args)
                {
                    if (!UsKeys.TryGet(ch, out var code, out var shift)) return $"error cannot type '{ch}'";
                    if (shift) _input.KeyboardKey(MonotonicClock.Milliseconds, UsKeys.LeftShift, true);
                    _input.KeyboardKey(MonotonicClock.Milliseconds, code, true);
                    _input.KeyboardKey(MonotonicClock.Milliseconds, code, false);
                    if (shift) _input.KeyboardKey(MonotonicClock.Milliseconds, UsKeys.LeftShift, false);
                }
                return "ok";
            case "motion":
            {
                var a = args.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (a.Length != 3) return "error usage: motion OUTPUT X Y";
                var outputs = _outputs();
                var index = int.Parse(a[0], CultureInfo.InvariantCulture);
                if (index < 0 || index >= outputs.Count) return $"error no output {index}";
                _input.PointerMotionAbsolute(MonotonicClock.Milliseconds, outputs[index], double.Parse(a[1], CultureInfo.InvariantCulture), double.Parse(a[2], CultureInfo.InvariantCulture));
                _input.PointerFrame();
                return "ok";
            }
            case "motion-relative":
            {
                var a = args.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (a.Length != 2) return "error usage: motion-relative DX DY";
                _input.PointerMotion(MonotonicClock.Milliseconds, double.Parse(a[0], CultureInfo.InvariantCulture), double.Parse(a[1], CultureInfo.InvariantCulture));
                _input.PointerFrame();
                return "ok";
            }
            case "button":
            {
                var a = args.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (a.Length != 2) return "error usage: button CODE|left|right|middle press|release";
                var code = a[0] switch { "left" => 0x110u, "right" => 0x111u, "middle" => 0x112u, _ => uint.Parse(a[0], CultureInfo.InvariantCulture) };
                _input.PointerButton(MonotonicClock.Milliseconds, code, Pressed(a[1]));
                _input.PointerFrame();
                return "ok";
            }
            case "axis":
            {
                var a = args.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (a.Length != 2 || a[0] is not ("vertical" or "horizontal")) return "error usage: axis vertical|horizontal VALUE";
                var value = double.Parse(a[1], CultureInfo.InvariantCulture);
                _input.PointerAxis(MonotonicClock.Milliseconds, a[0] == "vertical" ? 0u : 1u, value, (int)Math.Round(value / 15));
                _input.PointerFrame();
                return "ok";
            }
            default:
                return $"error unknown command '{parts[0]}'";
        }
    }

    private static bool Pressed(string s) => s switch
    {
        "press" => true,
        "release" => false,
        _ => throw new FormatException($"'{s}' is not press or release"),
    };

    public void Dispose()
    {
        foreach (var c in _connections.ToArray()) Close(c);
        _source.Dispose();
        _listener.Dispose();
        try { File.Delete(Path); } catch (IOException) { }
    }
}

/// <summary>US layout evdev keycodes for typing text.</summary>
internal static class UsKeys
{
    public const uint LeftShift = 42;
    private const string Row1 = "1234567890-=", Row1Shift = "!@#$%^&*()_+";
    private const string Row2 = "qwertyuiop[]", Row3 = "asdfghjkl;'`", Row4 = "\\zxcvbnm,./";
    private const string Row2Shift = "QWERTYUIOP{}", Row3Shift = "ASDFGHJKL:\"~", Row4Shift = "|ZXCVBNM<>?";

    public static bool TryGet(char c, out uint code, out bool shift)
    {
        shift = false;
        code = c switch { ' ' => 57, '\n' => 28, '\t' => 15, _ => 0 };
        if (code != 0) return true;
        if (Find(Row1, c, 2, out code) || Find(Row2, c, 16, out code) || Find(Row3, c, 30, out code) || Find(Row4, c, 43, out code)) return true;
        shift = true;
        return Find(Row1Shift, c, 2, out code) || Find(Row2Shift, c, 16, out code) || Find(Row3Shift, c, 30, out code) || Find(Row4Shift, c, 43, out code);
    }

    private static bool Find(string row, char c, uint first, out uint code)
    {
        var i = row.IndexOf(c);
        code = i < 0 ? 0 : first + (uint)i;
        return i >= 0;
    }
}

/// <summary>Sends test input commands to a running compositor and waits for each answer.</summary>
public sealed class TestInputClient(string path) : IDisposable
{
    private readonly Socket _socket = Connect(path);

    private static Socket Connect(string path)
    {
        var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        s.Connect(new UnixDomainSocketEndPoint(path));
        return s;
    }

    /// <summary>Sends one command; returns the compositor's answer ("ok" or "error …").</summary>
    public string Send(string command)
    {
        _socket.Send(Encoding.UTF8.GetBytes(command + "\n"));
        var answer = new StringBuilder();
        var one = new byte[1];
        while (_socket.Receive(one) == 1 && one[0] != '\n') answer.Append((char)one[0]);
        return answer.ToString();
    }

    public void Dispose() => _socket.Dispose();
}
