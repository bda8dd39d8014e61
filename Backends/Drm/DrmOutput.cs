using Serilog;
using Wayland.Events;
using static Compositor.Backends.Native.DrmIoctl;

namespace Compositor.Backends.Drm;

/// <summary>
/// A screen on a KMS connector, driven through its CRTC with a swapchain of scanout buffers flipped
/// at vblank. The renderer draws each frame straight into the buffer that is not on screen, only
/// what changed since that buffer was last drawn (its age): on the GPU into GBM buffers, whose
/// completion a GPU fence tells before the flip (no glFinish, no read-back); on the CPU (pixman) into
/// the mapped dumb buffers. Only where the renderer can draw into nothing the display takes is the
/// frame drawn offscreen and its damage copied into dumb buffers (<see cref="ScanoutPath.Copy"/>).
/// Frames follow the flips: one asked for while a flip is pending starts when it completes. A
/// fullscreen client's DMA-BUF the device can import is flipped to directly instead, through the
/// framebuffer <see cref="FramebufferCache"/> keeps for it: no composition and no copy; the buffer
/// stays with us until the flip that replaces it completes.
/// </summary>
public sealed class DrmOutput : IOutput, IDisposable
{
    private const int BufferCount = ScanoutSwapchain.Count;

    private readonly DrmDevice _device;
    private readonly DrmDisplay _display;
    private readonly IRenderer _renderer;
    private readonly ILogger _log;
    private readonly TimerSource _startFrame;
    private readonly TimerSource _afterFailedFlip;
    private readonly ScanoutSwapchain _buffers = null!;
    private readonly IRenderTarget? _offscreen;
    private readonly FenceWait _fence = null!;
    private readonly bool _monotonic;
    private Crtc? _saved;
    // The buffer on screen, and the one drawn last (the target of the frame being drawn, if any).
    private int _front, _drawn;
    private bool _scheduled, _flipPending, _paused;
    private readonly BufferDamage _bufferDamage = new(BufferCount);
    private readonly FramebufferCache _framebuffers;
    // Null: the legacy ioctls (SetCrtc, PageFlip), for the reason in _kms.
    private AtomicCrtc? _atomic;
    private readonly bool _directScanout;
    private string _kms;
    // Client buffers flipped to (waiting for the flip), and on screen.
    private IScanoutSource? _pendingDirect, _shownDirect;
    private bool _pendingIsDirect;
    private long _flips, _directFlips;
    private bool _fenceKnown;
    private readonly RepaintSchedule _schedule;
    private readonly Region _copy = new();
    private readonly KmsCursorPlane? _cursor;
    private readonly KmsOverlays? _overlays;

    /// <param name="gbm">The renderer's GBM device (its render node), 0 if it has none.</param>
    /// <param name="foreignGpu">That render node belongs to another device than the display.</param>
    internal DrmOutput(EventLoop loop, DrmDevice device, DrmDisplay display, IRenderer renderer, nint gbm, bool foreignGpu,
        GemHandleTable handles, FramebufferCache framebuffers, bool atomic, bool directScanout, ILogger log, string? name = null)
    {
        _device = device;
        _display = display;
        _renderer = renderer;
        _log = log;
        _monotonic = device.MonotonicTimestamps;
        _framebuffers = framebuffers;
        _directScanout = directScanout;
        _kms = "legacy KMS (--legacy-kms)";
        if (atomic) _atomic = AtomicCrtc.Create(device, display, out _kms);
        Width = display.Mode.HDisplay;
        Height = display.Mode.VDisplay;
        RefreshMilliHz = display.Mode.RefreshMilliHz;
        RefreshNanoseconds = RefreshMilliHz > 0 ? 1_000_000_000_000L / RefreshMilliHz : 16_666_667;
        _schedule = new RepaintSchedule(RefreshNanoseconds);
        PhysicalWidthMm = display.PhysicalWidthMm;
        PhysicalHeightMm = display.PhysicalHeightMm;
        Name = name ?? display.Name;
        Description = $"{display.Name} on {device.Path} ({Width}x{Height}@{RefreshMilliHz / 1000.0:0.##})";
        _startFrame = loop.AddTimer(StartFrame);
        _afterFailedFlip = loop.AddTimer(() =>
        {
            _flipPending = false;
            StartFrame();
        });
        try
        {
            _buffers = ScanoutSwapchain.Create(device, handles, renderer, gbm, foreignGpu, Width, Height);
            if (_buffers.Path == ScanoutPath.Copy) _offscreen = renderer.CreateOffscreenTarget(Width, Height);
            if (_atomic is { CursorPlaneUsable: true } withCursor)
                // Drawn into directly by a CPU renderer only: a GPU's drawing would need a fence the
                // cursor's commit does not wait for.
                withCursor.Cursor = _cursor = KmsCursorPlane.Create(device, renderer, renderer is Rendering.PixmanRenderer && _buffers.Path == ScanoutPath.Cpu, log, Name);
            if (_atomic is { Overlays.Planes.Count: > 0 } withOverlays && directScanout)
                _overlays = new KmsOverlays(withOverlays, framebuffers, () => _buffers[_front].FramebufferId, Name, Width, Height);
            _fence = new FenceWait(loop, () => _schedule.FrameDone(MonotonicClock.Nanoseconds));
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Name { get; }
    public string Description { get; }
    public string Make => "drm";
    public string Model => _display.Name;
    public int Width { get; }
    public int Height { get; }
    public int RefreshMilliHz { get; }
    public long RefreshNanoseconds { get; }
    public int PhysicalWidthMm { get; }
    public int PhysicalHeightMm { get; }
    public int Scale => 1;
    public bool ShowsEveryFrame => true;
    /// <summary>The primary plane: buffers of the mode's size in the formats it takes (known once the
    /// mode is set), linear, or in the implicit layout on a device without modifiers.</summary>
    public ScanoutPlane? Scanout { get; private set; }
    public IRenderTarget Target => _offscreen ?? _buffers[_drawn].Target!;
    /// <summary>The cursor plane, while the output is driven with atomic commits.</summary>
    public ICursorPlane? CursorPlane => _atomic is not null ? _cursor : null;
    /// <summary>The overlay planes, while the output is driven with atomic commits (and client
    /// buffers may be scanned out at all).</summary>
    public IOverlayPlanes? Overlays => _atomic is not null ? _overlays : null;
    internal ScanoutPath Path => _buffers.Path;
    public uint CrtcId => _display.CrtcId;

    public event Action<IOutput>? Frame;
    public event Action<IOutput, PresentationTime>? Presented;

    /// <summary>Lights the display with a black first buffer.</summary>
    internal void Enable()
    {
        _saved = _device.GetCrtc(_display.CrtcId);
        ClearBuffers();
        if (_atomic?.Modeset(_buffers[0].FramebufferId) is var atomicError and not (null or 0))
        {
            // A driver may offer atomic yet refuse what we ask of it: the legacy path still lights the screen.
            _kms = $"legacy KMS (the atomic mode set failed: errno {atomicError})";
            _atomic.Dispose();
            _atomic = null;
        }
        if (_atomic is null && _device.SetCrtc(_display.CrtcId, _buffers[0].FramebufferId, _display.ConnectorId, _display.Mode) is var error and not 0)
            throw new IOException($"cannot set the mode {Width}x{Height} on {_display.Name} (CRTC {_display.CrtcId}): errno {error}");
        _log.Information(_atomic is { } a
            ? $"{{Output}}: atomic KMS: primary plane {a.PrimaryPlane}, cursor plane {(a.CursorPlane != 0 ? a.CursorPlane.ToString() : "none")}"
              + (_cursor is { } c ? $" (the pointer is shown on it, {c.Width}x{c.Height})" : " (the pointer is composited)")
              + $", {a.Overlays.Planes.Count} overlay planes{(a.Overlays.Planes.Count > 0 && _overlays is null ? " (unused: --no-direct-scanout)" : "")}"
              + "; client buffers checked with TEST_ONLY before they are scanned out"
            : "{Output}: " + _kms, Name);
        _front = _drawn = 0;
        // A device without modifier support (virtio-gpu) takes buffers in its implicit layout, which is
        // how such drivers' clients allocate; the others are offered linear buffers.
        var layout = _device.TakesModifiers ? DmaBufAttributes.ModifierLinear : DmaBufAttributes.ModifierInvalid;
        var formats = _device.PlaneFormats(_display.CrtcId, _buffers[0].FramebufferId);
        if (formats is null) _log.Information("{Output}: the kernel does not list its primary plane's formats: XRGB8888 is offered for scanout", Name);
        if (!_directScanout) _log.Information("{Output}: direct scanout is off (--no-direct-scanout): every frame is composited", Name);
        else Scanout = new ScanoutPlane(_device.DeviceNumber, [.. (formats ?? [Fourcc.Xrgb8888]).Select(f => new DmaBufFormat(f, layout, false))]);
        // Both buffers are black: whatever the first frames draw, each must get the whole picture.
        _bufferDamage.DamageAll(new Rect(0, 0, Width, Height));
        _log.Information("{Output}: {Description}", Name, Description);
        _log.Information(_buffers.Path switch
        {
            ScanoutPath.Gpu => "{Output}: the GPU draws straight into {Count} GBM scanout buffers",
            ScanoutPath.Cpu => "{Output}: drawn on the CPU straight into {Count} dumb buffers ({Reason})",
            _ => "{Output}: drawn offscreen and copied into {Count} dumb buffers ({Reason})",
        }, Name, BufferCount, _buffers.Reason);
    }

    public void ScheduleFrame()
    {
        if (_scheduled) return;
        _scheduled = true;
        // Unless a flip is on its way (then from when it lands: see FlipCompleted), in time for the
        // next vblank.
        if (!_flipPending) _startFrame.ArmAt(_schedule.NextStart(MonotonicClock.Nanoseconds));
    }

    /// <summary>Its connector was unplugged: the CRTC goes off (freed for another connector) and
    /// nothing is put back on dispose.</summary>
    internal void Unplugged()
    {
        _paused = true;
        _saved = null;
        _overlays?.Clear();
        _cursor?.Hide();
        // Atomic: one commit with the planes detached (a legacy SETCRTC would drag still-attached
        // planes along and some drivers refuse that).
        var error = _atomic?.Disable() ?? _device.DisableCrtc(_display.CrtcId);
        if (error != 0)
            _log.Warning("{Output}: turning its CRTC {Crtc} off failed: errno {Error}", Name, _display.CrtcId, error);
    }

    internal uint ConnectorId => _display.ConnectorId;

    /// <summary>Another console has the display: no frames until <see cref="Resume"/>; clients wait
    /// for their frame callbacks meanwhile.</summary>
    internal void Pause() => _paused = true;

    /// <summary>The display is ours again: show the last image and go on.</summary>
    internal void Resume()
    {
        _paused = false;
        _flipPending = false; // a flip lost with the master will not complete
        _afterFailedFlip.Disarm();
        _schedule.Forget();
        _fence.Cancel();
        _drawn = _front;
        // Overlays go off with the mode set; the buffers they showed go back only after it.
        _overlays?.Clear();
        // The mode is set again with the last composited image; where the other master left a state
        // the atomic commit cannot take over, the legacy ioctl can.
        var fb = _buffers[_front].FramebufferId;
        var atomicError = _atomic?.Modeset(fb);
        if (atomicError is not (null or 0))
            _log.Warning("{Output}: the atomic mode set failed (errno {Error}): setting the mode with the legacy ioctl", Name, atomicError);
        if (atomicError is not 0 && _device.SetCrtc(_display.CrtcId, fb, _display.ConnectorId, _display.Mode) is var error and not 0)
            _log.Warning("{Output}: cannot set the mode again: errno {Error}", Name, error);
        // Client buffers are off screen only now: one freed meanwhile takes its framebuffer with it.
        _pendingDirect?.Unlock();
        _shownDirect?.Unlock();
        (_pendingDirect, _shownDirect, _pendingIsDirect) = (null, null, false);
        _overlays?.ReleaseAll();
        // A frame at once: the mode set showed the last composited image, without what was on
        // planes (overlays, a scanned-out client); the frame puts it back.
        _scheduled = true;
        StartFrame();
    }

    /// <summary>Black, before the first mode set shows them.</summary>
    private void ClearBuffers()
    {
        Span<Rect> all = [new Rect(0, 0, Width, Height)];
        for (var i = 0; i < BufferCount; i++)
        {
            if (_buffers[i].Target is { } target)
            {
                _renderer.Begin(target, all);
                _renderer.Clear(new ColorF(0, 0, 0, 1));
                _renderer.End();
            }
            else _buffers[i].Dumb!.Pixels.Clear();
        }
        if (_buffers.Path != ScanoutPath.Copy) _renderer.Finish();
    }

    /// <summary>The buffer not on screen becomes the target; <paramref name="damage"/> grows by what it
    /// missed while the other was drawn.</summary>
    public void AcquireTarget(Region damage)
    {
        if (_buffers.Path == ScanoutPath.Copy) return;
        _drawn = (_front + 1) % BufferCount;
        _bufferDamage.Draw(_drawn, damage.Rects, _copy);
        damage.Set(_copy);
    }

    private void StartFrame()
    {
        if (!_scheduled || _flipPending || _paused) return;
        _scheduled = false;
        var now = MonotonicClock.Nanoseconds;
        if (_fence.Pending)
        {
            // The GPU is still on the last frame a whole flip later: that frame cost at least this long.
            _schedule.FrameDone(now);
            _fence.Cancel();
        }
        _schedule.FrameStarted(now);
        Frame?.Invoke(this);
    }

    public void Present(ReadOnlySpan<Rect> damage)
    {
        _flipPending = true;
        _pendingIsDirect = false;
        if (damage.IsEmpty)
        {
            // Nothing new: flip to the same image, for the vblank's timing.
            FlipTo(_front);
            return;
        }
        if (_buffers.Path == ScanoutPath.Copy)
        {
            // The back buffer lacks what changed while the other one was drawn, and this frame.
            _drawn = (_front + 1) % BufferCount;
            _bufferDamage.Draw(_drawn, damage, _copy);
            foreach (var r in _copy.Rects) CopyToBuffer(_buffers[_drawn].Dumb!, r);
            FlipTo(_drawn);
            return;
        }
        // Flipped at once: the kernel holds the scanout until the buffer's implicit fences signal (the
        // atomic helpers' prepare_fb; on virgl the same command queue), so waiting for the GPU here
        // would only add an event-loop trip to every frame's latency (measured: +8 ms median on
        // virgl). The frame's own fence, where the driver gives one, says when the GPU is done: the
        // repaint schedule counts that as the frame's cost, so frames start early enough for it.
        var fence = _renderer.Submit();
        if (!_fenceKnown)
        {
            _fenceKnown = true;
            if (fence >= 0) _log.Information("{Output}: frames are timed by their GPU fences (sync_file)", Name);
            else if (_buffers.Path == ScanoutPath.Gpu) _log.Information("{Output}: the driver gives no fence fds: frames are timed by their submission", Name);
        }
        FlipTo(_drawn, done: fence < 0 || !_fence.Wait(fence));
    }

    /// <param name="done">The frame is complete (no GPU fence to wait for): its cost ends here.</param>
    private void FlipTo(int buffer, bool done = true)
    {
        if (done) _schedule.FrameDone(MonotonicClock.Nanoseconds);
        if (Flip(_buffers[buffer].FramebufferId) is var error and not 0)
        {
            // The image is not shown (e.g. another master took the device): report the frame as
            // done without vsync so clients keep going.
            _log.Warning("{Output}: page flip failed: errno {Error}", Name, error);
            // "Presented" gives the frame's client buffers back (explicit sync signals their release
            // points): the GPU must be done reading them first.
            _renderer.Finish();
            Presented?.Invoke(this, new PresentationTime(MonotonicClock.Nanoseconds, RefreshNanoseconds, 0, 0));
            // Keep the pace of a refresh meanwhile, rather than spinning through failing frames.
            _afterFailedFlip.ArmAt(MonotonicClock.Nanoseconds + RefreshNanoseconds);
            return;
        }
        _front = buffer;
    }

    private int Flip(uint framebuffer)
    {
        if (_atomic is { } atomic) return atomic.Flip(framebuffer);
        var flip = new PageFlip { CrtcId = _display.CrtcId, FbId = framebuffer, Flags = PageFlipEvent, UserData = _display.CrtcId };
        return Ioctl(_device.Fd, IoctlModePageFlip, ref flip);
    }

    public bool TryScanout(IScanoutSource buffer)
    {
        var a = buffer.Attributes;
        if (_paused || _flipPending || a.Width != Width || a.Height != Height) return false;
        // Candidates are opaque: a plane without alpha formats shows an ARGB buffer as XRGB.
        var fourcc = PlaneTakes(a.Fourcc) ? a.Fourcc : Fourcc.OpaqueSubstitute(a.Fourcc);
        if (!PlaneTakes(fourcc)) return false;
        var fb = _framebuffers.Get(buffer, fourcc, Name, out var made);
        if (fb == 0) return false;
        // The client covers the output: no overlay shows with it (nor in the test of it).
        _overlays?.Clear();
        // A buffer the display has not shown yet is asked about first: a refusal costs a test, not a frame.
        if (made && _atomic?.Flip(fb, testOnly: true) is var refused and not (null or 0))
        {
            _framebuffers.Refuse(buffer, Name, $"TEST_ONLY commit: errno {refused}");
            return false;
        }
        _schedule.FrameDone(MonotonicClock.Nanoseconds);
        if (Flip(fb) is var error and not 0)
        {
            // Refused for good only if never shown: a framebuffer that may be on screen is not removed
            // under the display, and a passing error (EBUSY) is no verdict on the buffer.
            if (made && error is not (16 or 13)) _framebuffers.Refuse(buffer, Name, $"page flip: errno {error}");
            return false;
        }
        if (_shownDirect is null) _log.Information("{Output}: scanning a client buffer out directly", Name);
        buffer.Lock();
        _pendingDirect = buffer;
        _pendingIsDirect = true;
        _flipPending = true;
        // The dumb buffers miss whatever happens while clients are shown directly.
        _bufferDamage.DamageAll(new Rect(0, 0, Width, Height));
        return true;
    }

    private bool PlaneTakes(uint fourcc)
    {
        if (Scanout is not { } plane) return false;
        // Indexed: a foreach over the interface would box its enumerator on every frame.
        for (var i = 0; i < plane.Formats.Count; i++) if (plane.Formats[i].Fourcc == fourcc) return true;
        return false;
    }

    private void CopyToBuffer(DumbBuffer buffer, Rect r)
    {
        var c = r.Intersect(new Rect(0, 0, Width, Height));
        if (c.IsEmpty) return;
        _renderer.Counters.ScanoutBytesCopied += (long)c.Width * c.Height * 4;
        _renderer.ReadPixels(_offscreen!, c, Fourcc.Xrgb8888, buffer.Pixels[(c.Y * buffer.Pitch + c.X * 4)..], buffer.Pitch);
    }

    /// <summary>The kernel's page-flip event for this CRTC: the image is on screen since its vblank.</summary>
    internal void FlipCompleted(in VblankEvent e)
    {
        _flipPending = false;
        // What was on screen before this flip has left it.
        if (_pendingIsDirect || _shownDirect is not null)
        {
            _shownDirect?.Unlock();
            _shownDirect = _pendingIsDirect ? _pendingDirect : null;
            _pendingDirect = null;
        }
        _overlays?.FlipCompleted();
        _flips++;
        if (_pendingIsDirect) _directFlips++;
        var ns = _monotonic ? e.Seconds * 1_000_000_000L + e.Microseconds * 1000L : MonotonicClock.Nanoseconds;
        // wp_presentation kinds: vsync, and with a kernel CLOCK_MONOTONIC stamp hw_clock; the flip
        // event itself is the hardware's completion signal.
        var flags = 1u | (_monotonic ? 2u : 0u) | 4u | (_pendingIsDirect ? 8u : 0u); // 8: zero_copy
        Presented?.Invoke(this, new PresentationTime(ns, RefreshNanoseconds, e.Sequence, flags));
        // The vblank's time comes from the kernel's clock only with monotonic timestamps.
        _schedule.Presented(_monotonic ? ns : MonotonicClock.Nanoseconds);
        if (_scheduled) _startFrame.ArmAt(_schedule.NextStart(MonotonicClock.Nanoseconds));
    }

    public void Dispose()
    {
        if (_flips > 0)
            _log.Information("{Output}: {Direct} of {Flips} frames scanned out directly, from {Framebuffers} client framebuffers; {Images} cursor plane images; {Placed} buffers placed on overlay planes",
                Name, _directFlips, _flips, _framebuffers.Made, _cursor?.Images ?? 0, _overlays?.Placed ?? 0);
        _startFrame.Dispose();
        _afterFailedFlip.Dispose();
        if (_saved is { } saved && saved.ModeValid != 0)
        {
            // Give the console (or whoever had it) its picture back.
            var connector = _display.ConnectorId;
            _device.SetCrtc(saved.CrtcId, saved.FbId, connector, saved.Mode);
        }
        _saved = null;
        _pendingDirect?.Unlock();
        _shownDirect?.Unlock();
        _pendingDirect = _shownDirect = null;
        _overlays?.ReleaseAll();
        _fence?.Dispose();
        _atomic?.Dispose();
        _cursor?.Dispose();
        _offscreen?.Dispose();
        _buffers?.Dispose();
    }

}
