using System.Runtime.InteropServices;

namespace Compositor.Backends.Native;

/// <summary>pixman (libpixman-1.so.0): the CPU compositing library weston's and wlroots' software
/// renderers use. Only what <see cref="Rendering.PixmanRenderer"/> needs, with pixman.h's layouts.</summary>
internal static unsafe partial class Pixman
{
    private const string Lib = "libpixman-1.so.0";

    /// <summary>pixman_format_code_t: PIXMAN_FORMAT(bpp, type, a, r, g, b), type ARGB = 2, ABGR = 3.
    /// A DRM fourcc names bytes from the lowest bit up, pixman from the highest down, so DRM's ARGB8888
    /// is pixman's a8r8g8b8.</summary>
    public const uint A8R8G8B8 = 0x20028888, X8R8G8B8 = 0x20020888, A8B8G8R8 = 0x20038888, X8B8G8R8 = 0x20030888;

    public const int OpClear = 0, OpSrc = 1, OpOver = 3;
    public const int FilterNearest = 3, FilterBilinear = 4;
    public const int RepeatNone = 0, RepeatPad = 2;

    /// <summary>pixman_fixed_t is 16.16.</summary>
    public const int FixedOne = 1 << 16;

    [StructLayout(LayoutKind.Sequential)]
    public struct Box32 { public int X1, Y1, X2, Y2; }

    /// <summary>pixman_region32_t: the extents and a pointer to pixman's own box array.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Region32 { public Box32 Extents; public nint Data; }

    /// <summary>pixman_color_t: premultiplied, 16 bits a channel.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Color { public ushort Red, Green, Blue, Alpha; }

    /// <summary>pixman_transform_t: a 3x3 matrix of 16.16 fixed-point numbers, row by row; it maps
    /// destination coordinates to source coordinates.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Transform { public fixed int Matrix[9]; }

    [LibraryImport(Lib, EntryPoint = "pixman_version_string")]
    public static partial nint VersionString();

    /// <summary>With <paramref name="bits"/> null, pixman allocates (zeroed) memory and frees it with the image.</summary>
    [LibraryImport(Lib, EntryPoint = "pixman_image_create_bits")]
    public static partial nint ImageCreateBits(uint format, int width, int height, void* bits, int strideBytes);

    [LibraryImport(Lib, EntryPoint = "pixman_image_create_solid_fill")]
    public static partial nint ImageCreateSolidFill(Color* color);

    [LibraryImport(Lib, EntryPoint = "pixman_image_unref")]
    public static partial int ImageUnref(nint image);

    [LibraryImport(Lib, EntryPoint = "pixman_image_get_data")]
    public static partial uint* ImageGetData(nint image);

    [LibraryImport(Lib, EntryPoint = "pixman_image_get_stride")]
    public static partial int ImageGetStride(nint image);

    /// <summary>Null <paramref name="transform"/>: the identity.</summary>
    [LibraryImport(Lib, EntryPoint = "pixman_image_set_transform")]
    public static partial int ImageSetTransform(nint image, Transform* transform);

    [LibraryImport(Lib, EntryPoint = "pixman_image_set_filter")]
    public static partial int ImageSetFilter(nint image, int filter, int* parameters, int count);

    [LibraryImport(Lib, EntryPoint = "pixman_image_set_repeat")]
    public static partial void ImageSetRepeat(nint image, int repeat);

    /// <summary>Pixman copies the region; null removes the clip.</summary>
    [LibraryImport(Lib, EntryPoint = "pixman_image_set_clip_region32")]
    public static partial int ImageSetClipRegion32(nint image, Region32* region);

    [LibraryImport(Lib, EntryPoint = "pixman_image_composite32")]
    public static partial void ImageComposite32(int op, nint source, nint mask, nint destination,
        int sourceX, int sourceY, int maskX, int maskY, int destinationX, int destinationY, int width, int height);

    /// <summary>Fills boxes, within the destination's clip region.</summary>
    [LibraryImport(Lib, EntryPoint = "pixman_image_fill_boxes")]
    public static partial int ImageFillBoxes(int op, nint destination, Color* color, int count, Box32* boxes);

    [LibraryImport(Lib, EntryPoint = "pixman_region32_init")]
    public static partial void Region32Init(Region32* region);

    [LibraryImport(Lib, EntryPoint = "pixman_region32_init_rects")]
    public static partial int Region32InitRects(Region32* region, Box32* boxes, int count);

    [LibraryImport(Lib, EntryPoint = "pixman_region32_fini")]
    public static partial void Region32Fini(Region32* region);

    public static Color ToColor(ColorF c) => new()
    {
        Red = Channel(c.R), Green = Channel(c.G), Blue = Channel(c.B), Alpha = Channel(c.A),
    };

    private static ushort Channel(float v) => (ushort)Math.Round(Math.Clamp(v, 0f, 1f) * 0xffff);

    public static int ToFixed(double v) => (int)Math.Round(v * FixedOne);
}
