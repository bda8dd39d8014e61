using System.Runtime.InteropServices;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace Wayland.Wire;

/// <summary>The few libc calls the wire runtime needs; sockets and SCM_RIGHTS come from Tmds.LibC,
/// the rest from <see cref="Interop.Libc"/>.</summary>
internal static unsafe class Native
{
    public const int EAGAIN = 11, EINTR = 4, EPIPE = 32, ECONNRESET = 104;

    public static int Errno => Marshal.GetLastPInvokeError();

    public static int Close(int fd) => close(fd);

    public static int DupCloexec(int fd)
    {
        var r = fcntl(fd, F_DUPFD_CLOEXEC, 0);
        if (r < 0) throw new IOException($"dup of fd {fd} failed: errno {errno}");
        return r;
    }

    /// <summary>Creates a connected AF_UNIX stream pair, both ends non-blocking and close-on-exec.</summary>
    public static (int, int) SocketPair()
    {
        int* fds = stackalloc int[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds) != 0)
            throw new IOException($"socketpair failed: errno {errno}");
        return (fds[0], fds[1]);
    }

    /// <summary>Credentials of the process at the other end of a Unix socket.</summary>
    public static (int Pid, uint Uid, uint Gid) PeerCredentials(int fd)
    {
        ucred cred;
        socklen_t len = (socklen_t)sizeof(ucred);
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return (0, 0, 0);
        return (cred.pid, cred.uid, cred.gid);
    }

    private const int RlimitNofile = 7;

    /// <summary>RLIMIT_NOFILE's soft and hard values; null when it cannot be read.</summary>
    public static (ulong Soft, ulong Hard)? FileLimit() =>
        Interop.Libc.getrlimit(RlimitNofile, out var l) == 0 ? (l.Current, l.Maximum) : null;
}
