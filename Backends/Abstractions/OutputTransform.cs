namespace Compositor.Backends;

/// <summary>
/// wl_output.transform (0-7: normal, 90, 180, 270, flipped, flipped-90, flipped-180, flipped-270)
/// as one table for the renderers and the scene, so they cannot disagree. A transform T takes an
/// upright image to the one held in memory: a buffer holds its surface's content transformed by its
/// buffer transform, and a framebuffer holds the output's content transformed by the output's
/// transform. A client that sets its buffer transform to the output's therefore fills the
/// framebuffer pixel for pixel, as the protocol intends.
/// </summary>
public static class OutputTransform
{
    /// <summary>The point, in [0,1]², of the transformed image that shows the upright image's point
    /// (<paramref name="u"/>, <paramref name="v"/>).</summary>
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
    public static bool SwapsAxes(int transform) => (transform & 1) == 1;

    /// <summary>A rectangle of an upright image <paramref name="width"/>×<paramref name="height"/>
    /// in the transformed image (whose size is swapped where the transform swaps axes). Exact, in integers.</summary>
    public static Rect Apply(int transform, Rect r, int width, int height)
    {
        var (x0, y0) = Apply(transform, r.X, r.Y, width, height);
        var (x1, y1) = Apply(transform, r.Right, r.Bottom, width, height);
        return new Rect(Math.Min(x0, x1), Math.Min(y0, y1), Math.Abs(x1 - x0), Math.Abs(y1 - y0));
    }

    /// <summary>A point of the upright image in the transformed one (the integer form of <see cref="ToBuffer"/>).</summary>
    public static (int X, int Y) Apply(int transform, int x, int y, int width, int height) => transform switch
    {
        1 => (y, width - x),
        2 => (width - x, height - y),
        3 => (height - y, x),
        4 => (width - x, y),
        5 => (y, x),
        6 => (x, height - y),
        7 => (height - y, width - x),
        _ => (x, y),
    };

    /// <summary>The point of the upright image that a point of the transformed image shows
    /// (<paramref name="width"/>×<paramref name="height"/> is the upright image's size).</summary>
    public static (double X, double Y) Invert(int transform, double x, double y, int width, int height) => transform switch
    {
        1 => (width - y, x),
        2 => (width - x, height - y),
        3 => (y, height - x),
        4 => (width - x, y),
        5 => (y, x),
        6 => (x, height - y),
        7 => (width - y, height - x),
        _ => (x, y),
    };

    /// <summary>The one transform a renderer applies to draw a buffer with transform
    /// <paramref name="buffer"/> into a framebuffer with transform <paramref name="output"/>: the
    /// buffer's transform undone, then the output's applied (the dihedral group's product).</summary>
    public static int Compose(int buffer, int output) => Products[(buffer & 7) * 8 + (output & 7)];

    // Found once by trying the corners: sampling the framebuffer's point f reads the buffer at
    // ToBuffer(buffer, upright point f shows), and the product is the transform that does this in one step.
    private static readonly int[] Products = MakeProducts();

    private static int[] MakeProducts()
    {
        var table = new int[64];
        ReadOnlySpan<(double, double)> probes = [(0, 0), (1, 0), (0, 1)];
        for (var b = 0; b < 8; b++)
        for (var o = 0; o < 8; o++)
        for (var x = 0; x < 8; x++)
        {
            var all = true;
            foreach (var (fu, fv) in probes)
            {
                var (cu, cv) = Invert(o, fu, fv, 1, 1);
                if (ToBuffer(b, cu, cv) != ToBuffer(x, fu, fv)) { all = false; break; }
            }
            if (all) { table[b * 8 + o] = x; break; }
        }
        return table;
    }
}
