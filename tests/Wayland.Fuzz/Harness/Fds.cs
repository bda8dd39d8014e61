using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace Wayland.Fuzz.Harness;

/// <summary>Kinds of fds the fuzzers attach to messages. The first four are those the afl input
/// format can name (two bits each); the protocol fuzzer uses them all.</summary>
public enum FdKind : byte
{
    /// <summary>A 64 KiB memfd sealed against shrinking: what a correct shm client sends.</summary>
    SealedMemfd,
    /// <summary>A 4 KiB memfd without seals: smaller than most pools claim.</summary>
    SmallMemfd,
    PipeRead,
    DevNull,
    PipeWrite,
    Socket,
    EventFd,
    /// <summary>A 64 KiB memfd truncated to nothing after it was sent, under a pool that may be mapped.</summary>
    TruncatedMemfd,
}

/// <summary>An fd made to be sent. The sender closes its copy (and the other end of a pipe or socket)
/// with <see cref="Release"/> once the kernel holds the server's copy.</summary>
public readonly record struct SentFd(int Fd, int Peer, bool TruncateOnRelease)
{
    public void Release()
    {
        if (TruncateOnRelease) _ = ftruncate(Fd, 0);
        close(Fd);
        if (Peer >= 0) close(Peer);
    }
}

public static unsafe class Fds
{
    public const int MemfdSize = 64 * 1024;
    public static readonly int AflKinds = 4;

    public static SentFd Create(FdKind kind) => kind switch
    {
        FdKind.SealedMemfd => new(Memfd(MemfdSize, seal: true), -1, false),
        FdKind.SmallMemfd => new(Memfd(4096, seal: false), -1, false),
        FdKind.TruncatedMemfd => new(Memfd(MemfdSize, seal: false), -1, true),
        FdKind.PipeRead => Pipe(readEnd: true),
        FdKind.PipeWrite => Pipe(readEnd: false),
        FdKind.DevNull => new(DevNull(), -1, false),
        FdKind.Socket => SocketPair(),
        FdKind.EventFd => new(Check(eventfd(0, EFD_CLOEXEC), "eventfd"), -1, false),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static int Memfd(int size, bool seal)
    {
        int fd;
        fixed (byte* name = "wayland-fuzz\0"u8) fd = Check(memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING), "memfd_create");
        if (ftruncate(fd, size) != 0) { close(fd); throw new IOException($"ftruncate failed: errno {errno}"); }
        if (seal) _ = fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK);
        return fd;
    }

    private static int DevNull()
    {
        fixed (byte* path = "/dev/null\0"u8) return Check(open(path, O_RDWR | O_CLOEXEC), "open /dev/null");
    }

    private static SentFd Pipe(bool readEnd)
    {
        int* fds = stackalloc int[2];
        Check(pipe2(fds, O_CLOEXEC | O_NONBLOCK), "pipe2");
        return readEnd ? new(fds[0], fds[1], false) : new(fds[1], fds[0], false);
    }

    private static SentFd SocketPair()
    {
        int* fds = stackalloc int[2];
        Check(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds), "socketpair");
        return new(fds[0], fds[1], false);
    }

    private static int Check(int result, string what) =>
        result >= 0 ? result : throw new IOException($"{what} failed: errno {errno}");
}
