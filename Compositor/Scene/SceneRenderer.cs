using Compositor.Backends;
using Compositor.Surfaces;
using Wayland.Protocols.Server;

namespace Compositor.Scene;

/// <summary>
/// The frame loop: when an output's refresh comes and something was scheduled, redraws only the
/// damaged part of it, answers the frame callbacks of what it shows, and once the backend reports
/// the image on screen, sends presentation feedback with the backend's timestamps. An output whose
/// frames nobody sees (headless, no capture waiting) is not drawn; its damage waits. Allocates
/// nothing in steady state.
/// </summary>
public sealed class SceneRenderer
{
    /// <summary>The colour behind all windows.</summary>
    public static readonly ColorF Background = new(0.2f, 0.2f, 0.2f, 1f);
    /// <summary>The colour of a locked session where no lock surface covers it: opaque, so nothing behind shows.</summary>
    public static readonly ColorF LockedBackground = new(0f, 0f, 0f, 1f);

    private readonly Scene _scene;
    private readonly IRenderer _renderer;
    private readonly Region _outputDamage = new();
    private readonly Region _background = new();
    private readonly Region _drawn = new();
    private SceneOutput _current = null!;
    private uint _frameTimeMs;
    // Overlay assignment's per-frame lists, grown to the number of surfaces and kept.
    private OverlayCandidate[] _overlayCandidates = new OverlayCandidate[8];
    private Surface?[] _overlaySurfaces = new Surface?[8];
    private bool[] _onOverlay = new bool[8];

    public SceneRenderer(Scene scene, IRenderer renderer)
    {
        _scene = scene;
        _renderer = renderer;
    }

    /// <summary>Raised after an output's image is complete and before it is presented, with the
    /// damage of this frame in output pixels (empty if nothing changed): screencopy reads it here.</summary>
    public event Action<SceneOutput, Region>? FrameDrawn;

    /// <summary>Frames drawn since start (for tests and benchmarks).</summary>
    public long FramesRendered { get; private set; }

    public void RenderFrame(SceneOutput output)
    {
        _current = output;
        _frameTimeMs = MonotonicClock.Milliseconds;
        var o = output.Output;
        UpdateCursorPlane(output);
        _scene.UpdateScanoutCandidate(output);
        if (!output.IsWatched)
        {
            // Nobody can see this frame (a headless output no capture waits for): its damage waits
            // for the next frame that is drawn, and clients are paced as if it had been.
            FinishFrame();
            output.FrameSubmitted();
            o.Present([]);
            return;
        }
        if (TryScanout(output))
        {
            FinishFrame();
            output.FrameSubmitted();
            return;
        }

        // A screen shows the cursor; an output only captures see shows it to those that ask for it.
        var drawCursor = _scene.CursorVisible && !output.CursorOnPlane && (o.ShowsEveryFrame || output.CursorCapturesWaiting > 0);
        if (drawCursor != output.CursorComposited)
        {
            output.CursorComposited = drawCursor;
            output.Damage.AddBounded(_scene.CursorBounds.Intersect(output.Bounds), Scene.MaxOutputDamageRects);
        }
        AssignOverlays(output);
        if (output.IsPlain)
        {
            _outputDamage.Set(output.Damage);
            _outputDamage.Translate(-output.X, -output.Y);
        }
        else
        {
            _outputDamage.Clear();
            foreach (var r in output.Damage.Rects) _outputDamage.AddBounded(output.ToPixelsCovering(r), Scene.MaxOutputDamageRects);
        }
        _outputDamage.Intersect(new Rect(0, 0, o.Width, o.Height));
        output.Damage.Clear();

        var damage = _outputDamage.Rects;
        if (!damage.IsEmpty)
        {
            // What this frame changed plus what the buffer it is drawn into missed.
            _drawn.Set(_outputDamage);
            o.AcquireTarget(_drawn);
            _renderer.Begin(o.Target, _drawn.Rects);
            ClearBackground(output);
            var draw = new Draw(this);
            // Indexed: a foreach over the IReadOnlyList boxes its enumerator unless the JIT manages
            // to keep it on the stack, which a change in the loop body can undo.
            var stack = _scene.Stack;
            for (var i = 0; i < stack.Count; i++)
            {
                if (stack[i] is not { IsMapped: true } placed || !_scene.Shows(placed)) continue;
                if (placed.TitleBar is { } bar) DrawTitleBar(bar);
                if (!output.OnOverlays.Contains(placed.Surface))
                    SurfaceTree.Walk(placed.Surface, placed.X, placed.Y, SurfaceOrder.BottomToTop, ref draw);
            }
            if (drawCursor && _scene.Cursor is { IsMapped: true } cursor)
                SurfaceTree.Walk(cursor.Surface, cursor.X, cursor.Y, SurfaceOrder.BottomToTop, ref draw);
            else if (drawCursor && _scene.ImageCursor is { } image)
            {
                var at = output.ToPixels(new Rect(_scene.ImageCursorX, _scene.ImageCursorY, image.Width, image.Height));
                if (_drawn.Intersects(at)) _renderer.Draw(image.Texture, new RectF(0, 0, image.Width, image.Height), at, output.DrawTransform(0), 1f, opaque: false);
            }
            _renderer.End();
            FramesRendered++;
        }

        FinishFrame();
        FrameDrawn?.Invoke(output, _outputDamage);
        output.FrameSubmitted();
        o.Present(damage);
    }

    /// <summary>
    /// Client buffers on the output's overlay planes, where it has them: the surfaces on the output,
    /// top first (a composited cursor above them all), offered to the backend, which places what
    /// the display takes; those are left out of the composited image. A surface that joins or leaves
    /// the planes has its place redrawn. A capture waiting reads the composited image, so then
    /// nothing goes on a plane.
    /// </summary>
    private void AssignOverlays(SceneOutput output)
    {
        if (output.Output.Overlays is not { } overlays) return;
        var n = 0;
        // A composited cursor covers what is under it (the compositor's own image has no surface).
        if (!output.CursorOnPlane && _scene.CursorBounds is { IsEmpty: false } cursorAt)
            Add(_scene.Cursor is { IsMapped: true } cursor ? cursor.Surface : null, null, output.ToPixels(cursorAt));
        var stack = _scene.Stack;
        for (var i = stack.Count - 1; i >= 0; i--)
        {
            if (stack[i] is not { IsMapped: true } placed || !_scene.Shows(placed)) continue;
            if (placed.TitleBar is { } bar) Add(null, null, output.ToPixels(bar.Bounds));
            var s = placed.Surface;
            var at = output.ToPixels(new Rect(placed.X, placed.Y, s.Width, s.Height));
            if (at.Intersect(new Rect(0, 0, output.Output.Width, output.Output.Height)).IsEmpty) continue;
            Add(s, output.CapturesWaiting == 0 && FitsOverlay(s, output) ? (IScanoutSource)s.HeldBuffer! : null, at);
        }
        overlays.Assign(_overlayCandidates.AsSpan(0, n), _onOverlay.AsSpan(0, n));
        for (var i = 0; i < n; i++)
        {
            var s = _overlaySurfaces[i];
            if (s is null || _onOverlay[i] == output.OnOverlays.Contains(s)) continue;
            var at = _overlayCandidates[i].Destination; // (overlays only on plain outputs: pixels are layout pixels)
            output.Damage.AddBounded(new Rect(at.X + output.X, at.Y + output.Y, at.Width, at.Height), Scene.MaxOutputDamageRects);
        }
        output.OnOverlays.Clear();
        for (var i = 0; i < n; i++)
            if (_onOverlay[i]) output.OnOverlays.Add(_overlaySurfaces[i]!);
        Array.Clear(_overlaySurfaces, 0, n); // no surface kept alive by this list

        void Add(Surface? s, IScanoutSource? buffer, Rect at)
        {
            if (n == _overlayCandidates.Length)
            {
                Array.Resize(ref _overlayCandidates, n * 2);
                Array.Resize(ref _overlaySurfaces, n * 2);
                Array.Resize(ref _onOverlay, n * 2);
            }
            _overlaySurfaces[n] = s;
            _overlayCandidates[n++] = new OverlayCandidate(buffer, at);
        }
    }

    /// <summary>Whether a surface's buffer can be shown on an overlay plane as it is: a DMA-BUF read in place, shown as it is.</summary>
    private static bool FitsOverlay(Surface s, SceneOutput output) => s.HeldBuffer is IScanoutSource && ShownAsIs(s, output);

    /// <summary>Whether a plane can show the surface's buffer pixel for pixel: 1:1 on an unscaled
    /// and untransformed output (no buffer scale, transform or viewport), rows top first, and no subsurfaces showing.</summary>
    private static bool ShownAsIs(Surface s, SceneOutput output)
    {
        var st = s.Current;
        if (!output.IsPlain || st.Transform != 0 || st.ViewportSource.Width >= 0 || s.Width != s.BufferWidth || s.Height != s.BufferHeight) return false;
        if (s.Texture is { YInverted: true }) return false;
        foreach (var child in s.Stack)
            if (child is not null && child.HasContent) return false;
        return true;
    }

    /// <summary>
    /// The pointer goes on the output's cursor plane where it fits (one unscaled, untransformed
    /// surface no larger than the plane), as wlroots and weston put it: its image is drawn into the
    /// plane only when the cursor surface committed or changed, and a move costs no composition.
    /// Otherwise it is composited. Either way round, where it is gets redrawn once.
    /// </summary>
    private void UpdateCursorPlane(SceneOutput output)
    {
        if (output.Output.CursorPlane is not { } plane) return;
        var cursor = _scene.Cursor is { IsMapped: true } c ? c : null;
        var image = cursor is null ? _scene.ImageCursor : null;
        var bounds = _scene.CursorBounds;
        var at = bounds.Intersect(output.Bounds);
        var onPlane = !at.IsEmpty && (cursor is not null ? FitsPlane(cursor.Surface, plane, output)
            : image!.Width <= plane.Width && image.Height <= plane.Height && output.IsPlain);
        if (onPlane != output.CursorOnPlane)
        {
            output.CursorOnPlane = onPlane;
            if (!at.IsEmpty) output.Damage.AddBounded(at, Scene.MaxOutputDamageRects);
        }
        if (!onPlane)
        {
            plane.Hide();
            return;
        }
        if (cursor is not null)
        {
            var s = cursor.Surface;
            if (output.CursorImage != s || output.CursorImageCommit != s.CommitCount)
            {
                DrawCursorImage(plane, s.Texture, s.PrepareTexture(), s.SolidColor, s.Width, s.Height, s.BufferWidth, s.BufferHeight);
                output.CursorImage = s;
                output.CursorImageCommit = s.CommitCount;
            }
            var (hotspotX, hotspotY) = cursor is Seat.CursorRole role ? (role.HotspotX, role.HotspotY) : (0, 0);
            plane.Show(cursor.X - output.X, cursor.Y - output.Y, hotspotX, hotspotY);
            return;
        }
        if (output.CursorImage != image)
        {
            DrawCursorImage(plane, image!.Texture, true, default, image.Width, image.Height, image.Width, image.Height);
            output.CursorImage = image;
        }
        plane.Show(bounds.X - output.X, bounds.Y - output.Y, image!.HotspotX, image.HotspotY);
    }

    private static bool FitsPlane(Surface s, ICursorPlane plane, SceneOutput output) =>
        s.Width <= plane.Width && s.Height <= plane.Height && ShownAsIs(s, output);

    /// <summary>Draws a cursor's texture (or, without one, its solid colour) into the plane's next buffer.</summary>
    private void DrawCursorImage(ICursorPlane plane, ITexture? texture, bool textureReady, ColorF solid, int width, int height, int bufferWidth, int bufferHeight)
    {
        var target = plane.BeginImage();
        Span<Rect> all = [new Rect(0, 0, plane.Width, plane.Height)];
        _renderer.Begin(target, all);
        _renderer.Clear(default);
        var dst = new Rect(0, 0, width, height);
        if (texture is not null)
        {
            if (textureReady) _renderer.Draw(texture, new RectF(0, 0, bufferWidth, bufferHeight), dst, 0, 1f, !texture.HasAlpha);
        }
        else _renderer.DrawSolid(dst, solid);
        _renderer.End();
        plane.EndImage();
    }

    /// <summary>Direct scanout: the output's candidate surface shows a DMA-BUF the display takes as
    /// it is, so nothing is composited this frame (unless a capture waits: captures read the
    /// composited image). The composited image is stale meanwhile: leaving scanout redraws it all.</summary>
    private static bool TryScanout(SceneOutput output)
    {
        if (output.ScanoutCandidate is { HeldBuffer: IScanoutSource buffer } && output.CapturesWaiting == 0
            && output.Output.TryScanout(buffer))
        {
            output.ScannedOut = true;
            return true;
        }
        if (output.ScannedOut)
        {
            output.ScannedOut = false;
            output.Damage.Set(output.Bounds);
        }
        return false;
    }

    /// <summary>Everything visible on the output was (re)drawn or is unchanged: answers its frame
    /// callbacks and queues its presentation feedback for this frame.</summary>
    private void FinishFrame()
    {
        var finish = new Finish(this);
        var stack = _scene.Stack;
        for (var i = 0; i < stack.Count; i++)
            if (stack[i] is { IsMapped: true } placed && _scene.Shows(placed)) SurfaceTree.Walk(placed.Surface, placed.X, placed.Y, SurfaceOrder.ParentFirst, ref finish);
        if (_scene.Cursor is { IsMapped: true } c) SurfaceTree.Walk(c.Surface, c.X, c.Y, SurfaceOrder.ParentFirst, ref finish);
    }

    /// <summary>Paints the background only where no opaque surface will cover it: a fullscreen
    /// opaque window costs one fill of the screen per frame, not two.</summary>
    private void ClearBackground(SceneOutput output)
    {
        _background.Set(_drawn);
        var subtract = new OpaqueSubtraction(this);
        var stack = _scene.Stack;
        for (var i = 0; i < stack.Count; i++)
        {
            if (stack[i] is not { IsMapped: true } placed || !_scene.Shows(placed)) continue;
            if (placed.TitleBar is { } bar) _background.Subtract(output.ToPixels(bar.Bounds));
            SurfaceTree.Walk(placed.Surface, placed.X, placed.Y, SurfaceOrder.BottomToTop, ref subtract);
        }
        var colour = _scene.Locked ? LockedBackground : Background;
        if (_background.Count == _drawn.Count && _background.Rects.SequenceEqual(_drawn.Rects))
        {
            _renderer.Clear(colour);
            return;
        }
        foreach (var r in _background.Rects) _renderer.DrawSolid(r, colour);
    }

    private void SubtractOpaque(Surface s, int x, int y)
    {
        if (!s.HasContent) return;
        var bounds = new Rect(0, 0, s.Width, s.Height);
        var opaque = s.Texture is { } t ? !t.HasAlpha : s.SolidColor.A >= 1f;
        if (opaque || s.Current.Opaque.ContainsRect(bounds))
        {
            _background.Subtract(_current.ToPixels(new Rect(x, y, s.Width, s.Height)));
            return;
        }
        foreach (var r in s.Current.Opaque.Rects)
        {
            var c = r.Intersect(bounds);
            if (!c.IsEmpty) _background.Subtract(_current.ToPixels(new Rect(x + c.X, y + c.Y, c.Width, c.Height)));
        }
    }

    private void DrawTitleBar(Shell.TitleBar bar)
    {
        var dst = _current.ToPixels(bar.Bounds);
        if (!_drawn.Intersects(dst)) return;
        var texture = bar.Texture;
        _renderer.Draw(texture, new RectF(0, 0, texture.Width, texture.Height), dst, _current.DrawTransform(0), 1f, opaque: true);
    }

    private void DrawSurface(Surface s, int x, int y)
    {
        if (!s.HasContent) return;
        var dst = _current.ToPixels(new Rect(x, y, s.Width, s.Height));
        if (!_drawn.Intersects(dst)) return;
        if (s.Texture is { } texture)
        {
            if (!s.PrepareTexture()) return;
            var st = s.Current;
            var source = st.ViewportSource.Width >= 0
                ? new RectF(st.ViewportSource.X * st.Scale, st.ViewportSource.Y * st.Scale, st.ViewportSource.Width * st.Scale, st.ViewportSource.Height * st.Scale)
                : new RectF(0, 0, s.BufferWidth, s.BufferHeight);
            var opaque = !texture.HasAlpha || st.Opaque.ContainsRect(new Rect(0, 0, s.Width, s.Height));
            _renderer.Draw(texture, source, dst, _current.DrawTransform(st.Transform), 1f, opaque);
            // The GPU reads the client's memory until the frame is done: the client gets it back after that.
            if (s.HeldBuffer is { Content: Buffers.BufferContent.OwnTexture } held)
            {
                held.Lock();
                _current.Reading.Add(held);
            }
        }
        else
        {
            _renderer.DrawSolid(dst, s.SolidColor);
        }
    }

    private void FinishSurface(Surface s, int x, int y)
    {
        if (new Rect(x, y, Math.Max(1, s.Width), Math.Max(1, s.Height)).Intersect(_current.Bounds).IsEmpty) return;
        s.SendFrameDone(_frameTimeMs);
        if (s.Current.HasFeedbacks)
        {
            var feedbacks = s.Current.Feedbacks;
            foreach (var f in feedbacks) _current.InFlight.Add((s, f));
            feedbacks.Clear();
        }
    }

    private readonly struct Draw(SceneRenderer r) : ISurfaceVisitor
    {
        public bool Visit(Surface s, int x, int y, bool mapped) { r.DrawSurface(s, x, y); return true; }
    }

    private readonly struct OpaqueSubtraction(SceneRenderer r) : ISurfaceVisitor
    {
        public bool Visit(Surface s, int x, int y, bool mapped) { r.SubtractOpaque(s, x, y); return true; }
    }

    private readonly struct Finish(SceneRenderer r) : ISurfaceVisitor
    {
        public bool Visit(Surface s, int x, int y, bool mapped) { r.FinishSurface(s, x, y); return true; }
    }

    /// <summary>The backend says the frame is on screen: tell the clients that asked, when and how.</summary>
    public static void Presented(SceneOutput output, PresentationTime time)
    {
        var seconds = (ulong)(time.MonotonicNanoseconds / 1_000_000_000);
        var nanos = (uint)(time.MonotonicNanoseconds % 1_000_000_000);
        foreach (var (surface, feedback) in output.InFlight)
        {
            if (feedback.IsDestroyed) continue;
            foreach (var wlOutput in output.Resources)
                if (wlOutput.Client == feedback.Client) feedback.SendSyncOutput(wlOutput);
            feedback.SendPresented((uint)(seconds >> 32), (uint)seconds, nanos, (uint)time.RefreshNanoseconds,
                (uint)(time.Sequence >> 32), (uint)time.Sequence, (WpPresentationFeedback.Kind)time.Flags);
            feedback.Destroy();
        }
        output.InFlight.Clear();
        output.FramePresented();
    }

    /// <summary>No report will come for the output's frames in flight (it is gone): their reads end.</summary>
    public static void ReleaseReads(SceneOutput output) => output.ReleaseAllReads();
}
