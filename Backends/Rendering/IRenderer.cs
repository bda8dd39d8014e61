namespace Compositor.Backends;

/// <summary>
/// Draws the scene into an output's <see cref="IRenderTarget"/>. One renderer serves every backend
/// (GLES 2/3 through EGL). Every call is made on the event loop thread; none allocates managed memory
/// in steady state, because the frame loop calls them every frame.
/// Pixel formats are DRM fourcc codes (<see cref="Fourcc"/>); colours are premultiplied.
/// </summary>
public interface IRenderer : IDisposable
{
    /// <summary>For logs: API, version and device, e.g. "OpenGL ES 3.2 Mesa 25.0 (llvmpipe)".</summary>
    string Description { get; }

    /// <summary>Formats <see cref="CreateTexture"/> and <see cref="Upload"/> accept (DRM fourcc),
    /// at least ARGB8888 and XRGB8888.</summary>
    IReadOnlyList<uint> ShmFormats { get; }

    /// <summary>An offscreen target (headless outputs, tests).</summary>
    IRenderTarget CreateOffscreenTarget(int width, int height);

    ITexture CreateTexture(uint fourcc, int width, int height);

    /// <summary>Copies <paramref name="region"/> of a client's pixels into the texture.
    /// <paramref name="rows"/> holds the rows region.Y .. region.Bottom-1 of the whole image, each
    /// <paramref name="stride"/> bytes long and starting at image column 0 (so a slice of a mapped
    /// shm buffer starting at row region.Y works as it is).</summary>
    void Upload(ITexture texture, ReadOnlySpan<byte> rows, int stride, Rect region);

    /// <summary>Starts drawing into <paramref name="target"/>; every draw until <see cref="End"/> is
    /// clipped to <paramref name="clip"/> (the damaged part of the target, in target pixels).</summary>
    void Begin(IRenderTarget target, ReadOnlySpan<Rect> clip);

    /// <summary>Fills the clip with a colour.</summary>
    void Clear(ColorF color);

    /// <summary>Draws <paramref name="source"/> (in buffer pixels, before the transform) of a texture
    /// into <paramref name="destination"/> (target pixels), blended with premultiplied alpha times
    /// <paramref name="alpha"/>. <paramref name="transform"/> is the surface's buffer transform
    /// (wl_output.transform 0-7): the buffer holds content already transformed by it, so the renderer
    /// applies the inverse, as weston and wlroots do. <paramref name="opaque"/> lets the renderer skip
    /// blending (XRGB formats are always opaque).</summary>
    void Draw(ITexture texture, RectF source, Rect destination, int transform, float alpha, bool opaque);

    /// <summary>Fills <paramref name="destination"/> with a premultiplied colour, blended.</summary>
    void DrawSolid(Rect destination, ColorF color);

    void End();

    /// <summary>Waits until everything drawn so far is complete: a backend presents (and reports
    /// presentation of) finished images only.</summary>
    void Finish();

    /// <summary>Reads pixels of a target (top row first) as <paramref name="fourcc"/> (ARGB8888 or
    /// XRGB8888, i.e. B,G,R,A bytes in memory) into <paramref name="destination"/>.</summary>
    void ReadPixels(IRenderTarget target, Rect region, uint fourcc, Span<byte> destination, int stride);
}

/// <summary>Something the renderer draws into: an offscreen image, a scanout buffer, a window.</summary>
public interface IRenderTarget : IDisposable
{
    int Width { get; }
    int Height { get; }
}

/// <summary>A GPU texture holding a surface's pixels.</summary>
public interface ITexture : IDisposable
{
    int Width { get; }
    int Height { get; }
    uint Fourcc { get; }
    bool HasAlpha { get; }
    /// <summary>Rows are stored bottom to top: drawn flipped vertically.</summary>
    bool YInverted => false;
}

/// <summary>A premultiplied RGBA colour, components 0..1.</summary>
public readonly record struct ColorF(float R, float G, float B, float A)
{
    public static readonly ColorF Transparent = new(0, 0, 0, 0);
    public static readonly ColorF Black = new(0, 0, 0, 1);
}

/// <summary>A rectangle with fractional coordinates (wp_viewport sources are fixed-point).</summary>
public readonly record struct RectF(double X, double Y, double Width, double Height);

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
