using Compositor.Backends;
using Compositor.Backends.Drm;

namespace Backends.Tests;

/// <summary>
/// Overlay plane assignment against described devices (virtio-gpu, the only KMS device the VMs
/// have, has no overlays): which surfaces go on which planes, what the TEST_ONLY commits were asked,
/// and what is composited when a device or the stacking order says no.
/// </summary>
public sealed class OverlayAssignmentTests
{
    private static KmsPlane Plane(uint id, KmsPlaneType type, ulong? zpos, params uint[] formats) =>
        new(id, type, formats, new KmsProperties(zpos is { } z ? [("type", 1, (ulong)type), ("zpos", 2, z)] : [("type", 1, (ulong)type)]));

    /// <summary>A device with a primary plane, two overlays (the higher one takes XRGB8888 only) and a cursor plane.</summary>
    private static readonly KmsPlane[] TwoOverlays =
    [
        Plane(31, KmsPlaneType.Primary, 0, Fourcc.Xrgb8888, Fourcc.Argb8888),
        Plane(40, KmsPlaneType.Overlay, 2, Fourcc.Xrgb8888),
        Plane(41, KmsPlaneType.Overlay, 1, Fourcc.Xrgb8888, Fourcc.Argb8888),
        Plane(33, KmsPlaneType.Cursor, 3, Fourcc.Argb8888),
    ];

    private static PlaneCandidate Buffer(uint fourcc, int x, int y, int w = 100, int h = 100) => new(true, fourcc, new Rect(x, y, w, h));

    private static (int[] PlaneOf, int Assigned, List<int[]> Asked) Assign(KmsPlane[] device, PlaneCandidate[] candidates, Func<int[], bool>? accepts = null)
    {
        var assignment = new OverlayAssignment(device);
        var asked = new List<int[]>();
        var planeOf = new int[candidates.Length];
        var assigned = assignment.Assign(candidates, planeOf, p =>
        {
            var copy = p.ToArray();
            asked.Add(copy);
            return accepts?.Invoke(copy) ?? true;
        });
        return (planeOf, assigned, asked);
    }

    [Fact]
    public void OnlyOverlaysAreUsedBottomFirstByZpos()
    {
        var planes = new OverlayAssignment(TwoOverlays).Planes;
        Assert.Equal([41u, 40u], planes.Select(p => p.Id));
    }

    [Fact]
    public void WithoutZposThePlanesKeepTheKernelsOrder()
    {
        KmsPlane[] device = [Plane(50, KmsPlaneType.Overlay, null, Fourcc.Xrgb8888), Plane(51, KmsPlaneType.Overlay, null, Fourcc.Xrgb8888)];
        Assert.Equal([50u, 51u], new OverlayAssignment(device).Planes.Select(p => p.Id));
    }

    [Fact]
    public void TwoSeparateBuffersGoOnTwoPlanesTheTopOneHigher()
    {
        var (planeOf, assigned, asked) = Assign(TwoOverlays, [Buffer(Fourcc.Xrgb8888, 0, 0), Buffer(Fourcc.Xrgb8888, 200, 0)]);
        Assert.Equal(2, assigned);
        Assert.Equal([1, 0], planeOf); // plane 40 (zpos 2) for the top surface, 41 below it
        Assert.Equal(2, asked.Count); // one TEST_ONLY per plane added, each with all assigned so far
        Assert.Equal([1], asked[0]);
        Assert.Equal([1, 0], asked[1]);
    }

    [Fact]
    public void AFormatNoOverlayTakesIsComposited()
    {
        var (planeOf, assigned, asked) = Assign(TwoOverlays, [Buffer(Fourcc.Nv12, 0, 0)]);
        Assert.Equal(0, assigned);
        Assert.Equal([-1], planeOf);
        Assert.Empty(asked); // no plane takes NV12: the device is not even asked
    }

    [Fact]
    public void AnArgbBufferSkipsTheXrgbOnlyPlane()
    {
        var (planeOf, _, _) = Assign(TwoOverlays, [Buffer(Fourcc.Argb8888, 0, 0)]);
        Assert.Equal([0], planeOf); // plane 41, the lower one, takes ARGB8888
    }

    [Fact]
    public void ARefusedTestCommitTriesTheNextPlaneDown()
    {
        // The device refuses anything on plane 40 (as a bandwidth limit would).
        var (planeOf, assigned, asked) = Assign(TwoOverlays, [Buffer(Fourcc.Xrgb8888, 0, 0)], p => p[0] != 1);
        Assert.Equal(1, assigned);
        Assert.Equal([0], planeOf);
        Assert.Equal(2, asked.Count);
    }

    [Fact]
    public void WhenEveryPlaneIsRefusedTheBufferIsComposited()
    {
        var (planeOf, assigned, asked) = Assign(TwoOverlays, [Buffer(Fourcc.Xrgb8888, 0, 0)], _ => false);
        Assert.Equal(0, assigned);
        Assert.Equal([-1], planeOf);
        Assert.Equal(2, asked.Count);
    }

    [Fact]
    public void ASurfaceUnderACompositedOneItOverlapsStaysComposited()
    {
        // An shm window on top, overlapping the DMA-BUF under it: on an overlay (above the
        // primary), the DMA-BUF would cover it. A second DMA-BUF apart from both still goes up.
        var shm = new PlaneCandidate(false, Fourcc.Xrgb8888, new Rect(50, 50, 100, 100));
        var (planeOf, assigned, _) = Assign(TwoOverlays, [shm, Buffer(Fourcc.Xrgb8888, 0, 0), Buffer(Fourcc.Xrgb8888, 500, 500)]);
        Assert.Equal([-1, -1, 1], planeOf);
        Assert.Equal(1, assigned);
    }

    [Fact]
    public void ASurfaceUnderOneOnAPlaneGoesOnALowerPlane()
    {
        // Overlapping buffers both on planes: the lower one must be below the upper one.
        var (planeOf, _, _) = Assign(TwoOverlays, [Buffer(Fourcc.Xrgb8888, 0, 0), Buffer(Fourcc.Argb8888, 50, 50)]);
        Assert.Equal([1, 0], planeOf);
        // The top one took the lower plane (it is the only one for ARGB): nothing is left below it.
        (planeOf, _, _) = Assign(TwoOverlays, [Buffer(Fourcc.Argb8888, 0, 0), Buffer(Fourcc.Xrgb8888, 300, 300)]);
        Assert.Equal([0, -1], planeOf);
    }

    [Fact]
    public void MoreBuffersThanPlanes()
    {
        var (planeOf, assigned, _) = Assign(TwoOverlays, [Buffer(Fourcc.Xrgb8888, 0, 0), Buffer(Fourcc.Xrgb8888, 200, 0), Buffer(Fourcc.Xrgb8888, 400, 0)]);
        Assert.Equal(2, assigned);
        Assert.Equal([1, 0, -1], planeOf);
    }

    [Fact]
    public void ADeviceWithoutOverlaysCompositesEverythingAndIsNeverAsked()
    {
        KmsPlane[] virtioGpu = [Plane(31, KmsPlaneType.Primary, null, Fourcc.Xrgb8888), Plane(33, KmsPlaneType.Cursor, null, Fourcc.Argb8888)];
        var (planeOf, assigned, asked) = Assign(virtioGpu, [Buffer(Fourcc.Xrgb8888, 0, 0)]);
        Assert.Equal(0, assigned);
        Assert.Equal([-1], planeOf);
        Assert.Empty(asked);
    }
}
