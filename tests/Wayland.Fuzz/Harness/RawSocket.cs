using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace Wayland.Fuzz.Harness;

/// <summary>sendmsg and recvmsg on a non-blocking client socket, for fuzzers that send what no
/// encoder would. Fds that arrive from the server are closed at once.</summary>
public static unsafe class RawSocket
{
    public const int MaxFds = 253;

    /// <summary>One sendmsg: bytes sent, or -errno (EAGAIN when the socket is full). The fds travel
    /// with the first byte (a stream socket drops them with no bytes, so send at least one); the
    /// caller still owns its copies.</summary>
    public static long Send(int socket, ReadOnlySpan<byte> bytes, ReadOnlySpan<int> fds)
    {
        var space = CMSG_SPACE(Math.Max(1, fds.Length) * sizeof(int));
        byte* control = stackalloc byte[space];
        fixed (byte* data = bytes)
        {
            iovec iov = default;
            iov.iov_base = data;
            iov.iov_len = (size_t)bytes.Length;
            msghdr msg = default;
            msg.msg_iov = &iov;
            msg.msg_iovlen = 1;
            if (fds.Length > 0)
            {
                var c = (cmsghdr*)control;
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = (socklen_t)(sizeof(cmsghdr) + fds.Length * sizeof(int)); // unpadded: a padded length sends one more fd
                for (var i = 0; i < fds.Length; i++) ((int*)CMSG_DATA(c))[i] = fds[i];
                msg.msg_control = control;
                msg.msg_controllen = (socklen_t)space;
            }
            long n;
            do n = sendmsg(socket, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
            while (n < 0 && errno == EINTR);
            return n < 0 ? -errno : n;
        }
    }

    /// <summary>Reads and discards what the server sent. Returns false once the server closed the connection.</summary>
    public static bool Drain(int socket, Action<ReadOnlySpan<byte>>? onBytes = null)
    {
        var buffer = stackalloc byte[16384];
        var controlSize = CMSG_SPACE(MaxFds * sizeof(int));
        var control = stackalloc byte[controlSize];
        while (true)
        {
            iovec iov = default;
            iov.iov_base = buffer;
            iov.iov_len = 16384;
            msghdr msg = default;
            msg.msg_iov = &iov;
            msg.msg_iovlen = 1;
            msg.msg_control = control;
            msg.msg_controllen = (socklen_t)controlSize;
            long n;
            do n = recvmsg(socket, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
            while (n < 0 && errno == EINTR);
            if (n > 0 || msg.msg_controllen > 0)
                for (var c = CMSG_FIRSTHDR(&msg); c != null; c = CMSG_NXTHDR(&msg, c))
                    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
                        for (var i = 0; i < ((int)(uint)c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++)
                            close(((int*)CMSG_DATA(c))[i]);
            if (n == 0) return false;
            if (n < 0) return errno == EAGAIN;
            onBytes?.Invoke(new ReadOnlySpan<byte>(buffer, (int)n));
        }
    }
}
