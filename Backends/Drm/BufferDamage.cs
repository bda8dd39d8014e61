namespace Compositor.Backends.Drm;

/// <summary>
/// What each buffer of a flip chain lacks: the damage of every frame drawn into the other buffers
/// since it was last drawn. Drawing a frame into a buffer brings over exactly that plus the frame's
/// own damage. A buffer's list that grows past <see cref="MaxRects"/> becomes its bounding box.
/// Allocation-free after the first frames.
/// </summary>
public sealed class BufferDamage
{
    public const int MaxRects = 16;

    private readonly Rect[][] _missing;
    private readonly int[] _counts;

    public BufferDamage(int buffers)
    {
        _missing = new Rect[buffers][];
        for (var i = 0; i < buffers; i++) _missing[i] = new Rect[MaxRects];
        _counts = new int[buffers];
    }

    /// <summary>Everything changed, as on a fresh buffer.</summary>
    public void DamageAll(Rect bounds)
    {
        for (var i = 0; i < _counts.Length; i++)
        {
            _missing[i][0] = bounds;
            _counts[i] = 1;
        }
    }

    /// <summary>A frame with <paramref name="damage"/> is drawn into <paramref name="buffer"/>:
    /// <paramref name="copy"/> gets what that buffer must be brought up to date with (what it missed,
    /// then the frame's damage); the other buffers now miss the frame's damage.</summary>
    public void Draw(int buffer, ReadOnlySpan<Rect> damage, List<Rect> copy)
    {
        copy.Clear();
        for (var i = 0; i < _counts[buffer]; i++) copy.Add(_missing[buffer][i]);
        foreach (var r in damage) if (!r.IsEmpty) copy.Add(r);
        _counts[buffer] = 0;
        for (var other = 0; other < _counts.Length; other++)
            if (other != buffer)
                foreach (var r in damage) Add(other, r);
    }

    /// <summary>A frame with <paramref name="damage"/> that no buffer got (none was free): every
    /// buffer now misses it.</summary>
    public void Skip(ReadOnlySpan<Rect> damage)
    {
        for (var b = 0; b < _counts.Length; b++)
            foreach (var r in damage) Add(b, r);
    }

    /// <summary>What <paramref name="buffer"/> lacks now.</summary>
    public ReadOnlySpan<Rect> Missing(int buffer) => _missing[buffer].AsSpan(0, _counts[buffer]);

    private void Add(int buffer, Rect r)
    {
        if (r.IsEmpty) return;
        var list = _missing[buffer];
        var n = _counts[buffer];
        for (var i = 0; i < n; i++)
            if (Contains(list[i], r)) return;
        if (n < MaxRects)
        {
            list[n] = r;
            _counts[buffer] = n + 1;
            return;
        }
        var box = r;
        for (var i = 0; i < n; i++) box = Union(box, list[i]);
        list[0] = box;
        _counts[buffer] = 1;
    }

    private static bool Contains(Rect outer, Rect inner) =>
        inner.X >= outer.X && inner.Y >= outer.Y && inner.Right <= outer.Right && inner.Bottom <= outer.Bottom;

    private static Rect Union(Rect a, Rect b)
    {
        int x = Math.Min(a.X, b.X), y = Math.Min(a.Y, b.Y);
        return new Rect(x, y, Math.Max(a.Right, b.Right) - x, Math.Max(a.Bottom, b.Bottom) - y);
    }
}
