namespace Compositor.Backends.Rendering;

/// <summary>wl_output.transform as the renderers undo it: the buffer holds the surface's content
/// rotated counter-clockwise (then flipped) by the transform, so a point of the surface is found in
/// the buffer by the inverse. One table for every renderer, so they cannot disagree.</summary>
internal static class BufferTransform
{
    /// <summary>The buffer point, in [0,1]², showing surface point (<paramref name="u"/>, <paramref name="v"/>).</summary>
    public static (double U, double V) ToBuffer(int transform, double u, double v) => transform switch
    {
        1 => (v, 1 - u),      // 90
        2 => (1 - u, 1 - v),  // 180
        3 => (1 - v, u),      // 270
        4 => (1 - u, v),      // flipped
        5 => (v, u),          // flipped 90
        6 => (u, 1 - v),      // flipped 180
        7 => (1 - v, 1 - u),  // flipped 270
        _ => (u, v),
    };

    /// <summary>Whether the transform swaps width and height (90 and 270, flipped or not).</summary>
    public static bool SwapsAxes(int transform) => transform % 2 == 1;
}
