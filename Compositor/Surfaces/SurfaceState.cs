using Compositor.Backends;
using Compositor.Buffers;
using Compositor.Scene;
using Wayland.Protocols.Server;

namespace Compositor.Surfaces;

/// <summary>What a wl_surface request changed, so a commit only touches what was set.</summary>
[Flags]
public enum SurfaceChanges
{
    None = 0,
    Buffer = 1 << 0,
    Offset = 1 << 1,
    Damage = 1 << 2,
    OpaqueRegion = 1 << 3,
    InputRegion = 1 << 4,
    Transform = 1 << 5,
    Scale = 1 << 6,
    FrameCallbacks = 1 << 7,
    ViewportSource = 1 << 8,
    ViewportDestination = 1 << 9,
    Feedback = 1 << 10,
    ContentType = 1 << 11,
    PresentationHint = 1 << 12,
}

/// <summary>
/// One of a surface's double-buffered states: pending (requests write here), cached (a synchronized
/// subsurface waiting for its parent) or current. <see cref="MoveTo"/> carries what was set into the
/// next stage, as the protocol's commit does.
/// </summary>
/// <remarks>Its regions and lists are made when first used: a surface has three states, and a client
/// may create 100k surfaces that never commit anything.</remarks>
public sealed class SurfaceState
{
    private Region? _surfaceDamage, _bufferDamage, _opaque, _input;
    private List<WlCallback>? _frameCallbacks;
    private List<WpPresentationFeedback>? _feedbacks;

    public SurfaceChanges Changes;
    public ClientBuffer? Buffer;
    /// <summary>Explicit sync: the point the client signals once it has written <see cref="Buffer"/>,
    /// waited for instead of the buffer's implicit fences; unset for implicit sync. Goes with the buffer.</summary>
    internal ExplicitSync.SyncPoint Acquire;
    public int Dx, Dy;
    /// <summary>Damage in surface coordinates.</summary>
    public Region SurfaceDamage => _surfaceDamage ??= new();
    /// <summary>Damage in buffer coordinates (wl_surface.damage_buffer).</summary>
    public Region BufferDamage => _bufferDamage ??= new();
    /// <summary>Empty region: nothing opaque.</summary>
    public Region Opaque => _opaque ??= new();
    /// <summary>Where input is taken, unless <see cref="InputInfinite"/>: the whole surface.</summary>
    public Region Input => _input ??= new();
    public bool InputInfinite = true;
    public int Transform;
    public int Scale = 1;
    public List<WlCallback> FrameCallbacks => _frameCallbacks ??= [];
    public List<WpPresentationFeedback> Feedbacks => _feedbacks ??= [];
    public bool HasFrameCallbacks => _frameCallbacks is { Count: > 0 };
    public bool HasFeedbacks => _feedbacks is { Count: > 0 };
    /// <summary>wp_viewport: source rectangle in surface coordinates (-1 width: unset) and destination size (-1: unset).</summary>
    public RectF ViewportSource = new(-1, -1, -1, -1);
    public int ViewportWidth = -1, ViewportHeight = -1;
    /// <summary>wp_content_type_v1: what the surface shows (a backend may pick a display mode for it).</summary>
    public WpContentTypeV1.Type ContentType;
    /// <summary>wp_tearing_control_v1: whether the client accepts tearing for lower latency (vsync by default).</summary>
    public WpTearingControlV1.PresentationHint PresentationHint;

    /// <summary>Moves everything set here into <paramref name="next"/> and resets this state to "nothing set".</summary>
    public void MoveTo(SurfaceState next)
    {
        if ((Changes & SurfaceChanges.Buffer) != 0)
        {
            // A buffer committed to the next stage and replaced there before it applied is never shown.
            if ((next.Changes & SurfaceChanges.Buffer) != 0 && next.Buffer is { } unseen && unseen != Buffer) unseen.ReleaseUnseen();
            next.Buffer = Buffer;
            Buffer = null;
            next.Acquire.Clear();
            next.Acquire = Acquire.Take();
        }
        if ((Changes & SurfaceChanges.Offset) != 0) { next.Dx += Dx; next.Dy += Dy; Dx = Dy = 0; }
        if ((Changes & SurfaceChanges.Damage) != 0)
        {
            next.SurfaceDamage.Add(SurfaceDamage);
            next.BufferDamage.Add(BufferDamage);
            SurfaceDamage.Clear();
            BufferDamage.Clear();
        }
        if ((Changes & SurfaceChanges.OpaqueRegion) != 0) next.Opaque.Set(Opaque);
        if ((Changes & SurfaceChanges.InputRegion) != 0) { next.Input.Set(Input); next.InputInfinite = InputInfinite; }
        if ((Changes & SurfaceChanges.Transform) != 0) next.Transform = Transform;
        if ((Changes & SurfaceChanges.Scale) != 0) next.Scale = Scale;
        if ((Changes & SurfaceChanges.FrameCallbacks) != 0) { next.FrameCallbacks.AddRange(FrameCallbacks); FrameCallbacks.Clear(); }
        if ((Changes & SurfaceChanges.Feedback) != 0)
        {
            // A newer commit replaces content whose feedback was still waiting: that content is never shown.
            if (next._feedbacks is not null) DiscardFeedbacks(next._feedbacks);
            next.Feedbacks.AddRange(Feedbacks);
            Feedbacks.Clear();
        }
        if ((Changes & SurfaceChanges.ViewportSource) != 0) next.ViewportSource = ViewportSource;
        if ((Changes & SurfaceChanges.ViewportDestination) != 0) { next.ViewportWidth = ViewportWidth; next.ViewportHeight = ViewportHeight; }
        if ((Changes & SurfaceChanges.ContentType) != 0) next.ContentType = ContentType;
        if ((Changes & SurfaceChanges.PresentationHint) != 0) next.PresentationHint = PresentationHint;
        next.Changes |= Changes;
        Changes = SurfaceChanges.None;
    }

    /// <summary>A callback or feedback object was destroyed: forget it.</summary>
    public void Forget(WlCallback callback) => _frameCallbacks?.Remove(callback);

    public void Forget(WpPresentationFeedback feedback) => _feedbacks?.Remove(feedback);

    /// <summary>The surface is gone: feedbacks are told their content will never be shown, callbacks
    /// go away without done (they are never answered). Both are destroyed.</summary>
    public void DiscardAll()
    {
        Acquire.Clear();
        if (_feedbacks is not null) DiscardFeedbacks(_feedbacks);
        if (_frameCallbacks is not { } callbacks) return;
        // Destroying removes the callback from this list: take each out first.
        while (callbacks.Count > 0)
        {
            var cb = callbacks[^1];
            callbacks.RemoveAt(callbacks.Count - 1);
            cb.Destroy();
        }
    }

    /// <summary>Tells each waiting feedback its content will never be shown, and destroys it.</summary>
    public static void DiscardFeedbacks(List<WpPresentationFeedback> feedbacks)
    {
        // Destroying removes the feedback from the lists it is in: take each out first.
        while (feedbacks.Count > 0)
        {
            var f = feedbacks[^1];
            feedbacks.RemoveAt(feedbacks.Count - 1);
            if (f.IsDestroyed) continue;
            f.SendDiscarded();
            f.Destroy();
        }
    }
}
