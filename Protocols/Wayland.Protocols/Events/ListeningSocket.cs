using System.Text;
using Serilog;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace Wayland.Events;

/// <summary>
/// The server's listening Unix socket, named and locked the way libwayland does it
/// (wl_display_add_socket / wl_display_add_socket_auto), so that it coexists with other compositors.
/// </summary>
/// <remarks>
/// A socket file proves nothing about whether its compositor is alive; the flock on "&lt;path&gt;.lock" does,
/// since the kernel drops it when the holder dies. So the lock is taken first, and a socket file found
/// while holding it is a dead compositor's leftover.
/// </remarks>
public sealed class ListeningSocket : IDisposable
{
    private const int MaxDisplayNumber = 32;
    private const int Backlog = 128;

    // sizeof(sockaddr_un.sun_path), which counts the terminating NUL.
    private const int SunPathSize = 108;

    private readonly ILogger _log;
    private int _fd;
    private int _lockFd;
    private bool _disposed;

    private ListeningSocket(string name, string path, int fd, int lockFd, ILogger log)
    {
        Name = name;
        Path = path;
        LockPath = path + ".lock";
        _fd = fd;
        _lockFd = lockFd;
        _log = log;
    }

    /// <summary>What clients put in WAYLAND_DISPLAY.</summary>
    public string Name { get; }

    public string Path { get; }

    public string LockPath { get; }

    public int Fd => _fd;

    /// <summary>
    /// Binds <paramref name="name"/> (absolute: used as the path; otherwise relative to $XDG_RUNTIME_DIR) or,
    /// when it is null, the first free wayland-0 … wayland-32.
    /// </summary>
    /// <exception cref="WaylandSocketException">The name is in use, the environment is unusable, or a system call failed.</exception>
    public static ListeningSocket Create(string? name, ILogger? log = null)
    {
        log = (log ?? Serilog.Log.Logger).ForContext<ListeningSocket>();
        if (name is null) return CreateAuto(log);
        if (name.Length == 0) throw new ArgumentException("The socket name is empty.", nameof(name));
        if (name.Contains('\0')) throw new ArgumentException("The socket name contains a NUL character.", nameof(name));

        string path = name[0] == '/' ? name : System.IO.Path.Join(RuntimeDir(), name);
        CheckLength(path);
        return TryLock(path, out int lockFd, out int error) switch
        {
            LockOutcome.Locked => Listen(name, path, lockFd, log),
            LockOutcome.InUse => throw new WaylandSocketException(
                $"socket name in use: {path}.lock is locked by another compositor", error),
            _ => throw LockFailure(path, error),
        };
    }

    private static ListeningSocket CreateAuto(ILogger log)
    {
        string dir = RuntimeDir();
        for (int number = 0; number <= MaxDisplayNumber; number++)
        {
            string name = "wayland-" + number;
            string path = System.IO.Path.Join(dir, name);
            CheckLength(path);
            switch (TryLock(path, out int lockFd, out int error))
            {
                case LockOutcome.Locked:
                    return Listen(name, path, lockFd, log);
                case LockOutcome.InUse:
                    log.Debug("{Name} is in use", name);
                    continue;
                // Someone else's lock file that we may not open: unusable for us, as libwayland treats it.
                case LockOutcome.Failed when error == EACCES || error == EPERM:
                    log.Debug("{Name} skipped: {Error}", name, EventsNative.Describe(error));
                    continue;
                default:
                    throw LockFailure(path, error);
            }
        }
        throw new WaylandSocketException(
            $"no free socket name in {dir}: wayland-0 to wayland-{MaxDisplayNumber} are all in use");
    }

    /// <summary>Accepts a pending client as a non-blocking, close-on-exec fd the caller owns; -1 when none is
    /// pending, or when a resource limit refused it (logged: the client stays queued for a later try).</summary>
    public unsafe int Accept()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        while (true)
        {
            int fd = accept4(_fd, null, null, SOCK_CLOEXEC | SOCK_NONBLOCK);
            if (fd >= 0) return fd;
            int error = errno;
            if (error == EAGAIN || error == EWOULDBLOCK) return -1;
            // A client that gave up while queued: the next one may be fine.
            if (error == EINTR || error == ECONNABORTED) continue;
            if (error == EMFILE || error == ENFILE || error == ENOBUFS || error == ENOMEM || error == EPERM)
            {
                _log.Warning("Cannot accept a client on {Path}: {Error}", Path, EventsNative.Describe(error));
                return -1;
            }
            throw new WaylandSocketException($"accept on {Path} failed: {EventsNative.Describe(error)}", error);
        }
    }

    /// <summary>Removes the socket and lock files, then closes the fds; unlinking first means no other
    /// compositor can have taken the name over yet.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Unlink(Path);
        EventsNative.CloseQuietly(ref _fd);
        Unlink(LockPath);
        EventsNative.CloseQuietly(ref _lockFd);
    }

    private static string RuntimeDir()
    {
        string? dir = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        if (string.IsNullOrEmpty(dir))
            throw new WaylandSocketException("XDG_RUNTIME_DIR is not set; it must name the user's runtime directory (an absolute path) for the Wayland socket");
        if (dir[0] != '/')
            throw new WaylandSocketException($"XDG_RUNTIME_DIR is not an absolute path: \"{dir}\"");
        return dir;
    }

    private static void CheckLength(string path)
    {
        int bytes = Encoding.UTF8.GetByteCount(path) + 1;
        if (bytes > SunPathSize)
            throw new WaylandSocketException(
                $"socket path too long: \"{path}\" needs {bytes} bytes with its NUL, a Unix socket address holds {SunPathSize}");
    }

    private enum LockOutcome { Locked, InUse, Failed }

    private static unsafe LockOutcome TryLock(string path, out int lockFd, out int error)
    {
        fixed (byte* lockPath = CString(path + ".lock"))
        {
            // 0660 (rw for user and group), as libwayland creates it.
            lockFd = open(lockPath, O_CREAT | O_CLOEXEC | O_RDWR,
                (mode_t)((uint)S_IRUSR | (uint)S_IWUSR | (uint)S_IRGRP | (uint)S_IWGRP));
        }
        if (lockFd < 0)
        {
            error = errno;
            return LockOutcome.Failed;
        }
        if (Wayland.Interop.Libc.flock(lockFd, EventsNative.LOCK_EX | EventsNative.LOCK_NB) != 0)
        {
            error = errno;
            EventsNative.CloseQuietly(ref lockFd);
            // The lock file is the live owner's: leave it.
            return error == EWOULDBLOCK ? LockOutcome.InUse : LockOutcome.Failed;
        }

        fixed (byte* socketPath = CString(path))
        {
            stat st;
            if (lstat(socketPath, &st) == 0)
            {
                // As libwayland does: only a file its owner or group could write counts as a leftover.
                if (((uint)st.st_mode & ((uint)S_IWUSR | (uint)S_IWGRP)) != 0) unlink(socketPath);
            }
            else
            {
                error = errno;
                if (error != ENOENT)
                {
                    EventsNative.CloseQuietly(ref lockFd);
                    return LockOutcome.Failed;
                }
            }
        }
        error = 0;
        return LockOutcome.Locked;
    }

    private static WaylandSocketException LockFailure(string path, int error) => new(
        $"cannot lock {path}.lock: {EventsNative.Describe(error)}; check that the directory exists and is writable", error);

    private static unsafe ListeningSocket Listen(string name, string path, int lockFd, ILogger log)
    {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
        {
            int error = errno;
            Abandon(path, ref lockFd, bound: false);
            throw new WaylandSocketException($"cannot create a Unix socket: {EventsNative.Describe(error)}", error);
        }

        byte[] pathBytes = CString(path);
        sockaddr_un addr = default;
        addr.sun_family = AF_UNIX;
        for (int i = 0; i < pathBytes.Length; i++) addr.sun_path[i] = pathBytes[i];
        // offsetof(sun_path) plus the path with its NUL, as libwayland passes it.
        var length = (socklen_t)(uint)(sizeof(sa_family_t) + pathBytes.Length);

        if (bind(fd, (sockaddr*)&addr, length) != 0)
        {
            int error = errno;
            EventsNative.CloseQuietly(ref fd);
            Abandon(path, ref lockFd, bound: false);
            throw new WaylandSocketException($"cannot bind to {path}: {EventsNative.Describe(error)}", error);
        }
        if (listen(fd, Backlog) != 0)
        {
            int error = errno;
            EventsNative.CloseQuietly(ref fd);
            Abandon(path, ref lockFd, bound: true);
            throw new WaylandSocketException($"cannot listen on {path}: {EventsNative.Describe(error)}", error);
        }
        log.Debug("Bound {Path}", path);
        return new ListeningSocket(name, path, fd, lockFd, log);
    }

    /// <summary>Undoes a half-made socket whose lock we hold, so the name is free again.</summary>
    private static void Abandon(string path, ref int lockFd, bool bound)
    {
        if (bound) Unlink(path);
        Unlink(path + ".lock");
        EventsNative.CloseQuietly(ref lockFd);
    }

    private static unsafe void Unlink(string path)
    {
        fixed (byte* p = CString(path)) unlink(p);
    }

    private static byte[] CString(string s)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, bytes);
        return bytes;
    }
}

/// <summary>The listening socket could not be set up (or accept failed for a reason other than load).</summary>
public sealed class WaylandSocketException : Exception
{
    public WaylandSocketException() { }

    public WaylandSocketException(string message) : base(message) { }

    public WaylandSocketException(string message, Exception? innerException) : base(message, innerException) { }

    internal WaylandSocketException(string message, int errno) : base(message) => Errno = errno;

    /// <summary>The errno of the failed system call; 0 when no system call failed.</summary>
    public int Errno { get; }
}
