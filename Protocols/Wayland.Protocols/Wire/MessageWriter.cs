using System.Buffers.Binary;
using System.Text;

namespace Wayland.Wire;

/// <summary>
/// Encodes one message straight into its connection's output buffer. Obtained from
/// <see cref="WireConnection.BeginMessage"/> and finished with <see cref="WireConnection.EndMessage"/>.
/// </summary>
public ref struct MessageWriter
{
    private readonly Span<byte> _buffer;
    private readonly WireConnection _connection;
    private int _pos;

    internal MessageWriter(Span<byte> buffer, WireConnection connection, uint objectId)
    {
        _buffer = buffer;
        _connection = connection;
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer, objectId);
        _pos = WireFormat.HeaderSize;
    }

    internal readonly int Length => _pos;
    internal readonly Span<byte> Written => _buffer[.._pos];

    private Span<byte> Take(int bytes)
    {
        if (_buffer.Length - _pos < bytes)
            throw new ArgumentException($"message longer than {WireFormat.MaxMessageSize} bytes");
        var s = _buffer.Slice(_pos, bytes);
        _pos += bytes;
        return s;
    }

    public void WriteUint(uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Take(4), value);
    public void WriteInt(int value) => BinaryPrimitives.WriteInt32LittleEndian(Take(4), value);
    public void WriteFixed(Fixed value) => WriteInt(value.Raw);
    public void WriteObjectId(uint id) => WriteUint(id);
    public void WriteNewId(uint id) => WriteUint(id);

    public void WriteString(string? value)
    {
        if (value is null) { WriteUint(0); return; }
        var length = Encoding.UTF8.GetByteCount(value) + 1;
        WriteUint((uint)length);
        var dst = Take(WireFormat.Padded(length));
        var n = Encoding.UTF8.GetBytes(value, dst);
        dst[n..].Clear();
    }

    /// <summary>A string given as UTF-8 bytes (without NUL); allocates nothing.</summary>
    public void WriteString(ReadOnlySpan<byte> utf8)
    {
        var length = utf8.Length + 1;
        WriteUint((uint)length);
        var dst = Take(WireFormat.Padded(length));
        utf8.CopyTo(dst);
        dst[utf8.Length..].Clear();
    }

    public void WriteArray(ReadOnlySpan<byte> data)
    {
        WriteUint((uint)data.Length);
        var dst = Take(WireFormat.Padded(data.Length));
        data.CopyTo(dst);
        dst[data.Length..].Clear();
    }

    /// <summary>Queues a duplicate of <paramref name="fd"/>; the caller keeps its own fd.</summary>
    public readonly void WriteFd(int fd) => _connection.QueueFd(Native.DupCloexec(fd));

    public readonly void WriteFd(OwnedFd fd) => WriteFd(fd.Value);
}
