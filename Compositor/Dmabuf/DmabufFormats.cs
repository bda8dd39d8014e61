using Compositor.Backends;

namespace Compositor.Dmabuf;

/// <summary>linux-dmabuf's format table (what each format is, planes and rows, is
/// <see cref="Fourcc"/>'s).</summary>
public static class DmabufFormats
{
    /// <summary>The feedback format table: 16 bytes per pair (u32 format, u32 padding, u64 modifier).</summary>
    public static byte[] Table(IReadOnlyList<DmaBufFormat> formats)
    {
        var table = new byte[formats.Count * 16];
        for (var i = 0; i < formats.Count; i++)
        {
            BitConverter.TryWriteBytes(table.AsSpan(i * 16), formats[i].Fourcc);
            BitConverter.TryWriteBytes(table.AsSpan(i * 16 + 8), formats[i].Modifier);
        }
        return table;
    }
}
