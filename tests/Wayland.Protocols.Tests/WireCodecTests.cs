using CsCheck;
using Wayland.Wire;

namespace Wayland.Tests;

/// <summary>Every argument type through MessageWriter and back through MessageReader, property-based.</summary>
public sealed class WireCodecTests : IDisposable
{
    private readonly WireConnection _connection;
    private readonly int _peer;

    public WireCodecTests()
    {
        (var a, _peer) = Native.SocketPair();
        _connection = new WireConnection(a);
    }

    public void Dispose()
    {
        _connection.Dispose();
        Native.Close(_peer);
    }

    private sealed class Context(Dictionary<uint, object> objects) : IMessageContext
    {
        public object? LookupObject(uint id) => objects.GetValueOrDefault(id);
        public void CheckNewId(uint id)
        {
            if (id == 0 || objects.ContainsKey(id)) throw new WireFormatException("bad new id");
        }
        public OwnedFd TakeFd() => throw new WireFormatException("no fds here");
    }

    private byte[] Encode(Action<MessageWriterBox> write, ushort opcode = 3)
    {
        var w = _connection.BeginMessage(42);
        var box = new MessageWriterBox();
        write(box);
        foreach (var op in box.Ops) op(ref w);
        var bytes = _connection.EndMessage(ref w, opcode).ToArray();
        _connection.Flush(out _);
        return bytes;
    }

    /// <summary>Collects writes so lambdas (which cannot capture a ref struct) can describe them.</summary>
    private sealed class MessageWriterBox
    {
        public delegate void Op(ref MessageWriter w);
        public readonly List<Op> Ops = [];
        public void Add(Op op) => Ops.Add(op);
    }

    [Fact]
    public void HeaderCarriesIdSizeAndOpcode()
    {
        var bytes = Encode(b => b.Add((ref MessageWriter w) => w.WriteUint(5)), opcode: 7);
        Assert.Equal(12, bytes.Length);
        Assert.Equal(42u, BitConverter.ToUInt32(bytes, 0));
        Assert.Equal((12u << 16) | 7u, BitConverter.ToUInt32(bytes, 4));
    }

    [Fact]
    public void IntsUintsAndFixedRoundTrip() =>
        Gen.Select(Gen.Int, Gen.UInt, Gen.Int).Sample((i, u, f) =>
        {
            var bytes = Encode(b =>
            {
                b.Add((ref MessageWriter w) => w.WriteInt(i));
                b.Add((ref MessageWriter w) => w.WriteUint(u));
                b.Add((ref MessageWriter w) => w.WriteFixed(new Fixed(f)));
            });
            var r = new MessageReader(bytes.AsSpan(8), new Context([]));
            return r.ReadInt() == i && r.ReadUint() == u && r.ReadFixed().Raw == f && r.Remaining == 0;
        }, threads: 1);

    [Fact]
    public void FixedConvertsLikeLibwayland()
    {
        Assert.Equal(256, Fixed.FromInt(1).Raw);
        Assert.Equal(-384, Fixed.FromDouble(-1.5).Raw);
        Assert.Equal(2.25, Fixed.FromDouble(2.25).ToDouble());
        Assert.Equal("1.500000", new Fixed(384).ToString());
    }

    [Fact]
    public void StringsRoundTripIncludingNullAndEmpty() =>
        Gen.String.Where(s => !s.Contains('\0') && s.Length < 1000).Select(Gen.Bool).Sample((s, isNull) =>
        {
            var value = isNull ? null : s;
            var bytes = Encode(b => b.Add((ref MessageWriter w) => w.WriteString(value)));
            Assert.Equal(0, bytes.Length % 4);
            var r = new MessageReader(bytes.AsSpan(8), new Context([]));
            return r.ReadString(nullable: true) == value && r.Remaining == 0;
        }, threads: 1);

    [Fact]
    public void ArraysRoundTripWithPadding() =>
        Gen.Byte.Array[0, 3000].Sample(data =>
        {
            var bytes = Encode(b => b.Add((ref MessageWriter w) => w.WriteArray(data)));
            Assert.Equal(8 + 4 + WireFormat.Padded(data.Length), bytes.Length);
            var r = new MessageReader(bytes.AsSpan(8), new Context([]));
            return r.ReadArray().SequenceEqual(data) && r.Remaining == 0;
        }, threads: 1);

    [Fact]
    public void ObjectsAndNewIdsRoundTrip() =>
        Gen.UInt[1, 1000].Select(Gen.UInt[1001, 2000]).Sample((objId, newId) =>
        {
            var target = new object();
            var bytes = Encode(b =>
            {
                b.Add((ref MessageWriter w) => w.WriteObjectId(objId));
                b.Add((ref MessageWriter w) => w.WriteObjectId(0));
                b.Add((ref MessageWriter w) => w.WriteNewId(newId));
            });
            var r = new MessageReader(bytes.AsSpan(8), new Context(new() { [objId] = target }));
            return ReferenceEquals(r.ReadObject<object>(false, "x"), target)
                && r.ReadObject<object>(true, "x") is null
                && r.ReadNewId() == newId;
        }, threads: 1);

    [Fact]
    public void StringTruncatesAtFirstNulLikeC()
    {
        var body = new byte[] { 8, 0, 0, 0, (byte)'a', (byte)'b', 0, (byte)'c', (byte)'d', 0, 0, 0 };
        var r = new MessageReader(body, new Context([]));
        Assert.Equal("ab", r.ReadString(false));
    }

    [Fact]
    public void MalformedArgumentsThrowWireFormatException()
    {
        static void Throws(byte[] body, Action<MessageReader> read)
        {
            var threw = false;
            try { read(new MessageReader(body, new Context([]))); }
            catch (WireFormatException) { threw = true; }
            Assert.True(threw);
        }
        Throws([1, 0], r => r.ReadUint());
        Throws([4, 0, 0, 0, (byte)'a', (byte)'b', (byte)'c', (byte)'d'], r => r.ReadString(false));
        Throws([0, 0, 0, 0], r => r.ReadString(false));
        Throws([9, 0, 0, 0, 1, 2, 3, 4], r => r.ReadArray());
        Throws([7, 0, 0, 0], r => r.ReadObject<object>(false, "x"));
        Throws([0, 0, 0, 0], r => r.ReadObject<object>(false, "x"));
        Throws([0, 0, 0, 0], r => r.ReadNewId());
        Throws([], r => r.ReadFd());
    }

    [Fact]
    public void OversizedMessageIsRefusedByTheWriter()
    {
        var w = _connection.BeginMessage(1);
        var threw = false;
        try { w.WriteArray(new byte[WireFormat.MaxMessageSize]); }
        catch (ArgumentException) { threw = true; }
        Assert.True(threw);
    }
}
