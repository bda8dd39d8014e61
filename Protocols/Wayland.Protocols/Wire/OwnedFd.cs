using System.Runtime.InteropServices;

namespace Wayland.Wire;

/// <summary>
/// A file descriptor with exactly one owner. Received fds reach request handlers as OwnedFd; the
/// dispatcher closes the fd after the handler returns unless the handler moved it out with <see cref="Take"/>.
/// </summary>
public sealed class OwnedFd : SafeHandle
{
    /// <summary>The client the fd came from, charged until the fd is closed; null for our own fds.</summary>
    private FdAccount? _account;

    public OwnedFd(int fd) : base(new IntPtr(-1), ownsHandle: true) => SetHandle(new IntPtr(fd));

    internal OwnedFd(int fd, FdAccount? account) : this(fd) => _account = account;

    public override bool IsInvalid => handle.ToInt64() < 0;

    /// <summary>The raw fd number, still owned by this object.</summary>
    public int Value => IsClosed ? -1 : (int)handle.ToInt64();

    /// <summary>Moves ownership into a new OwnedFd; this one becomes empty and closes nothing.</summary>
    public OwnedFd Take()
    {
        ObjectDisposedException.ThrowIf(IsClosed || IsInvalid, this);
        var fd = (int)handle.ToInt64();
        var moved = new OwnedFd(fd, _account);
        _account = null;
        SetHandleAsInvalid();
        return moved;
    }

    /// <summary>A new fd for the same open file (dup with FD_CLOEXEC).</summary>
    public OwnedFd Duplicate() => new(Native.DupCloexec(Value));

    protected override bool ReleaseHandle()
    {
        _account?.Refund();
        return Native.Close((int)handle.ToInt64()) == 0;
    }

    public override string ToString() => $"fd {Value}";
}
