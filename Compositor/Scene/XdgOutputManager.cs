using Wayland.Protocols.Server;

namespace Compositor.Scene;

/// <summary>
/// zxdg_output_manager_v1 (v3): each output's place and size in the layout, in logical pixels, for
/// clients that arrange things across outputs (grim needs it to know what to capture).
/// Every request of zxdg_output_manager_v1 and zxdg_output_v1 is handled here.
/// </summary>
public sealed class XdgOutputManager : IZxdgOutputManagerV1Handler, IZxdgOutputV1Handler
{
    public const uint Version = 3;

    public static readonly XdgOutputManager Instance = new();

    public void Destroy(ZxdgOutputManagerV1 resource) { }

    public void GetXdgOutput(ZxdgOutputManagerV1 resource, ZxdgOutputV1 id, WlOutput output)
    {
        id.Handler = this;
        // An output that went away leaves inert wl_output resources behind: nothing to describe.
        if (output.Data is not SceneOutput o) return;
        o.AddXdgOutput(id);
        var b = o.Bounds;
        id.SendLogicalPosition(b.X, b.Y);
        id.SendLogicalSize(b.Width, b.Height);
        id.SendName(o.Output.Name);
        id.SendDescription(o.Output.Description);
        // Since version 3 the batch ends with wl_output.done instead of zxdg_output_v1.done.
        if (id.Version >= 3) output.SendDone();
        else id.SendDone();
    }

    public void Destroy(ZxdgOutputV1 resource) { }
}
