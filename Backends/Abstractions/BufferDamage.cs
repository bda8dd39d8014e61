namespace Compositor.Backends;

/// <summary>
/// What each buffer of a flip chain or swapchain lacks: the damage of every frame drawn into the
/// other buffers since it was last drawn. Drawing a frame into a buffer brings over exactly that plus
/// the frame's own damage. A buffer's region that grows past <see cref="MaxRects"/> rectangles
/// becomes its bounding box. Allocation-free after the first frames.
/// </summary>
public sealed class BufferDamage
{
    public const int MaxRects = 16;

    private readonly Region[] _missing;

    public BufferDamage(int buffers)
    {
        _missing = new Region[buffers];
        for (var i = 0; i < buffers; i++) _missing[i] = new Region();
    }

    /// <summary>Everything changed, as on a fresh buffer.</summary>
    public void DamageAll(Rect bounds)
    {
        foreach (var m in _missing) m.Set(bounds);
    }

    /// <summary>A frame with <paramref name="damage"/> is drawn into <paramref name="buffer"/>:
    /// <paramref name="copy"/> gets what that buffer must be brought up to date with (what it missed,
    /// and the frame's damage); the other buffers now miss the frame's damage.</summary>
    public void Draw(int buffer, ReadOnlySpan<Rect> damage, Region copy)
    {
        copy.Set(_missing[buffer]);
        foreach (var r in damage) copy.Add(r);
        _missing[buffer].Clear();
        for (var other = 0; other < _missing.Length; other++)
            if (other != buffer)
                foreach (var r in damage) _missing[other].AddBounded(r, MaxRects);
    }

    /// <summary>A frame with <paramref name="damage"/> that no buffer got (none was free): every
    /// buffer now misses it.</summary>
    public void Skip(ReadOnlySpan<Rect> damage)
    {
        foreach (var m in _missing)
            foreach (var r in damage) m.AddBounded(r, MaxRects);
    }

    /// <summary>What <paramref name="buffer"/> lacks now.</summary>
    public ReadOnlySpan<Rect> Missing(int buffer) => _missing[buffer].Rects;
}
