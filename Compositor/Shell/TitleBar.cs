using Compositor.Backends;

namespace Compositor.Shell;

/// <summary>
/// A server-side decoration: the bar the compositor draws above a toplevel whose client asked for
/// one (zxdg_toplevel_decoration_v1 server_side), with its title, a close button that sends
/// xdg_toplevel.close, and the rest of it to drag the window by. It sits above the window
/// geometry, as wide as it; fullscreen windows have none. Its image is drawn with cairo on the CPU
/// only when the title, width or focus changed, and uploaded once as a texture.
/// </summary>
public sealed unsafe class TitleBar : IDisposable
{
    public const int Height = 24;
    /// <summary>The bar's colours (sRGB bytes), focused and not, and the close button's.</summary>
    public static readonly (byte R, byte G, byte B) Active = (43, 64, 97), Inactive = (107, 107, 115), CloseRed = (204, 51, 46);

    private readonly Window _toplevel;
    private readonly IRenderer _renderer;
    private ITexture? _texture;
    private string? _drawnTitle;
    private bool _drawnActive;
    private byte[] _pixels = [];

    internal TitleBar(Window toplevel, IRenderer renderer)
    {
        _toplevel = toplevel;
        _renderer = renderer;
    }

    /// <summary>Where it was when last damaged: a commit that changes the window's width or place
    /// damages both (<see cref="WindowManager.DamageTitleBar"/>).</summary>
    internal Rect DamagedBounds { get; set; }

    private static bool _noCairo;

    /// <summary>Shown: the window is mapped and not fullscreen.</summary>
    public bool Visible => _toplevel.IsMapped && !(_toplevel.Current?.Fullscreen ?? false);

    /// <summary>Where it is in the layout.</summary>
    public Rect Bounds
    {
        get
        {
            var s = _toplevel;
            return new Rect(s.WindowX, s.WindowY - Height, Math.Max(Height, s.Geometry.Width), Height);
        }
    }

    /// <summary>The close button: the bar's square at its right end.</summary>
    public Rect CloseButton
    {
        get
        {
            var b = Bounds;
            return new Rect(b.Right - Height, b.Y, Height, Height);
        }
    }

    /// <summary>The bar's image, redrawn first if the title, width or focus changed since.</summary>
    public ITexture Texture
    {
        get
        {
            var width = Bounds.Width;
            if (_texture is null || _texture.Width != width || _drawnTitle != _toplevel.Title || _drawnActive != _toplevel.Activated)
                Draw(width);
            return _texture!;
        }
    }

    private void Draw(int width)
    {
        if (_texture is null || _texture.Width != width)
        {
            _texture?.Dispose();
            _texture = _renderer.CreateTexture(Fourcc.Xrgb8888, width, Height);
        }
        var stride = width * 4;
        if (_pixels.Length < stride * Height) _pixels = new byte[stride * Height];
        var active = _toplevel.Activated;
        try
        {
            if (!_noCairo) DrawWithCairo(width, stride, active);
        }
        catch (DllNotFoundException)
        {
            _noCairo = true;
        }
        if (_noCairo)
        {
            // No cairo (setup installs libcairo2): a plain bar still shows the window can be dragged.
            var c = active ? Active : Inactive;
            var pixel = 0xFF000000u | (uint)c.R << 16 | (uint)c.G << 8 | c.B;
            System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(_pixels.AsSpan(0, stride * Height)).Fill(pixel);
        }
        _renderer.Upload(_texture, _pixels.AsSpan(0, stride * Height), stride, new Rect(0, 0, width, Height));
        (_drawnTitle, _drawnActive) = (_toplevel.Title, active);
    }

    private void DrawWithCairo(int width, int stride, bool active)
    {
        fixed (byte* p = _pixels)
        {
            var surface = Cairo.ImageSurfaceCreateForData(p, Cairo.FormatArgb32, width, Height, stride);
            var cr = Cairo.Create(surface);
            try
            {
                // Focused: slate blue with white text; otherwise grey and dimmer.
                var (bg, fg) = active ? (Active, 1.0) : (Inactive, 0.8);
                Cairo.SetSourceRgba(cr, bg.R / 255.0, bg.G / 255.0, bg.B / 255.0, 1);
                Cairo.Rectangle(cr, 0, 0, width, Height);
                Cairo.Fill(cr);

                // The close button: a red square with a white cross.
                var x0 = width - Height;
                Cairo.SetSourceRgba(cr, CloseRed.R / 255.0, CloseRed.G / 255.0, CloseRed.B / 255.0, 1);
                Cairo.Rectangle(cr, x0, 0, Height, Height);
                Cairo.Fill(cr);
                Cairo.SetSourceRgba(cr, 1, 1, 1, 1);
                Cairo.SetLineWidth(cr, 2);
                Cairo.MoveTo(cr, x0 + 7, 7);
                Cairo.LineTo(cr, x0 + Height - 7, Height - 7);
                Cairo.MoveTo(cr, x0 + Height - 7, 7);
                Cairo.LineTo(cr, x0 + 7, Height - 7);
                Cairo.Stroke(cr);

                // The title, cut off before the button.
                Cairo.Rectangle(cr, 0, 0, Math.Max(0, x0 - 4), Height);
                Cairo.Clip(cr);
                Cairo.SetSourceRgba(cr, fg, fg, fg, 1);
                Cairo.SelectFontFace(cr, "DejaVu Sans", Cairo.FontSlantNormal, Cairo.FontWeightBold);
                Cairo.SetFontSize(cr, 13);
                Cairo.MoveTo(cr, 8, 17);
                Cairo.ShowText(cr, _toplevel.Title);
            }
            finally
            {
                Cairo.Destroy(cr);
                Cairo.SurfaceFlush(surface);
                Cairo.SurfaceDestroy(surface);
            }
        }
    }

    public void Dispose()
    {
        _texture?.Dispose();
        _texture = null;
    }
}
