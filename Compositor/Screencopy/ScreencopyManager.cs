using Compositor.Backends;
using Compositor.Scene;
using Wayland.Protocols.Server;

namespace Compositor.Screencopy;

/// <summary>
/// zwlr_screencopy_manager_v1 (what grim uses): one instance per bound manager resource, keeping the
/// damage each output accumulated since this client's last copy so copy_with_damage can wait for
/// change and report it. zwlr_screencopy_manager_v1 requests are handled here.
/// </summary>
public sealed class ScreencopyManager : IZwlrScreencopyManagerV1Handler, ICaptureDamageWatcher
{
    public const uint Version = 3;

    private readonly ScreencopyService _service;
    private readonly Dictionary<SceneOutput, Region> _unseenDamage = [];

    public ScreencopyManager(ScreencopyService service, ZwlrScreencopyManagerV1 resource)
    {
        _service = service;
        resource.Handler = this;
        service.DamageWatchers.Add(this);
        resource.Destroyed += _ => service.DamageWatchers.Remove(this);
    }

    public void CaptureOutput(ZwlrScreencopyManagerV1 resource, ZwlrScreencopyFrameV1 frame, int overlayCursor, WlOutput output)
    {
        var o = output.Data as SceneOutput;
        Start(frame, o, o is null ? default : new Rect(0, 0, o.Output.Width, o.Output.Height), overlayCursor != 0);
    }

    public void CaptureOutputRegion(ZwlrScreencopyManagerV1 resource, ZwlrScreencopyFrameV1 frame, int overlayCursor, WlOutput output,
        int x, int y, int width, int height)
    {
        var o = output.Data as SceneOutput;
        // The region is in layout coordinates relative to the output; clipped to it, in output pixels.
        var region = o is null ? default
            : o.ToPixels(new Rect(o.X + x, o.Y + y, width, height)).Intersect(new Rect(0, 0, o.Output.Width, o.Output.Height));
        Start(frame, o, region, overlayCursor != 0);
    }

    private void Start(ZwlrScreencopyFrameV1 resource, SceneOutput? output, Rect region, bool withCursor)
    {
        var frame = new ScreencopyFrame(_service, this, resource, output, region) { WithCursor = withCursor };
        frame.Announce();
    }

    public void Destroy(ZwlrScreencopyManagerV1 resource) { }

    /// <summary>Damage of <paramref name="output"/> this client has not been told about yet.</summary>
    internal Region UnseenDamage(SceneOutput output)
    {
        if (!_unseenDamage.TryGetValue(output, out var region))
        {
            // A client's first copy of an output reports all of it as damaged.
            region = new Region();
            region.Set(new Rect(0, 0, output.Output.Width, output.Output.Height));
            _unseenDamage[output] = region;
        }
        return region;
    }

    public void AddDamage(SceneOutput output, Region damage)
    {
        if (_unseenDamage.TryGetValue(output, out var region)) region.Add(damage);
    }
}
