using System.Buffers.Binary;
using System.Text;

namespace Wayland.Wire;

/// <summary>
/// Decodes the arguments of one message in place, with the checks libwayland's demarshaller makes.
/// Any malformed argument throws <see cref="WireFormatException"/>; valid input allocates nothing
/// except strings.
/// </summary>
public ref struct MessageReader
{
    private readonly ReadOnlySpan<byte> _body;
    private readonly IMessageContext _context;
    private int _pos;
    private uint _lastNewId;

    /// <param name="body">The message without its 8-byte header.</param>
    public MessageReader(ReadOnlySpan<byte> body, IMessageContext context)
    {
        _body = body;
        _context = context;
        _pos = 0;
        _lastNewId = 0;
    }

    public readonly int Remaining => _body.Length - _pos;

    private uint ReadWord()
    {
        if (_body.Length - _pos < 4) throw new WireFormatException("message too short");
        var v = BinaryPrimitives.ReadUInt32LittleEndian(_body.Slice(_pos, 4));
        _pos += 4;
        return v;
    }

    public int ReadInt() => (int)ReadWord();
    public uint ReadUint() => ReadWord();
    public Fixed ReadFixed() => new((int)ReadWord());

    /// <summary>A string; length 0 on the wire means null, which only a nullable argument may be.</summary>
    public string? ReadString(bool nullable) =>
        ReadStringBytes(nullable, out var utf8) ? Encoding.UTF8.GetString(utf8) : null;

    /// <summary>A string's UTF-8 bytes without the NUL, allocating nothing; false for a null string.</summary>
    public bool ReadStringBytes(bool nullable, out ReadOnlySpan<byte> utf8)
    {
        var length = ReadWord();
        if (length == 0)
        {
            if (!nullable) throw new WireFormatException("null string for a non-nullable argument");
            utf8 = default;
            return false;
        }
        if (length > (uint)(_body.Length - _pos) || WireFormat.Padded((int)length) > _body.Length - _pos)
            throw new WireFormatException("string runs past the end of the message");
        var s = _body.Slice(_pos, (int)length);
        if (s[^1] != 0) throw new WireFormatException("string not NUL-terminated");
        _pos += WireFormat.Padded((int)length);
        // A C peer reads up to the first NUL; do the same so both ends agree on the value.
        utf8 = s[..s.IndexOf((byte)0)];
        return true;
    }

    public ReadOnlySpan<byte> ReadArray()
    {
        var length = ReadWord();
        if (length > (uint)(_body.Length - _pos) || WireFormat.Padded((int)length) > _body.Length - _pos)
            throw new WireFormatException("array runs past the end of the message");
        var a = _body.Slice(_pos, (int)length);
        _pos += WireFormat.Padded((int)length);
        return a;
    }

    /// <summary>The object an id names, checked against the expected type. Unknown ids are invalid
    /// arguments, as in libwayland.</summary>
    public T? ReadObject<T>(bool nullable, string interfaceName) where T : class
    {
        var id = ReadWord();
        if (id == 0)
        {
            if (!nullable) throw new WireFormatException("null object for a non-nullable argument");
            return null;
        }
        var obj = _context.LookupObject(id);
        if (obj is null) throw new WireFormatException($"unknown object ({id})");
        if (obj is not T typed) throw new WireFormatException($"object {id} is not a {interfaceName}");
        return typed;
    }

    /// <summary>The raw id of an object argument (used by untyped readers and traces).</summary>
    public uint ReadObjectId() => ReadWord();

    /// <summary>A new object id the peer allocated; checked for range and reuse.</summary>
    public uint ReadNewId()
    {
        var id = ReadWord();
        if (id == 0) throw new WireFormatException("null new id");
        if (id == _lastNewId) throw new WireFormatException($"new id {id} used twice in one message");
        _context.CheckNewId(id);
        _lastNewId = id;
        return id;
    }

    public OwnedFd ReadFd() => _context.TakeFd();
}
