using Compositor.Backends;
using Compositor.Surfaces;

namespace Compositor.Scene;

/// <summary>
/// Everything on screen: outputs in the layout, placed surfaces (windows and popups) bottom to top,
/// and the damage that decides what each output redraws. Drawing happens in
/// <see cref="SceneRenderer"/>; this class keeps the books.
/// </summary>
public sealed class Scene
{
    private readonly List<SceneOutput> _outputs = [];
    private readonly List<IPlacedRole> _stack = [];
    private readonly Region _scratch = new();

    /// <summary>Rectangles of damage kept per output between frames before they merge (see <see cref="Region.AddBounded"/>).</summary>
    public const int MaxOutputDamageRects = 64;

    public IReadOnlyList<SceneOutput> Outputs => _outputs;

    /// <summary>The session is locked (ext_session_lock_v1): nothing but the <see cref="SceneLayer.Lock"/>
    /// band is drawn, scanned out, captured or given input; every output is redrawn when this changes.</summary>
    public bool Locked
    {
        get => _locked;
        set
        {
            if (value == _locked) return;
            _locked = value;
            DamageAll();
        }
    }
    private bool _locked;

    /// <summary>Whether a placed surface may be on screen and take input now: the one switch the
    /// renderer, scanout, overlay planes and hit-testing all consult, so a locked session shows nothing else.</summary>
    public bool Shows(IPlacedRole placed) => !_locked || placed.Layer == SceneLayer.Lock;
    /// <summary>Placed surfaces, bottom first.</summary>
    public IReadOnlyList<IPlacedRole> Stack => _stack;
    /// <summary>Drawn above everything (the pointer's cursor surface).</summary>
    public IPlacedRole? Cursor { get; set; }
    /// <summary>The compositor's own cursor image (its theme's), drawn above everything where no
    /// client's cursor surface applies; null when none is shown. Placed at <see cref="ImageCursorX"/>, <see cref="ImageCursorY"/>.</summary>
    public Seat.CursorImage? ImageCursor { get; private set; }
    public int ImageCursorX { get; private set; }
    public int ImageCursorY { get; private set; }

    /// <summary>Whether the pointer is anywhere to be drawn: false until input first places it (no one
    /// knows where a mouse is before it moves) and while a nested window's parent has it.</summary>
    public bool CursorVisible
    {
        get => _cursorVisible;
        set
        {
            if (value == _cursorVisible) return;
            if (!value) DamageLayout(CursorBounds, cursor: true);
            _cursorVisible = value;
            if (value) DamageLayout(CursorBounds, cursor: true);
        }
    }
    private bool _cursorVisible;

    /// <summary>Shows <paramref name="image"/> (or nothing) with its hotspot at the pointer.</summary>
    public void SetImageCursor(Seat.CursorImage? image, double pointerX, double pointerY)
    {
        var x = image is null ? 0 : (int)Math.Floor(pointerX) - image.HotspotX;
        var y = image is null ? 0 : (int)Math.Floor(pointerY) - image.HotspotY;
        if (image == ImageCursor && x == ImageCursorX && y == ImageCursorY) return;
        DamageImageCursor();
        (ImageCursor, ImageCursorX, ImageCursorY) = (image, x, y);
        DamageImageCursor();
    }

    private void DamageImageCursor()
    {
        if (ImageCursor is { } c) DamageLayout(new Rect(ImageCursorX, ImageCursorY, c.Width, c.Height), cursor: true);
    }

    public void AddOutput(SceneOutput output)
    {
        _outputs.Add(output);
        output.Output.ScheduleFrame();
    }

    public void RemoveOutput(SceneOutput output) => _outputs.Remove(output);

    /// <summary>The output's place in <see cref="Outputs"/> (its bit in <see cref="Surface.Outputs"/>), or -1.</summary>
    public int IndexOf(SceneOutput output) => _outputs.IndexOf(output);

    /// <summary>Puts a placed surface on top of its layer (or moves it there).</summary>
    public void Raise(IPlacedRole placed)
    {
        _stack.Remove(placed);
        var i = _stack.Count;
        while (i > 0 && _stack[i - 1].Layer > placed.Layer) i--;
        _stack.Insert(i, placed);
        DamageSurfaceTree(placed.Surface);
        UpdateOutputs(placed.Surface);
    }

    public void Remove(IPlacedRole placed)
    {
        // Where it was, from the role itself: by now the role may already say it is unmapped, so
        // TryGetPosition would not find it (and the area would never be repainted).
        if (_stack.Remove(placed)) DamageTree(placed.Surface, placed.X, placed.Y);
        LeaveAllOutputs(placed.Surface);
    }

    // ---- which outputs each surface is on (wl_surface.enter / leave) ----

    /// <summary>Sends wl_surface.enter and leave for a surface and its subsurfaces where the set of
    /// outputs they overlap changed (bit i of <see cref="Surface.Outputs"/>: output i).</summary>
    public void UpdateOutputs(Surface surface)
    {
        if (TryGetPosition(surface, out var x, out var y)) UpdateOutputs(surface, x, y);
        else LeaveAllOutputs(surface);
    }

    private void UpdateOutputs(Surface s, int x, int y)
    {
        var visitor = new OutputsUpdate(this);
        SurfaceTree.Walk(s, x, y, SurfaceOrder.ParentFirst, ref visitor, withHidden: true);
    }

    private void LeaveAllOutputs(Surface s)
    {
        var visitor = new OutputsLeft(this);
        SurfaceTree.Walk(s, 0, 0, SurfaceOrder.ParentFirst, ref visitor, withHidden: true);
    }

    /// <summary>A surface is on the outputs its box overlaps; one hidden or without content, on none.</summary>
    private readonly struct OutputsUpdate(Scene scene) : ISurfaceVisitor
    {
        public bool Visit(Surface s, int x, int y, bool mapped)
        {
            ulong mask = 0;
            if (mapped && s.HasContent)
            {
                var box = new Rect(x, y, s.Width, s.Height);
                for (var i = 0; i < scene._outputs.Count && i < 64; i++)
                    if (!box.Intersect(scene._outputs[i].Bounds).IsEmpty) mask |= 1UL << i;
            }
            scene.SetOutputs(s, mask);
            return true;
        }
    }

    private readonly struct OutputsLeft(Scene scene) : ISurfaceVisitor
    {
        public bool Visit(Surface s, int x, int y, bool mapped)
        {
            scene.SetOutputs(s, 0);
            return true;
        }
    }

    /// <summary>The largest scale of the outputs the surface is on (0 when on none).</summary>
    public double PreferredScaleOf(Surface s)
    {
        var scale = 0.0;
        for (var i = 0; i < _outputs.Count && i < 64; i++)
            if ((s.Outputs & (1UL << i)) != 0) scale = Math.Max(scale, _outputs[i].Scale);
        return scale;
    }

    private int PreferredTransformOf(Surface s)
    {
        var transform = -1;
        for (var i = 0; i < _outputs.Count && i < 64; i++)
        {
            if ((s.Outputs & (1UL << i)) == 0) continue;
            if (transform >= 0 && transform != _outputs[i].Transform) return 0;
            transform = _outputs[i].Transform;
        }
        return Math.Max(transform, 0);
    }

    private void SetOutputs(Surface s, ulong mask)
    {
        var changed = s.Outputs ^ mask;
        if (changed == 0 || s.IsDestroyed) return;
        var firstEnter = s.Outputs == 0 && mask != 0;
        for (var i = 0; i < _outputs.Count && i < 64; i++)
        {
            if ((changed & (1UL << i)) == 0) continue;
            var entering = (mask & (1UL << i)) != 0;
            foreach (var wlOutput in _outputs[i].Resources)
            {
                if (wlOutput.Client != s.Resource.Client) continue;
                if (entering) s.Resource.SendEnter(wlOutput); else s.Resource.SendLeave(wlOutput);
            }
        }
        s.Outputs = mask;
        SendPreferredScale(s, firstEnter);
        OutputsChanged?.Invoke(s);
    }

    /// <summary>A surface entered or left outputs (taskbar protocols tell their clients).</summary>
    public event Action<Surface>? OutputsChanged;

    /// <summary>Tells a surface the scale to draw for again (an output it was on went away).</summary>
    public void RefreshPreferredScale(Surface s) => SendPreferredScale(s, firstEnter: false);

    private void SendPreferredScale(Surface s, bool firstEnter)
    {
        if (s.Outputs == 0) return;
        // What the client should render for: the largest scale of the outputs it is on (a surface
        // between a 1x and a 2x screen is drawn for the 2x one and scaled down on the other).
        var scale = PreferredScaleOf(s);
        var integer = SceneOutput.RoundedUp(scale);
        // (Both sent to version 6 surfaces only: the generated senders drop them for older ones.)
        if (firstEnter || integer != s.PreferredScaleSent)
        {
            s.Resource.SendPreferredBufferScale(integer);
            s.PreferredScaleSent = integer;
        }
        // The outputs' transform where they agree (a buffer drawn with it needs no rotating), else normal.
        var transform = PreferredTransformOf(s);
        if (firstEnter || transform != s.PreferredTransformSent)
        {
            s.Resource.SendPreferredBufferTransform((Wayland.Protocols.Server.WlOutput.Transform)transform);
            s.PreferredTransformSent = transform;
        }
        s.FractionalScale?.Preferred(scale);
    }

    // ---- direct scanout candidates ----

    /// <summary>Raised when an output's scanout candidate changes: (output, previous, current).</summary>
    public event Action<SceneOutput, Surface?, Surface?>? ScanoutCandidateChanged;

    /// <summary>Finds the surface that could be shown on the output's plane without composition: the
    /// topmost one on the output, if it covers it exactly with an opaque, untransformed, unscaled
    /// buffer of the output's size and shows no subsurfaces, and no cursor is drawn over the output
    /// (a composited cursor: a scanned-out frame would leave it out; one on the cursor plane stays).</summary>
    public void UpdateScanoutCandidate(SceneOutput output)
    {
        Surface? candidate = null;
        if (output.Output.Scanout is not null && (output.CursorOnPlane || !CursorOver(output)))
        {
            var bounds = output.Bounds;
            for (var i = _stack.Count - 1; i >= 0; i--)
            {
                var placed = _stack[i];
                if (!placed.IsMapped || !Shows(placed)) continue;
                var s = placed.Surface;
                if (new Rect(placed.X, placed.Y, s.Width, s.Height).Intersect(bounds).IsEmpty) continue;
                if (IsScanoutCandidate(s, placed.X, placed.Y, output)) candidate = s;
                break;
            }
        }
        if (candidate == output.ScanoutCandidate) return;
        var previous = output.ScanoutCandidate;
        output.ScanoutCandidate = candidate;
        ScanoutCandidateChanged?.Invoke(output, previous, candidate);
    }

    private bool CursorOver(SceneOutput output) => !CursorBounds.Intersect(output.Bounds).IsEmpty;

    /// <summary>Where the cursor shown is, in the layout: the client's cursor surface, else the
    /// compositor's image; empty when neither is shown.</summary>
    public Rect CursorBounds => !_cursorVisible ? default
        : Cursor is { IsMapped: true } c ? new Rect(c.X, c.Y, c.Surface.Width, c.Surface.Height)
        : ImageCursor is { } image ? new Rect(ImageCursorX, ImageCursorY, image.Width, image.Height)
        : default;

    private static bool IsScanoutCandidate(Surface s, int x, int y, SceneOutput output)
    {
        var st = s.Current;
        // A y-inverted buffer needs the renderer to flip it; a plane shows rows as they are.
        if (x != output.X || y != output.Y || s.Texture is not { YInverted: false } texture) return false;
        if (s.BufferWidth != output.Output.Width || s.BufferHeight != output.Output.Height || st.Transform != 0) return false;
        // (A buffer with the output's transform could be scanned out too; composited for now.)
        if (output.Transform != 0 || s.Width * output.Scale != s.BufferWidth || s.Height * output.Scale != s.BufferHeight) return false;
        if (texture.HasAlpha && !st.Opaque.ContainsRect(new Rect(0, 0, s.Width, s.Height))) return false;
        foreach (var child in s.Stack)
            if (child is not null && child.HasContent) return false;
        return true;
    }

    /// <summary>The plane a surface could be scanned out on, if it is some output's candidate.</summary>
    public ScanoutPlane? ScanoutPlaneOf(Surface surface)
    {
        foreach (var o in _outputs)
            if (o.ScanoutCandidate == surface) return o.Output.Scanout;
        return null;
    }

    /// <summary>Where a surface's origin is in the layout, if it is on screen.</summary>
    public static bool TryGetPosition(Surface surface, out int x, out int y)
    {
        x = y = 0;
        var s = surface;
        while (s.AsSubsurface is { } sub)
        {
            if (sub.Parent is null || !s.HasContent) return false;
            x += sub.X;
            y += sub.Y;
            s = sub.Parent;
        }
        if (s.Role is not IPlacedRole { IsMapped: true } placed) return false;
        x += placed.X;
        y += placed.Y;
        return true;
    }

    /// <summary>Damages the area of a surface and its subsurfaces as they are now (before a move,
    /// restack or unmap; call again after for the new place).</summary>
    public void DamageSurfaceTree(Surface surface)
    {
        if (!TryGetPosition(surface, out var x, out var y)) return;
        DamageTree(surface, x, y);
    }

    private void DamageTree(Surface s, int x, int y)
    {
        if (s.Role is IPlacedRole { TitleBar: { } bar }) DamageLayout(bar.Bounds);
        var visitor = new TreeDamage(this, IsCursorTree(s));
        SurfaceTree.Walk(s, x, y, SurfaceOrder.BottomToTop, ref visitor);
    }

    // The root is damaged even without content: its Width is then 0, so that adds nothing.
    private readonly struct TreeDamage(Scene scene, bool cursor) : ISurfaceVisitor
    {
        public bool Visit(Surface s, int x, int y, bool mapped)
        {
            scene.DamageLayout(new Rect(x, y, s.Width, s.Height), cursor);
            return true;
        }
    }

    /// <summary>Whether the surface is the pointer's cursor surface or one of its subsurfaces.</summary>
    private bool IsCursorTree(Surface s)
    {
        if (Cursor is null) return false;
        while (s.AsSubsurface is { Parent: { } parent }) s = parent;
        return Cursor.Surface == s;
    }

    /// <summary>A commit became current: damage what changed where the surface is, and make sure
    /// its frame callbacks get answered by a frame.</summary>
    public void SurfaceCommitted(Surface surface)
    {
        if (!TryGetPosition(surface, out var x, out var y)) return;
        if ((surface.Current.Changes & (SurfaceChanges.Buffer | SurfaceChanges.Scale | SurfaceChanges.Transform
                                        | SurfaceChanges.ViewportDestination | SurfaceChanges.ViewportSource)) != 0)
            UpdateOutputs(surface, x, y);
        _scratch.Clear();
        surface.CollectDamage(_scratch);
        if ((surface.Current.Changes & SurfaceChanges.Buffer) != 0 && !surface.HasContent)
            DamageTree(surface, x, y);
        _scratch.Translate(x, y);
        var cursor = IsCursorTree(surface);
        foreach (var r in _scratch.Rects) DamageLayout(r, cursor);
        if (surface.Current.HasFrameCallbacks || surface.Current.HasFeedbacks)
            ScheduleOutputsOf(new Rect(x, y, Math.Max(1, surface.Width), Math.Max(1, surface.Height)));
    }

    public void DamageLayout(Rect r) => DamageLayout(r, cursor: false);

    /// <param name="cursor">The damage is the pointer's: an output showing it on its cursor plane
    /// redraws nothing for it, but its next frame moves the plane (or draws a new image into it).</param>
    private void DamageLayout(Rect r, bool cursor)
    {
        if (r.IsEmpty) return;
        foreach (var o in _outputs)
        {
            var clipped = r.Intersect(o.Bounds);
            if (clipped.IsEmpty) continue;
            if (!cursor || !o.CursorOnPlane) o.Damage.AddBounded(clipped, MaxOutputDamageRects);
            o.Output.ScheduleFrame();
        }
    }

    public void DamageAll()
    {
        foreach (var o in _outputs) DamageLayout(o.Bounds);
    }

    private void ScheduleOutputsOf(Rect r)
    {
        foreach (var o in _outputs)
            if (!r.Intersect(o.Bounds).IsEmpty) o.Output.ScheduleFrame();
    }

    /// <summary>The topmost surface accepting input at a layout point, and the point in its coordinates.</summary>
    public Surface? SurfaceAt(double x, double y, out double sx, out double sy, out IPlacedRole? root)
    {
        for (var i = _stack.Count - 1; i >= 0; i--)
        {
            var placed = _stack[i];
            if (!placed.IsMapped || !Shows(placed)) continue;
            var hit = HitTree(placed.Surface, x - placed.X, y - placed.Y, out sx, out sy);
            if (hit is not null) { root = placed; return hit; }
            // The compositor's title bar takes the pointer for itself: no surface, but its window.
            if (placed.TitleBar is { } bar && bar.Bounds.Contains((int)Math.Floor(x), (int)Math.Floor(y)))
            {
                sx = sy = 0;
                root = placed;
                return null;
            }
        }
        sx = sy = 0;
        root = null;
        return null;
    }

    private static Surface? HitTree(Surface s, double x, double y, out double sx, out double sy)
    {
        var visitor = new Hit(x, y);
        SurfaceTree.Walk(s, 0, 0, SurfaceOrder.TopToBottom, ref visitor);
        sx = visitor.Sx;
        sy = visitor.Sy;
        return visitor.Surface;
    }

    /// <summary>Finds the topmost surface of a tree taking input at a point given relative to the tree's root.</summary>
    private struct Hit(double x, double y) : ISurfaceVisitor
    {
        public Surface? Surface;
        public double Sx, Sy;

        public bool Visit(Surface s, int ox, int oy, bool mapped)
        {
            if (!s.AcceptsInput(x - ox, y - oy)) return true;
            Surface = s;
            Sx = x - ox;
            Sy = y - oy;
            return false;
        }
    }
}
