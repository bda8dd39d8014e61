using Compositor.Backends;
using Compositor.Surfaces;
using Wayland.Protocols.Server;
using Wayland.Wire;
using Lifetime = Wayland.Protocols.Server.ZwpPointerConstraintsV1.Lifetime;

namespace Compositor.Seat;

/// <summary>
/// zwp_pointer_constraints_v1: a client locks the cursor in place (games, pointer lock in browsers)
/// or confines it to a region of its surface. A constraint is active only while its surface has the
/// pointer and its client has the keyboard: a window in the background cannot take the mouse. The
/// cursor must be inside the region for a constraint to start; it never warps there. Requests of
/// the manager are handled here, those of the locked and confined pointers in <see cref="PointerConstraint"/>.
/// </summary>
public sealed class PointerConstraints : IZwpPointerConstraintsV1Handler
{
    public const uint Version = 1;

    private readonly Seat _seat;
    /// <summary>Every constraint, at most one per surface (the seat has one pointer).</summary>
    private readonly List<PointerConstraint> _constraints = [];

    public PointerConstraints(Wayland.Server.Display display, Seat seat)
    {
        _seat = seat;
        display.CreateGlobal<ZwpPointerConstraintsV1>(Version, r => r.Handler = this);
        seat.Keyboard.FocusChanged += _ => Update();
    }

    /// <summary>The constraint holding the pointer now, if any.</summary>
    public PointerConstraint? Active { get; private set; }

    internal Pointer Pointer => _seat.Pointer;

    public void Destroy(ZwpPointerConstraintsV1 resource) { }

    public void LockPointer(ZwpPointerConstraintsV1 resource, ZwpLockedPointerV1 id, WlSurface surface, WlPointer pointer, WlRegion? region, Lifetime lifetime)
    {
        var c = Create(resource, surface, region, lifetime, locks: true);
        c.Locked = id;
        id.Handler = c;
        id.Destroyed += _ => Forget(c, byClient: true);
        if (c.Defunct) return;
        Update();
    }

    public void ConfinePointer(ZwpPointerConstraintsV1 resource, ZwpConfinedPointerV1 id, WlSurface surface, WlPointer pointer, WlRegion? region, Lifetime lifetime)
    {
        var c = Create(resource, surface, region, lifetime, locks: false);
        c.Confined = id;
        id.Handler = c;
        id.Destroyed += _ => Forget(c, byClient: true);
        if (c.Defunct) return;
        Update();
    }

    /// <summary>A new constraint, or, after a protocol error, a defunct one for the new resource to hold.</summary>
    private PointerConstraint Create(ZwpPointerConstraintsV1 resource, WlSurface wlSurface, WlRegion? region, Lifetime lifetime, bool locks)
    {
        var surface = (Surface)wlSurface.Data!;
        var c = new PointerConstraint(this, surface, region?.Data as Region, lifetime, locks);
        if (lifetime is not (Lifetime.Oneshot or Lifetime.Persistent))
        {
            resource.Client.PostError(resource.Client.DisplayResource, (uint)WlDisplay.Error.InvalidMethod,
                $"{(uint)lifetime} is not a zwp_pointer_constraints_v1 lifetime");
            c.Defunct = true;
            return c;
        }
        foreach (var other in _constraints)
            if (other.Surface == surface)
            {
                resource.PostError(ZwpPointerConstraintsV1.Error.AlreadyConstrained,
                    $"wl_surface@{wlSurface.Id} already has a pointer {(other.Locks ? "lock" : "confinement")}");
                c.Defunct = true;
                return c;
            }
        _constraints.Add(c);
        surface.Committed += c.SurfaceCommitted;
        surface.Destroyed += c.SurfaceDestroyed;
        c.UpdateEffectiveRegion();
        return c;
    }

    /// <summary>Starts the constraint of the surface under the pointer when its conditions hold, and
    /// ends the active one when they no longer do. Called after motion and focus changes.</summary>
    internal void Update()
    {
        var focus = Pointer.Focus;
        if (Active is { } active && !active.MayStayActive(focus, _seat.Keyboard.Focus)) Deactivate(active, notify: true);
        if (Active is not null || focus is null) return;
        foreach (var c in _constraints)
            if (c.Surface == focus && c.MayActivate(_seat.Keyboard.Focus, Pointer.X, Pointer.Y))
            {
                Active = c;
                c.SendActivated();
                return;
            }
    }

    private void Deactivate(PointerConstraint c, bool notify)
    {
        Active = null;
        if (notify) c.SendDeactivated();
        if (c.Lifetime == Lifetime.Oneshot) c.Defunct = true;
    }

    /// <summary>The client destroyed the constraint, or its surface went.</summary>
    internal void Forget(PointerConstraint c, bool byClient)
    {
        if (!_constraints.Remove(c)) return;
        c.Surface.Committed -= c.SurfaceCommitted;
        c.Surface.Destroyed -= c.SurfaceDestroyed;
        if (Active != c) return;
        Deactivate(c, notify: !byClient);
        // Unlocking may put the cursor where the client last said it would be (no relative motion).
        if (byClient && c.Locks && c.Hint is { } hint && Scene.Scene.TryGetPosition(c.Surface, out var ox, out var oy))
            Pointer.MoveTo(MonotonicClock.Milliseconds, ox + hint.X, oy + hint.Y);
        else Update();
    }
}

/// <summary>
/// One zwp_locked_pointer_v1 or zwp_confined_pointer_v1, and both interfaces' requests. The region
/// and the lock's cursor hint are double-buffered: they apply at the surface's next commit.
/// </summary>
public sealed class PointerConstraint : IZwpLockedPointerV1Handler, IZwpConfinedPointerV1Handler
{
    private readonly PointerConstraints _owner;
    /// <summary>The region asked for (null: all of the surface), in surface coordinates.</summary>
    private Region? _region;
    private Region? _pendingRegion;
    private bool _regionPending;
    private (double X, double Y)? _pendingHint;
    /// <summary>Where the cursor may be: the surface's size and input region, cut to the region asked for.
    /// Kept up to date at commits so that confining a motion allocates nothing.</summary>
    private readonly Region _effective = new();
    private readonly Region _scratch = new();

    internal PointerConstraint(PointerConstraints owner, Surface surface, Region? region, Lifetime lifetime, bool locks)
    {
        _owner = owner;
        Surface = surface;
        Lifetime = lifetime;
        Locks = locks;
        if (region is not null) (_region = new Region()).Set(region);
    }

    public Surface Surface { get; }
    public Lifetime Lifetime { get; }
    /// <summary>A lock (the cursor stays still) rather than a confinement.</summary>
    public bool Locks { get; }
    /// <summary>Never to activate again: a oneshot constraint that ended, or one refused with an error.</summary>
    public bool Defunct { get; internal set; }
    /// <summary>The lock's cursor position hint, surface-local, as of the last commit.</summary>
    public (double X, double Y)? Hint { get; private set; }
    internal ZwpLockedPointerV1? Locked { get; set; }
    internal ZwpConfinedPointerV1? Confined { get; set; }

    internal bool MayActivate(Surface? keyboardFocus, double x, double y) =>
        !Defunct && HoldsKeyboard(keyboardFocus) && Inside(x, y);

    internal bool MayStayActive(Surface? pointerFocus, Surface? keyboardFocus) =>
        pointerFocus == Surface && HoldsKeyboard(keyboardFocus);

    private bool HoldsKeyboard(Surface? keyboardFocus) =>
        keyboardFocus is not null && keyboardFocus.Resource.Client == Surface.Resource.Client;

    private bool Inside(double x, double y) =>
        Scene.Scene.TryGetPosition(Surface, out var ox, out var oy)
        && _effective.Contains((int)Math.Floor(x - ox), (int)Math.Floor(y - oy));

    /// <summary>Where a motion from (x, y) to (nx, ny) ends while confined: inside the region's
    /// rectangle the cursor is in, slid along its edges.</summary>
    internal (double X, double Y) Confine(double x, double y, double nx, double ny)
    {
        if (!Scene.Scene.TryGetPosition(Surface, out var ox, out var oy)) return (x, y);
        if (_effective.Contains((int)Math.Floor(nx - ox), (int)Math.Floor(ny - oy))) return (nx, ny);
        var (cx, cy) = ((int)Math.Floor(x - ox), (int)Math.Floor(y - oy));
        foreach (var r in _effective.Rects)
        {
            if (!r.Contains(cx, cy)) continue;
            // Just inside the right and bottom edges, at wl_fixed_t's precision.
            const double Inset = 1.0 / 256;
            return (ox + Math.Clamp(nx - ox, r.X, r.Right - Inset), oy + Math.Clamp(ny - oy, r.Y, r.Bottom - Inset));
        }
        return (x, y);
    }

    internal void SendActivated()
    {
        if (Locked is not null) Locked.SendLocked();
        else Confined?.SendConfined();
    }

    internal void SendDeactivated()
    {
        if (Locked is not null) Locked.SendUnlocked();
        else Confined?.SendUnconfined();
    }

    internal void SurfaceCommitted(Surface s)
    {
        if (_regionPending)
        {
            _regionPending = false;
            _region = _pendingRegion;
            _pendingRegion = null;
        }
        if (_pendingHint is { } hint)
        {
            Hint = hint;
            _pendingHint = null;
        }
        UpdateEffectiveRegion();
        _owner.Update();
    }

    internal void SurfaceDestroyed(Surface s) => _owner.Forget(this, byClient: false);

    internal void UpdateEffectiveRegion()
    {
        var size = new Rect(0, 0, Surface.Width, Surface.Height);
        if (_region is null) _effective.Set(size);
        else
        {
            _effective.Set(_region);
            _effective.Intersect(size);
        }
        var st = Surface.Current;
        if (!st.InputInfinite)
        {
            // A ∩ B as A − (A − B): the region type cuts only by rectangles and regions.
            _scratch.Set(_effective);
            _scratch.Subtract(st.Input);
            _effective.Subtract(_scratch);
        }
    }

    private void SetPendingRegion(WlRegion? region)
    {
        _regionPending = true;
        if (region?.Data is Region r) (_pendingRegion = new Region()).Set(r);
        else _pendingRegion = null;
    }

    public void Destroy(ZwpLockedPointerV1 resource) { }

    public void SetCursorPositionHint(ZwpLockedPointerV1 resource, Fixed surfaceX, Fixed surfaceY) =>
        _pendingHint = (surfaceX.ToDouble(), surfaceY.ToDouble());

    public void SetRegion(ZwpLockedPointerV1 resource, WlRegion? region) => SetPendingRegion(region);

    public void Destroy(ZwpConfinedPointerV1 resource) { }

    public void SetRegion(ZwpConfinedPointerV1 resource, WlRegion? region) => SetPendingRegion(region);
}
