using System.Text;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace Compositor.Xwayland;

/// <summary>
/// An X display number taken the way X servers take one: the lock file <c>/tmp/.X&lt;n&gt;-lock</c>
/// created exclusively with our pid in it (a stale one, whose pid is gone, is removed), then the
/// abstract socket <c>@/tmp/.X11-unix/X&lt;n&gt;</c> and the file socket <c>/tmp/.X11-unix/X&lt;n&gt;</c>.
/// We hold them for the session and hand copies to each Xwayland we start (<c>-listenfd</c>), so X
/// clients can connect before Xwayland runs and across its restarts.
/// </summary>
internal sealed class XDisplaySockets : IDisposable
{
    private const int MaxDisplay = 32;
    private const string SocketDir = "/tmp/.X11-unix";
    private int _abstractFd, _fileFd;
    private bool _disposed;

    private XDisplaySockets(int display, int abstractFd, int fileFd)
    {
        Display = display;
        _abstractFd = abstractFd;
        _fileFd = fileFd;
    }

    public int Display { get; }
    public string Name => $":{Display}";
    public int AbstractFd => _abstractFd;
    public int FileFd => _fileFd;
    private string LockPath => LockPathOf(Display);
    private string SocketPath => $"{SocketDir}/X{Display}";

    private static string LockPathOf(int n) => $"/tmp/.X{n}-lock";

    /// <summary>The first free display from <paramref name="first"/> on.</summary>
    /// <exception cref="IOException">No display number is free or the sockets cannot be made.</exception>
    public static XDisplaySockets Open(int first = 0)
    {
        EnsureSocketDir();
        for (var n = first; n <= MaxDisplay; n++)
        {
            if (!TryLock(n)) continue;
            var abstractFd = Bind(n, isAbstract: true, out var error);
            if (abstractFd < 0)
            {
                // Another server listens there without a lock file of its own: not ours to take.
                Unlink(LockPathOf(n));
                if (error == EADDRINUSE) continue;
                throw new IOException($"cannot bind the abstract X socket for :{n}: {Describe(error)}");
            }
            Unlink($"{SocketDir}/X{n}"); // a leftover of a dead server: we hold its lock now
            var fileFd = Bind(n, isAbstract: false, out error);
            if (fileFd < 0)
            {
                close(abstractFd);
                Unlink(LockPathOf(n));
                throw new IOException($"cannot bind {SocketDir}/X{n}: {Describe(error)}");
            }
            return new XDisplaySockets(n, abstractFd, fileFd);
        }
        throw new IOException($"no free X display number: :{first} to :{MaxDisplay} are all in use");
    }

    private static unsafe void EnsureSocketDir()
    {
        fixed (byte* p = CString(SocketDir))
        {
            // World-writable and sticky, as X servers make it; someone else's existing one is fine.
            if (mkdir(p, (mode_t)0x3ff) == 0) chmod(p, (mode_t)(0x3ff | 0x200));
        }
    }

    /// <summary>Creates the lock file with O_EXCL; a lock whose pid no longer runs is removed and retried once.</summary>
    private static unsafe bool TryLock(int n)
    {
        var path = LockPathOf(n);
        for (var attempt = 0; attempt < 2; attempt++)
        {
            int fd;
            fixed (byte* p = CString(path)) fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, (mode_t)0x124); // 0444
            if (fd >= 0)
            {
                // X's format: the pid in ten characters and a newline.
                var text = CString($"{Environment.ProcessId,10}\n");
                fixed (byte* t = text) write(fd, t, 11);
                close(fd);
                return true;
            }
            if (errno != EEXIST) return false;
            if (!IsStale(path)) return false;
            Unlink(path);
        }
        return false;
    }

    private static bool IsStale(string path)
    {
        try
        {
            var text = File.ReadAllText(path).Trim();
            if (!int.TryParse(text, out var pid) || pid <= 0) return false; // someone is writing it
            return kill(pid, 0) != 0 && errno == ESRCH;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static unsafe int Bind(int n, bool isAbstract, out int error)
    {
        var fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
        {
            error = errno;
            return -1;
        }
        var path = Encoding.ASCII.GetBytes($"{SocketDir}/X{n}");
        sockaddr_un addr = default;
        addr.sun_family = AF_UNIX;
        var offset = isAbstract ? 1 : 0; // an abstract name starts with a NUL byte
        for (var i = 0; i < path.Length; i++) addr.sun_path[offset + i] = path[i];
        var length = (socklen_t)(uint)(sizeof(sa_family_t) + offset + path.Length + (isAbstract ? 0 : 1));
        if (bind(fd, (sockaddr*)&addr, length) != 0 || listen(fd, 128) != 0)
        {
            error = errno;
            close(fd);
            return -1;
        }
        error = 0;
        return fd;
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

    private static string Describe(int error) => $"errno {error}";

    /// <summary>Removes the socket file and the lock (ours, written with our pid), then closes the sockets.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Unlink(SocketPath);
        Unlink(LockPath);
        close(_abstractFd);
        close(_fileFd);
        _abstractFd = _fileFd = -1;
    }
}
