using System.Runtime.InteropServices;
using Compositor.Backends.Native;
using Serilog;

namespace Compositor.Backends.Rendering;

/// <summary>
/// The CPU renderer, on pixman (weston's pixman renderer is the model): for displays no GPU renders
/// for (2D virtio-gpu, simpledrm), where the DRM backend draws straight into mapped dumb buffers.
/// Same semantics as <see cref="GlesRenderer"/>: premultiplied alpha, the buffer transform undone,
/// draws clipped to the damage, row 0 of every target on top. Drawing is synchronous: when a call
/// returns its pixels are in the target.
/// </summary>
public sealed unsafe partial class PixmanRenderer : IRenderer, IDmaBufImporter, ICpuTextures
{
    private readonly ILogger _log;
    /// <summary>The clip of the frame being drawn, and the boxes it is built from: native memory,
    /// reused every frame.</summary>
    private readonly Pixman.Region32* _clip;
    private Pixman.Box32* _boxes;
    private int _boxCapacity;
    private bool _clipEmpty;
    private PixmanTarget? _target;
    /// <summary>The solid mask that applies a draw's alpha, kept while the alpha stays the same
    /// (a fading window draws with a new one each frame; the rest draw at 1 and need none).</summary>
    private nint _mask;
    private float _maskAlpha = -1;
    private bool _disposed;

    public PixmanRenderer(ILogger log)
    {
        _log = log;
        // The first call into pixman: a missing library throws DllNotFoundException here, before
        // anything is allocated.
        var version = Marshal.PtrToStringUTF8(Pixman.VersionString()) ?? "?";
        Description = $"pixman {version} (CPU)";
        _clip = (Pixman.Region32*)NativeMemory.AllocZeroed((nuint)sizeof(Pixman.Region32));
        Pixman.Region32Init(_clip);
        _boxCapacity = 16;
        _boxes = (Pixman.Box32*)NativeMemory.Alloc((nuint)(_boxCapacity * sizeof(Pixman.Box32)));
        ShmFormats = [Fourcc.Argb8888, Fourcc.Xrgb8888, Fourcc.Abgr8888, Fourcc.Xbgr8888];
        DmaBufFormats = ImportFormats();
        log.Information("Rendering on {Renderer}", Description);
    }

    public string Description { get; }
    public IReadOnlyList<uint> ShmFormats { get; }
    public RenderCounters Counters { get; } = new();

    /// <summary>The pixman format of a DRM fourcc this renderer draws from; 0 for others.</summary>
    private static uint PixmanFormat(uint fourcc) => fourcc switch
    {
        Fourcc.Argb8888 => Pixman.A8R8G8B8,
        Fourcc.Xrgb8888 => Pixman.X8R8G8B8,
        Fourcc.Abgr8888 => Pixman.A8B8G8R8,
        Fourcc.Xbgr8888 => Pixman.X8B8G8R8,
        _ => 0,
    };

    // ---- targets and textures ----

    public IRenderTarget CreateOffscreenTarget(int width, int height)
    {
        // XRGB8888: what scanout buffers hold, so headless and DRM outputs composite alike.
        var image = Pixman.ImageCreateBits(Pixman.X8R8G8B8, width, height, null, 0);
        if (image == 0) throw new OutOfMemoryException($"pixman cannot allocate a {width}x{height} image");
        return new PixmanTarget(image, width, height);
    }

    public ITexture CreateTexture(uint fourcc, int width, int height)
    {
        var format = PixmanFormat(fourcc);
        if (format == 0) throw new ArgumentException($"the renderer cannot upload format 0x{fourcc:x8}");
        var image = Pixman.ImageCreateBits(format, width, height, null, 0);
        if (image == 0) throw new OutOfMemoryException($"pixman cannot allocate a {width}x{height} image");
        PrepareSource(image);
        return new PixmanTexture(image, width, height, fourcc);
    }

    /// <summary>Samples past the edges repeat the edge texel, as GL's CLAMP_TO_EDGE does, so a
    /// filtered draw does not fade to transparent at the buffer's border.</summary>
    private static void PrepareSource(nint image) => Pixman.ImageSetRepeat(image, Pixman.RepeatPad);

    public bool TryGetPixels(ITexture texture, out Span<byte> pixels, out int stride)
    {
        var t = (PixmanTexture)texture;
        if (t.Mapping is not null || t.Image == 0)
        {
            pixels = default;
            stride = 0;
            return false;
        }
        stride = Pixman.ImageGetStride(t.Image);
        pixels = new Span<byte>(Pixman.ImageGetData(t.Image), stride * t.Height);
        return true;
    }

    public void Upload(ITexture texture, ReadOnlySpan<byte> rows, int stride, Rect region)
    {
        var t = (PixmanTexture)texture;
        if (t.Mapping is not null) throw new InvalidOperationException("an imported DMA-BUF is the client's memory: nothing to upload");
        var needed = (long)stride * (region.Height - 1) + (long)(region.X + region.Width) * 4;
        if (region.IsEmpty || rows.Length < needed) throw new ArgumentException($"{rows.Length} bytes cannot hold region {region} with stride {stride}");
        if (region.X < 0 || region.Y < 0 || region.Right > t.Width || region.Bottom > t.Height)
            throw new ArgumentException($"region {region} lies outside the {t.Width}x{t.Height} texture");
        Counters.BytesUploaded += (long)region.Width * region.Height * 4;
        var data = (byte*)Pixman.ImageGetData(t.Image);
        var imageStride = Pixman.ImageGetStride(t.Image);
        var rowBytes = region.Width * 4;
        fixed (byte* p = rows)
            for (var y = 0; y < region.Height; y++)
                Buffer.MemoryCopy(p + (long)y * stride + region.X * 4, data + (long)(region.Y + y) * imageStride + region.X * 4, rowBytes, rowBytes);
    }

    // ---- drawing ----

    public void Begin(IRenderTarget target, ReadOnlySpan<Rect> clip)
    {
        _target = (PixmanTarget)target;
        if (_boxCapacity < clip.Length)
        {
            _boxCapacity = Math.Max(clip.Length, _boxCapacity * 2);
            _boxes = (Pixman.Box32*)NativeMemory.Realloc(_boxes, (nuint)(_boxCapacity * sizeof(Pixman.Box32)));
        }
        var bounds = new Rect(0, 0, _target.Width, _target.Height);
        var n = 0;
        foreach (var r in clip)
        {
            var c = r.Intersect(bounds);
            if (!c.IsEmpty) _boxes[n++] = new Pixman.Box32 { X1 = c.X, Y1 = c.Y, X2 = c.Right, Y2 = c.Bottom };
        }
        // One region, not a draw per rectangle: overlapping damage is blended once.
        Pixman.Region32Fini(_clip);
        Pixman.Region32InitRects(_clip, _boxes, n);
        _clipEmpty = n == 0;
        Pixman.ImageSetClipRegion32(_target.Image, _clip);
        _target.Mapping?.BeginAccess(write: true);
    }

    public void Clear(ColorF color)
    {
        if (_target is null || _clipEmpty) return;
        var c = Pixman.ToColor(color);
        // Filled within the target's clip region: the damage only.
        var box = new Pixman.Box32 { X2 = _target.Width, Y2 = _target.Height };
        Pixman.ImageFillBoxes(Pixman.OpSrc, _target.Image, &c, 1, &box);
    }

    public void Draw(ITexture texture, RectF source, Rect destination, int transform, float alpha, bool opaque)
    {
        if (_target is null || _clipEmpty || destination.IsEmpty || alpha <= 0f) return;
        var t = (PixmanTexture)texture;
        // A disposed texture draws nothing, as a deleted GL texture would; pixman would crash on it.
        if (t.Image == 0) return;
        // As the GL renderer: opaque content at full opacity is copied (SRC, no arithmetic; an X
        // format's alpha byte does not matter then), the rest blended with premultiplied OVER.
        var blend = !(opaque || !t.HasAlpha) || alpha < 1f;
        var swapped = OutputTransform.SwapsAxes(transform);
        var exact = source.X == Math.Floor(source.X) && source.Y == Math.Floor(source.Y)
                    && (swapped ? source.Height : source.Width) == destination.Width
                    && (swapped ? source.Width : source.Height) == destination.Height;
        // A copy pixel for pixel samples the nearest texel: exact, and pixman's fast paths; scaled or
        // fractional sources are filtered.
        var filter = exact ? Pixman.FilterNearest : Pixman.FilterBilinear;
        if (t.Filter != filter)
        {
            Pixman.ImageSetFilter(t.Image, filter, null, 0);
            t.Filter = filter;
        }
        int sourceX, sourceY;
        if (exact && transform == 0 && !t.YInverted)
        {
            // A plain offset: no transform lets pixman use its copy and blend loops.
            if (t.Transformed)
            {
                Pixman.ImageSetTransform(t.Image, null);
                t.Transformed = false;
            }
            sourceX = (int)source.X;
            sourceY = (int)source.Y;
        }
        else
        {
            var m = SourceTransform(t, source, destination, transform);
            Pixman.ImageSetTransform(t.Image, &m);
            t.Transformed = true;
            // The transform maps target coordinates to buffer coordinates.
            sourceX = destination.X;
            sourceY = destination.Y;
        }
        var mask = alpha < 1f ? Mask(alpha) : 0;
        t.Mapping?.BeginAccess(write: false);
        Pixman.ImageComposite32(blend ? Pixman.OpOver : Pixman.OpSrc, t.Image, mask, _target.Image,
            sourceX, sourceY, 0, 0, destination.X, destination.Y, destination.Width, destination.Height);
        t.Mapping?.EndAccess(write: false);
    }

    /// <summary>
    /// The matrix pixman samples the buffer through: a target pixel (x, y) of the destination is the
    /// surface point u = (x - d.X) / d.Width, v = (y - d.Y) / d.Height; the buffer transform's inverse
    /// takes it into the source rectangle (see <see cref="OutputTransform"/>), and a y-inverted buffer
    /// counts its rows from the bottom. All of it is affine, so three points give the matrix.
    /// </summary>
    private static Pixman.Transform SourceTransform(PixmanTexture t, RectF s, Rect d, int transform)
    {
        var (cu, cv) = OutputTransform.ToBuffer(transform, 0, 0);
        var (xu, xv) = OutputTransform.ToBuffer(transform, 1, 0);
        var (yu, yv) = OutputTransform.ToBuffer(transform, 0, 1);
        // Buffer x = s.X + s.Width·(cu + (xu - cu)·u + (yu - cu)·v), and y likewise with s.Y, s.Height.
        var m00 = s.Width * (xu - cu) / d.Width;
        var m01 = s.Width * (yu - cu) / d.Height;
        var m02 = s.X + s.Width * cu - m00 * d.X - m01 * d.Y;
        var m10 = s.Height * (xv - cv) / d.Width;
        var m11 = s.Height * (yv - cv) / d.Height;
        var m12 = s.Y + s.Height * cv - m10 * d.X - m11 * d.Y;
        if (t.YInverted)
        {
            m10 = -m10;
            m11 = -m11;
            m12 = t.Height - m12;
        }
        var m = new Pixman.Transform();
        m.Matrix[0] = Pixman.ToFixed(m00); m.Matrix[1] = Pixman.ToFixed(m01); m.Matrix[2] = Pixman.ToFixed(m02);
        m.Matrix[3] = Pixman.ToFixed(m10); m.Matrix[4] = Pixman.ToFixed(m11); m.Matrix[5] = Pixman.ToFixed(m12);
        m.Matrix[8] = Pixman.FixedOne;
        return m;
    }

    private nint Mask(float alpha)
    {
        if (_mask != 0 && _maskAlpha == alpha) return _mask;
        if (_mask != 0) Pixman.ImageUnref(_mask);
        var c = Pixman.ToColor(new ColorF(0, 0, 0, alpha));
        _mask = Pixman.ImageCreateSolidFill(&c);
        _maskAlpha = alpha;
        return _mask;
    }

    public void DrawSolid(Rect destination, ColorF color)
    {
        if (_target is null || _clipEmpty || destination.IsEmpty) return;
        var c = Pixman.ToColor(color);
        var box = new Pixman.Box32 { X1 = destination.X, Y1 = destination.Y, X2 = destination.Right, Y2 = destination.Bottom };
        Pixman.ImageFillBoxes(color.A >= 1f ? Pixman.OpSrc : Pixman.OpOver, _target.Image, &c, 1, &box);
    }

    public void End()
    {
        if (_target is null) return;
        Pixman.ImageSetClipRegion32(_target.Image, null);
        _target.Mapping?.EndAccess(write: true);
        _target = null;
    }

    /// <summary>Nothing to wait for: every draw is done when it returns.</summary>
    public void Finish() { }

    /// <summary>Complete already: no fence.</summary>
    public int Submit() => -1;

    public void ReadPixels(IRenderTarget target, Rect region, uint fourcc, Span<byte> destination, int stride)
    {
        if (fourcc is not (Fourcc.Argb8888 or Fourcc.Xrgb8888)) throw new ArgumentException($"cannot read pixels as 0x{fourcc:x8}");
        if (region.IsEmpty) return;
        if (stride % 4 != 0 || stride < region.Width * 4) throw new ArgumentException($"stride {stride} is not a whole number of pixels per row");
        if (destination.Length < (long)stride * (region.Height - 1) + region.Width * 4) throw new ArgumentException("destination too small");
        var t = (PixmanTarget)target;
        if (region.X < 0 || region.Y < 0 || region.Right > t.Width || region.Bottom > t.Height)
            throw new ArgumentException($"region {region} lies outside the {t.Width}x{t.Height} target");
        Counters.BytesReadBack += (long)region.Width * region.Height * 4;
        fixed (byte* p = destination)
        {
            // Composited into an image over the caller's memory: pixman converts, and an X target's
            // padding byte comes out as opaque alpha, as a GL framebuffer's alpha reads.
            var image = Pixman.ImageCreateBits(Pixman.A8R8G8B8, region.Width, region.Height, p, stride);
            if (image == 0) throw new OutOfMemoryException("pixman cannot wrap the destination");
            t.Mapping?.BeginAccess(write: false);
            Pixman.ImageComposite32(Pixman.OpSrc, t.Image, 0, image, region.X, region.Y, 0, 0, 0, 0, region.Width, region.Height);
            t.Mapping?.EndAccess(write: false);
            Pixman.ImageUnref(image);
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_mask != 0) Pixman.ImageUnref(_mask);
        Pixman.Region32Fini(_clip);
        NativeMemory.Free(_clip);
        NativeMemory.Free(_boxes);
    }
}
