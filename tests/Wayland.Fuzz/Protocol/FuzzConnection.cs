using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Tmds.Linux;
using Wayland.Fuzz.Harness;
using static Tmds.Linux.LibC;

namespace Wayland.Fuzz.Protocol;

/// <summary>A raw client connection: sends batches of whatever bytes and fds, drains what comes back,
/// and notices when the compositor hangs up (after a protocol error, usually).</summary>
public sealed unsafe class FuzzConnection : IDisposable
{
    private int _fd;
    private readonly List<byte> _received = [];

    public FuzzConnection(string socketPath)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(socketPath));
        _fd = fcntl((int)socket.SafeHandle.DangerousGetHandle(), F_DUPFD_CLOEXEC, 3);
        _ = fcntl(_fd, F_SETFL, fcntl(_fd, F_GETFL) | O_NONBLOCK);
    }

    public bool Closed { get; private set; }

    /// <summary>Everything received, kept only when asked for (the registry at the start).</summary>
    public bool KeepReceived { get; set; }

    /// <summary>Sends the bytes with the fds riding on the first sendmsg; waits (up to 3 s) while the
    /// socket is full. False once the compositor closed the connection.</summary>
    public bool Send(ReadOnlySpan<byte> bytes, ReadOnlySpan<int> fds)
    {
        var waits = 0;
        while (bytes.Length > 0 && !Closed)
        {
            var n = RawSocket.Send(_fd, bytes, fds);
            if (n == -EAGAIN)
            {
                Drain();
                if (waits++ > 30) throw new FuzzFailure("the compositor has not read from a fuzz client for 3 s");
                Poll(POLLOUT, 100);
                continue;
            }
            if (n < 0) { Closed = true; return false; }
            bytes = bytes[(int)n..];
            fds = default;
        }
        return !Closed;
    }

    /// <summary>Reads what is there without waiting.</summary>
    public void Drain()
    {
        if (Closed) return;
        if (!RawSocket.Drain(_fd, KeepReceived ? b => _received.AddRange(b) : null)) Closed = true;
    }

    /// <summary>Waits for the compositor to answer or hang up.</summary>
    public void WaitReadable(int timeoutMs)
    {
        Poll(POLLIN, timeoutMs);
        Drain();
    }

    private void Poll(short events, int timeoutMs)
    {
        pollfd p = default;
        p.fd = _fd;
        p.events = events;
        _ = poll(&p, 1, timeoutMs);
    }

    /// <summary>The globals of wl_registry@2 in what was received, and whether wl_callback <paramref name="callback"/> is done.</summary>
    public (List<GlobalInfo> Globals, bool Done) Registry(uint callback)
    {
        var globals = new List<GlobalInfo>();
        var stream = _received.ToArray().AsSpan();
        var done = false;
        for (var pos = 0; stream.Length - pos >= 8;)
        {
            var id = BinaryPrimitives.ReadUInt32LittleEndian(stream[pos..]);
            var word = BinaryPrimitives.ReadUInt32LittleEndian(stream[(pos + 4)..]);
            var size = (int)(word >> 16);
            if (size < 8 || stream.Length - pos < size) break;
            var body = stream.Slice(pos + 8, size - 8);
            if (id == 2 && (ushort)word == 0)
            {
                var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(body[4..]);
                var name = Encoding.UTF8.GetString(body.Slice(8, length - 1));
                globals.Add(new GlobalInfo(BinaryPrimitives.ReadUInt32LittleEndian(body), name,
                    BinaryPrimitives.ReadUInt32LittleEndian(body[(8 + Wayland.Wire.WireFormat.Padded(length))..])));
            }
            if (id == callback) done = true;
            pos += size;
        }
        return (globals, done);
    }

    public void Dispose()
    {
        if (_fd >= 0) { close(_fd); _fd = -1; }
    }
}
