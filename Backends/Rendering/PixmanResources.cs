using Compositor.Backends.Native;

namespace Compositor.Backends.Rendering;

/// <summary>A pixman image a surface is drawn from: its own copy of shm pixels, or a client's
/// DMA-BUF mapped and sampled in place (<see cref="Mapping"/>).</summary>
internal sealed class PixmanTexture(nint image, int width, int height, uint fourcc, MappedPlane? mapping = null) : ITexture
{
    public nint Image { get; private set; } = image;
    public int Width { get; } = width;
    public int Height { get; } = height;
    public uint Fourcc { get; } = fourcc;
    public bool HasAlpha => Backends.Fourcc.HasAlpha(Fourcc);
    public bool YInverted { get; init; }
    /// <summary>The client's memory the image lies over; null for a texture that owns its pixels.</summary>
    public MappedPlane? Mapping { get; } = mapping;
    /// <summary>The filter set on the image, to change it only when needed; -1 before the first draw.</summary>
    public int Filter { get; set; } = -1;
    /// <summary>Whether the image has a transform set (the untransformed 1:1 draw clears it).</summary>
    public bool Transformed { get; set; }

    public void Dispose()
    {
        if (Image == 0) return;
        // The image first: it points into the mapping.
        Pixman.ImageUnref(Image);
        Image = 0;
        Mapping?.Dispose();
    }
}

/// <summary>A pixman image drawn into: offscreen memory pixman owns, or a scanout buffer mapped.</summary>
internal sealed class PixmanTarget(nint image, int width, int height, MappedPlane? mapping = null) : IRenderTarget
{
    public nint Image { get; private set; } = image;
    public int Width { get; } = width;
    public int Height { get; } = height;
    /// <summary>The scanout buffer's memory; null for an offscreen target.</summary>
    public MappedPlane? Mapping { get; } = mapping;

    public void Dispose()
    {
        if (Image == 0) return;
        Pixman.ImageUnref(Image);
        Image = 0;
        Mapping?.Dispose();
    }
}
