using System.Buffers;
using Wayland.Events;
using static Tmds.Linux.LibC;

namespace Compositor.Xwayland;

/// <summary>Reads a pipe a Wayland client writes selection data into, to its end, without blocking
/// the loop; owns the read end and closes it once done. Data beyond <see cref="Limit"/> is refused.</summary>
internal sealed class PipeReader : IDisposable
{
    public const int Limit = 64 << 20;
    private readonly ArrayBufferWriter<byte> _data = new();
    private readonly Action<PipeReader, bool> _done;
    private FdSource? _watch;
    private int _fd;

    public PipeReader(EventLoop loop, int fd, Action<PipeReader, bool> done)
    {
        _fd = fd;
        _done = done;
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        _watch = loop.AddFd(fd, FdEvents.Readable, (_, _) => OnReadable());
    }

    public ReadOnlyMemory<byte> Data => _data.WrittenMemory;

    private unsafe void OnReadable()
    {
        while (_fd >= 0)
        {
            var span = _data.GetSpan(64 * 1024);
            long n;
            fixed (byte* p = span) n = read(_fd, p, span.Length);
            if (n > 0)
            {
                _data.Advance((int)n);
                if (_data.WrittenCount > Limit) Finish(ok: false);
                continue;
            }
            if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
            Finish(ok: n == 0);
        }
    }

    private void Finish(bool ok)
    {
        Dispose();
        _done(this, ok);
    }

    public void Dispose()
    {
        _watch?.Dispose();
        _watch = null;
        if (_fd >= 0) close(_fd);
        _fd = -1;
    }
}

/// <summary>Writes selection data into the fd a Wayland client gave to receive it, as fast as the
/// client reads, without blocking the loop; owns the fd and closes it after the last byte once
/// <see cref="Complete"/> was called (or at once on <see cref="Dispose"/>).</summary>
internal sealed class PipeWriter : IDisposable
{
    private readonly EventLoop _loop;
    private readonly Queue<byte[]> _chunks = new();
    private int _offset;
    private FdSource? _watch;
    private int _fd;
    private bool _complete;

    public PipeWriter(EventLoop loop, int fd)
    {
        _loop = loop;
        _fd = fd;
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    }

    public bool IsClosed => _fd < 0;

    public void Write(ReadOnlySpan<byte> data)
    {
        if (_fd < 0 || data.IsEmpty) return;
        _chunks.Enqueue(data.ToArray());
        Flush();
    }

    /// <summary>No more data: the fd closes once what is queued is written.</summary>
    public void Complete()
    {
        _complete = true;
        Flush();
    }

    private unsafe void Flush()
    {
        while (_fd >= 0 && _chunks.Count > 0)
        {
            var chunk = _chunks.Peek();
            long n;
            fixed (byte* p = chunk) n = write(_fd, p + _offset, chunk.Length - _offset);
            if (n < 0)
            {
                if (errno == EINTR) continue;
                if (errno == EAGAIN)
                {
                    _watch ??= _loop.AddFd(_fd, FdEvents.Writable, (_, _) => Flush());
                    return;
                }
                Dispose(); // the reader went away (EPIPE): nothing more to do
                return;
            }
            _offset += (int)n;
            if (_offset < chunk.Length) continue;
            _chunks.Dequeue();
            _offset = 0;
        }
        _watch?.Dispose();
        _watch = null;
        if (_complete) Dispose();
    }

    public void Dispose()
    {
        _watch?.Dispose();
        _watch = null;
        _chunks.Clear();
        if (_fd >= 0) close(_fd);
        _fd = -1;
    }
}
