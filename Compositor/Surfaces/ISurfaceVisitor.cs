namespace Compositor.Surfaces;

/// <summary>What <see cref="SurfaceTree.Walk"/> does at each surface of a tree. Implemented by
/// structs, so a walk is specialized for its visitor and allocates nothing.</summary>
public interface ISurfaceVisitor
{
    /// <param name="x">The surface's origin in the coordinates the walk started in.</param>
    /// <param name="mapped">False for a subsurface hidden because it or a subsurface above it in the
    /// tree has no content; those are visited only when the walk asks for them.</param>
    /// <returns>False to end the walk here.</returns>
    bool Visit(Surface surface, int x, int y, bool mapped);
}
