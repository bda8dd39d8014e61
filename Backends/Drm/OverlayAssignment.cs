namespace Compositor.Backends.Drm;

/// <summary>A surface of a frame, top of the stack first, as overlay assignment sees it: whether its
/// buffer could be shown on a plane at all (a DMA-BUF the display imports, shown 1:1), its format,
/// and where it is on the output. Surfaces that cannot are passed too: they are composited, and
/// nothing below them that they overlap may go on a plane above the composited image.</summary>
internal readonly record struct PlaneCandidate(bool Eligible, uint Fourcc, Rect Destination);

/// <summary>
/// Puts client buffers on a CRTC's overlay planes, as weston's <c>state-propose.c</c> and Smithay's
/// <c>DrmCompositor</c> do: surfaces top of the stack first, each on the highest free overlay plane
/// below those already used that takes its format, kept only if a TEST_ONLY commit of everything
/// assigned so far passes (else the next plane down is tried, else it is composited). Overlays are
/// above the primary plane, so a surface under a composited one it overlaps stays composited, and
/// lower surfaces go on lower planes. The device is asked through <see cref="TestCommit"/>, so the
/// same code runs on a real CRTC and against a described device in tests. Allocates nothing.
/// </summary>
internal sealed class OverlayAssignment
{
    /// <summary>Asks the device (TEST_ONLY) whether it takes the planes assigned so far:
    /// <paramref name="planeOf"/>[i] is candidate i's plane in <see cref="Planes"/>, or -1.</summary>
    public delegate bool TestCommit(ReadOnlySpan<int> planeOf);

    private readonly KmsPlane[] _planes;

    /// <param name="planes">The CRTC's planes; only the overlays are used, bottom (lowest zpos) first.</param>
    public OverlayAssignment(IEnumerable<KmsPlane> planes)
    {
        _planes = [.. planes.Where(p => p.Type == KmsPlaneType.Overlay).Select((p, i) => (Plane: p, Z: Zpos(p, i)))
                            .OrderBy(p => p.Z).Select(p => p.Plane)];
    }

    /// <summary>The overlay planes, bottom first.</summary>
    public IReadOnlyList<KmsPlane> Planes => _planes;

    /// <summary>Fills <paramref name="planeOf"/> (one per candidate) with each candidate's overlay
    /// plane index, or -1 for composited; returns how many went on planes.</summary>
    public int Assign(ReadOnlySpan<PlaneCandidate> candidates, Span<int> planeOf, TestCommit test)
    {
        var assigned = 0;
        var highestFree = _planes.Length - 1;
        for (var i = 0; i < candidates.Length; i++)
        {
            planeOf[i] = -1;
            var c = candidates[i];
            if (!c.Eligible || highestFree < 0 || UnderComposited(candidates, planeOf, i)) continue;
            for (var p = highestFree; p >= 0; p--)
            {
                if (!Takes(_planes[p], c.Fourcc)) continue;
                planeOf[i] = p;
                if (test(planeOf[..(i + 1)]))
                {
                    highestFree = p - 1;
                    assigned++;
                    break;
                }
                planeOf[i] = -1;
            }
        }
        return assigned;
    }

    /// <summary>Whether a composited surface above candidate <paramref name="i"/> overlaps it.</summary>
    private static bool UnderComposited(ReadOnlySpan<PlaneCandidate> candidates, ReadOnlySpan<int> planeOf, int i)
    {
        for (var j = 0; j < i; j++)
            if (planeOf[j] < 0 && !candidates[j].Destination.Intersect(candidates[i].Destination).IsEmpty) return true;
        return false;
    }

    private static bool Takes(KmsPlane plane, uint fourcc) => Array.IndexOf(plane.Formats, fourcc) >= 0;

    /// <summary>The plane's "zpos" where the driver has one, else its place in the kernel's list.</summary>
    private static long Zpos(KmsPlane plane, int index) =>
        plane.Properties.TryGetValue("zpos", out var z) ? (long)z : index;
}
