using Compositor.Backends;
using Compositor.Scene;
using Wayland.Protocols.Server;

namespace Compositor.Screencopy;

/// <summary>
/// Screencopy's link to the frame loop: queued captures are filled right after an output's frame is
/// drawn; each frame's damage is added to every client's unseen damage for copy_with_damage.
/// </summary>
public sealed class ScreencopyService
{
    private readonly CompositorServer _server;
    private readonly List<ScreencopyFrame> _queued = [];
    private byte[] _pixels = [];

    public ScreencopyService(CompositorServer server)
    {
        _server = server;
        server.SceneRenderer.FrameDrawn += OnFrameDrawn;
        server.Display.CreateGlobal<ZwlrScreencopyManagerV1>(ScreencopyManager.Version, r => _ = new ScreencopyManager(this, r));
    }

    internal List<ScreencopyManager> Managers { get; } = [];

    internal void Queue(ScreencopyFrame frame)
    {
        _queued.Add(frame);
        frame.Output!.CapturesWaiting++;
        if (frame.WithCursor) frame.Output.CursorCapturesWaiting++;
        // A plain copy wants the current image now: ask for a frame even if nothing changed.
        frame.Output!.Output.ScheduleFrame();
    }

    internal void Cancel(ScreencopyFrame frame)
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
            if (!frame.Resource.IsDestroyed) frame.Resource.SendFailed();
        }
    }

    private static void Dequeued(ScreencopyFrame frame)
    {
        frame.Output!.CapturesWaiting--;
        if (frame.WithCursor) frame.Output.CursorCapturesWaiting--;
    }

    private void OnFrameDrawn(SceneOutput output, Region damage)
    {
        foreach (var m in Managers) m.AddDamage(output, damage);
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
}
