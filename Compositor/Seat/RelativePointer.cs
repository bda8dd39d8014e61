using Wayland.Protocols.Server;
using Wayland.Wire;

namespace Compositor.Seat;

/// <summary>
/// zwp_relative_pointer_manager_v1 and zwp_relative_pointer_v1: the mouse's own motion, accelerated
/// and not, unclipped by the screen's edges and sent even while a lock holds the cursor still (what
/// games and pointer-lock in browsers turn the view with). Relative motion goes to the client with
/// pointer focus, in the same wl_pointer frame as its other pointer events. Both interfaces' requests
/// are handled here.
/// </summary>
public sealed class RelativePointer : IZwpRelativePointerManagerV1Handler, IZwpRelativePointerV1Handler
{
    public const uint Version = 1;

    private readonly List<ZwpRelativePointerV1> _resources = [];

    public RelativePointer(Wayland.Server.Display display) =>
        display.CreateGlobal<ZwpRelativePointerManagerV1>(Version, r => r.Handler = this);

    public void Destroy(ZwpRelativePointerManagerV1 resource) { }

    public void GetRelativePointer(ZwpRelativePointerManagerV1 resource, ZwpRelativePointerV1 id, WlPointer pointer)
    {
        id.Handler = this;
        _resources.Add(id);
        id.Destroyed += r => _resources.Remove((ZwpRelativePointerV1)r);
    }

    public void Destroy(ZwpRelativePointerV1 resource) { }

    /// <summary>Sends one motion to every relative pointer of <paramref name="client"/>; false when it has none.</summary>
    internal bool Send(Wayland.Server.Client client, ulong timeUs, double dx, double dy, double dxUnaccel, double dyUnaccel)
    {
        var sent = false;
        foreach (var r in _resources)
        {
            if (r.Client != client) continue;
            r.SendRelativeMotion((uint)(timeUs >> 32), (uint)timeUs, Fixed.FromDouble(dx), Fixed.FromDouble(dy),
                Fixed.FromDouble(dxUnaccel), Fixed.FromDouble(dyUnaccel));
            sent = true;
        }
        return sent;
    }
}
