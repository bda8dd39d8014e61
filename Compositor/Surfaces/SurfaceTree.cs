namespace Compositor.Surfaces;

/// <summary>
/// The one walk over a surface and its subsurfaces (Smithay's with_surface_tree_upward/downward):
/// each surface is visited with its position, its parent's plus its subsurface offset. Recursive
/// and generic over a struct visitor, so the frame loop's walks allocate nothing.
/// </summary>
public static class SurfaceTree
{
    /// <summary>Visits <paramref name="root"/> at (<paramref name="x"/>, <paramref name="y"/>), whether
    /// it has content or not, and its subsurfaces in <paramref name="order"/>. A subsurface without
    /// content hides itself and everything under it: those are visited, unmapped, only
    /// <paramref name="withHidden"/>.</summary>
    /// <returns>False if the visitor ended the walk.</returns>
    public static bool Walk<TVisitor>(Surface root, int x, int y, SurfaceOrder order, ref TVisitor visitor, bool withHidden = false)
        where TVisitor : struct, ISurfaceVisitor
        => Walk(root, x, y, mapped: true, order, withHidden, ref visitor);

    private static bool Walk<TVisitor>(Surface s, int x, int y, bool mapped, SurfaceOrder order, bool withHidden, ref TVisitor visitor)
        where TVisitor : struct, ISurfaceVisitor
    {
        if (order == SurfaceOrder.ParentFirst && !visitor.Visit(s, x, y, mapped)) return false;
        var stack = s.Stack;
        if (order == SurfaceOrder.TopToBottom)
        {
            for (var i = stack.Count - 1; i >= 0; i--)
                if (!Entry(s, stack[i], x, y, mapped, order, withHidden, ref visitor)) return false;
        }
        else
        {
            foreach (var entry in stack)
                if (!Entry(s, entry, x, y, mapped, order, withHidden, ref visitor)) return false;
        }
        return true;
    }

    /// <summary>One entry of <paramref name="s"/>'s stack: null stands for <paramref name="s"/> itself.</summary>
    private static bool Entry<TVisitor>(Surface s, Surface? entry, int x, int y, bool mapped, SurfaceOrder order, bool withHidden, ref TVisitor visitor)
        where TVisitor : struct, ISurfaceVisitor
    {
        if (entry is null) return order == SurfaceOrder.ParentFirst || visitor.Visit(s, x, y, mapped);
        // Left behind without its role: a subsurface whose wl_subsurface died after its parent (Subsurface.Detach).
        if (entry.AsSubsurface is not { } sub) return true;
        var childMapped = mapped && entry.HasContent;
        if (!childMapped && !withHidden) return true;
        return Walk(entry, x + sub.X, y + sub.Y, childMapped, order, withHidden, ref visitor);
    }
}
