using Compositor.Scene;
using Compositor.Surfaces;

namespace Compositor.Seat;

/// <summary>The cursor role (wl_pointer.set_cursor): a surface drawn at the pointer, offset by its hotspot.
/// wl_surface.offset moves the hotspot, as the protocol says.</summary>
public sealed class CursorRole : IPlacedRole
{
    private readonly CompositorServer _server;
    private int _hotspotX, _hotspotY;
    private double _pointerX, _pointerY;

    internal CursorRole(CompositorServer server, Surface surface, int hotspotX, int hotspotY)
    {
        _server = server;
        Surface = surface;
        _hotspotX = hotspotX;
        _hotspotY = hotspotY;
    }

    public string Name => "wl_pointer-cursor";
    public Surface Surface { get; }
    public bool IsMapped => Surface.HasContent && _server.Scene.Cursor == this;
    public int X => (int)Math.Floor(_pointerX) - _hotspotX;
    public int Y => (int)Math.Floor(_pointerY) - _hotspotY;
    /// <summary>The pointer's place in the image.</summary>
    public int HotspotX => _hotspotX;
    public int HotspotY => _hotspotY;

    internal void SetHotspot(int x, int y)
    {
        _server.Scene.DamageSurfaceTree(Surface);
        (_hotspotX, _hotspotY) = (x, y);
        _server.Scene.DamageSurfaceTree(Surface);
    }

    internal void Moved(double x, double y)
    {
        if (Math.Floor(x) == Math.Floor(_pointerX) && Math.Floor(y) == Math.Floor(_pointerY) && IsMapped) return;
        _server.Scene.DamageSurfaceTree(Surface);
        (_pointerX, _pointerY) = (x, y);
        _server.Scene.DamageSurfaceTree(Surface);
    }

    public void Committed(Surface surface)
    {
        var s = surface.Current;
        if ((s.Changes & SurfaceChanges.Offset) != 0)
        {
            _server.Scene.DamageSurfaceTree(Surface);
            _hotspotX -= s.Dx;
            _hotspotY -= s.Dy;
            _server.Scene.DamageSurfaceTree(Surface);
        }
    }
}
