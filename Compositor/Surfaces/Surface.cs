using Compositor.Backends;
using Compositor.Buffers;
using Compositor.Scene;
using Wayland.Protocols.Server;

namespace Compositor.Surfaces;

/// <summary>
/// A wl_surface: its double-buffered state, its content (a texture or a colour), its subsurfaces in
/// stacking order and its role. Every wl_surface request is handled here.
/// </summary>
public sealed class Surface : IWlSurfaceHandler
{
    private readonly CompositorServer _server;
    private ITexture? _ownTexture;            // shm pixels are copied here
    private ClientBuffer? _heldBuffer;        // a buffer read in place (DMA-BUF), released when replaced
    private readonly Region _uploadPending = new(); // of a held buffer copied lazily: what the texture lacks
    private readonly List<Surface?> _pendingStack = new(1) { null };
    // Made on a surface's first frame callback / feedback, not per frame (the frame loop allocates
    // nothing in steady state) and not per surface (most never ask: a client may make 100k).
    private Action<Wayland.Server.Resource>? _frameCallbackGone, _feedbackGone;
    private CommitQueue? _commits; // made at the first commit that waits for its DMA-BUF

    public Surface(CompositorServer server, WlSurface resource)
    {
        _server = server;
        Resource = resource;
        resource.Handler = this;
        resource.Data = this;
        resource.Destroyed += OnDestroyed;
    }

    /// <summary>Where the surface is in <see cref="CompositorServer.Surfaces"/>, so leaving it is O(1).</summary>
    internal int ServerIndex { get; set; } = -1;

    public WlSurface Resource { get; }
    public SurfaceState Pending { get; } = new();
    public SurfaceState Cached { get; } = new();
    public SurfaceState Current { get; } = new();

    public ISurfaceRole? Role { get; private set; }
    /// <summary>The surface's wp_viewport, if it has one.</summary>
    public Viewport? Viewport { get; internal set; }
    /// <summary>The surface's wp_linux_drm_syncobj_surface_v1 (explicit sync), if it has one.</summary>
    internal ExplicitSync.SyncobjSurface? Syncobj { get; set; }
    /// <summary>Set once a role was given: a surface never changes kind, even after its role object dies.</summary>
    public string? RoleName { get; private set; }

    /// <summary>Size in surface coordinates (after scale, transform and viewport); 0x0 without a buffer.</summary>
    public int Width { get; private set; }
    public int Height { get; private set; }
    public bool HasContent => ContentKind is not null;
    public BufferContent? ContentKind { get; private set; }
    /// <summary>What to draw: the texture (shm copy or the buffer's own), or a solid colour.</summary>
    public ITexture? Texture { get; private set; }
    /// <summary>The committed buffer when the surface holds it until replaced (DMA-BUFs), else null.</summary>
    public ClientBuffer? HeldBuffer => _heldBuffer;
    public ColorF SolidColor { get; private set; }
    public int BufferWidth { get; private set; }
    public int BufferHeight { get; private set; }

    /// <summary>Subsurfaces and this surface (null) in stacking order, bottom first.</summary>
    public List<Surface?> Stack { get; } = new(1) { null };
    /// <summary>The subsurface role when this surface is one, for its parent and position.</summary>
    public Subsurface? AsSubsurface => Role as Subsurface;

    /// <summary>Raised after a commit became current (damage is in <see cref="Current"/> until it returns).</summary>
    public event Action<Surface>? Committed;
    public event Action<Surface>? Destroyed;

    public bool IsDestroyed => Resource.IsDestroyed;
    /// <summary>Commits that became current so far: a copy of the content (a cursor plane's image)
    /// is stale when this moved on.</summary>
    public long CommitCount { get; private set; }
    /// <summary>The outputs this surface was last told it is on (bit i: the scene's output i).</summary>
    public ulong Outputs { get; internal set; }
    /// <summary>The wl_surface.preferred_buffer_scale last sent (0: none yet).</summary>
    internal int PreferredScaleSent { get; set; }
    internal int PreferredTransformSent { get; set; }
    /// <summary>The surface's wp_fractional_scale_v1, if the client asked for one.</summary>
    internal FractionalScale? FractionalScale { get; set; }
    internal CompositorServer Server => _server;
    public override string ToString() => Resource.ToString();

    // ---- roles ----

    /// <summary>Gives the surface a role, or posts <paramref name="errorCode"/> on
    /// <paramref name="errorTarget"/> (each role protocol has its own "role" error) and returns false.</summary>
    public bool TrySetRole(ISurfaceRole role, Wayland.Server.Resource errorTarget, uint errorCode)
    {
        if (RoleName is not null && RoleName != role.Name)
        {
            errorTarget.PostError(errorCode, $"{Resource} already has the role {RoleName}, cannot become {role.Name}");
            return false;
        }
        if (Role is not null)
        {
            errorTarget.PostError(errorCode, $"{Resource} already has an active {RoleName} object");
            return false;
        }
        Role = role;
        RoleName = role.Name;
        return true;
    }

    /// <summary>The role object was destroyed; the surface keeps its role kind.</summary>
    public void ClearRole(ISurfaceRole role)
    {
        if (Role == role) Role = null;
    }

    // ---- requests ----

    /// <summary>Damage rectangles kept per commit before they merge into their bounding box.</summary>
    public const int MaxDamageRects = 32;

    public void Destroy(WlSurface resource)
    {
        if (Role is { HasRoleObject: true } role)
            resource.PostError(WlSurface.Error.DefunctRoleObject, $"{resource} was destroyed before its {role.Name} object");
    }

    public void Attach(WlSurface resource, WlBuffer? buffer, int x, int y)
    {
        if (resource.Version >= 5 && (x != 0 || y != 0))
        {
            resource.PostError(WlSurface.Error.InvalidOffset, $"attach offset ({x}, {y}) must be 0 since version 5; use wl_surface.offset");
            return;
        }
        if (buffer is not null) Role?.Attaching(this);
        Pending.Buffer = ClientBuffer.From(buffer);
        Pending.Changes |= SurfaceChanges.Buffer;
        if (x != 0 || y != 0)
        {
            Pending.Dx += x;
            Pending.Dy += y;
            Pending.Changes |= SurfaceChanges.Offset;
        }
    }

    public void Offset(WlSurface resource, int x, int y)
    {
        Pending.Dx += x;
        Pending.Dy += y;
        Pending.Changes |= SurfaceChanges.Offset;
    }

    public void Damage(WlSurface resource, int x, int y, int width, int height)
    {
        Pending.SurfaceDamage.AddBounded(ClampedRect(x, y, width, height), MaxDamageRects);
        Pending.Changes |= SurfaceChanges.Damage;
    }

    public void DamageBuffer(WlSurface resource, int x, int y, int width, int height)
    {
        Pending.BufferDamage.AddBounded(ClampedRect(x, y, width, height), MaxDamageRects);
        Pending.Changes |= SurfaceChanges.Damage;
    }

    public void Frame(WlSurface resource, WlCallback callback)
    {
        Pending.FrameCallbacks.Add(callback);
        Pending.Changes |= SurfaceChanges.FrameCallbacks;
        // A callback destroyed by its client's exit must not be answered later.
        callback.Destroyed += _frameCallbackGone ??= r =>
        {
            var cb = (WlCallback)r;
            Pending.Forget(cb);
            Cached.Forget(cb);
            Current.Forget(cb);
            _commits?.Forget(cb);
        };
    }

    /// <summary>wp_presentation.feedback for this surface's next commit.</summary>
    public void AddFeedback(WpPresentationFeedback feedback)
    {
        Pending.Feedbacks.Add(feedback);
        Pending.Changes |= SurfaceChanges.Feedback;
        feedback.Destroyed += _feedbackGone ??= r =>
        {
            var f = (WpPresentationFeedback)r;
            Pending.Forget(f);
            Cached.Forget(f);
            Current.Forget(f);
            _commits?.Forget(f);
        };
    }

    public void SetOpaqueRegion(WlSurface resource, WlRegion? region)
    {
        if (region?.Data is Region r) Pending.Opaque.Set(r); else Pending.Opaque.Clear();
        Pending.Changes |= SurfaceChanges.OpaqueRegion;
    }

    public void SetInputRegion(WlSurface resource, WlRegion? region)
    {
        Pending.InputInfinite = region is null;
        if (region?.Data is Region r) Pending.Input.Set(r); else Pending.Input.Clear();
        Pending.Changes |= SurfaceChanges.InputRegion;
    }

    public void SetBufferTransform(WlSurface resource, WlOutput.Transform transform)
    {
        if ((uint)transform > 7)
        {
            resource.PostError(WlSurface.Error.InvalidTransform, $"buffer transform {(uint)transform} is not a wl_output.transform value");
            return;
        }
        Pending.Transform = (int)transform;
        Pending.Changes |= SurfaceChanges.Transform;
    }

    public void SetBufferScale(WlSurface resource, int scale)
    {
        if (scale < 1)
        {
            resource.PostError(WlSurface.Error.InvalidScale, $"buffer scale {scale} is not positive");
            return;
        }
        Pending.Scale = scale;
        Pending.Changes |= SurfaceChanges.Scale;
    }

    public void Commit(WlSurface resource)
    {
        // Explicit sync: the acquire and release points go with the attached buffer, or the commit is
        // a protocol error. Without it, the buffer is waited for through its implicit fences.
        if (Syncobj is { } syncobj && !syncobj.Commit(Pending)) return;
        var sync = IsSynchronized;
        // A synchronized subsurface committing while the ancestor that applies it has commits waiting
        // belongs to that ancestor's next commit: it waits for the queued ones to apply first.
        var ancestor = sync ? WaitingAncestor() : null;
        // Behind a commit that waits, a commit waits too: one surface's states keep their order.
        if (_commits is { IsEmpty: false } || ancestor is not null)
        {
            Commits.Add(Pending, ancestor);
            return;
        }
        if (sync)
        {
            // A synchronized subsurface's state waits for its parent's commit, which waits for its buffer.
            Pending.MoveTo(Cached);
            return;
        }
        // Implicit sync: a DMA-BUF the client's GPU is still writing is not shown until it is written.
        var fence = FirstUnready(Pending);
        if (fence >= 0)
        {
            Commits.AddWaiting(Pending, fence);
            return;
        }
        Pending.MoveTo(Cached);
        ApplyCached();
    }

    private CommitQueue Commits => _commits ??= new CommitQueue(this, _server.Readiness, _server.Log);

    /// <summary>Whether commits go to the cached state, for the parent's commit to apply.</summary>
    internal bool IsSynchronized => Role?.IsSynchronized == true;

    /// <summary>The waiting commits of the surface whose commits apply this synchronized subsurface
    /// (the nearest ancestor that is not itself synchronized), if it has any.</summary>
    private CommitQueue? WaitingAncestor()
    {
        var s = this;
        while (s.AsSubsurface is { IsSynchronized: true, Parent: { } parent }) s = parent;
        return s != this && s._commits is { IsEmpty: false } queue ? queue : null;
    }

    /// <summary>A queued commit applied: synchronized subsurfaces' commits that were waiting for it go
    /// into their cached states, for the next one.</summary>
    internal void DrainSyncChildren()
    {
        foreach (var child in _pendingStack)
        {
            if (child?.AsSubsurface is not { IsSynchronized: true }) continue;
            child._commits?.Drain();
            child.DrainSyncChildren();
        }
    }

    /// <summary>A fence fd (the caller's) to wait on before <paramref name="state"/> can be applied:
    /// of its DMA-BUF, or of a buffer a synchronized subsurface cached to be applied with it; -1 when
    /// every one of them can be read now.</summary>
    internal int FirstUnready(SurfaceState state)
    {
        var fence = UnreadyBuffer(state);
        // A commit without a buffer applies the one still cached, if any (a subsurface made desynchronized).
        if (fence < 0 && (state.Changes & SurfaceChanges.Buffer) == 0) fence = UnreadyBuffer(Cached);
        return fence >= 0 ? fence : UnreadyInSyncChildren(this);
    }

    private int UnreadyBuffer(SurfaceState state)
    {
        if ((state.Changes & SurfaceChanges.Buffer) == 0 || state.Buffer is not IScanoutSource dmabuf || state.Buffer.IsFreed) return -1;
        var acquire = state.Acquire;
        return acquire.IsSet ? acquire.Timeline!.WaitFd(acquire.Value) : _server.Readiness.FirstUnready(dmabuf.Attributes.Planes);
    }

    private static int UnreadyInSyncChildren(Surface parent)
    {
        foreach (var child in parent._pendingStack)
        {
            if (child?.AsSubsurface is not { IsSynchronized: true }) continue;
            var fence = child.UnreadyBuffer(child.Cached);
            if (fence < 0) fence = UnreadyInSyncChildren(child);
            if (fence >= 0) return fence;
        }
        return -1;
    }

    /// <summary>A queued commit whose buffers can now be read: applied as the commit would have been.</summary>
    internal void ApplyQueued(SurfaceState state)
    {
        state.MoveTo(Cached);
        if (Role?.IsSynchronized == true) return;
        ApplyCached();
    }

    // ---- subsurface stacking (changed by wl_subsurface, applied on this surface's commit) ----

    internal List<Surface?> PendingStack => _pendingStack;

    /// <summary>Applies the cached state, then the cached states of synchronized children, as a parent's commit does.</summary>
    internal void ApplyCached()
    {
        if (IsDestroyed) return;
        if (Role is not null && !Role.PreCommit(this)) return;
        Cached.MoveTo(Current);
        // What this commit takes off screen is repainted where it was: the whole tree when the
        // surface loses its content (its subsurfaces go with it), the old rectangle when its size
        // changes. Afterwards neither the old size nor, once unmapped, the place is known.
        var was = Scene.Scene.TryGetPosition(this, out var x, out var y) ? new Rect(x, y, Width, Height) : default;
        if (!was.IsEmpty && (Current.Changes & SurfaceChanges.Buffer) != 0 && Current.Buffer is null)
            _server.Scene.DamageSurfaceTree(this);
        if (!ApplyCurrent()) return;
        if (!was.IsEmpty && (Width != was.Width || Height != was.Height)) _server.Scene.DamageLayout(was);

        if (!SameOrder(Stack, _pendingStack))
        {
            _server.Scene.DamageSurfaceTree(this);
            Stack.Clear();
            Stack.AddRange(_pendingStack);
        }
        foreach (var child in Stack)
            if (child?.AsSubsurface is { } sub) sub.ParentCommitted();

        CommitCount++;
        Role?.Committed(this);
        _server.Scene.SurfaceCommitted(this);
        Committed?.Invoke(this);
        Current.SurfaceDamage.Clear();
        Current.BufferDamage.Clear();
        // The offset is a one-time move consumed by the role (windows move, cursors shift their hotspot).
        Current.Dx = Current.Dy = 0;
        Current.Changes = SurfaceChanges.None;
    }

    private bool ApplyCurrent()
    {
        var s = Current;
        if ((s.Changes & SurfaceChanges.Buffer) != 0 && !LatchBuffer(s.Buffer)) return false;
        s.Acquire.Clear(); // waited for: the buffer is written
        if (s.Buffer is { IsDestroyed: true }) s.Buffer = null;

        var (w, h) = (BufferWidth, BufferHeight);
        if (s.Transform % 2 == 1) (w, h) = (h, w);
        if (HasContent && Resource.Version >= 6 && (w % s.Scale != 0 || h % s.Scale != 0))
        {
            Resource.PostError(WlSurface.Error.InvalidSize, $"buffer size {BufferWidth}x{BufferHeight} is not a multiple of scale {s.Scale}");
            return false;
        }
        w /= s.Scale;
        h /= s.Scale;
        if (Viewport is not null && !Viewport.Validate(this, w, h)) return false;
        if (s.ViewportWidth > 0) (w, h) = (s.ViewportWidth, s.ViewportHeight);
        else if (s.ViewportSource.Width >= 0) (w, h) = ((int)s.ViewportSource.Width, (int)s.ViewportSource.Height);
        if (!HasContent) (w, h) = (0, 0);
        Width = w;
        Height = h;
        return true;
    }

    /// <summary>Makes the committed buffer the surface's content: copies shm pixels (then releases the
    /// buffer at once, like wlroots, so clients can reuse it), or holds a DMA-BUF (read in place, or
    /// copied but possibly scanned out) until it is replaced.</summary>
    private bool LatchBuffer(ClientBuffer? buffer)
    {
        var previousHeld = _heldBuffer;
        _heldBuffer = null;
        // A buffer its client destroyed is still shown while something held it (a waiting commit).
        if (buffer is null || buffer.IsFreed)
        {
            _uploadPending.Clear();
            ContentKind = null;
            Texture = null;
            LetGo(previousHeld);
            return true;
        }
        var full = buffer.Width != BufferWidth || buffer.Height != BufferHeight;
        BufferWidth = buffer.Width;
        BufferHeight = buffer.Height;
        switch (buffer.Content)
        {
            case BufferContent.CopiedPixels or BufferContent.CopiedWhenDrawn:
                if (_ownTexture is null || _ownTexture.Width != buffer.Width || _ownTexture.Height != buffer.Height
                    || _ownTexture.Fourcc != buffer.Fourcc || ContentKind is not (BufferContent.CopiedPixels or BufferContent.CopiedWhenDrawn))
                {
                    _ownTexture?.Dispose();
                    _ownTexture = _server.Renderer.CreateTexture(buffer.Fourcc, buffer.Width, buffer.Height);
                    full = true;
                }
                var bounds = new Rect(0, 0, buffer.Width, buffer.Height);
                Texture = _ownTexture;
                if (buffer.Content == BufferContent.CopiedWhenDrawn)
                {
                    // A DMA-BUF read through a mapping: copied when a frame composites it
                    // (PrepareTexture), so a frame that scans it out directly copies nothing.
                    if (full) _uploadPending.Set(bounds);
                    else CollectBufferDamage(_uploadPending, bounds);
                    _heldBuffer = buffer;
                    if (buffer != previousHeld) buffer.Lock();
                    break;
                }
                // What a lazily copied buffer left out must come now, from this one.
                if (!_uploadPending.IsEmpty) full = true;
                _uploadPending.Clear();
                buffer.Lock();
                var ok = full ? buffer.Upload(_server.Renderer, _ownTexture, bounds) : UploadDamage(buffer, bounds);
                buffer.Unlock(); // copied: the client's again, unless a plane still shows it
                if (!ok)
                {
                    if (previousHeld != buffer) LetGo(previousHeld);
                    return false;
                }
                break;
            case BufferContent.OwnTexture:
                Texture = buffer.Texture;
                _heldBuffer = buffer;
                if (buffer != previousHeld) buffer.Lock();
                break;
            case BufferContent.SolidColor:
                Texture = null;
                SolidColor = buffer.Color;
                buffer.Lock();
                buffer.Unlock(); // its colour is all we keep
                break;
        }
        ContentKind = buffer.Content;
        if (previousHeld != buffer) LetGo(previousHeld);
        return true;
    }

    private static void LetGo(ClientBuffer? held) => held?.Unlock();

    private bool UploadDamage(ClientBuffer buffer, Rect bounds)
    {
        var s = Current;
        // Surface damage is converted conservatively: with a transform or viewport the whole buffer.
        if (!s.SurfaceDamage.IsEmpty)
        {
            if (s.Transform != 0 || s.ViewportWidth > 0 || s.ViewportSource.Width >= 0)
                return buffer.Upload(_server.Renderer, _ownTexture!, bounds);
            foreach (var r in s.SurfaceDamage.Rects)
                s.BufferDamage.Add(new Rect(r.X * s.Scale, r.Y * s.Scale, r.Width * s.Scale, r.Height * s.Scale));
        }
        foreach (var r in s.BufferDamage.Rects)
        {
            var clipped = r.Intersect(bounds);
            if (!clipped.IsEmpty && !buffer.Upload(_server.Renderer, _ownTexture!, clipped)) return false;
        }
        return true;
    }

    /// <summary>The last commit's damage in buffer pixels (whole with a transform or viewport).</summary>
    private void CollectBufferDamage(Region into, Rect bounds)
    {
        var s = Current;
        if (!s.SurfaceDamage.IsEmpty && (s.Transform != 0 || s.ViewportWidth > 0 || s.ViewportSource.Width >= 0))
        {
            into.Set(bounds);
            return;
        }
        foreach (var r in s.SurfaceDamage.Rects)
            into.AddBounded(new Rect(r.X * s.Scale, r.Y * s.Scale, r.Width * s.Scale, r.Height * s.Scale).Intersect(bounds), MaxUploadRects);
        foreach (var r in s.BufferDamage.Rects) into.AddBounded(r.Intersect(bounds), MaxUploadRects);
    }

    private const int MaxUploadRects = 16;

    /// <summary>Brings the texture up to date before a frame draws it: a lazily copied buffer's
    /// damage since the last draw. False when the client's memory is gone (the buffer has posted
    /// the protocol error); the surface is then not drawn.</summary>
    public bool PrepareTexture()
    {
        if (_uploadPending.IsEmpty || _heldBuffer is not { } buffer || _ownTexture is null) return true;
        foreach (var r in _uploadPending.Rects)
            if (!r.IsEmpty && !buffer.Upload(_server.Renderer, _ownTexture, r)) return false;
        _uploadPending.Clear();
        return true;
    }

    /// <summary>Damage of the last commit in surface coordinates, conservatively whole when a
    /// transform or viewport makes the mapping non-trivial.</summary>
    public void CollectDamage(Region into)
    {
        var s = Current;
        var bounds = new Rect(0, 0, Width, Height);
        if ((s.Changes & (SurfaceChanges.Transform | SurfaceChanges.Scale | SurfaceChanges.ViewportSource | SurfaceChanges.ViewportDestination)) != 0
            || s.Transform != 0 || s.ViewportWidth > 0 || s.ViewportSource.Width >= 0)
        {
            if (!s.SurfaceDamage.IsEmpty || !s.BufferDamage.IsEmpty || (s.Changes & ~SurfaceChanges.Damage) != 0) into.Add(bounds);
            return;
        }
        foreach (var r in s.SurfaceDamage.Rects) into.Add(r.Intersect(bounds));
        foreach (var r in s.BufferDamage.Rects)
            into.Add(new Rect(r.X / s.Scale, r.Y / s.Scale, (r.Width + s.Scale - 1) / s.Scale + 1, (r.Height + s.Scale - 1) / s.Scale + 1).Intersect(bounds));
    }

    /// <summary>Damages where this surface and its subsurfaces are on screen (moved, restacked, unmapped).</summary>
    public void DamageTree() => _server.Scene.DamageSurfaceTree(this);

    /// <summary>Answers the frame callbacks of the current state (the content was drawn).</summary>
    public void SendFrameDone(uint timeMs)
    {
        if (!Current.HasFrameCallbacks) return;
        var callbacks = Current.FrameCallbacks;
        // Sending destroys each callback, whose Destroyed handler removes it from the list: walk a stable copy.
        while (callbacks.Count > 0)
        {
            var cb = callbacks[^1];
            callbacks.RemoveAt(callbacks.Count - 1);
            cb.SendDone(timeMs);
            cb.Destroy();
        }
    }

    /// <summary>Whether a point in surface coordinates takes input.</summary>
    public bool AcceptsInput(double x, double y)
    {
        if (!HasContent || x < 0 || y < 0 || x >= Width || y >= Height) return false;
        return Current.InputInfinite || Current.Input.Contains((int)Math.Floor(x), (int)Math.Floor(y));
    }

    private static Rect ClampedRect(int x, int y, int width, int height)
    {
        // Clients send INT32_MAX sized damage to mean "everything": keep the arithmetic in range.
        var w = (int)Math.Min((long)width, int.MaxValue - (long)Math.Max(x, 0));
        var h = (int)Math.Min((long)height, int.MaxValue - (long)Math.Max(y, 0));
        return new Rect(x, y, w, h);
    }

    private void OnDestroyed(Wayland.Server.Resource resource)
    {
        _server.Scene.DamageSurfaceTree(this);
        _server.RemoveSurface(this);
        Destroyed?.Invoke(this);
        _commits?.Discard();
        LetGo(_heldBuffer);
        _heldBuffer = null;
        _ownTexture?.Dispose();
        _ownTexture = null;
        Texture = null;
        Pending.DiscardAll();
        Cached.DiscardAll();
        Current.DiscardAll();
    }

    private static bool SameOrder(List<Surface?> a, List<Surface?> b)
    {
        if (a.Count != b.Count) return false;
        for (var i = 0; i < a.Count; i++) if (a[i] != b[i]) return false;
        return true;
    }
}
