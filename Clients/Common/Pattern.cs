namespace Clients.Common;

/// <summary>
/// The sample clients' picture, with a known colour layout so tests can check it pixel by pixel:
/// four quadrants, red (top left), green (top right), blue (bottom left) and white (bottom right),
/// and a 32x32 yellow square that moves along the middle one step per frame. With
/// <see cref="Translucent"/> the white quadrant is white at 50% (premultiplied 0x80808080), to
/// check blending.
/// </summary>
public static class Pattern
{
    public const uint Red = 0xffff0000, Green = 0xff00ff00, Blue = 0xff0000ff, White = 0xffffffff, Yellow = 0xffffff00;
    public const uint HalfWhite = 0x80808080;
    public const int Square = 32;

    public static bool Translucent { get; set; }

    /// <summary>Left edge of the moving square in a frame.</summary>
    public static int SquareX(int width, int frame) => width <= Square ? 0 : frame * 4 % (width - Square);

    /// <summary>The premultiplied ARGB8888 pixel at (x, y) of a frame.</summary>
    public static uint Pixel(int x, int y, int width, int height, int frame)
    {
        var sx = SquareX(width, frame);
        var sy = height / 2 - Square / 2;
        if (x >= sx && x < sx + Square && y >= sy && y < sy + Square) return Yellow;
        var right = x >= width / 2;
        var bottom = y >= height / 2;
        return (right, bottom) switch
        {
            (false, false) => Red,
            (true, false) => Green,
            (false, true) => Blue,
            _ => Translucent ? HalfWhite : White,
        };
    }

    /// <summary>Fills rows of 32-bit pixels (little-endian ARGB8888/XRGB8888) for a frame.</summary>
    public static unsafe void FillArgb(byte* pixels, int stride, int width, int height, int frame)
    {
        for (var y = 0; y < height; y++)
        {
            var row = (uint*)(pixels + (long)y * stride);
            for (var x = 0; x < width; x++) row[x] = Pixel(x, y, width, height, frame);
        }
    }

    /// <summary>Fills an NV12 image: a full-resolution Y plane and a half-resolution interleaved
    /// Cb/Cr plane (BT.601, limited range: what EGL assumes without hints).</summary>
    public static unsafe void FillNv12(byte* y0, int yStride, byte* uv0, int uvStride, int width, int height, int frame)
    {
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
                y0[(long)y * yStride + x] = Yuv.FromArgb(Pixel(x, y, width, height, frame)).Y;
        for (var y = 0; y < height / 2; y++)
            for (var x = 0; x < width / 2; x++)
            {
                // Each chroma sample covers 2x2 pixels; the layout keeps those the same colour.
                var c = Yuv.FromArgb(Pixel(2 * x, 2 * y, width, height, frame));
                uv0[(long)y * uvStride + 2 * x] = c.U;
                uv0[(long)y * uvStride + 2 * x + 1] = c.V;
            }
    }
}

/// <summary>BT.601 limited-range YCbCr, as Mesa samples NV12 when no colour space hint is given.</summary>
public readonly record struct Yuv(byte Y, byte U, byte V)
{
    public static Yuv FromArgb(uint argb)
    {
        double r = (argb >> 16) & 0xff, g = (argb >> 8) & 0xff, b = argb & 0xff;
        var y = 16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255;
        var u = 128 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255;
        var v = 128 + (112.0 * r - 93.786 * g - 18.214 * b) / 255;
        return new Yuv(Clamp(y), Clamp(u), Clamp(v));
    }

    private static byte Clamp(double v) => (byte)Math.Clamp(Math.Round(v), 0, 255);
}

/// <summary>Checks a picture of the pattern's frame 0, as a screenshot shows it.</summary>
public static class PatternCheck
{
    /// <summary>
    /// Compares the <paramref name="size"/>x<paramref name="size"/> window at (<paramref name="x0"/>,
    /// <paramref name="y0"/>) of a screenshot with frame 0, every pixel, allowing
    /// <paramref name="tolerance"/> per channel (8-bit YUV rounding). <paramref name="bottomRight"/> is
    /// what the white quadrant looks like on screen (blended when translucent). Null when it
    /// matches, else a description of the first mismatches.
    /// </summary>
    public static string? Frame0(Func<int, int, (byte R, byte G, byte B)> screen, int x0, int y0, int size,
        (byte R, byte G, byte B) bottomRight, int tolerance)
    {
        var bad = 0;
        string? first = null;
        for (var y = 0; y < size; y++)
            for (var x = 0; x < size; x++)
            {
                var p = Pattern.Pixel(x, y, size, size, 0);
                var expected = p == Pattern.White || p == Pattern.HalfWhite
                    ? bottomRight
                    : ((byte)(p >> 16), (byte)(p >> 8), (byte)p);
                var actual = screen(x0 + x, y0 + y);
                if (Math.Abs(actual.R - expected.Item1) <= tolerance && Math.Abs(actual.G - expected.Item2) <= tolerance
                    && Math.Abs(actual.B - expected.Item3) <= tolerance) continue;
                bad++;
                first ??= $"at ({x}, {y}) of the window: {actual}, expected {expected}";
            }
        return bad == 0 ? null : $"{bad} of {size * size} pixels differ, first {first}";
    }
}
