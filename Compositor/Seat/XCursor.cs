using System.Runtime.InteropServices;

namespace Compositor.Seat;

/// <summary>libXcursor: cursor images from XCursor themes on disk, no X server needed.</summary>
internal static unsafe partial class XCursor
{
    private const string Lib = "libXcursor.so.1";

    [StructLayout(LayoutKind.Sequential)]
    public struct Image
    {
        public uint Version, Size, Width, Height, HotX, HotY, Delay;
        /// <summary>Width × Height premultiplied ARGB, one 32-bit word per pixel (DRM's ARGB8888).</summary>
        public uint* Pixels;
    }

    /// <summary>The image of cursor <paramref name="name"/> nearest <paramref name="size"/> in
    /// <paramref name="theme"/> or a theme it inherits (null theme: "default"); null if none has it.</summary>
    [LibraryImport(Lib, EntryPoint = "XcursorLibraryLoadImage", StringMarshalling = StringMarshalling.Utf8)]
    public static partial Image* LibraryLoadImage(string name, string? theme, int size);

    [LibraryImport(Lib, EntryPoint = "XcursorImageDestroy")]
    public static partial void ImageDestroy(Image* image);
}
