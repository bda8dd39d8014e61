namespace Compositor.Backends;

/// <summary>DRM fourcc codes (drm_fourcc.h). wl_shm uses them too, except ARGB8888 = 0 and XRGB8888 = 1.</summary>
public static class Fourcc
{
    public const uint Argb8888 = 0x34325241; // 'AR24': B,G,R,A in memory
    public const uint Xrgb8888 = 0x34325258; // 'XR24'
    public const uint Abgr8888 = 0x34324241; // 'AB24': R,G,B,A in memory
    public const uint Xbgr8888 = 0x34324258; // 'XB24'
    public const uint Rgb565 = 0x36314752;   // 'RG16'
    public const uint Nv12 = 0x3231564e;     // 'NV12'
    public const uint R8 = 0x20203852;       // 'R8  ': one 8-bit channel (an NV12 Y plane)
    public const uint Gr88 = 0x38385247;     // 'GR88': two 8-bit channels, red first in memory (NV12 CbCr)

    /// <summary>Whether the format's alpha channel means something (X formats' fourth byte is padding).</summary>
    public static bool HasAlpha(uint fourcc) => fourcc is Argb8888 or Abgr8888;

    /// <summary>The DRM fourcc of a wl_shm.format value.</summary>
    public static uint FromWlShm(uint format) => format switch { 0 => Argb8888, 1 => Xrgb8888, _ => format };

    /// <summary>The wl_shm.format value of a DRM fourcc.</summary>
    public static uint ToWlShm(uint fourcc) => fourcc switch { Argb8888 => 0, Xrgb8888 => 1, _ => fourcc };
}
