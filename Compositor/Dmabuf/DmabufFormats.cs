using Compositor.Backends;

namespace Compositor.Dmabuf;

/// <summary>What linux-dmabuf needs to know of DRM formats: how many planes each has, and how tall
/// each plane is (chroma planes of 4:2:0 formats have half the rows).</summary>
public static class DmabufFormats
{
    public const uint Nv12 = 0x3231564e, Nv21 = 0x3132564e, P010 = 0x30313050, Yuv420 = 0x32315559, Yvu420 = 0x32315659,
        Nv16 = 0x3631564e, Yuyv = 0x56595559;

    public static int PlaneCount(uint fourcc) => fourcc switch
    {
        Nv12 or Nv21 or P010 or Nv16 => 2,
        Yuv420 or Yvu420 => 3,
        _ => 1,
    };

    /// <summary>Rows of plane <paramref name="plane"/> for an image <paramref name="height"/> rows tall.</summary>
    public static uint PlaneHeight(uint fourcc, int plane, uint height) =>
        plane > 0 && fourcc is Nv12 or Nv21 or P010 or Yuv420 or Yvu420 ? (height + 1) / 2 : height;

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
