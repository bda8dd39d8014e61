namespace Compositor.Backends;

/// <summary>What the compositor knows of one pixel format.</summary>
/// <param name="Code">DRM fourcc (drm_fourcc.h).</param>
/// <param name="BytesPerPixel">Of the first plane (a YUV format's Y plane).</param>
/// <param name="HasAlpha">Whether the alpha channel means something (X formats' fourth byte is padding).</param>
/// <param name="Planes">Planes a buffer of this format has.</param>
/// <param name="HalfHeightChroma">Planes after the first have half the rows (4:2:0).</param>
/// <param name="WlShm">Its wl_shm.format value: the fourcc, except ARGB8888 = 0 and XRGB8888 = 1.</param>
public sealed record PixelFormat(uint Code, string Name, int BytesPerPixel, bool HasAlpha, int Planes, bool HalfHeightChroma, uint WlShm);

/// <summary>
/// DRM fourcc codes and the one table of what the compositor knows of each: the core (wl_shm,
/// linux-dmabuf, screencopy), the renderer and the backends all ask here. GL formats stay in the
/// renderer (<c>GlesRenderer.UploadFormat</c>), the one place that speaks GL. The sample clients
/// keep their own few codes: they are programs of their own, built on the protocol library alone.
/// </summary>
public static class Fourcc
{
    public const uint Argb8888 = 0x34325241; // 'AR24': B,G,R,A in memory
    public const uint Xrgb8888 = 0x34325258; // 'XR24'
    public const uint Abgr8888 = 0x34324241; // 'AB24': R,G,B,A in memory
    public const uint Xbgr8888 = 0x34324258; // 'XB24'
    public const uint Rgb565 = 0x36314752;   // 'RG16'
    public const uint R8 = 0x20203852;       // 'R8  ': one 8-bit channel (an NV12 Y plane)
    public const uint Gr88 = 0x38385247;     // 'GR88': two 8-bit channels, red first in memory (NV12 CbCr)
    public const uint Nv12 = 0x3231564e;     // 'NV12': Y plane, then interleaved CbCr at half size
    public const uint Nv21 = 0x3132564e;     // 'NV21': as NV12, CrCb
    public const uint P010 = 0x30313050;     // 'P010': NV12's layout with 16-bit samples
    public const uint Yuv420 = 0x32315559;   // 'YU12': Y, Cb, Cr planes, chroma at half size
    public const uint Yvu420 = 0x32315659;   // 'YV12': Y, Cr, Cb
    public const uint Nv16 = 0x3631564e;     // 'NV16': NV12 with chroma at full height (4:2:2)
    public const uint Yuyv = 0x56595559;     // 'YUYV': packed 4:2:2

    private static readonly PixelFormat[] Table =
    [
        new(Argb8888, "ARGB8888", 4, HasAlpha: true, 1, false, WlShm: 0),
        new(Xrgb8888, "XRGB8888", 4, HasAlpha: false, 1, false, WlShm: 1),
        new(Abgr8888, "ABGR8888", 4, HasAlpha: true, 1, false, Abgr8888),
        new(Xbgr8888, "XBGR8888", 4, HasAlpha: false, 1, false, Xbgr8888),
        new(Rgb565, "RGB565", 2, HasAlpha: false, 1, false, Rgb565),
        new(R8, "R8", 1, HasAlpha: false, 1, false, R8),
        new(Gr88, "GR88", 2, HasAlpha: false, 1, false, Gr88),
        new(Nv12, "NV12", 1, HasAlpha: false, 2, true, Nv12),
        new(Nv21, "NV21", 1, HasAlpha: false, 2, true, Nv21),
        new(P010, "P010", 2, HasAlpha: false, 2, true, P010),
        new(Yuv420, "YUV420", 1, HasAlpha: false, 3, true, Yuv420),
        new(Yvu420, "YVU420", 1, HasAlpha: false, 3, true, Yvu420),
        new(Nv16, "NV16", 1, HasAlpha: false, 2, false, Nv16),
        new(Yuyv, "YUYV", 2, HasAlpha: false, 1, false, Yuyv),
    ];

    /// <summary>The same layout with its alpha byte as padding (ARGB8888 → XRGB8888): how a display
    /// plane that takes no alpha can still show an opaque buffer, as weston's
    /// <c>pixel_format_get_opaque_substitute</c> does. The format itself when it has no such twin.</summary>
    public static uint OpaqueSubstitute(uint fourcc) => fourcc switch
    {
        Argb8888 => Xrgb8888,
        Abgr8888 => Xbgr8888,
        _ => fourcc,
    };

    /// <summary>The table's row for a fourcc; null for a format it does not know.</summary>
    public static PixelFormat? Find(uint fourcc)
    {
        // A linear scan: a dozen rows, asked on every draw, and no allocation.
        foreach (var f in Table) if (f.Code == fourcc) return f;
        return null;
    }

    public static bool HasAlpha(uint fourcc) => Find(fourcc)?.HasAlpha ?? false;

    /// <summary>Planes of a buffer of this format; 1 for formats the table does not know.</summary>
    public static int PlaneCount(uint fourcc) => Find(fourcc)?.Planes ?? 1;

    /// <summary>Rows of plane <paramref name="plane"/> for an image <paramref name="height"/> rows tall.</summary>
    public static uint PlaneHeight(uint fourcc, int plane, uint height) =>
        plane > 0 && Find(fourcc) is { HalfHeightChroma: true } ? (height + 1) / 2 : height;

    /// <summary>Bytes per pixel of the first plane; 4 for formats the table does not know.</summary>
    public static int BytesPerPixel(uint fourcc) => Find(fourcc)?.BytesPerPixel ?? 4;

    /// <summary>For logs: "XRGB8888", or the code in hex.</summary>
    public static string Name(uint fourcc) => Find(fourcc)?.Name ?? $"0x{fourcc:x8}";

    /// <summary>The DRM fourcc of a wl_shm.format value.</summary>
    public static uint FromWlShm(uint format)
    {
        foreach (var f in Table) if (f.WlShm == format) return f.Code;
        return format;
    }

    /// <summary>The wl_shm.format value of a DRM fourcc.</summary>
    public static uint ToWlShm(uint fourcc) => Find(fourcc)?.WlShm ?? fourcc;
}
