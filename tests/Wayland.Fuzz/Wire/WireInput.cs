using System.Buffers.Binary;
using Wayland.Fuzz.Harness;

namespace Wayland.Fuzz.Wire;

/// <summary>
/// The afl target's input: what one client sends, as a list of sendmsg calls. Each segment is
/// <c>u16 length (LE) | u8 fds | length bytes</c>; the low two bits of <c>fds</c> are how many fds ride
/// with the bytes (0..3), the next pairs of bits each one's <see cref="FdKind"/> (the first four kinds).
/// A length past the end of the input takes what is left, so every input means something.
/// </summary>
public static class WireInput
{
    public const int SegmentHeader = 3;

    public readonly record struct Segment(ReadOnlyMemory<byte> Bytes, FdKind[] Fds);

    public static List<Segment> Parse(ReadOnlyMemory<byte> input)
    {
        var segments = new List<Segment>();
        var span = input.Span;
        var pos = 0;
        while (span.Length - pos >= SegmentHeader)
        {
            var length = Math.Min(BinaryPrimitives.ReadUInt16LittleEndian(span[pos..]), span.Length - pos - SegmentHeader);
            var fdByte = span[pos + 2];
            var fds = new FdKind[fdByte & 3];
            for (var i = 0; i < fds.Length; i++) fds[i] = (FdKind)((fdByte >> (2 + 2 * i)) & 3);
            segments.Add(new Segment(input.Slice(pos + SegmentHeader, length), fds));
            pos += SegmentHeader + length;
        }
        return segments;
    }

    /// <summary>Encodes one segment (for seeds); only the first four fd kinds fit the format.</summary>
    public static void Append(List<byte> output, ReadOnlySpan<byte> bytes, IReadOnlyList<FdKind> fds)
    {
        if (fds.Count > 3) throw new ArgumentException("at most 3 fds per segment", nameof(fds));
        var fdByte = fds.Count;
        for (var i = 0; i < fds.Count; i++)
        {
            if ((int)fds[i] >= Fds.AflKinds) throw new ArgumentException($"{fds[i]} cannot be encoded", nameof(fds));
            fdByte |= (int)fds[i] << (2 + 2 * i);
        }
        output.Add((byte)bytes.Length);
        output.Add((byte)(bytes.Length >> 8));
        output.Add((byte)fdByte);
        output.AddRange(bytes);
    }
}
