using Wayland.Protocols.Server;

namespace Compositor.Surfaces;

/// <summary>
/// The wl_subsurface role: a surface placed relative to its parent, stacked among its siblings, and
/// in synchronized mode committed together with its parent. Every wl_subsurface request is handled here.
/// </summary>
public sealed class Subsurface : ISurfaceRole, IWlSubsurfaceHandler
{
    private int _pendingX, _pendingY;
    private bool _positionPending;
    private bool _sync = true;

    private Subsurface(WlSubsurface resource, Surface surface, Surface parent)
    {
        Resource = resource;
        Surface = surface;
        Parent = parent;
        resource.Handler = this;
        resource.Destroyed += _ => Detach();
        surface.Destroyed += _ => Detach();
        parent.Destroyed += OnParentDestroyed;
    }

    public WlSubsurface Resource { get; }
    public Surface Surface { get; }
    /// <summary>Null once the parent was destroyed: the subsurface is then inert and unmapped.</summary>
    public Surface? Parent { get; private set; }
    /// <summary>Position relative to the parent, in surface coordinates.</summary>
    public int X { get; private set; }
    public int Y { get; private set; }

    public string Name => "wl_subsurface";
    public bool HasRoleObject => !Resource.IsDestroyed;

    /// <summary>Synchronized if set so, or if any ancestor is (the protocol's effective mode).</summary>
    public bool IsSynchronized => _sync || Parent?.AsSubsurface?.IsSynchronized == true;

    /// <summary>wl_subcompositor.get_subsurface, with its checks.</summary>
    public static void Create(WlSubcompositor manager, WlSubsurface id, Surface surface, Surface parent)
    {
        if (surface == parent || IsAncestor(surface, parent))
        {
            manager.PostError(WlSubcompositor.Error.BadParent, $"{parent} cannot be the parent of {surface}: it is the surface or one of its descendants");
            return;
        }
        var role = new Subsurface(id, surface, parent);
        if (!surface.TrySetRole(role, manager, (uint)WlSubcompositor.Error.BadSurface))
        {
            parent.Destroyed -= role.OnParentDestroyed;
            return;
        }
        // Joins the parent's stack right above the parent, visible from the parent's next commit.
        var stack = parent.PendingStack;
        stack.Insert(stack.IndexOf(null) + 1, surface);
    }

    private static bool IsAncestor(Surface candidate, Surface of)
    {
        for (var s = of.AsSubsurface?.Parent; s is not null; s = s.AsSubsurface?.Parent)
            if (s == candidate) return true;
        return false;
    }

    public void Destroy(WlSubsurface resource) { }

    public void SetPosition(WlSubsurface resource, int x, int y)
    {
        _pendingX = x;
        _pendingY = y;
        _positionPending = true;
    }

    public void PlaceAbove(WlSubsurface resource, WlSurface sibling) => Restack(resource, sibling, above: true);
    public void PlaceBelow(WlSubsurface resource, WlSurface sibling) => Restack(resource, sibling, above: false);

    private void Restack(WlSubsurface resource, WlSurface siblingResource, bool above)
    {
        if (Parent is null) return;
        var sibling = siblingResource.Data as Surface;
        var stack = Parent.PendingStack;
        // The parent itself is the null entry of its own stack.
        Surface? key = sibling == Parent ? null : sibling;
        if (sibling == Surface || (key is not null && key.AsSubsurface?.Parent != Parent) || !stack.Contains(key))
        {
            resource.PostError(WlSubsurface.Error.BadSurface, $"{siblingResource} is not a sibling or the parent of {Surface}");
            return;
        }
        stack.Remove(Surface);
        var at = stack.IndexOf(key);
        stack.Insert(above ? at + 1 : at, Surface);
    }

    public void SetSync(WlSubsurface resource) => _sync = true;

    /// <summary>State cached while synchronized is applied with the next commit of this surface
    /// (the protocol: "the pending state is added to the cached state, and applied as a whole").</summary>
    public void SetDesync(WlSubsurface resource) => _sync = false;

    /// <summary>The parent's state was applied: take the pending position, and if synchronized the cached state.</summary>
    internal void ParentCommitted()
    {
        if (_positionPending)
        {
            if (X != _pendingX || Y != _pendingY) Surface.DamageTree();
            X = _pendingX;
            Y = _pendingY;
            _positionPending = false;
        }
        if (IsSynchronized) Surface.ApplyCached();
    }

    public void Committed(Surface surface) { }

    private void OnParentDestroyed(Surface parent)
    {
        Parent = null;
    }

    private void Detach()
    {
        // Damaged while it still has its role and place: without them it has no position on screen.
        if (Parent is not null) Surface.DamageTree();
        Surface.ClearRole(this);
        if (Parent is not null)
        {
            Parent.Destroyed -= OnParentDestroyed;
            Parent.PendingStack.Remove(Surface);
            Parent.Stack.Remove(Surface);
            Parent = null;
        }
    }
}
