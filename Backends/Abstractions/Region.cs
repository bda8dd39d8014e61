namespace Compositor.Backends;

/// <summary>
/// A set of pixels as non-overlapping rectangles (what pixman regions are to weston): wl_region
/// contents, opaque and input regions, and damage, in the core and in the backends (through
/// <see cref="BufferDamage"/>). Small by nature (a handful of rectangles), so a plain list beats a
/// banded structure. Operations reuse their lists: no allocation in steady state.
/// </summary>
public sealed class Region
{
    // Arrays rather than lists, made on first use: most regions (a surface's pending, cached and
    // current opaque/input/damage regions) stay empty, and an empty region is just this object.
    private Rect[]? _rects;
    private Rect[]? _scratch;
    private int _count;

    public ReadOnlySpan<Rect> Rects => _rects.AsSpan(0, _count);
    public bool IsEmpty => _count == 0;
    public int Count => _count;

    public void Clear() => _count = 0;

    public void Set(Region other)
    {
        if (other == this) return;
        _count = 0;
        foreach (var r in other.Rects) Append(r);
    }

    public void Set(Rect r)
    {
        _count = 0;
        if (!r.IsEmpty) Append(r);
    }

    /// <summary>Adds a rectangle: the part not yet covered is appended, split as needed.</summary>
    public void Add(Rect r)
    {
        if (r.IsEmpty) return;
        // Already covered: nothing to add (the common case of repeated damage).
        if (CoveredBySingle(r)) return;
        Subtract(r);
        Append(r);
    }

    /// <summary>Adds <paramref name="r"/>, but once the region has <paramref name="maxRects"/>
    /// rectangles it becomes their bounding box: damage from a client that sends thousands of small
    /// rectangles costs a constant per request, and drawing a little more is cheaper than tracking it.</summary>
    public void AddBounded(Rect r, int maxRects)
    {
        if (r.IsEmpty) return;
        if (_count < maxRects)
        {
            Add(r);
            if (_count <= maxRects) return;
        }
        var e = Extents();
        var x = Math.Min(e.X, r.X);
        var y = Math.Min(e.Y, r.Y);
        Set(new Rect(x, y, Math.Max(e.Right, r.Right) - x, Math.Max(e.Bottom, r.Bottom) - y));
    }

    public void Add(Region other)
    {
        foreach (var r in other.Rects) Add(r);
    }

    public void Subtract(Rect cut)
    {
        if (cut.IsEmpty || _count == 0) return;
        var n = 0;
        foreach (var r in Rects)
        {
            var i = r.Intersect(cut);
            if (i.IsEmpty) { Put(ref _scratch, ref n, r); continue; }
            // Up to four pieces: above, below, left and right of the cut.
            if (i.Y > r.Y) Put(ref _scratch, ref n, new Rect(r.X, r.Y, r.Width, i.Y - r.Y));
            if (i.Bottom < r.Bottom) Put(ref _scratch, ref n, new Rect(r.X, i.Bottom, r.Width, r.Bottom - i.Bottom));
            if (i.X > r.X) Put(ref _scratch, ref n, new Rect(r.X, i.Y, i.X - r.X, i.Height));
            if (i.Right < r.Right) Put(ref _scratch, ref n, new Rect(i.Right, i.Y, r.Right - i.Right, i.Height));
        }
        (_rects, _scratch) = (_scratch, _rects);
        _count = n;
    }

    public void Subtract(Region other)
    {
        foreach (var r in other.Rects) Subtract(r);
    }

    /// <summary>Keeps only the part inside <paramref name="clip"/>.</summary>
    public void Intersect(Rect clip)
    {
        var w = 0;
        for (var i = 0; i < _count; i++)
        {
            var r = _rects![i].Intersect(clip);
            if (!r.IsEmpty) _rects[w++] = r;
        }
        _count = w;
    }

    public void Translate(int dx, int dy)
    {
        for (var i = 0; i < _count; i++)
        {
            var r = _rects![i];
            _rects[i] = r with { X = r.X + dx, Y = r.Y + dy };
        }
    }

    public bool Contains(int x, int y)
    {
        foreach (var r in Rects) if (r.Contains(x, y)) return true;
        return false;
    }

    /// <summary>Whether the region covers all of <paramref name="r"/> (exact when a single rectangle
    /// does; conservative otherwise).</summary>
    public bool ContainsRect(Rect r) => CoveredBySingle(r);

    public bool Intersects(Rect r)
    {
        foreach (var x in Rects) if (!x.Intersect(r).IsEmpty) return true;
        return false;
    }

    public Rect Extents()
    {
        if (_count == 0) return default;
        int x0 = int.MaxValue, y0 = int.MaxValue, x1 = int.MinValue, y1 = int.MinValue;
        foreach (var r in Rects)
        {
            x0 = Math.Min(x0, r.X); y0 = Math.Min(y0, r.Y);
            x1 = Math.Max(x1, r.Right); y1 = Math.Max(y1, r.Bottom);
        }
        return new Rect(x0, y0, x1 - x0, y1 - y0);
    }

    private bool CoveredBySingle(Rect r)
    {
        foreach (var x in Rects)
            if (x.X <= r.X && x.Y <= r.Y && x.Right >= r.Right && x.Bottom >= r.Bottom) return true;
        return false;
    }

    private void Append(Rect r) => Put(ref _rects, ref _count, r);

    /// <summary>Appends to an array that grows by doubling (from 4) and is kept: after warm-up, no allocation.</summary>
    private static void Put(ref Rect[]? array, ref int count, Rect r)
    {
        if (array is null) array = new Rect[4];
        else if (count == array.Length) Array.Resize(ref array, array.Length * 2);
        array[count++] = r;
    }

    public override string ToString() => _count == 0 ? "(empty)" : string.Join(" ", Rects.ToArray());
}
