using Wayland.Protocols.Server;

namespace Compositor.Surfaces;

/// <summary>
/// wp_fractional_scale_manager_v1 and wp_fractional_scale_v1: a client learns the exact scale of
/// the outputs its surface is on (1.5 as 180/120), draws a buffer that size, and sets a
/// wp_viewport destination in layout pixels, so a 1.5x screen gets crisp pixels rather than a 2x
/// buffer scaled down. The scale is sent when the surface enters an output and when it changes.
/// Every request of both interfaces is handled here.
/// </summary>
public sealed class FractionalScale : IWpFractionalScaleV1Handler
{
    public const uint Version = 1;

    private readonly WpFractionalScaleV1 _resource;
    private readonly Surface _surface;
    private uint _sent;

    private FractionalScale(WpFractionalScaleV1 resource, Surface surface)
    {
        _resource = resource;
        _surface = surface;
        resource.Handler = this;
        resource.Destroyed += _ => { if (_surface.FractionalScale == this) _surface.FractionalScale = null; };
    }

    public static readonly ManagerHandler Manager = new();

    public sealed class ManagerHandler : IWpFractionalScaleManagerV1Handler
    {
        public void Destroy(WpFractionalScaleManagerV1 resource) { }

        public void GetFractionalScale(WpFractionalScaleManagerV1 resource, WpFractionalScaleV1 id, WlSurface wlSurface)
        {
            var surface = (Surface)wlSurface.Data!;
            if (surface.FractionalScale is not null)
            {
                resource.PostError(WpFractionalScaleManagerV1.Error.FractionalScaleExists, $"{wlSurface} already has a wp_fractional_scale_v1");
                return;
            }
            var scale = new FractionalScale(id, surface);
            surface.FractionalScale = scale;
            // A surface already on screen learns its scale at once; one not yet shown, when it enters.
            if (surface.Outputs != 0 && surface.Server.Scene.PreferredScaleOf(surface) is var s and > 0) scale.Preferred(s);
        }
    }

    /// <summary>Sends the scale (in 120ths, as the protocol counts) if it changed.</summary>
    internal void Preferred(double scale)
    {
        var value = (uint)Math.Round(scale * 120);
        if (value == _sent) return;
        _sent = value;
        _resource.SendPreferredScale(value);
    }

    public void Destroy(WpFractionalScaleV1 resource) { }
}
