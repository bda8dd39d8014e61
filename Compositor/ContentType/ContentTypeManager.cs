using Compositor.Surfaces;
using Wayland.Protocols.Server;

namespace Compositor.ContentType;

/// <summary>
/// wp_content_type_manager_v1 and wp_content_type_v1: a client says what its surface shows (photo,
/// video, game). The value is double-buffered surface state: it applies on the surface's commit and
/// is then <c>Surface.Current.ContentType</c>, for a backend that picks display settings by it.
/// Destroying the object sets it back to none, also on the next commit. A surface has one such
/// object at a time (already_constructed). Requests of both interfaces are handled here.
/// </summary>
public sealed class ContentTypeManager : IWpContentTypeManagerV1Handler
{
    public const uint Version = 1;

    private readonly HashSet<Surface> _constructed = [];
    private readonly Serilog.ILogger _log;

    public ContentTypeManager(Wayland.Server.Display display, Serilog.ILogger log)
    {
        _log = log;
        display.CreateGlobal<WpContentTypeManagerV1>(Version, r => r.Handler = this);
    }

    public void Destroy(WpContentTypeManagerV1 resource) { }

    public void GetSurfaceContentType(WpContentTypeManagerV1 resource, WpContentTypeV1 id, WlSurface surface)
    {
        var s = (Surface)surface.Data!;
        if (!_constructed.Add(s))
        {
            resource.PostError(WpContentTypeManagerV1.Error.AlreadyConstructed, $"{surface} already has a wp_content_type_v1");
            return;
        }
        var handler = new ContentTypeObject(s, _log);
        id.Handler = handler;
        void Forget(Surface _) => _constructed.Remove(s);
        s.Destroyed += Forget;
        id.Destroyed += _ =>
        {
            s.Destroyed -= Forget;
            if (!_constructed.Remove(s) || s.IsDestroyed) return;
            s.Pending.ContentType = WpContentTypeV1.Type.None;
            s.Pending.Changes |= SurfaceChanges.ContentType;
        };
    }

    private sealed class ContentTypeObject(Surface surface, Serilog.ILogger log) : IWpContentTypeV1Handler
    {
        public void Destroy(WpContentTypeV1 resource) { }

        public void SetContentType(WpContentTypeV1 resource, WpContentTypeV1.Type contentType)
        {
            if (surface.IsDestroyed) return;
            if (contentType > WpContentTypeV1.Type.Game)
            {
                // The protocol names no error for a value outside its enum: ignored, as wlroots does not check either.
                log.Debug("{Resource}: content type {Value} is not in the enum; ignored", resource, (uint)contentType);
                return;
            }
            surface.Pending.ContentType = contentType;
            surface.Pending.Changes |= SurfaceChanges.ContentType;
        }
    }
}
