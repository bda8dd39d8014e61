using System.Buffers.Binary;
using Wayland.Fuzz.Harness;

namespace Wayland.Fuzz.Protocol;

/// <summary>Breaks a well-formed request the ways a buggy or hostile client would: flipped bits, a
/// wrong size, opcode or object id, a message cut short, fds missing, extra or of the wrong kind.</summary>
public sealed class Mutator(Random rng)
{
    private static readonly FdKind[] AllKinds = Enum.GetValues<FdKind>();

    public Request Mutate(Request r)
    {
        var bytes = (byte[])r.Bytes.Clone();
        var fds = r.Fds.ToList();
        string what;
        switch (rng.Next(10))
        {
            case 0:
                var bit = rng.Next(bytes.Length * 8);
                bytes[bit / 8] ^= (byte)(1 << (bit % 8));
                what = $"bit {bit} flipped";
                break;
            case 1:
                int[] sizes = [0, 4, bytes.Length - 4, bytes.Length + 4, bytes.Length + 1, 4100, 0xffff, rng.Next(0x10000)];
                var size = (ushort)sizes[rng.Next(sizes.Length)];
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(6), size);
                what = $"size {size}";
                break;
            case 2:
                var opcode = (ushort)(rng.Next(3) == 0 ? rng.Next(0x10000) : rng.Next(16));
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(4), opcode);
                what = $"opcode {opcode}";
                break;
            case 3:
                uint[] ids = [0, 1, 2, 999, 0xff000000, 0xffffffff, (uint)rng.Next(1, 64)];
                var id = ids[rng.Next(ids.Length)];
                BinaryPrimitives.WriteUInt32LittleEndian(bytes, id);
                what = $"object {id}";
                break;
            case 4:
                var keep = rng.Next(1, bytes.Length);
                bytes = bytes[..keep];
                what = $"cut to {keep} bytes";
                break;
            case 5 when fds.Count > 0:
                fds.RemoveAt(rng.Next(fds.Count));
                what = "an fd missing";
                break;
            case 6:
                var extra = rng.Next(1, rng.Next(10) == 0 ? 40 : 4);
                for (var i = 0; i < extra; i++) fds.Add(AllKinds[rng.Next(AllKinds.Length)]);
                what = $"{extra} extra fd(s)";
                break;
            case 7 when fds.Count > 0:
                fds[rng.Next(fds.Count)] = AllKinds[rng.Next(AllKinds.Length)];
                what = "an fd of another kind";
                break;
            case 8 when bytes.Length > 8:
                // A word of the body replaced: ids, lengths and values all become anything.
                var word = 8 + 4 * rng.Next((bytes.Length - 8) / 4);
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(word), (uint)rng.NextInt64(uint.MaxValue + 1L));
                what = $"word at {word} replaced";
                break;
            default:
                bytes = new byte[rng.Next(1, 64)];
                rng.NextBytes(bytes);
                what = $"{bytes.Length} random bytes";
                break;
        }
        return new Request(bytes, [.. fds], $"{r.Description} [mutated: {what}]");
    }
}
