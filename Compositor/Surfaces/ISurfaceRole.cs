namespace Compositor.Surfaces;

/// <summary>
/// What a surface is for: a subsurface, an xdg toplevel or popup, a cursor, a drag icon. A surface
/// gets one role for life (wl_surface's rule); the role object may be destroyed and recreated of the
/// same kind.
/// </summary>
public interface ISurfaceRole
{
    /// <summary>The role's protocol name for error messages ("wl_subsurface", "xdg_toplevel", …).</summary>
    string Name { get; }

    /// <summary>The role has a protocol object (wl_subsurface, xdg_surface) that must be destroyed
    /// before the wl_surface; destroying the surface first is wl_surface.defunct_role_object.</summary>
    bool HasRoleObject => false;

    /// <summary>Whether a commit should go to the cached state instead (synchronized subsurfaces).</summary>
    bool IsSynchronized => false;

    /// <summary>Runs when wl_surface.attach names a buffer; may post a protocol error.</summary>
    void Attaching(Surface surface) { }

    /// <summary>Runs before the committed state becomes current; may post a protocol error and return false.</summary>
    bool PreCommit(Surface surface) => true;

    /// <summary>Runs after the committed state became current.</summary>
    void Committed(Surface surface);
}
