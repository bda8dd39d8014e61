namespace Compositor.Backends;

/// <summary>A surface of a frame, top of the stack first, for <see cref="IOverlayPlanes.Assign"/>:
/// its buffer if it could be shown on a plane as it is (a DMA-BUF, untransformed, 1:1, inside the
/// output), else null (composited), and where it is in output pixels.</summary>
public readonly record struct OverlayCandidate(IScanoutSource? Buffer, Rect Destination);

/// <summary>
/// Display planes above the primary one that show client buffers without composition (KMS overlay
/// planes). Each composited frame offers its surfaces; those put on planes are left out of the
/// composited image and shown with the frame's own commit.
/// </summary>
public interface IOverlayPlanes
{
    /// <summary>Puts what the display takes of <paramref name="candidates"/> on planes for the next
    /// frame (each placement checked by the display first); <paramref name="onPlane"/>[i] says which.
    /// Everything else is the caller's to composite.</summary>
    void Assign(ReadOnlySpan<OverlayCandidate> candidates, Span<bool> onPlane);
}
