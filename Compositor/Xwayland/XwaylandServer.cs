using System.Diagnostics;
using System.Text;
using Serilog;
using Wayland.Events;
using Wayland.Server;
using static Tmds.Linux.LibC;

namespace Compositor.Xwayland;

/// <summary>
/// Rootless Xwayland, started when the first X client connects (as sway and weston do) and again
/// after it dies. We own the display's sockets for the session; each Xwayland gets copies
/// (<c>-listenfd</c>), a Wayland connection made for it (WAYLAND_SOCKET), the window manager's
/// connection (<c>-wm</c>) and a pipe it writes its display number to once it is ready
/// (<c>-displayfd</c>), which is when <see cref="XWindowManager"/> connects.
/// </summary>
public sealed class XwaylandServer : IDisposable
{
    /// <summary>Two deaths this soon after starting in a row and we stop starting it: something is broken.</summary>
    private static readonly TimeSpan QuickDeath = TimeSpan.FromSeconds(5);

    private readonly CompositorServer _server;
    private readonly ILogger _log;
    private readonly XDisplaySockets _sockets;
    private readonly string _executable;
    private FdSource? _abstractWatch, _fileWatch, _readyWatch;
    private int _readyFd = -1, _wmFd = -1;
    private Process? _process;
    private Client? _client;
    private DateTime _startedAt;
    private int _quickDeaths;
    private bool _disposed;

    private XwaylandServer(CompositorServer server, XDisplaySockets sockets, string executable)
    {
        _server = server;
        _log = server.Log.ForContext<XwaylandServer>();
        _sockets = sockets;
        _executable = executable;
        WatchForClients();
    }

    /// <summary>Takes a display number and waits for X clients; null (logged) when Xwayland is not
    /// installed or no display is free, so the session runs without X.</summary>
    public static XwaylandServer? Create(CompositorServer server, string executable = "Xwayland")
    {
        var path = executable.Contains('/') ? executable : FindOnPath(executable);
        if (path is null)
        {
            server.Log.Information("No X11 programs: {Executable} is not installed (Debian's package xwayland)", executable);
            return null;
        }
        try
        {
            var sockets = XDisplaySockets.Open();
            var x = new XwaylandServer(server, sockets, path);
            server.Log.Information("X11 display {Display}: Xwayland starts with the first X client", sockets.Name);
            return x;
        }
        catch (IOException e)
        {
            server.Log.Warning("No X11 programs: {Message}", e.Message);
            return null;
        }
    }

    /// <summary>What X clients put in DISPLAY (":1").</summary>
    public string DisplayName => _sockets.Name;
    public bool IsRunning => _process is not null;
    /// <summary>Xwayland's Wayland connection, while it runs.</summary>
    public Client? Client => _client;
    public XWindowManager? WindowManager { get; private set; }
    /// <summary>Raised when the window manager is connected: Xwayland takes clients.</summary>
    public event Action<XWindowManager>? Ready;

    private static string? FindOnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':'))
        {
            var candidate = Path.Join(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    private void WatchForClients()
    {
        _abstractWatch = _server.Loop.AddFd(_sockets.AbstractFd, FdEvents.Readable, (_, _) => Start());
        _fileWatch = _server.Loop.AddFd(_sockets.FileFd, FdEvents.Readable, (_, _) => Start());
    }

    private void StopWatching()
    {
        _abstractWatch?.Dispose();
        _fileWatch?.Dispose();
        _abstractWatch = _fileWatch = null;
    }

    private unsafe void Start()
    {
        if (_process is not null || _disposed) return;
        StopWatching();
        _log.Information("An X client connects to {Display}: starting Xwayland", DisplayName);
        int* wl = stackalloc int[2], wm = stackalloc int[2], ready = stackalloc int[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, wl) != 0) { Failed("socketpair", errno); return; }
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, wm) != 0) { close(wl[0]); close(wl[1]); Failed("socketpair", errno); return; }
        if (pipe2(ready, O_CLOEXEC) != 0) { close(wl[0]); close(wl[1]); close(wm[0]); close(wm[1]); Failed("pipe", errno); return; }
        // The child's ends, kept across exec; ours stay close-on-exec.
        int[] inherited = [wl[1], wm[1], ready[1], Inheritable(_sockets.AbstractFd), Inheritable(_sockets.FileFd)];
        foreach (var fd in inherited.AsSpan(0, 3)) fcntl(fd, F_SETFD, 0);
        fcntl(wl[0], F_SETFL, fcntl(wl[0], F_GETFL) | O_NONBLOCK);

        // Its output is logged, not inherited: our stdout carries the WAYLAND_DISPLAY line for scripts,
        // and a pipe a dead compositor's Xwayland still held would keep a reader of it waiting.
        var psi = new ProcessStartInfo(_executable) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])[DisplayName, "-rootless", "-core", "-listenfd", inherited[3].ToString(), "-listenfd", inherited[4].ToString(),
                     "-wm", wm[1].ToString(), "-displayfd", ready[1].ToString()])
            psi.ArgumentList.Add(a);
        psi.Environment["WAYLAND_SOCKET"] = wl[1].ToString();
        psi.Environment.Remove("WAYLAND_DISPLAY");
        psi.Environment.Remove("DISPLAY");
        try
        {
            _process = Process.Start(psi) ?? throw new InvalidOperationException("Process.Start returned null");
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            _log.Error("Cannot start {Executable}: {Message}", _executable, e.Message);
            close(wl[0]);
            close(wm[0]);
            close(ready[0]);
            _process = null;
        }
        finally
        {
            foreach (var fd in inherited) close(fd);
        }
        if (_process is null)
        {
            WatchForClients();
            return;
        }
        _startedAt = DateTime.UtcNow;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) _log.Debug("Xwayland: {Line}", e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _log.Debug("Xwayland: {Line}", e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        _log.Information("Xwayland started (pid {Pid})", _process.Id);
        _client = _server.Display.CreateClient(wl[0]);
        _client.Destroyed += OnClientGone;
        _wmFd = wm[0];
        _readyFd = ready[0];
        _readyWatch = _server.Loop.AddFd(_readyFd, FdEvents.Readable, (_, events) => OnReadyPipe(events));
    }

    /// <summary>A copy of a listening socket without close-on-exec, for the child (closed here after the start).</summary>
    private static int Inheritable(int fd) => fcntl(fd, F_DUPFD, 3);

    private void Failed(string call, int error)
    {
        _log.Error("Cannot start Xwayland: {Call} failed (errno {Errno})", call, error);
        WatchForClients();
    }

    private readonly StringBuilder _ready = new();

    /// <summary>Xwayland writes its display number and a newline, maybe in two writes: the pipe stays
    /// open until the newline (closing it earlier makes its second write fail, which is fatal to it).</summary>
    private unsafe void OnReadyPipe(FdEvents events)
    {
        var buffer = stackalloc byte[16];
        var n = read(_readyFd, buffer, 16);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
        if (n > 0) _ready.Append(Encoding.ASCII.GetString(buffer, (int)n));
        if (n > 0 && !_ready.ToString().Contains('\n')) return;
        CloseReadyPipe();
        var number = _ready.ToString().Trim();
        _ready.Clear();
        if (n <= 0)
        {
            _log.Error("Xwayland ended before it was ready");
            return; // its Wayland client goes too, and that restarts the wait
        }
        _log.Debug("Xwayland ready on :{Display}", number);
        var fd = _wmFd;
        _wmFd = -1;
        try
        {
            WindowManager = new XWindowManager(_server, this, XConnection.Connect(fd));
        }
        catch (IOException e)
        {
            _log.Error("The X11 window manager cannot start: {Message}", e.Message);
            _client?.Destroy("the X11 window manager cannot start");
            return;
        }
        Ready?.Invoke(WindowManager);
    }

    private void CloseReadyPipe()
    {
        _readyWatch?.Dispose();
        _readyWatch = null;
        if (_readyFd >= 0) close(_readyFd);
        _readyFd = -1;
    }

    /// <summary>Xwayland's Wayland connection ended: it died, or quit (-terminate, its last X client
    /// gone). Its windows go with it, and the next X client starts a new one.</summary>
    private void OnClientGone(Client client)
    {
        if (client != _client) return;
        _client = null;
        CloseReadyPipe();
        if (_wmFd >= 0) close(_wmFd);
        _wmFd = -1;
        WindowManager?.Dispose();
        WindowManager = null;
        var process = _process;
        _process = null;
        if (process is not null)
        {
            if (!process.WaitForExit(2000))
            {
                process.Kill();
                process.WaitForExit();
            }
            _log.Information("Xwayland exited with {Code}", process.ExitCode);
            process.Dispose();
        }
        if (_disposed) return;
        _quickDeaths = DateTime.UtcNow - _startedAt < QuickDeath ? _quickDeaths + 1 : 0;
        if (_quickDeaths >= 3)
        {
            _log.Error("Xwayland died three times within seconds of starting; not starting it again this session");
            return;
        }
        WatchForClients();
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        StopWatching();
        WindowManager?.Dispose();
        WindowManager = null;
        if (_process is { } p)
        {
            try
            {
                p.Kill();
                p.WaitForExit(2000);
            }
            catch (InvalidOperationException) { }
            p.Dispose();
            _process = null;
        }
        _client?.Destroy("the compositor is shutting down");
        CloseReadyPipe();
        if (_wmFd >= 0) close(_wmFd);
        _wmFd = -1;
        _sockets.Dispose();
    }
}
