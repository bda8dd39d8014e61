namespace Compositor.Surfaces;

/// <summary>The order in which <see cref="SurfaceTree.Walk"/> visits a surface tree.</summary>
public enum SurfaceOrder
{
    /// <summary>Stacking order, bottom first: each surface where its own entry stands among its
    /// subsurfaces (drawing, damage).</summary>
    BottomToTop,
    /// <summary>Stacking order, top first (hit testing: the first surface found is the one seen).</summary>
    TopToBottom,
    /// <summary>Each surface before its subsurfaces, which follow bottom first, wherever the surface
    /// stands among them: the order events reach a tree's surfaces (enter/leave, frame callbacks).</summary>
    ParentFirst,
}
