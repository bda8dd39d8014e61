using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Compositor.Backends.Drm;

namespace Backends.Tests;

/// <summary>The atomic commit's arrays as DRM_IOCTL_MODE_ATOMIC reads them, built without a kernel.</summary>
public sealed class KmsAtomicRequestTests
{
    private const uint Plane = 31, Crtc = 41, Connector = 51;

    [Fact]
    public void TriplesAreGroupedByObjectInFirstSeenOrder()
    {
        var request = new AtomicRequest();
        request.Add(Plane, 1, 10);
        request.Add(Crtc, 2, 20);
        request.Add(Plane, 3, 30);
        request.Add(Connector, 4, 40);
        request.Add(Crtc, 5, 50);
        request.Add(Plane, 6, 60);
        request.Build();

        Assert.Equal([Plane, Crtc, Connector], request.Objects.ToArray());
        Assert.Equal([3u, 2u, 1u], request.PropertyCounts.ToArray());
        Assert.Equal([1u, 3u, 6u, 2u, 5u, 4u], request.Properties.ToArray());
        Assert.Equal([10ul, 30ul, 60ul, 20ul, 50ul, 40ul], request.Values.ToArray());
    }

    [Fact]
    public void AnEmptyRequestHasNoObjects()
    {
        var request = new AtomicRequest();
        request.Build();
        Assert.Equal(0, request.Objects.Length);
        Assert.Equal(0, request.Properties.Length);
    }

    [Fact]
    public void ARepeatedPropertyIsKeptInOrder()
    {
        var request = new AtomicRequest();
        request.Add(Plane, 1, 10);
        request.Add(Crtc, 2, 20);
        request.Add(Plane, 1, 11);
        request.Build();
        Assert.Equal([2u, 1u], request.PropertyCounts.ToArray());
        Assert.Equal([1u, 1u, 2u], request.Properties.ToArray());
        Assert.Equal([10ul, 11ul, 20ul], request.Values.ToArray());
    }

    [Fact]
    public void ABuildAfterClearReusesTheArrays()
    {
        var request = new AtomicRequest();
        Fill(request, 0);
        request.Build();
        var objects = request.Objects;
        var counts = request.PropertyCounts;
        var properties = request.Properties;
        var values = request.Values;

        request.Clear();
        Assert.Equal(0, request.Count);
        request.Add(Connector, 9, 90);
        request.Add(Plane, 8, 80);
        request.Build();

        Assert.True(Unsafe.AreSame(ref MemoryMarshal.GetReference(objects), ref MemoryMarshal.GetReference(request.Objects)));
        Assert.True(Unsafe.AreSame(ref MemoryMarshal.GetReference(counts), ref MemoryMarshal.GetReference(request.PropertyCounts)));
        Assert.True(Unsafe.AreSame(ref MemoryMarshal.GetReference(properties), ref MemoryMarshal.GetReference(request.Properties)));
        Assert.True(Unsafe.AreSame(ref MemoryMarshal.GetReference(values), ref MemoryMarshal.GetReference(request.Values)));
        // Nothing of the first build is left over.
        Assert.Equal([Connector, Plane], request.Objects.ToArray());
        Assert.Equal([1u, 1u], request.PropertyCounts.ToArray());
        Assert.Equal([9u, 8u], request.Properties.ToArray());
        Assert.Equal([90ul, 80ul], request.Values.ToArray());
    }

    [Fact]
    public void ArraysGrowPastTheirFirstSize()
    {
        var request = new AtomicRequest();
        // 40 objects of 3 properties each, added round-robin: beyond every initial capacity.
        for (var round = 0u; round < 3; round++)
            for (var o = 0u; o < 40; o++)
                request.Add(100 + o, round, o * 10 + round);
        request.Build();

        Assert.Equal(40, request.Objects.Length);
        Assert.Equal(120, request.Properties.Length);
        for (var o = 0; o < 40; o++)
        {
            Assert.Equal(100u + (uint)o, request.Objects[o]);
            Assert.Equal(3u, request.PropertyCounts[o]);
            for (var round = 0; round < 3; round++)
            {
                Assert.Equal((uint)round, request.Properties[o * 3 + round]);
                Assert.Equal((ulong)(o * 10 + round), request.Values[o * 3 + round]);
            }
        }
    }

    [Fact]
    public void SteadyStateBuildsAllocateNothing()
    {
        var request = new AtomicRequest();
        for (var i = 0; i < 10; i++)
        {
            request.Clear();
            Fill(request, i);
            request.Build();
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            request.Clear();
            Fill(request, i);
            request.Build();
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>A frame's worth: a primary plane, a cursor plane, a mode set on the CRTC and connector.</summary>
    private static void Fill(AtomicRequest request, int frame)
    {
        const uint Cursor = 32;
        for (var p = 1u; p <= 10; p++) request.Add(Plane, p, (ulong)frame + p);
        request.Add(Crtc, 20, 1);
        request.Add(Crtc, 21, (ulong)frame);
        request.Add(Connector, 30, Crtc);
        for (var p = 1u; p <= 10; p++) request.Add(Cursor, p, p);
    }
}
