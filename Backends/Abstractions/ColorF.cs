namespace Compositor.Backends;

/// <summary>A premultiplied RGBA colour, components 0..1.</summary>
public readonly record struct ColorF(float R, float G, float B, float A)
{
    public static readonly ColorF Transparent = new(0, 0, 0, 0);
    public static readonly ColorF Black = new(0, 0, 0, 1);
}
