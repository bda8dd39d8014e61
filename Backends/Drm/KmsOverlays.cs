namespace Compositor.Backends.Drm;

/// <summary>
/// A CRTC's overlay planes showing client buffers: each composited frame's surfaces are placed by
/// <see cref="OverlayAssignment"/>, every step checked with a TEST_ONLY commit of the whole state
/// (the primary plane's current framebuffer, the cursor, the overlays so far), and what is placed
/// goes into the output's next commit through <see cref="AtomicCrtc.OverlayStates"/>. A buffer on a
/// plane is held from the frame that shows it until the flip that replaces it completes, and its
/// framebuffer comes from the device's cache, as for direct scanout. Allocates nothing per frame
/// once its arrays have grown to the number of surfaces.
/// </summary>
internal sealed class KmsOverlays : IOverlayPlanes
{
    private readonly AtomicCrtc _crtc;
    private readonly FramebufferCache _framebuffers;
    private readonly Func<uint> _primaryFramebuffer;
    private readonly string _output;
    private readonly int _width, _height;
    private readonly OverlayAssignment.TestCommit _test;
    private PlaneCandidate[] _candidates = new PlaneCandidate[8];
    private uint[] _framebufferOf = new uint[8];
    private int[] _planeOf = new int[8];
    // Per plane: the buffer the next flip shows, and the one on screen.
    private readonly IScanoutSource?[] _pending, _shown;

    public KmsOverlays(AtomicCrtc crtc, FramebufferCache framebuffers, Func<uint> primaryFramebuffer, string output, int width, int height)
    {
        _crtc = crtc;
        _framebuffers = framebuffers;
        _primaryFramebuffer = primaryFramebuffer;
        _output = output;
        (_width, _height) = (width, height);
        _pending = new IScanoutSource?[crtc.OverlayStates.Length];
        _shown = new IScanoutSource?[crtc.OverlayStates.Length];
        _test = planeOf =>
        {
            SetStates(planeOf);
            return _crtc.Flip(_primaryFramebuffer(), testOnly: true) == 0;
        };
    }

    /// <summary>Buffers placed on planes so far (for the log).</summary>
    public long Placed { get; private set; }

    public void Assign(ReadOnlySpan<OverlayCandidate> candidates, Span<bool> onPlane)
    {
        // What the last assignment placed but no flip showed (a failed flip) is not on screen.
        ReleasePending();
        var n = candidates.Length;
        if (_candidates.Length < n)
        {
            Array.Resize(ref _candidates, n * 2);
            Array.Resize(ref _framebufferOf, n * 2);
            Array.Resize(ref _planeOf, n * 2);
        }
        var bounds = new Rect(0, 0, _width, _height);
        for (var i = 0; i < n; i++)
        {
            var c = candidates[i];
            var fb = 0u;
            // Planes are asked for buffers inside the output only: not every device crops at its edge.
            if (c.Buffer is { } buffer && bounds.Intersect(c.Destination) == c.Destination)
                fb = _framebuffers.Get(buffer, buffer.Attributes.Fourcc, _output, out _);
            _framebufferOf[i] = fb;
            _candidates[i] = new PlaneCandidate(fb != 0, c.Buffer?.Attributes.Fourcc ?? 0, c.Destination);
        }
        _crtc.Overlays.Assign(_candidates.AsSpan(0, n), _planeOf.AsSpan(0, n), _test);
        SetStates(_planeOf.AsSpan(0, n));
        for (var i = 0; i < n; i++)
        {
            onPlane[i] = _planeOf[i] >= 0;
            if (!onPlane[i]) continue;
            var buffer = candidates[i].Buffer!;
            buffer.Lock();
            _pending[_planeOf[i]] = buffer;
            Placed++;
        }
    }

    /// <summary>The next frame shows no overlays (a client scanned out directly, the display mode set again).</summary>
    public void Clear()
    {
        ReleasePending();
        SetStates([]);
    }

    /// <summary>The flip completed: what it showed is on screen, what it replaced goes back.</summary>
    public void FlipCompleted()
    {
        for (var p = 0; p < _shown.Length; p++)
        {
            _shown[p]?.Unlock();
            _shown[p] = _pending[p];
            _pending[p] = null;
        }
    }

    /// <summary>Off screen now (the compositor stops, or another master had the display).</summary>
    public void ReleaseAll()
    {
        ReleasePending();
        for (var p = 0; p < _shown.Length; p++)
        {
            _shown[p]?.Unlock();
            _shown[p] = null;
        }
        SetStates([]);
    }

    private void ReleasePending()
    {
        for (var p = 0; p < _pending.Length; p++)
        {
            _pending[p]?.Unlock();
            _pending[p] = null;
        }
    }

    private void SetStates(ReadOnlySpan<int> planeOf)
    {
        var states = _crtc.OverlayStates;
        Array.Clear(states);
        for (var i = 0; i < planeOf.Length; i++)
        {
            if (planeOf[i] < 0) continue;
            var a = _candidates[i].Destination;
            states[planeOf[i]] = new AtomicCrtc.OverlayState { Framebuffer = _framebufferOf[i], SourceWidth = a.Width, SourceHeight = a.Height, Destination = a };
        }
    }
}
