namespace Compositor.Backends;

/// <summary>An integer rectangle; empty when width or height is not positive.</summary>
public readonly record struct Rect(int X, int Y, int Width, int Height)
{
    public int Right => X + Width;
    public int Bottom => Y + Height;
    public bool IsEmpty => Width <= 0 || Height <= 0;

    public Rect Intersect(Rect o)
    {
        var x = Math.Max(X, o.X);
        var y = Math.Max(Y, o.Y);
        var r = Math.Min(Right, o.Right);
        var b = Math.Min(Bottom, o.Bottom);
        return r > x && b > y ? new Rect(x, y, r - x, b - y) : default;
    }

    public bool Contains(int px, int py) => px >= X && py >= Y && px < Right && py < Bottom;

    public override string ToString() => $"{Width}x{Height}+{X}+{Y}";
}

/// <summary>A rectangle with fractional coordinates (wp_viewport sources are fixed-point).</summary>
public readonly record struct RectF(double X, double Y, double Width, double Height);
