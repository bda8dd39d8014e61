using Compositor.Backends.Native;

namespace Compositor.Backends.Rendering;

/// <summary>A GL texture: a surface's copy of shm pixels, or an EGLImage of a client's DMA-BUF.</summary>
internal sealed class GlesTexture(GlesRenderer renderer, uint id, int target, int width, int height, uint fourcc, nint eglImage = 0) : ITexture
{
    public uint Id { get; private set; } = id;
    /// <summary>GL_TEXTURE_2D, or GL_TEXTURE_EXTERNAL_OES for formats the driver only samples that way.</summary>
    public int Target { get; } = target;
    public int Width { get; } = width;
    public int Height { get; } = height;
    public uint Fourcc { get; } = fourcc;
    public bool HasAlpha => Backends.Fourcc.HasAlpha(Fourcc);
    public nint EglImage { get; private set; } = eglImage;
    /// <summary>The filter set on the texture (GL_NEAREST or GL_LINEAR), to change it only when needed.</summary>
    public int Filter { get; set; } = Gles.Linear;
    /// <summary>NV12 imported plane by plane: <see cref="Id"/> holds Y (R8), this the CbCr plane (GR88).</summary>
    public uint UvId { get; init; }
    public nint UvImage { get; init; }
    public bool YInverted { get; init; }

    public void Dispose()
    {
        if (Id == 0) return;
        renderer.DeleteTexture(this);
        Id = 0;
        EglImage = 0;
    }
}

/// <summary>An offscreen framebuffer (headless outputs, tests): a texture behind an FBO.</summary>
internal sealed class GlesTarget(GlesRenderer renderer, uint framebuffer, uint texture, int width, int height, nint eglImage = 0) : IRenderTarget
{
    public uint Framebuffer { get; private set; } = framebuffer;
    public uint Texture { get; } = texture;
    /// <summary>The EGLImage of a scanout buffer the texture is bound to (0 for offscreen targets).</summary>
    public nint EglImage { get; } = eglImage;
    public int Width { get; } = width;
    public int Height { get; } = height;

    public void Dispose()
    {
        if (Framebuffer == 0) return;
        renderer.DeleteTarget(this);
        Framebuffer = 0;
    }
}
