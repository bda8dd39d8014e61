using System.Buffers.Binary;
using System.Text;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace Wayland.Tests.Harness;

/// <summary>A client end that sends whatever bytes and fds a test crafts, and reads raw events.</summary>
public sealed unsafe class RawClient(int fd) : IDisposable
{
    public int Fd { get; private set; } = fd;
    private readonly List<byte> _received = [];
    private bool _eof;

    public void Send(byte[] bytes, params int[] fds)
    {
        fixed (byte* data = bytes)
        {
            iovec iov = default;
            iov.iov_base = data;
            iov.iov_len = (size_t)bytes.Length;
            msghdr msg = default;
            msg.msg_iov = &iov;
            msg.msg_iovlen = 1;
            var space = CMSG_SPACE(Math.Max(1, fds.Length) * sizeof(int));
            byte* control = stackalloc byte[space];
            if (fds.Length > 0)
            {
                var c = (cmsghdr*)control;
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                // The header and the fds, unpadded: Tmds' CMSG_LEN rounds up to 8 bytes, which made the
                // kernel send one more fd (whatever the padding held) after an odd number.
                c->cmsg_len = (socklen_t)(sizeof(cmsghdr) + fds.Length * sizeof(int));
                for (var i = 0; i < fds.Length; i++) ((int*)CMSG_DATA(c))[i] = fds[i];
                msg.msg_control = control;
                msg.msg_controllen = (socklen_t)space;
            }
            var n = (long)sendmsg(Fd, &msg, MSG_NOSIGNAL);
            Assert.Equal(bytes.Length, n);
        }
    }

    public void ShutdownWrite() => shutdown(Fd, SHUT_WR);

    /// <summary>Reads everything the server has sent so far (non-blocking); received fds are closed.</summary>
    public byte[] Receive()
    {
        var buffer = new byte[65536];
        var control = stackalloc byte[CMSG_SPACE(64 * sizeof(int))];
        while (true)
        {
            long n;
            fixed (byte* data = buffer)
            {
                iovec iov = default;
                iov.iov_base = data;
                iov.iov_len = (size_t)buffer.Length;
                msghdr msg = default;
                msg.msg_iov = &iov;
                msg.msg_iovlen = 1;
                msg.msg_control = control;
                msg.msg_controllen = (socklen_t)CMSG_SPACE(64 * sizeof(int));
                n = recvmsg(Fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
                if (n > 0)
                    for (var c = CMSG_FIRSTHDR(&msg); c != null; c = CMSG_NXTHDR(&msg, c))
                        for (var i = 0; i < ((int)(uint)c->cmsg_len - CMSG_LEN(0)) / 4; i++)
                            close(((int*)CMSG_DATA(c))[i]);
            }
            if (n == 0) { _eof = true; break; }
            if (n < 0) break;
            _received.AddRange(buffer.AsSpan(0, (int)n).ToArray());
        }
        return [.. _received];
    }

    /// <summary>True once the server closed its end (after everything it sent was read).</summary>
    public bool PeerClosed
    {
        get { Receive(); return _eof; }
    }

    public List<Event> Events() => RawWire.Parse(Receive());

    public void Dispose()
    {
        if (Fd >= 0) { close(Fd); Fd = -1; }
    }
}

public readonly record struct Event(uint ObjectId, ushort Opcode, byte[] Body)
{
    public uint Word(int i) => BinaryPrimitives.ReadUInt32LittleEndian(Body.AsSpan(i * 4));
}

/// <summary>Builds and parses raw wire messages for tests that must send what a correct encoder cannot.</summary>
public static class RawWire
{
    /// <summary>A message with a correct header. Args: uint/int as 32-bit words, string (null = 0),
    /// byte[] as an array argument, <see cref="Raw"/> as bytes copied verbatim.</summary>
    public static byte[] Message(uint objectId, ushort opcode, params object?[] args)
    {
        var body = new List<byte>();
        foreach (var a in args)
        {
            switch (a)
            {
                case uint u: Word(body, u); break;
                case int i: Word(body, (uint)i); break;
                case null: Word(body, 0); break;
                case string s:
                    var bytes = Encoding.UTF8.GetBytes(s + "\0");
                    Word(body, (uint)bytes.Length);
                    body.AddRange(bytes);
                    Pad(body);
                    break;
                case byte[] arr:
                    Word(body, (uint)arr.Length);
                    body.AddRange(arr);
                    Pad(body);
                    break;
                case Raw r: body.AddRange(r.Bytes); break;
                default: throw new ArgumentException($"unsupported arg {a.GetType()}");
            }
        }
        return Header(objectId, opcode, body.Count + 8).Concat(body).ToArray();
    }

    public static byte[] Header(uint objectId, ushort opcode, int size)
    {
        var h = new byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(h, objectId);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(4), ((uint)size << 16) | opcode);
        return h;
    }

    public sealed record Raw(params byte[] Bytes);

    private static void Word(List<byte> b, uint v)
    {
        Span<byte> w = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(w, v);
        b.AddRange(w.ToArray());
    }

    private static void Pad(List<byte> b)
    {
        while (b.Count % 4 != 0) b.Add(0);
    }

    public static List<Event> Parse(byte[] stream)
    {
        var events = new List<Event>();
        var pos = 0;
        while (stream.Length - pos >= 8)
        {
            var id = BinaryPrimitives.ReadUInt32LittleEndian(stream.AsSpan(pos));
            var word = BinaryPrimitives.ReadUInt32LittleEndian(stream.AsSpan(pos + 4));
            var size = (int)(word >> 16);
            if (size < 8 || stream.Length - pos < size) break;
            events.Add(new Event(id, (ushort)word, stream.AsSpan(pos + 8, size - 8).ToArray()));
            pos += size;
        }
        return events;
    }

    /// <summary>The wl_display.error in a list of events, if any: (object id, code, message).</summary>
    public static (uint ObjectId, uint Code, string Message)? Error(IEnumerable<Event> events)
    {
        foreach (var e in events)
        {
            if (e.ObjectId != 1 || e.Opcode != 0) continue;
            var len = (int)e.Word(2);
            return (e.Word(0), e.Word(1), Encoding.UTF8.GetString(e.Body, 12, len - 1));
        }
        return null;
    }
}
