using Wayland.Protocols.Server;

namespace Compositor.Surfaces;

/// <summary>wl_subcompositor: turns surfaces into subsurfaces.</summary>
public sealed class SubcompositorGlobal : IWlSubcompositorHandler
{
    public const uint Version = 1;
    public static readonly SubcompositorGlobal Handler = new();

    public void Destroy(WlSubcompositor resource) { }

    public void GetSubsurface(WlSubcompositor resource, WlSubsurface id, WlSurface surface, WlSurface parent) =>
        Subsurface.Create(resource, id, (Surface)surface.Data!, (Surface)parent.Data!);
}
