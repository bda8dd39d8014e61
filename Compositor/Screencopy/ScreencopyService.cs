using Compositor.Backends;
using Compositor.Scene;
using Wayland.Protocols.Server;

namespace Compositor.Screencopy;

/// <summary>A capture of an output waiting for its next frame: a wlr-screencopy frame or an
/// ext-image-copy-capture frame. Both are filled by <see cref="ScreencopyService"/>.</summary>
internal interface IOutputCapture
{
    SceneOutput? Output { get; }
    /// <summary>The pointer is to be in the image (overlay_cursor, paint_cursors).</summary>
    bool WithCursor { get; }
    /// <summary>What to read, in output pixels.</summary>
    Rect Region { get; }
    int Stride { get; }
    /// <summary>Whether to fill it from the frame just drawn (a capture waiting for damage waits on).</summary>
    bool IsReady { get; }
    /// <summary>Reads the output image into the client's buffer and tells the client.</summary>
    void Fill(IRenderer renderer, byte[] pixels);
    /// <summary>The output went away before the capture was filled.</summary>
    void OutputGone();
}

/// <summary>Whoever reports damage to clients between captures (per manager, per session).</summary>
internal interface ICaptureDamageWatcher
{
    void AddDamage(SceneOutput output, Region damage);
}

/// <summary>
/// The link between captures and the frame loop, shared by zwlr_screencopy_manager_v1 and
/// ext_image_copy_capture_manager_v1: queued captures are filled right after their output's frame
/// is drawn; each frame's damage is added to every watcher's unseen damage.
/// </summary>
public sealed class ScreencopyService
{
    private readonly CompositorServer _server;
    private readonly List<IOutputCapture> _queued = [];
    private byte[] _pixels = [];

    public ScreencopyService(CompositorServer server)
    {
        _server = server;
        server.SceneRenderer.FrameDrawn += OnFrameDrawn;
        server.Display.CreateGlobal<ZwlrScreencopyManagerV1>(ScreencopyManager.Version, r => _ = new ScreencopyManager(this, r));
    }

    internal List<ICaptureDamageWatcher> DamageWatchers { get; } = [];

    /// <summary>Sessions and frames of ext-image-copy-capture watch outputs going away.</summary>
    internal event Action<SceneOutput>? OutputGone;

    internal void Queue(IOutputCapture frame)
    {
        _queued.Add(frame);
        frame.Output!.CapturesWaiting++;
        if (frame.WithCursor) frame.Output.CursorCapturesWaiting++;
        // A plain copy wants the current image now: ask for a frame even if nothing changed.
        frame.Output!.Output.ScheduleFrame();
    }

    internal void Cancel(IOutputCapture frame)
    {
        if (_queued.Remove(frame)) Dequeued(frame);
    }

    /// <summary>The output went away: captures waiting for its next frame fail.</summary>
    internal void OutputRemoved(SceneOutput output)
    {
        for (var i = 0; i < _queued.Count; i++)
        {
            var frame = _queued[i];
            if (frame.Output != output) continue;
            _queued.RemoveAt(i--);
            Dequeued(frame);
            frame.OutputGone();
        }
        OutputGone?.Invoke(output);
    }

    private static void Dequeued(IOutputCapture frame)
    {
        frame.Output!.CapturesWaiting--;
        if (frame.WithCursor) frame.Output.CursorCapturesWaiting--;
    }

    private void OnFrameDrawn(SceneOutput output, Region damage)
    {
        foreach (var w in DamageWatchers) w.AddDamage(output, damage);
        for (var i = 0; i < _queued.Count; i++)
        {
            var frame = _queued[i];
            if (frame.Output != output || !frame.IsReady) continue;
            _queued.RemoveAt(i--);
            Dequeued(frame);
            var need = frame.Stride * frame.Region.Height;
            if (_pixels.Length < need) _pixels = new byte[need];
            frame.Fill(_server.Renderer, _pixels);
        }
    }

    /// <summary>Reads <paramref name="region"/> of the output's last frame into a client's shm
    /// buffer of its size; false when the region no longer lies on the output (its mode changed
    /// since) or the buffer could not be written.</summary>
    internal static bool Read(IRenderer renderer, SceneOutput output, Rect region, Buffers.ClientBuffer buffer, byte[] pixels)
    {
        var o = output.Output;
        if (buffer.IsDestroyed || region.X < 0 || region.Y < 0 || region.Right > o.Width || region.Bottom > o.Height) return false;
        var stride = region.Width * 4;
        renderer.ReadPixels(o.Target, region, Backends.Fourcc.Xrgb8888, pixels, stride);
        return buffer.WriteRows(new Rect(0, 0, region.Width, region.Height), pixels.AsSpan(0, stride * region.Height), stride);
    }
}
