using Compositor.Surfaces;
using Wayland.Protocols.Server;
using Wayland.Wire;

namespace Compositor.Seat;

/// <summary>
/// wl_touch: each touch point belongs, from its down to its up, to the surface it went down on
/// (its motion is reported relative to that surface even outside it, as the protocol says), and
/// events of one hardware frame are closed by one frame event per client. A surface that goes away
/// takes its points with it: nothing more is sent for them. wl_touch requests are handled here.
/// </summary>
public sealed class Touch : IWlTouchHandler
{
    private readonly CompositorServer _server;
    private readonly List<WlTouch> _resources = [];
    private readonly List<Point> _points = [];
    // Clients sent something since the last frame (few: one list, no allocation per event).
    private readonly List<Wayland.Server.Client> _pendingFrame = [];

    private sealed class Point(int id, Surface surface, double originX, double originY)
    {
        public int Id { get; } = id;
        public Surface Surface { get; } = surface;
        /// <summary>Where the surface's origin was in the layout at the down: motion is relative to it.</summary>
        public double OriginX { get; } = originX;
        public double OriginY { get; } = originY;
    }

    internal Touch(CompositorServer server) => _server = server;

    /// <summary>Touch points down now.</summary>
    public int PointsDown => _points.Count;

    internal void Add(WlTouch resource)
    {
        resource.Handler = this;
        _resources.Add(resource);
        resource.Destroyed += r => _resources.Remove((WlTouch)r);
    }

    /// <summary>A point went down at a layout position: the surface under it gets it, if any.</summary>
    internal void Down(uint timeMs, int id, double x, double y)
    {
        if (Find(id) is not null) return; // a second down for a point already down: the device is confused
        var surface = _server.Scene.SurfaceAt(x, y, out var sx, out var sy, out _);
        if (surface is null) return;
        var point = new Point(id, surface, x - sx, y - sy);
        _points.Add(point);
        surface.Destroyed += OnSurfaceDestroyed;
        var serial = _server.Display.NextSerial();
        foreach (var r in _resources)
            if (r.Client == surface.Resource.Client) r.SendDown(serial, timeMs, surface.Resource, id, Fixed.FromDouble(sx), Fixed.FromDouble(sy));
        Pending(surface.Resource.Client);
    }

    internal void Motion(uint timeMs, int id, double x, double y)
    {
        if (Find(id) is not { } point) return;
        foreach (var r in _resources)
            if (r.Client == point.Surface.Resource.Client) r.SendMotion(timeMs, id, Fixed.FromDouble(x - point.OriginX), Fixed.FromDouble(y - point.OriginY));
        Pending(point.Surface.Resource.Client);
    }

    internal void Up(uint timeMs, int id)
    {
        if (Find(id) is not { } point) return;
        Remove(point);
        var serial = _server.Display.NextSerial();
        foreach (var r in _resources)
            if (r.Client == point.Surface.Resource.Client) r.SendUp(serial, timeMs, id);
        Pending(point.Surface.Resource.Client);
    }

    /// <summary>The end of a group of touch events: each client that got some hears frame.</summary>
    internal void Frame()
    {
        foreach (var client in _pendingFrame)
            foreach (var r in _resources)
                if (r.Client == client) r.SendFrame();
        _pendingFrame.Clear();
    }

    /// <summary>The touch session is taken from the clients (a gesture of ours, the device gone):
    /// every client with points down hears cancel, and the points are forgotten.</summary>
    internal void Cancel()
    {
        // Cancel ends the frame being built too (it needs no frame); the list then holds the
        // clients told, one cancel each.
        _pendingFrame.Clear();
        foreach (var point in _points.ToArray())
        {
            Remove(point);
            if (_pendingFrame.Contains(point.Surface.Resource.Client)) continue;
            _pendingFrame.Add(point.Surface.Resource.Client);
            foreach (var r in _resources)
                if (r.Client == point.Surface.Resource.Client) r.SendCancel();
        }
        _pendingFrame.Clear();
    }

    private Point? Find(int id)
    {
        foreach (var p in _points)
            if (p.Id == id) return p;
        return null;
    }

    private void Remove(Point point)
    {
        _points.Remove(point);
        if (Find(point.Surface) is null) point.Surface.Destroyed -= OnSurfaceDestroyed;
    }

    private Point? Find(Surface s)
    {
        foreach (var p in _points)
            if (p.Surface == s) return p;
        return null;
    }

    private void Pending(Wayland.Server.Client client)
    {
        if (!_pendingFrame.Contains(client)) _pendingFrame.Add(client);
    }

    private void OnSurfaceDestroyed(Surface s) => _points.RemoveAll(p => p.Surface == s);

    public void Release(WlTouch resource) { }
}
