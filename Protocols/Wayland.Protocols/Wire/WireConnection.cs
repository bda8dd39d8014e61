using System.Buffers.Binary;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace Wayland.Wire;

public enum ReceiveStatus { Data, WouldBlock, Closed, Error }
public enum FlushStatus { Done, WouldBlock, Error }

/// <summary>
/// One end of a Wayland socket: bounded input and output byte buffers and fd queues, read with
/// recvmsg and written with sendmsg (fds as SCM_RIGHTS). Never blocks. Owns the socket fd and every
/// queued fd; all are closed on <see cref="Dispose"/>.
/// </summary>
public sealed unsafe class WireConnection : IDisposable
{
    /// <summary>Output a peer may leave unread before it is cut off. libwayland's default is a few
    /// pages; we are more patient with slow clients but never unbounded.</summary>
    public const int DefaultMaxOutputBytes = 1 << 20;

    /// <summary>Received fds we hold for messages not yet decoded (libwayland: 1024).</summary>
    public const int MaxQueuedFds = 1024;

    /// <summary>SCM_MAX_FD: the kernel's own limit of fds in one message.</summary>
    private const int MaxFdsPerReceive = 253;

    private readonly byte[] _in = new byte[4 * WireFormat.MaxMessageSize];
    private int _inStart, _inEnd;
    private long _inOffset;
    private readonly FdQueue _inFds = new(MaxQueuedFds);

    private byte[] _out = new byte[2 * WireFormat.MaxMessageSize];
    private int _outStart, _outEnd;
    private long _outOffset; // stream offset of _out[_outStart]
    private readonly FdQueue _outFds = new(MaxQueuedFds);
    private readonly byte[] _discard = new byte[WireFormat.MaxMessageSize];
    private bool _writingToDiscard;

    private int _fd;

    public WireConnection(int socketFd, int maxOutputBytes = DefaultMaxOutputBytes)
    {
        _fd = socketFd;
        MaxOutputBytes = maxOutputBytes;
    }

    public int Fd => _fd;
    public int MaxOutputBytes { get; }

    /// <summary>Set once the peer left more than <see cref="MaxOutputBytes"/> unread; from then on
    /// messages are dropped and the owner should disconnect.</summary>
    public bool OutputOverflowed { get; private set; }

    public int PendingOutputBytes => _outEnd - _outStart;
    public bool HasPendingOutput => _outEnd > _outStart;

    // ---- input ----

    /// <summary>Bytes received and not yet consumed.</summary>
    public ReadOnlySpan<byte> Input => _in.AsSpan(_inStart, _inEnd - _inStart);

    /// <summary>Stream offset of the first byte of <see cref="Input"/>.</summary>
    public long InputOffset => _inOffset;

    internal FdQueue InputFds => _inFds;
    public int QueuedInputFds => _inFds.Count;

    /// <summary>Where received fds are charged (a server's client); null: not counted.</summary>
    public FdAccount? Account { get; set; }

    /// <summary>Whether the last <see cref="Receive"/> filled all free input space (more may be waiting).</summary>
    public bool LastReceiveFilledBuffer { get; private set; }

    /// <summary>Hands the oldest received fd to the message being decoded, which then owns it.</summary>
    public OwnedFd TakeInputFd()
    {
        if (_inFds.Count == 0) throw new WireFormatException("file descriptor expected");
        return new OwnedFd(_inFds.Dequeue(), Account);
    }

    public void Consume(int bytes)
    {
        _inStart += bytes;
        _inOffset += bytes;
        if (_inStart == _inEnd) _inStart = _inEnd = 0;
    }

    /// <summary>One recvmsg. Received fds are queued in order. <paramref name="error"/> is the errno on
    /// <see cref="ReceiveStatus.Error"/>, or a negative value for our own limits (see <see cref="ReceiveError"/>).</summary>
    public ReceiveStatus Receive(out int error)
    {
        error = 0;
        if (_inStart > 0)
        {
            Buffer.BlockCopy(_in, _inStart, _in, 0, _inEnd - _inStart);
            _inEnd -= _inStart;
            _inStart = 0;
        }
        if (_inEnd == _in.Length) { error = ReceiveError.InputFull; return ReceiveStatus.Error; }

        var controlSize = CmsgHeaderSize + CmsgAlign(MaxFdsPerReceive * sizeof(int));
        byte* control = stackalloc byte[controlSize];
        fixed (byte* data = &_in[_inEnd])
        {
            iovec iov = default;
            iov.iov_base = data;
            iov.iov_len = (size_t)(_in.Length - _inEnd);
            msghdr msg = default;
            msg.msg_iov = &iov;
            msg.msg_iovlen = 1;
            msg.msg_control = control;
            msg.msg_controllen = (socklen_t)controlSize;

            long n;
            do n = recvmsg(_fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
            while (n < 0 && errno == Native.EINTR);
            if (n < 0)
            {
                error = errno;
                return error == Native.EAGAIN ? ReceiveStatus.WouldBlock : ReceiveStatus.Error;
            }

            LastReceiveFilledBuffer = n == _in.Length - _inEnd;
            var chunkOffset = _inOffset + (_inEnd - _inStart);
            var fdError = QueueReceivedFds(&msg, chunkOffset);
            if (n == 0 && fdError == 0) return ReceiveStatus.Closed;
            _inEnd += (int)n;
            if (fdError != 0) { error = fdError; return ReceiveStatus.Error; }
            if ((msg.msg_flags & MSG_CTRUNC) != 0) { error = ReceiveError.TooManyFds; return ReceiveStatus.Error; }
            return n == 0 ? ReceiveStatus.Closed : ReceiveStatus.Data;
        }
    }

    // glibc's 64-bit layout: struct cmsghdr { size_t len; int level; int type; } then data,
    // each header aligned to size_t. Walked by hand, bounded by msg_controllen, so a truncated or odd
    // control buffer can never make us read past what the kernel wrote.
    private const int CmsgHeaderSize = 16;
    private static int CmsgAlign(long length) => (int)((length + 7) & ~7L);

    private int QueueReceivedFds(msghdr* msg, long chunkOffset)
    {
        var result = 0;
        var p = (byte*)msg->msg_control;
        var end = p + (uint)msg->msg_controllen;
        while (p + CmsgHeaderSize <= end)
        {
            var length = (long)*(nuint*)p;
            if (length < CmsgHeaderSize || length > end - p) break;
            if (*(int*)(p + 8) == SOL_SOCKET && *(int*)(p + 12) == SCM_RIGHTS)
            {
                var count = (int)(length - CmsgHeaderSize) / sizeof(int);
                var fds = (int*)(p + CmsgHeaderSize);
                for (var i = 0; i < count; i++)
                {
                    if (_inFds.IsFull) { Native.Close(fds[i]); result = ReceiveError.FdQueueFull; }
                    else if (Account?.TryCharge() is { } refused and not 0) { Native.Close(fds[i]); result = refused; }
                    else _inFds.Enqueue(fds[i], chunkOffset);
                }
            }
            p += CmsgAlign(length);
        }
        return result;
    }

    // ---- output ----

    /// <summary>Starts a message to <paramref name="objectId"/>; room for a whole message is guaranteed.</summary>
    public MessageWriter BeginMessage(uint objectId)
    {
        if (_writingToDiscard || OutputOverflowed) return StartDiscarded(objectId);
        if (_out.Length - _outEnd < WireFormat.MaxMessageSize)
        {
            if (_outStart > 0)
            {
                Buffer.BlockCopy(_out, _outStart, _out, 0, _outEnd - _outStart);
                _outEnd -= _outStart;
                _outStart = 0;
            }
            if (_out.Length - _outEnd < WireFormat.MaxMessageSize)
            {
                if (_outEnd + WireFormat.MaxMessageSize > MaxOutputBytes + WireFormat.MaxMessageSize)
                {
                    OutputOverflowed = true;
                    return StartDiscarded(objectId);
                }
                Array.Resize(ref _out, Math.Min(_out.Length * 2, MaxOutputBytes + WireFormat.MaxMessageSize));
            }
        }
        return new MessageWriter(_out.AsSpan(_outEnd, WireFormat.MaxMessageSize), this, objectId);
    }

    private MessageWriter StartDiscarded(uint objectId)
    {
        _writingToDiscard = true;
        return new MessageWriter(_discard, this, objectId);
    }

    /// <summary>Completes the message: writes its size and opcode and commits it to the output buffer.
    /// Returns the encoded message (valid until the next write) for tracing.</summary>
    public ReadOnlySpan<byte> EndMessage(ref MessageWriter writer, ushort opcode)
    {
        var length = writer.Length;
        var bytes = writer.Written;
        BinaryPrimitives.WriteUInt32LittleEndian(bytes[4..], (uint)(length << 16) | opcode);
        if (_writingToDiscard) { _writingToDiscard = false; return bytes; }
        _outEnd += length;
        return bytes;
    }

    internal void QueueFd(int fd)
    {
        if (_writingToDiscard || OutputOverflowed || _outFds.IsFull)
        {
            Native.Close(fd);
            if (_outFds.IsFull) OutputOverflowed = true;
            return;
        }
        // Remember where the message carrying this fd starts, so Flush never sends its bytes after
        // the fd's own batch (a message must not arrive before its fds).
        _outFds.Enqueue(fd, _outOffset + (_outEnd - _outStart));
    }

    /// <summary>Writes as much buffered output as the socket takes. Queued fds travel with the bytes
    /// of their messages, at most <see cref="WireFormat.MaxFdsPerSend"/> per sendmsg; when more are
    /// queued, a send stops before the first message whose fds do not fit.</summary>
    public FlushStatus Flush(out int error)
    {
        error = 0;
        var controlSize = CmsgHeaderSize + CmsgAlign(WireFormat.MaxFdsPerSend * sizeof(int));
        byte* control = stackalloc byte[controlSize];
        while (_outEnd > _outStart)
        {
            var fdCount = Math.Min(_outFds.Count, WireFormat.MaxFdsPerSend);
            var length = _outEnd - _outStart;
            if (_outFds.Count > fdCount)
            {
                var untilNextBatch = _outFds.PeekOffset(fdCount) - _outOffset;
                length = untilNextBatch > 0
                    ? (int)Math.Min(length, untilNextBatch)
                    : BinaryPrimitives.ReadUInt16LittleEndian(_out.AsSpan(_outStart + 6)); // one message with > 28 fds
            }
            long n;
            fixed (byte* data = &_out[_outStart])
            {
                iovec iov = default;
                iov.iov_base = data;
                iov.iov_len = (size_t)length;
                msghdr msg = default;
                msg.msg_iov = &iov;
                msg.msg_iovlen = 1;
                if (fdCount > 0)
                {
                    *(nuint*)control = (nuint)(CmsgHeaderSize + fdCount * sizeof(int));
                    *(int*)(control + 8) = SOL_SOCKET;
                    *(int*)(control + 12) = SCM_RIGHTS;
                    var fds = (int*)(control + CmsgHeaderSize);
                    for (var i = 0; i < fdCount; i++) fds[i] = _outFds.Peek(i);
                    msg.msg_control = control;
                    msg.msg_controllen = (socklen_t)(uint)(CmsgHeaderSize + CmsgAlign(fdCount * sizeof(int)));
                }
                do n = sendmsg(_fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
                while (n < 0 && errno == Native.EINTR);
            }
            if (n < 0)
            {
                error = errno;
                return error == Native.EAGAIN ? FlushStatus.WouldBlock : FlushStatus.Error;
            }
            // The kernel holds its own references now; ours were duplicates made for sending.
            for (var i = 0; i < fdCount; i++) Native.Close(_outFds.Dequeue());
            _outStart += (int)n;
            _outOffset += n;
        }
        _outStart = _outEnd = 0;
        return FlushStatus.Done;
    }

    public void Dispose()
    {
        Account?.Refund(_inFds.Count);
        _inFds.CloseAll();
        _outFds.CloseAll();
        if (_fd >= 0) { Native.Close(_fd); _fd = -1; }
    }
}

/// <summary>Our own receive failures, reported as negative error values.</summary>
public static class ReceiveError
{
    public const int InputFull = -1;
    public const int FdQueueFull = -2;
    public const int TooManyFds = -3;
    public const int FdLimit = -4;
    public const int FdBudgetFull = -5;

    public static string Describe(int error) => error switch
    {
        InputFull => "input buffer full",
        FdQueueFull => $"more than {WireConnection.MaxQueuedFds} fds queued",
        TooManyFds => "too many fds in one message",
        FdLimit => "holds as many fds as a client may (its share of the compositor's fd budget)",
        FdBudgetFull => "the compositor's fd budget for clients is exhausted",
        _ => $"errno {error}",
    };
}
