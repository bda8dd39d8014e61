using Compositor.Backends;

namespace Backends.Tests;

/// <summary>The DRM and nested backends' bookkeeping of what each buffer of their chain lacks.</summary>
public sealed class BufferDamageTests
{
    private static readonly Rect A = new(0, 0, 10, 10), B = new(20, 20, 5, 5), C = new(40, 0, 8, 8);

    [Fact]
    public void EachBufferGetsWhatChangedWhileTheOtherWasDrawn()
    {
        var damage = new BufferDamage(2);
        var copy = new Region();
        damage.Draw(1, [A], copy);
        Assert.Equal([A], copy.Rects.ToArray());
        damage.Draw(0, [B], copy);
        Assert.Equal([A, B], copy.Rects.ToArray()); // buffer 0 missed frame 1
        damage.Draw(1, [C], copy);
        Assert.Equal([B, C], copy.Rects.ToArray()); // buffer 1 has A already
        Assert.Equal([C], damage.Missing(0).ToArray());
    }

    [Fact]
    public void FramesWithoutDamageLoseNothing()
    {
        // The regression a flip to the same buffer caused: an empty frame in between must not
        // make the other buffer forget what it lacks.
        var damage = new BufferDamage(2);
        var copy = new Region();
        damage.Draw(1, [A], copy);
        // (an empty frame flips buffer 1 again: nothing drawn, nothing recorded)
        damage.Draw(0, [B], copy);
        Assert.Equal([A, B], copy.Rects.ToArray());
    }

    [Fact]
    public void ManyRectanglesBecomeTheirBoundingBox()
    {
        var damage = new BufferDamage(2);
        var copy = new Region();
        for (var i = 0; i < BufferDamage.MaxRects + 1; i++) damage.Draw(1, [new Rect(i * 10, i, 2, 2)], copy);
        var missing = damage.Missing(0).ToArray();
        Assert.Single(missing);
        Assert.Equal(new Rect(0, 0, BufferDamage.MaxRects * 10 + 2, BufferDamage.MaxRects + 2), missing[0]);
    }

    [Fact]
    public void DamageAllMakesEveryBufferRedrawTheWhole()
    {
        var damage = new BufferDamage(3);
        var screen = new Rect(0, 0, 100, 50);
        damage.DamageAll(screen);
        var copy = new Region();
        damage.Draw(2, [A], copy);
        Assert.Equal([screen], copy.Rects.ToArray()); // A is inside: copied once
        Assert.Equal([screen], damage.Missing(0).ToArray());
    }
}
