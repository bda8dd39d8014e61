using System.Buffers.Binary;
using System.Text;

namespace Wayland.Fuzz.Harness;

/// <summary>Finds wl_display.error in what a server sent.</summary>
public static class ServerError
{
    /// <summary>"object N: code C: message" of the first wl_display.error in the stream, or null.</summary>
    public static string? Find(ReadOnlySpan<byte> stream)
    {
        for (var pos = 0; stream.Length - pos >= 8;)
        {
            var id = BinaryPrimitives.ReadUInt32LittleEndian(stream[pos..]);
            var word = BinaryPrimitives.ReadUInt32LittleEndian(stream[(pos + 4)..]);
            var size = (int)(word >> 16);
            if (size < 8 || stream.Length - pos < size) return null;
            if (id == 1 && (ushort)word == 0 && size >= 20)
            {
                var body = stream.Slice(pos + 8, size - 8);
                var length = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(body[8..]), (uint)body.Length - 12);
                var message = Encoding.UTF8.GetString(body.Slice(12, Math.Max(0, length - 1)));
                return $"object {BinaryPrimitives.ReadUInt32LittleEndian(body)}: code {BinaryPrimitives.ReadUInt32LittleEndian(body[4..])}: {message}";
            }
            pos += size;
        }
        return null;
    }
}
