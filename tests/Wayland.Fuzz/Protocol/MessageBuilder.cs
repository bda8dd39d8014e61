using System.Buffers.Binary;
using System.Text;

namespace Wayland.Fuzz.Protocol;

/// <summary>Encodes one request's body in the wire format; <see cref="Finish"/> prepends the header.</summary>
public sealed class MessageBuilder
{
    private readonly List<byte> _body = new(64);

    public void Word(uint value)
    {
        Span<byte> w = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(w, value);
        _body.AddRange(w);
    }

    /// <summary>A string with its NUL, padded; null is length 0.</summary>
    public void String(string? s)
    {
        if (s is null) { Word(0); return; }
        var bytes = Encoding.UTF8.GetBytes(s + "\0");
        Array(bytes);
    }

    public void Array(ReadOnlySpan<byte> bytes)
    {
        Word((uint)bytes.Length);
        _body.AddRange(bytes);
        while (_body.Count % 4 != 0) _body.Add(0);
    }

    public byte[] Finish(uint objectId, ushort opcode)
    {
        var message = new byte[8 + _body.Count];
        BinaryPrimitives.WriteUInt32LittleEndian(message, objectId);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(4), ((uint)message.Length << 16) | opcode);
        _body.CopyTo(message, 8);
        return message;
    }
}
