using System.Text;
using Compositor.Backends.Native;
using Serilog;

namespace Compositor.Backends.Rendering;

/// <summary>
/// The GLES renderer: an EGL context on the surfaceless platform (no window system needed; Mesa's
/// llvmpipe in CI, a real GPU driver elsewhere), shm pixels uploaded into textures, client DMA-BUFs
/// imported as EGLImages without copying, drawn with premultiplied alpha, clipped to damage.
/// Convention: row 0 of every target is its top row, so GL's y axis runs top to bottom here and
/// glReadPixels returns rows top first.
/// </summary>
public sealed unsafe partial class GlesRenderer : IRenderer, IDmaBufImporter
{
    private readonly ILogger _log;
    private readonly nint _display;
    private readonly nint _context;
    private readonly Gles _gl;
    private readonly Program _texture, _copy, _nv12, _external, _solid;
    private readonly bool _readBgra;
    private Rect[] _clip = new Rect[16];
    private int _clipCount;
    private GlesTarget? _target;

    private readonly RenderDevice? _device;
    /// <summary>EGL_ANDROID_native_fence_sync: <see cref="Submit"/> hands out sync_file fds.</summary>
    private readonly bool _nativeFences;

    /// <summary>A renderer on the EGL surfaceless platform: no device of its own (llvmpipe where there is no GPU).</summary>
    public GlesRenderer(ILogger log) : this(log, null) { }

    /// <param name="device">The render node to draw on (EGL on GBM); null: EGL surfaceless. The renderer
    /// owns it from here on, also when this constructor throws.</param>
    public GlesRenderer(ILogger log, RenderDevice? device)
    {
        _log = log;
        _device = device;
        if (Egl.Ext.GetPlatformDisplay == null) throw new EglException("EGL has no eglGetPlatformDisplayEXT (is Mesa's libEGL installed?)");
        _display = device is null
            ? Egl.Ext.GetPlatformDisplay(Egl.PlatformSurfacelessMesa, 0, null)
            : Egl.Ext.GetPlatformDisplay(Egl.PlatformGbmKhr, device.Gbm, null);
        if (_display == 0 || Egl.Initialize(_display, out var major, out var minor) == 0)
        {
            device?.Dispose();
            throw new EglException($"cannot open the EGL {(device is null ? "surfaceless" : "GBM")} platform: {Egl.ErrorName(Egl.GetError())}");
        }
        var eglExtensions = Egl.QueryString(_display, Egl.Extensions);
        foreach (var required in (string[])["EGL_KHR_no_config_context", "EGL_KHR_surfaceless_context"])
            if (!HasExtension(eglExtensions, required)) throw new EglException($"EGL lacks {required}");
        Egl.BindApi(Egl.OpenGlEsApi);

        int* attributes = stackalloc int[] { Egl.ContextMajorVersion, 3, Egl.None };
        _context = Egl.CreateContext(_display, 0, 0, attributes);
        if (_context == 0)
        {
            attributes[1] = 2;
            _context = Egl.CreateContext(_display, 0, 0, attributes);
        }
        if (_context == 0 || Egl.MakeCurrent(_display, 0, 0, _context) == 0)
            throw new EglException($"cannot create a GLES context: {Egl.ErrorName(Egl.GetError())}");

        _gl = new Gles();
        var glExtensions = _gl.String(Gles.ExtensionsName);
        var version = _gl.String(Gles.VersionName);
        if (!HasExtension(glExtensions, "GL_EXT_texture_format_BGRA8888"))
            throw new EglException("GLES lacks GL_EXT_texture_format_BGRA8888, needed to sample wl_shm formats");
        if (!version.StartsWith("OpenGL ES 3", StringComparison.Ordinal) && !HasExtension(glExtensions, "GL_EXT_unpack_subimage"))
            throw new EglException("GLES lacks row-length unpacking (GLES 3 or GL_EXT_unpack_subimage)");
        _readBgra = HasExtension(glExtensions, "GL_EXT_read_format_bgra");
        CanImportDmaBuf = HasExtension(eglExtensions, "EGL_EXT_image_dma_buf_import") && Egl.Ext.CreateImage != null
            && _gl.EglImageTargetTexture2DOes != null;
        var externalImages = HasExtension(glExtensions, "GL_OES_EGL_image_external");

        var rendererName = _gl.String(Gles.RendererName) ?? "";
        Description = device is null ? $"{version} ({rendererName}), EGL {major}.{minor}"
            : $"{version} ({rendererName}) on {device.Path} (GBM {device.GbmBackend}), EGL {major}.{minor}";
        // Mesa's software rasterizers read DMA-BUFs through a CPU mapping of the fd. (virgl's name
        // says what the host renders with, "virgl (LLVMPIPE ...)": only the prefix tells.)
        _cpuRenderer = IsSoftwareRasterizer(rendererName);
        if (device is not null && _cpuRenderer)
        {
            Dispose(contextOnly: true);
            throw new EglException($"its EGL driver is a software rasterizer ({rendererName})");
        }
        _texture = new Program(this, GlesShaders.Vertex, GlesShaders.Texture);
        _copy = new Program(this, GlesShaders.Vertex, GlesShaders.CopyTexture);
        _nv12 = new Program(this, GlesShaders.Vertex, GlesShaders.Nv12Planes);
        _external = externalImages ? new Program(this, GlesShaders.Vertex, GlesShaders.ExternalTexture) : _texture;
        _solid = new Program(this, GlesShaders.Vertex, GlesShaders.Solid);
        ShmFormats = [Fourcc.Argb8888, Fourcc.Xrgb8888, Fourcc.Abgr8888, Fourcc.Xbgr8888];
        DmaBufFormats = CanImportDmaBuf ? QueryDmaBufFormats(HasExtension(eglExtensions, "EGL_EXT_image_dma_buf_import_modifiers")) : [];
        MainDevice = device?.DeviceNumber ?? QueryMainDevice(eglExtensions);
        _nativeFences = HasExtension(eglExtensions, "EGL_ANDROID_native_fence_sync") && HasExtension(eglExtensions, "EGL_KHR_fence_sync")
                        && Egl.Ext.CreateSync != null && Egl.Ext.DupNativeFenceFd != null;
        _log.Debug("EGL extensions: {Extensions}", eglExtensions);
        if (device is not null && TestDraw(device) is { } failed)
        {
            Dispose();
            throw new EglException(failed);
        }
    }

    private static bool IsSoftwareRasterizer(string renderer) =>
        renderer.StartsWith("llvmpipe", StringComparison.Ordinal) || renderer.StartsWith("softpipe", StringComparison.Ordinal);

    /// <summary>Allocates a small buffer on the device, imports it and draws into it: what a driver that
    /// only initialises (kms_swrast on a 2D virtio-gpu or vgem) cannot do. Null when it works.</summary>
    private string? TestDraw(RenderDevice device)
    {
        if (!CanImportDmaBuf) return "EGL cannot import DMA-BUFs";
        var bo = Gbm.BoCreate(device.Gbm, 64, 64, Fourcc.Xrgb8888, Gbm.BoUseRendering);
        if (bo == 0) return "gbm_bo_create of a 64x64 XRGB8888 buffer failed";
        try
        {
            var fd = Gbm.BoGetFd(bo);
            if (fd < 0) return "gbm_bo_get_fd failed";
            using var attributes = new DmaBufAttributes
            {
                Width = 64, Height = 64, Fourcc = Fourcc.Xrgb8888, Modifier = DmaBufAttributes.ModifierInvalid,
                Planes = [new DmaBufPlane(new Wayland.Wire.OwnedFd(fd), 0, Gbm.BoGetStride(bo))],
            };
            if (Import(attributes) is not { } texture) return "importing its own buffer failed";
            using (texture)
            {
                uint framebuffer;
                _gl.GenFramebuffers(1, &framebuffer);
                _gl.BindFramebuffer(Gles.Framebuffer, framebuffer);
                _gl.FramebufferTexture2D(Gles.Framebuffer, Gles.ColorAttachment0, Gles.Texture2D, texture.Id, 0);
                var complete = _gl.CheckFramebufferStatus(Gles.Framebuffer) == Gles.FramebufferComplete;
                if (complete)
                {
                    _gl.ClearColor(0, 0, 0, 1);
                    _gl.Clear(Gles.ColorBufferBit);
                    _gl.Finish();
                }
                var error = _gl.GetError();
                _gl.BindFramebuffer(Gles.Framebuffer, 0);
                _gl.DeleteFramebuffers(1, &framebuffer);
                if (!complete) return "its buffer cannot be a framebuffer";
                if (error != 0) return $"drawing into its buffer failed (GL error 0x{error:x})";
            }
            return null;
        }
        finally
        {
            Gbm.BoDestroy(bo);
        }
    }

    public string Description { get; }
    /// <summary>The render node drawn on (EGL on GBM); null on the surfaceless platform.</summary>
    public RenderDevice? Device => _device;
    public IReadOnlyList<uint> ShmFormats { get; }
    public IReadOnlyList<DmaBufFormat> DmaBufFormats { get; }
    public ulong? MainDevice { get; }
    public bool CanImportDmaBuf { get; }

    private static bool HasExtension(string list, string name)
    {
        foreach (var e in list.Split(' ', StringSplitOptions.RemoveEmptyEntries)) if (e == name) return true;
        return false;
    }

    // ---- targets and textures ----

    public IRenderTarget CreateOffscreenTarget(int width, int height)
    {
        // BGRA first: the layout of XRGB8888 scanout buffers and of most client buffers, so drawing
        // is a straight copy (llvmpipe's linear fast path needs it); RGBA where BGRA cannot be drawn to.
        foreach (var format in (ReadOnlySpan<int>)[Gles.BgraExt, Gles.Rgba])
        {
            uint texture, framebuffer;
            _gl.GenTextures(1, &texture);
            _gl.BindTexture(Gles.Texture2D, texture);
            _gl.TexImage2D(Gles.Texture2D, 0, format, width, height, 0, format, Gles.UnsignedByte, null);
            _gl.GenFramebuffers(1, &framebuffer);
            _gl.BindFramebuffer(Gles.Framebuffer, framebuffer);
            _gl.FramebufferTexture2D(Gles.Framebuffer, Gles.ColorAttachment0, Gles.Texture2D, texture, 0);
            var status = _gl.CheckFramebufferStatus(Gles.Framebuffer);
            if (_gl.GetError() == 0 && status == Gles.FramebufferComplete) return new GlesTarget(this, framebuffer, texture, width, height);
            _gl.DeleteFramebuffers(1, &framebuffer);
            _gl.DeleteTextures(1, &texture);
            if (format == Gles.Rgba) throw new EglException($"offscreen framebuffer incomplete: 0x{status:x}");
        }
        throw new EglException("no offscreen framebuffer format");
    }

    public ITexture CreateTexture(uint fourcc, int width, int height)
    {
        var (internalFormat, format) = UploadFormat(fourcc);
        uint id;
        _gl.GenTextures(1, &id);
        _gl.BindTexture(Gles.Texture2D, id);
        SetSampling(Gles.Texture2D);
        _gl.TexImage2D(Gles.Texture2D, 0, internalFormat, width, height, 0, format, Gles.UnsignedByte, null);
        // An X format's fourth byte is padding: sampled as 1, the output keeps a defined alpha and
        // the plain copy shader is right for it too (GLES 3 texture swizzle).
        if (fourcc is Fourcc.Xrgb8888 or Fourcc.Xbgr8888) _gl.TexParameteri(Gles.Texture2D, TextureSwizzleA, One);
        return new GlesTexture(this, id, Gles.Texture2D, width, height, fourcc);
    }

    private const int TextureSwizzleA = 0x8E45, One = 1;

    private static (int InternalFormat, int Format) UploadFormat(uint fourcc) => fourcc switch
    {
        Fourcc.Argb8888 or Fourcc.Xrgb8888 => (Gles.BgraExt, Gles.BgraExt),
        Fourcc.Abgr8888 or Fourcc.Xbgr8888 => (Gles.Rgba, Gles.Rgba),
        _ => throw new ArgumentException($"the renderer cannot upload format 0x{fourcc:x8}"),
    };

    private void SetSampling(int target)
    {
        _gl.TexParameteri(target, Gles.TextureMinFilter, Gles.Linear);
        _gl.TexParameteri(target, Gles.TextureMagFilter, Gles.Linear);
        _gl.TexParameteri(target, Gles.TextureWrapS, Gles.ClampToEdge);
        _gl.TexParameteri(target, Gles.TextureWrapT, Gles.ClampToEdge);
    }

    /// <summary>Client pixels the CPU copied into textures (shm uploads), and DMA-BUF imports, since
    /// start: the zero-copy path keeps the first at 0 and the second at one per buffer.</summary>
    public long BytesUploaded => Counters.BytesUploaded;
    public long DmaBufImports => Counters.DmaBufImports;

    public void Upload(ITexture texture, ReadOnlySpan<byte> rows, int stride, Rect region)
    {
        var t = (GlesTexture)texture;
        Counters.BytesUploaded += (long)region.Width * region.Height * 4;
        var (_, format) = UploadFormat(t.Fourcc);
        var needed = (long)stride * (region.Height - 1) + (long)(region.X + region.Width) * 4;
        if (region.IsEmpty || rows.Length < needed) throw new ArgumentException($"{rows.Length} bytes cannot hold region {region} with stride {stride}");
        _gl.BindTexture(Gles.Texture2D, t.Id);
        _gl.PixelStorei(Gles.UnpackAlignment, 4);
        _gl.PixelStorei(Gles.UnpackRowLength, stride / 4);
        fixed (byte* p = rows)
            _gl.TexSubImage2D(Gles.Texture2D, 0, region.X, region.Y, region.Width, region.Height, format, Gles.UnsignedByte, p + region.X * 4);
        _gl.PixelStorei(Gles.UnpackRowLength, 0);
    }

    internal void DeleteTexture(GlesTexture t)
    {
        var id = t.Id;
        _gl.DeleteTextures(1, &id);
        if (t.EglImage != 0) Egl.Ext.DestroyImage(_display, t.EglImage);
        if (t.UvId != 0) DeleteImage(t.UvId, t.UvImage);
    }

    internal void DeleteTarget(GlesTarget t)
    {
        uint fb = t.Framebuffer, tex = t.Texture;
        _gl.DeleteFramebuffers(1, &fb);
        _gl.DeleteTextures(1, &tex);
        if (t.EglImage != 0) Egl.Ext.DestroyImage(_display, t.EglImage);
    }

    public IRenderTarget? CreateTarget(DmaBufAttributes buffer, out string whyNot)
    {
        if (!CanImportDmaBuf) { whyNot = "EGL cannot import DMA-BUFs"; return null; }
        if (_cpuRenderer) { whyNot = $"the renderer is a software rasterizer ({_gl.String(Gles.RendererName)})"; return null; }
        if (ImportImage(buffer.Fourcc, buffer.Width, buffer.Height, buffer.Planes, buffer.Modifier, Gles.Texture2D) is not { } image)
        {
            whyNot = $"EGL cannot import the {buffer.Width}x{buffer.Height} buffer";
            return null;
        }
        uint framebuffer;
        _gl.GenFramebuffers(1, &framebuffer);
        _gl.BindFramebuffer(Gles.Framebuffer, framebuffer);
        _gl.FramebufferTexture2D(Gles.Framebuffer, Gles.ColorAttachment0, Gles.Texture2D, image.Id, 0);
        var status = _gl.CheckFramebufferStatus(Gles.Framebuffer);
        if (_gl.GetError() != 0 || status != Gles.FramebufferComplete)
        {
            _gl.DeleteFramebuffers(1, &framebuffer);
            DeleteImage(image.Id, image.Image);
            whyNot = $"the buffer cannot be a framebuffer (status 0x{status:x})";
            return null;
        }
        whyNot = "";
        return new GlesTarget(this, framebuffer, image.Id, buffer.Width, buffer.Height, image.Image);
    }

    // ---- drawing ----

    public void Begin(IRenderTarget target, ReadOnlySpan<Rect> clip)
    {
        _target = (GlesTarget)target;
        _gl.BindFramebuffer(Gles.Framebuffer, _target.Framebuffer);
        _gl.Viewport(0, 0, _target.Width, _target.Height);
        if (_clip.Length < clip.Length) _clip = new Rect[Math.Max(clip.Length, _clip.Length * 2)];
        _clipCount = 0;
        var bounds = new Rect(0, 0, _target.Width, _target.Height);
        foreach (var r in clip)
        {
            var c = r.Intersect(bounds);
            if (!c.IsEmpty) _clip[_clipCount++] = c;
        }
        _gl.Enable(Gles.ScissorTest);
        _gl.BlendFunc(Gles.One, Gles.OneMinusSrcAlpha);
    }

    public void Clear(ColorF color)
    {
        _gl.ClearColor(color.R, color.G, color.B, color.A);
        for (var i = 0; i < _clipCount; i++)
        {
            Scissor(_clip[i]);
            _gl.Clear(Gles.ColorBufferBit);
        }
    }

    public void Draw(ITexture texture, RectF source, Rect destination, int transform, float alpha, bool opaque)
    {
        var t = (GlesTexture)texture;
        // Opaque or premultiplied content at full opacity needs no arithmetic (an X format's alpha
        // byte does not matter when blending is off).
        var blend = !(opaque || !t.HasAlpha) || alpha < 1f;
        var program = t.UvId != 0 ? _nv12
            : t.Target == Gles.TextureExternalOes ? _external
            : alpha >= 1f && (t.HasAlpha || !blend) ? _copy : _texture;
        float* vertices = stackalloc float[16];
        Quad(destination, vertices);
        TexCoords(t, source, transform, vertices + 8);
        program.Use();
        _gl.ActiveTexture(Gles.Texture0);
        _gl.BindTexture(t.Target, t.Id);
        // A copy pixel for pixel samples with GL_NEAREST: exact, and much cheaper than GL_LINEAR on
        // a software rasterizer; scaled or fractional sources are filtered.
        var swapped = OutputTransform.SwapsAxes(transform);
        var exact = source.X == Math.Floor(source.X) && source.Y == Math.Floor(source.Y)
                    && (swapped ? source.Height : source.Width) == destination.Width
                    && (swapped ? source.Width : source.Height) == destination.Height;
        var filter = exact ? Gles.Nearest : Gles.Linear;
        var filterChanged = t.Filter != filter;
        if (filterChanged)
        {
            _gl.TexParameteri(t.Target, Gles.TextureMinFilter, filter);
            _gl.TexParameteri(t.Target, Gles.TextureMagFilter, filter);
            t.Filter = filter;
        }
        _gl.Uniform1i(program.Texture, 0);
        if (t.UvId != 0)
        {
            _gl.ActiveTexture(Gles.Texture0 + 1);
            _gl.BindTexture(Gles.Texture2D, t.UvId);
            if (filterChanged)
            {
                _gl.TexParameteri(Gles.Texture2D, Gles.TextureMinFilter, filter);
                _gl.TexParameteri(Gles.Texture2D, Gles.TextureMagFilter, filter);
            }
            _gl.Uniform1i(program.TextureUv, 1);
            _gl.ActiveTexture(Gles.Texture0);
        }
        _gl.Uniform1f(program.Alpha, alpha);
        _gl.Uniform1f(program.Opaque, t.HasAlpha ? 0f : 1f);
        if (blend) _gl.Enable(Gles.Blend); else _gl.Disable(Gles.Blend);
        DrawClipped(program, destination, vertices);
    }

    public void DrawSolid(Rect destination, ColorF color)
    {
        float* vertices = stackalloc float[16];
        Quad(destination, vertices);
        _solid.Use();
        _gl.Uniform4f(_solid.Color, color.R, color.G, color.B, color.A);
        if (color.A >= 1f) _gl.Disable(Gles.Blend); else _gl.Enable(Gles.Blend);
        DrawClipped(_solid, destination, vertices);
    }

    public void End()
    {
        _gl.Disable(Gles.ScissorTest);
        _gl.Disable(Gles.Blend);
        _target = null;
    }

    public void Finish() => _gl.Finish();

    public int Submit()
    {
        if (!_nativeFences)
        {
            _gl.Flush();
            return -1;
        }
        int* attributes = stackalloc int[] { Egl.SyncNativeFenceFdAndroid, Egl.NoNativeFenceFdAndroid, Egl.None };
        var sync = Egl.Ext.CreateSync(_display, Egl.SyncNativeFenceAndroid, attributes);
        // The fence fd exists once the commands are flushed to the kernel.
        _gl.Flush();
        if (sync == 0) return -1;
        var fd = Egl.Ext.DupNativeFenceFd(_display, sync);
        Egl.Ext.DestroySync(_display, sync);
        return fd;
    }

    public RenderCounters Counters { get; } = new();

    private void DrawClipped(Program program, Rect destination, float* vertices)
    {
        _gl.VertexAttribPointer(Program.PositionAttribute, 2, Gles.Float, 0, 0, vertices);
        _gl.EnableVertexAttribArray(Program.PositionAttribute);
        _gl.VertexAttribPointer(Program.TexcoordAttribute, 2, Gles.Float, 0, 0, vertices + 8);
        _gl.EnableVertexAttribArray(Program.TexcoordAttribute);
        for (var i = 0; i < _clipCount; i++)
        {
            var c = _clip[i].Intersect(destination);
            if (c.IsEmpty) continue;
            Scissor(c);
            _gl.DrawArrays(Gles.TriangleStrip, 0, 4);
        }
    }

    private void Scissor(Rect r) => _gl.Scissor(r.X, r.Y, r.Width, r.Height);

    /// <summary>Corners top-left, top-right, bottom-left, bottom-right in NDC (target row 0 at y = -1).</summary>
    private void Quad(Rect d, float* v)
    {
        float w = _target!.Width, h = _target.Height;
        float x0 = 2f * d.X / w - 1f, x1 = 2f * d.Right / w - 1f;
        float y0 = 2f * d.Y / h - 1f, y1 = 2f * d.Bottom / h - 1f;
        v[0] = x0; v[1] = y0; v[2] = x1; v[3] = y0; v[4] = x0; v[5] = y1; v[6] = x1; v[7] = y1;
    }

    /// <summary>Texture coordinates of the quad's corners: each corner (u, v) of the surface maps to a
    /// point of the source rectangle in buffer space through the buffer transform (wl_output.transform:
    /// the buffer holds the surface's content rotated counter-clockwise / flipped by it).</summary>
    internal static void TexCoords(ITexture t, RectF s, int transform, float* tc)
    {
        ReadOnlySpan<float> corners = [0, 0, 1, 0, 0, 1, 1, 1];
        for (var i = 0; i < 4; i++)
        {
            var (u, v) = (corners[i * 2], corners[i * 2 + 1]);
            var (bu, bv) = OutputTransform.ToBuffer(transform, u, v);
            tc[i * 2] = (float)((s.X + bu * s.Width) / t.Width);
            var tv = (float)((s.Y + bv * s.Height) / t.Height);
            tc[i * 2 + 1] = t.YInverted ? 1 - tv : tv;
        }
    }

    public void ReadPixels(IRenderTarget target, Rect region, uint fourcc, Span<byte> destination, int stride)
    {
        if (fourcc is not (Fourcc.Argb8888 or Fourcc.Xrgb8888)) throw new ArgumentException($"cannot read pixels as 0x{fourcc:x8}");
        if (destination.Length < (long)stride * (region.Height - 1) + region.Width * 4) throw new ArgumentException("destination too small");
        var t = (GlesTarget)target;
        Counters.BytesReadBack += (long)region.Width * region.Height * 4;
        _gl.BindFramebuffer(Gles.Framebuffer, t.Framebuffer);
        _gl.PixelStorei(Gles.PackAlignment, 4);
        _gl.PixelStorei(Gles.PackRowLength, stride / 4);
        fixed (byte* p = destination)
        {
            _gl.ReadPixels(region.X, region.Y, region.Width, region.Height, _readBgra ? Gles.BgraExt : Gles.Rgba, Gles.UnsignedByte, p);
            if (!_readBgra)
            {
                // RGBA → BGRA in place.
                for (var y = 0; y < region.Height; y++)
                {
                    var row = p + (long)y * stride;
                    for (var x = 0; x < region.Width; x++) (row[x * 4], row[x * 4 + 2]) = (row[x * 4 + 2], row[x * 4]);
                }
            }
        }
        _gl.PixelStorei(Gles.PackRowLength, 0);
    }

    public void Dispose() => Dispose(contextOnly: false);

    /// <param name="contextOnly">From the constructor, before the programs exist.</param>
    private void Dispose(bool contextOnly)
    {
        if (!contextOnly)
        {
            _texture.Dispose();
            _copy.Dispose();
            _nv12.Dispose();
            if (_external != _texture) _external.Dispose();
            _solid.Dispose();
        }
        Egl.MakeCurrent(_display, 0, 0, 0);
        Egl.DestroyContext(_display, _context);
        Egl.Terminate(_display);
        Egl.ReleaseThread();
        _device?.Dispose();
    }

    /// <summary>
    /// The renderer a backend should use: on <paramref name="renderNode"/> when one is given (it must
    /// work); else on the first render node that really renders, <paramref name="preferred"/> (the
    /// display card's own) first; else EGL surfaceless. Says in the log which and why.
    /// </summary>
    public static GlesRenderer Create(ILogger log, string? renderNode = null, string? preferred = null)
    {
        if (renderNode is not null)
        {
            var device = RenderDevice.Open(renderNode, out var whyNot)
                         ?? throw new EglException($"cannot render on {renderNode}: {whyNot}");
            try { return Announce(log, new GlesRenderer(log, device)); }
            catch (EglException e) { throw new EglException($"cannot render on {renderNode}: {e.Message}"); }
        }
        foreach (var node in RenderDevice.Candidates(preferred))
        {
            if (RenderDevice.Open(node, out var whyNot) is not { } device)
            {
                log.Information("Render node {Node} not used: {Why}", node, whyNot);
                continue;
            }
            try { return Announce(log, new GlesRenderer(log, device)); }
            catch (Exception e) when (e is EglException or DllNotFoundException)
            {
                log.Information("Render node {Node} not used: {Why}", node, e.Message);
            }
        }
        var renderer = new GlesRenderer(log);
        log.Information("No render node renders here: EGL surfaceless ({Renderer})", renderer.Description);
        return renderer;
    }

    private static GlesRenderer Announce(ILogger log, GlesRenderer renderer)
    {
        log.Information("Rendering on {Renderer}", renderer.Description);
        return renderer;
    }

    // ---- shaders ----

    /// <summary>A linked program and its uniform locations, looked up once.</summary>
    private sealed class Program : IDisposable
    {
        public const uint PositionAttribute = 0, TexcoordAttribute = 1;
        private readonly GlesRenderer _r;
        private readonly uint _id;

        public Program(GlesRenderer renderer, string vertex, string fragment)
        {
            _r = renderer;
            var gl = renderer._gl;
            var vs = Compile(gl, Gles.VertexShader, vertex);
            var fs = Compile(gl, Gles.FragmentShader, fragment);
            _id = gl.CreateProgram();
            gl.AttachShader(_id, vs);
            gl.AttachShader(_id, fs);
            fixed (byte* position = "position\0"u8, texcoord = "texcoord\0"u8)
            {
                gl.BindAttribLocation(_id, PositionAttribute, position);
                gl.BindAttribLocation(_id, TexcoordAttribute, texcoord);
            }
            gl.LinkProgram(_id);
            int ok;
            gl.GetProgramiv(_id, Gles.LinkStatus, &ok);
            gl.DeleteShader(vs);
            gl.DeleteShader(fs);
            if (ok == 0)
            {
                var log = stackalloc byte[1024];
                int length;
                gl.GetProgramInfoLog(_id, 1024, &length, log);
                throw new EglException($"shader link failed: {Encoding.UTF8.GetString(log, length)}");
            }
            Texture = Uniform("tex");
            TextureUv = Uniform("tex_uv");
            Alpha = Uniform("alpha");
            Opaque = Uniform("opaque");
            Color = Uniform("color");
        }

        public int Texture { get; }
        public int TextureUv { get; }
        public int Alpha { get; }
        public int Opaque { get; }
        public int Color { get; }

        public void Use() => _r._gl.UseProgram(_id);

        private int Uniform(string name)
        {
            var bytes = Encoding.ASCII.GetBytes(name + "\0");
            fixed (byte* p = bytes) return _r._gl.GetUniformLocation(_id, p);
        }

        private static uint Compile(Gles gl, int kind, string source)
        {
            var shader = gl.CreateShader(kind);
            var bytes = Encoding.UTF8.GetBytes(source);
            fixed (byte* p = bytes)
            {
                var length = bytes.Length;
                var ptr = p;
                gl.ShaderSource(shader, 1, &ptr, &length);
            }
            gl.CompileShader(shader);
            int ok;
            gl.GetShaderiv(shader, Gles.CompileStatus, &ok);
            if (ok == 0)
            {
                var log = stackalloc byte[1024];
                int length;
                gl.GetShaderInfoLog(shader, 1024, &length, log);
                throw new EglException($"shader compile failed: {Encoding.UTF8.GetString(log, length)}");
            }
            return shader;
        }

        public void Dispose() => _r._gl.DeleteProgram(_id);
    }
}
