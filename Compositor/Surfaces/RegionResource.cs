using Compositor.Backends;
using Compositor.Scene;
using Wayland.Protocols.Server;

namespace Compositor.Surfaces;

/// <summary>wl_region requests: the region lives in <c>WlRegion.Data</c> as a <see cref="Region"/>.</summary>
public sealed class RegionResource : IWlRegionHandler
{
    public static readonly RegionResource Handler = new();

    public static void Create(WlRegion resource)
    {
        resource.Data = new Region();
        resource.Handler = Handler;
    }

    public void Destroy(WlRegion resource) { }

    public void Add(WlRegion resource, int x, int y, int width, int height) =>
        ((Region)resource.Data!).Add(new Rect(x, y, width, height));

    public void Subtract(WlRegion resource, int x, int y, int width, int height) =>
        ((Region)resource.Data!).Subtract(new Rect(x, y, width, height));
}
