using CsCheck;
using Compositor.Backends;

namespace Compositor.Tests;

/// <summary>Region operations against a pixel-set model, property-based.</summary>
public sealed class RegionTests
{
    private const int Size = 24;

    private static readonly Gen<Rect> GenRect =
        Gen.Select(Gen.Int[-4, Size], Gen.Int[-4, Size], Gen.Int[-2, 12], Gen.Int[-2, 12]).Select((x, y, w, h) => new Rect(x, y, w, h));

    private static readonly Gen<(bool Add, Rect R)[]> GenOps = Gen.Select(Gen.Bool, GenRect).Array[1, 12];

    private static bool[,] Model((bool Add, Rect R)[] ops)
    {
        var m = new bool[Size + 20, Size + 20];
        foreach (var (add, r) in ops)
            for (var y = Math.Max(r.Y, -4); y < r.Bottom; y++)
                for (var x = Math.Max(r.X, -4); x < r.Right; x++)
                    m[x + 4, y + 4] = add;
        return m;
    }

    [Fact]
    public void AddAndSubtractMatchAPixelSet() =>
        GenOps.Sample(ops =>
        {
            var region = new Region();
            foreach (var (add, r) in ops) { if (add) region.Add(r); else region.Subtract(r); }
            var model = Model(ops);
            for (var y = -4; y < Size + 12; y++)
                for (var x = -4; x < Size + 12; x++)
                    if (region.Contains(x, y) != model[x + 4, y + 4]) return false;
            return true;
        });

    [Fact]
    public void RectanglesNeverOverlap() =>
        GenOps.Sample(ops =>
        {
            var region = new Region();
            foreach (var (add, r) in ops) { if (add) region.Add(r); else region.Subtract(r); }
            var rects = region.Rects.ToArray();
            for (var i = 0; i < rects.Length; i++)
            {
                if (rects[i].IsEmpty) return false;
                for (var j = i + 1; j < rects.Length; j++)
                    if (!rects[i].Intersect(rects[j]).IsEmpty) return false;
            }
            return true;
        });

    [Fact]
    public void IntersectAndTranslate()
    {
        var region = new Region();
        region.Add(new Rect(0, 0, 10, 10));
        region.Add(new Rect(20, 0, 10, 10));
        region.Intersect(new Rect(5, 5, 20, 20));
        Assert.Equal([new Rect(5, 5, 5, 5), new Rect(20, 5, 5, 5)], region.Rects.ToArray().OrderBy(r => r.X));
        region.Translate(-5, 10);
        Assert.True(region.Contains(0, 15));
        Assert.False(region.Contains(5, 15));
        Assert.Equal(new Rect(0, 15, 20, 5), region.Extents());
    }

    [Fact]
    public void SteadyStateOperationsAllocateNothing()
    {
        var region = new Region();
        void Churn()
        {
            region.Clear();
            region.Add(new Rect(0, 0, 100, 100));
            region.Subtract(new Rect(10, 10, 20, 20));
            region.Add(new Rect(50, 50, 100, 100));
            region.Intersect(new Rect(0, 0, 120, 120));
            region.Translate(1, 1);
        }
        Churn();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++) Churn();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void BoundedAddCoversEverythingAddedAndStaysSmall() =>
        GenRect.Array[1, 80].Sample(rects =>
        {
            var region = new Region();
            foreach (var r in rects) region.AddBounded(r, 4);
            if (region.Count > 4) return false;
            foreach (var r in rects)
                for (var y = r.Y; y < r.Bottom; y++)
                    for (var x = r.X; x < r.Right; x++)
                        if (!region.Contains(x, y)) return false;
            return true;
        });
}
