using Wayland.Protocols.Server;

namespace Compositor.Surfaces;

/// <summary>wl_compositor: creates surfaces and regions.</summary>
public sealed class CompositorGlobal(CompositorServer server) : IWlCompositorHandler
{
    public const uint Version = 6;

    public void CreateSurface(WlCompositor resource, WlSurface id) => server.AddSurface(new Surface(server, id));

    public void CreateRegion(WlCompositor resource, WlRegion id) => RegionResource.Create(id);
}
