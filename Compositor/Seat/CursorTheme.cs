using System.Runtime.InteropServices;
using Compositor.Backends;
using Serilog;

namespace Compositor.Seat;

/// <summary>A cursor image the compositor draws itself: its pixels, made a texture the first time
/// it is drawn (a pointer that never shows costs no upload), and the pointer's place in it.</summary>
public sealed class CursorImage(string name, IRenderer renderer, int width, int height, byte[] argb, int hotspotX, int hotspotY) : IDisposable
{
    private ITexture? _texture;

    public string Name { get; } = name;
    public int Width { get; } = width;
    public int Height { get; } = height;
    public int HotspotX { get; } = hotspotX;
    public int HotspotY { get; } = hotspotY;

    public ITexture Texture
    {
        get
        {
            if (_texture is null)
            {
                _texture = renderer.CreateTexture(Fourcc.Argb8888, Width, Height);
                renderer.Upload(_texture, argb, Width * 4, new Rect(0, 0, Width, Height));
            }
            return _texture;
        }
    }

    public void Dispose()
    {
        _texture?.Dispose();
        _texture = null;
    }
}

/// <summary>
/// The user's XCursor theme (the config's [cursor], else XCURSOR_THEME and XCURSOR_SIZE, as every
/// toolkit reads them), loaded with libXcursor, one texture per shape on first use. Shapes are
/// named as CSS and cursor-shape-v1 name them ("default", "text", "ew-resize"); a theme without
/// the name is asked for the X11 name of old (left_ptr, xterm, sb_h_double_arrow). Where no theme
/// has even "default", a built-in arrow stands in, so the pointer is never invisible.
/// </summary>
public sealed unsafe class CursorTheme : IDisposable
{
    private readonly IRenderer _renderer;
    private readonly ILogger _log;
    private readonly Dictionary<string, CursorImage?> _images = [];
    private bool _libraryMissing;

    public CursorTheme(IRenderer renderer, Config.CursorConfig config, ILogger log)
    {
        _renderer = renderer;
        _log = log;
        Theme = config.Theme ?? (Environment.GetEnvironmentVariable("XCURSOR_THEME") is { Length: > 0 } t ? t : null);
        Size = config.Size ?? (int.TryParse(Environment.GetEnvironmentVariable("XCURSOR_SIZE"), out var s) && s is >= 8 and <= 512 ? s : 24);
    }

    /// <summary>Null: libXcursor's "default" theme (which names the system's choice).</summary>
    public string? Theme { get; }
    public int Size { get; }

    /// <summary>The image of a shape; the default arrow where the theme lacks it.</summary>
    public CursorImage Get(string name)
    {
        if (!_images.TryGetValue(name, out var image))
        {
            image = Load(name);
            if (image is null && name == "default")
            {
                _log.Warning("Cursor theme {Theme} has no default cursor: drawing a built-in arrow (setup installs adwaita-icon-theme)", Theme ?? "default");
                image = BuiltInArrow();
            }
            _images[name] = image;
            if (image is not null)
                _log.Debug("Cursor {Name}: {Width}x{Height} from theme {Theme}", name, image.Width, image.Height, Theme ?? "default");
        }
        return image ?? Get("default");
    }

    private CursorImage? Load(string name)
    {
        if (_libraryMissing) return null;
        try
        {
            foreach (var candidate in Names(name))
            {
                var img = XCursor.LibraryLoadImage(candidate, Theme, Size);
                if (img is null) continue;
                try
                {
                    return MakeImage(name, (int)img->Width, (int)img->Height, new ReadOnlySpan<byte>(img->Pixels, (int)(img->Width * img->Height * 4)),
                        (int)img->HotX, (int)img->HotY);
                }
                finally
                {
                    XCursor.ImageDestroy(img);
                }
            }
        }
        catch (DllNotFoundException)
        {
            _libraryMissing = true;
            _log.Warning("libXcursor is missing (setup installs libxcursor1): no cursor themes");
        }
        return null;
    }

    private CursorImage MakeImage(string name, int width, int height, ReadOnlySpan<byte> argb, int hotX, int hotY) =>
        new(name, _renderer, width, height, argb.ToArray(), Math.Clamp(hotX, 0, width - 1), Math.Clamp(hotY, 0, height - 1));

    /// <summary>The CSS name first, then the X11 names themes from before the CSS names used.</summary>
    private static IEnumerable<string> Names(string name)
    {
        yield return name;
        var legacy = name switch
        {
            "default" => "left_ptr",
            "context-menu" => "left_ptr",
            "help" => "question_arrow",
            "pointer" => "hand2",
            "progress" => "left_ptr_watch",
            "wait" => "watch",
            "cell" => "plus",
            "crosshair" => "cross",
            "text" => "xterm",
            "vertical-text" => "xterm",
            "alias" => "dnd-link",
            "copy" => "dnd-copy",
            "move" => "fleur",
            "no-drop" => "dnd-no-drop",
            "not-allowed" => "crossed_circle",
            "grab" => "openhand",
            "grabbing" => "closedhand",
            "e-resize" => "right_side",
            "n-resize" => "top_side",
            "ne-resize" => "top_right_corner",
            "nw-resize" => "top_left_corner",
            "s-resize" => "bottom_side",
            "se-resize" => "bottom_right_corner",
            "sw-resize" => "bottom_left_corner",
            "w-resize" => "left_side",
            "ew-resize" or "col-resize" => "sb_h_double_arrow",
            "ns-resize" or "row-resize" => "sb_v_double_arrow",
            "nesw-resize" => "fd_double_arrow",
            "nwse-resize" => "bd_double_arrow",
            "all-scroll" or "all-resize" => "fleur",
            "zoom-in" or "zoom-out" => "left_ptr",
            "dnd-ask" => "dnd-copy",
            _ => null,
        };
        if (legacy is not null) yield return legacy;
    }

    /// <summary>A white arrow with a black outline, hotspot at its tip.</summary>
    private CursorImage BuiltInArrow()
    {
        const int w = 12, h = 19;
        var pixels = new uint[w * h];
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
            {
                // The arrow: x <= y on its first 12 rows, then narrowing to the tail.
                var inside = y < 16 ? x <= y * 11 / 15 : x <= 16 - y + 2;
                var edge = inside && (x == 0 || x == (y < 16 ? y * 11 / 15 : 16 - y + 2) || y == h - 1 || y == 15);
                pixels[y * w + x] = !inside ? 0 : edge ? 0xFF000000 : 0xFFFFFFFF;
            }
        return MakeImage("default", w, h, MemoryMarshal.AsBytes(pixels.AsSpan()), 0, 0);
    }

    public void Dispose()
    {
        foreach (var image in _images.Values) image?.Dispose();
        _images.Clear();
    }
}
