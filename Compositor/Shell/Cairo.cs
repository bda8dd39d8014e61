using System.Runtime.InteropServices;

namespace Compositor.Shell;

/// <summary>cairo: the title bars' drawing and text (its toy font API over fontconfig and FreeType).</summary>
internal static unsafe partial class Cairo
{
    private const string Lib = "libcairo.so.2";
    public const int FormatArgb32 = 0;
    public const int FontSlantNormal = 0, FontWeightBold = 1;

    [LibraryImport(Lib, EntryPoint = "cairo_image_surface_create_for_data")]
    public static partial nint ImageSurfaceCreateForData(byte* data, int format, int width, int height, int stride);

    [LibraryImport(Lib, EntryPoint = "cairo_surface_flush")]
    public static partial void SurfaceFlush(nint surface);

    [LibraryImport(Lib, EntryPoint = "cairo_surface_destroy")]
    public static partial void SurfaceDestroy(nint surface);

    [LibraryImport(Lib, EntryPoint = "cairo_create")]
    public static partial nint Create(nint surface);

    [LibraryImport(Lib, EntryPoint = "cairo_destroy")]
    public static partial void Destroy(nint cr);

    [LibraryImport(Lib, EntryPoint = "cairo_set_source_rgba")]
    public static partial void SetSourceRgba(nint cr, double r, double g, double b, double a);

    [LibraryImport(Lib, EntryPoint = "cairo_rectangle")]
    public static partial void Rectangle(nint cr, double x, double y, double width, double height);

    [LibraryImport(Lib, EntryPoint = "cairo_fill")]
    public static partial void Fill(nint cr);

    [LibraryImport(Lib, EntryPoint = "cairo_clip")]
    public static partial void Clip(nint cr);

    [LibraryImport(Lib, EntryPoint = "cairo_move_to")]
    public static partial void MoveTo(nint cr, double x, double y);

    [LibraryImport(Lib, EntryPoint = "cairo_line_to")]
    public static partial void LineTo(nint cr, double x, double y);

    [LibraryImport(Lib, EntryPoint = "cairo_set_line_width")]
    public static partial void SetLineWidth(nint cr, double width);

    [LibraryImport(Lib, EntryPoint = "cairo_stroke")]
    public static partial void Stroke(nint cr);

    [LibraryImport(Lib, EntryPoint = "cairo_select_font_face", StringMarshalling = StringMarshalling.Utf8)]
    public static partial void SelectFontFace(nint cr, string family, int slant, int weight);

    [LibraryImport(Lib, EntryPoint = "cairo_set_font_size")]
    public static partial void SetFontSize(nint cr, double size);

    [LibraryImport(Lib, EntryPoint = "cairo_show_text", StringMarshalling = StringMarshalling.Utf8)]
    public static partial void ShowText(nint cr, string text);
}
