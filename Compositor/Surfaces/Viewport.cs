using Compositor.Backends;
using Wayland.Protocols.Server;
using Wayland.Wire;

namespace Compositor.Surfaces;

/// <summary>
/// wp_viewporter and wp_viewport: crop (source) and scale (destination) a surface. Requests are
/// double-buffered through the surface's state; the checks that need the buffer run at commit
/// (<see cref="Validate"/>). Every wp_viewport request is handled here.
/// </summary>
public sealed class Viewport : IWpViewportHandler
{
    public const uint Version = 1;

    private Surface? _surface;

    private Viewport(WpViewport resource, Surface surface)
    {
        Resource = resource;
        _surface = surface;
        resource.Handler = this;
        surface.Viewport = this;
        surface.Destroyed += _ => _surface = null;
        resource.Destroyed += _ => OnDestroyed();
    }

    public WpViewport Resource { get; }

    public static readonly ViewporterHandler Manager = new();

    public sealed class ViewporterHandler : IWpViewporterHandler
    {
        public void Destroy(WpViewporter resource) { }

        public void GetViewport(WpViewporter resource, WpViewport id, WlSurface surface)
        {
            var s = (Surface)surface.Data!;
            if (s.Viewport is not null)
            {
                resource.PostError(WpViewporter.Error.ViewportExists, $"{surface} already has a wp_viewport");
                return;
            }
            _ = new Viewport(id, s);
        }
    }

    public void Destroy(WpViewport resource) { }

    public void SetSource(WpViewport resource, Fixed x, Fixed y, Fixed width, Fixed height)
    {
        if (!CheckSurface(resource)) return;
        var (dx, dy, dw, dh) = (x.ToDouble(), y.ToDouble(), width.ToDouble(), height.ToDouble());
        var unset = dx == -1 && dy == -1 && dw == -1 && dh == -1;
        if (!unset && (dx < 0 || dy < 0 || dw <= 0 || dh <= 0))
        {
            resource.PostError(WpViewport.Error.BadValue, $"source rectangle {dw}x{dh}+{dx}+{dy} is invalid");
            return;
        }
        _surface!.Pending.ViewportSource = unset ? new RectF(-1, -1, -1, -1) : new RectF(dx, dy, dw, dh);
        _surface.Pending.Changes |= SurfaceChanges.ViewportSource;
    }

    public void SetDestination(WpViewport resource, int width, int height)
    {
        if (!CheckSurface(resource)) return;
        var unset = width == -1 && height == -1;
        if (!unset && (width <= 0 || height <= 0))
        {
            resource.PostError(WpViewport.Error.BadValue, $"destination size {width}x{height} is invalid");
            return;
        }
        _surface!.Pending.ViewportWidth = unset ? -1 : width;
        _surface.Pending.ViewportHeight = unset ? -1 : height;
        _surface.Pending.Changes |= SurfaceChanges.ViewportDestination;
    }

    private bool CheckSurface(WpViewport resource)
    {
        if (_surface is not null) return true;
        resource.PostError(WpViewport.Error.NoSurface, "the wl_surface of this wp_viewport was destroyed");
        return false;
    }

    /// <summary>Commit-time checks against the buffer, in surface coordinates.</summary>
    internal bool Validate(Surface surface, int surfaceWidth, int surfaceHeight)
    {
        var s = surface.Current;
        if (s.ViewportWidth < 0 && s.ViewportSource.Width >= 0
            && (s.ViewportSource.Width != Math.Floor(s.ViewportSource.Width) || s.ViewportSource.Height != Math.Floor(s.ViewportSource.Height)))
        {
            Resource.PostError(WpViewport.Error.BadSize, $"source size {s.ViewportSource.Width}x{s.ViewportSource.Height} is not an integer and no destination is set");
            return false;
        }
        if (surface.HasContent && s.ViewportSource.Width >= 0
            && (s.ViewportSource.X + s.ViewportSource.Width > surfaceWidth || s.ViewportSource.Y + s.ViewportSource.Height > surfaceHeight))
        {
            Resource.PostError(WpViewport.Error.OutOfBuffer,
                $"source rectangle {s.ViewportSource.Width}x{s.ViewportSource.Height}+{s.ViewportSource.X}+{s.ViewportSource.Y} extends outside the {surfaceWidth}x{surfaceHeight} buffer");
            return false;
        }
        return true;
    }

    private void OnDestroyed()
    {
        // Destroying the viewport removes its effect with the surface's next commit.
        if (_surface is null) return;
        _surface.Viewport = null;
        _surface.Pending.ViewportSource = new RectF(-1, -1, -1, -1);
        _surface.Pending.ViewportWidth = _surface.Pending.ViewportHeight = -1;
        _surface.Pending.Changes |= SurfaceChanges.ViewportSource | SurfaceChanges.ViewportDestination;
    }
}
