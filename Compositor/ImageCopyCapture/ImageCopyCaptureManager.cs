using Compositor.Scene;
using Compositor.Screencopy;
using Wayland.Protocols.Server;

namespace Compositor.ImageCopyCapture;

/// <summary>
/// ext_image_copy_capture_manager_v1 and ext_output_image_capture_source_manager_v1: the newer
/// capture protocol beside wlr-screencopy, over the same machinery (<see cref="ScreencopyService"/>:
/// captures queued for an output's next frame, its damage, the cursor composited when asked).
/// Sources are outputs only. Requests of both managers, of ext_image_capture_source_v1 and of
/// ext_image_copy_capture_cursor_session_v1 are handled here.
/// </summary>
public sealed class ImageCopyCaptureManager : IExtImageCopyCaptureManagerV1Handler, IExtOutputImageCaptureSourceManagerV1Handler,
    IExtImageCaptureSourceV1Handler
{
    public const uint Version = 1;
    public const uint SourceManagerVersion = 1;

    private readonly ScreencopyService _service;

    public ImageCopyCaptureManager(Wayland.Server.Display display, ScreencopyService service)
    {
        _service = service;
        display.CreateGlobal<ExtImageCopyCaptureManagerV1>(Version, r => r.Handler = this);
        display.CreateGlobal<ExtOutputImageCaptureSourceManagerV1>(SourceManagerVersion, r => r.Handler = this);
    }

    // ---- ext_output_image_capture_source_manager_v1, ext_image_capture_source_v1 ----

    public void CreateSource(ExtOutputImageCaptureSourceManagerV1 resource, ExtImageCaptureSourceV1 source, WlOutput output)
    {
        source.Handler = this;
        // An output already gone leaves an inert wl_output: its source captures nothing (sessions stop at once).
        source.Data = new OutputSource(output.Data as SceneOutput);
    }

    public void Destroy(ExtOutputImageCaptureSourceManagerV1 resource) { }

    /// <summary>Sessions made from a source keep working after it is destroyed.</summary>
    public void Destroy(ExtImageCaptureSourceV1 resource) { }

    internal sealed record OutputSource(SceneOutput? Output);

    // ---- ext_image_copy_capture_manager_v1 ----

    public void CreateSession(ExtImageCopyCaptureManagerV1 resource, ExtImageCopyCaptureSessionV1 session, ExtImageCaptureSourceV1 source,
        ExtImageCopyCaptureManagerV1.Options options)
    {
        if (((uint)options & ~(uint)ExtImageCopyCaptureManagerV1.Options.PaintCursors) != 0)
        {
            resource.PostError(ExtImageCopyCaptureManagerV1.Error.InvalidOption, $"options {(uint)options:x} has bits no option has");
            return;
        }
        var output = (source.Data as OutputSource)?.Output;
        _ = new CaptureSession(_service, session, output, (options & ExtImageCopyCaptureManagerV1.Options.PaintCursors) != 0);
    }

    public void CreatePointerCursorSession(ExtImageCopyCaptureManagerV1 resource, ExtImageCopyCaptureCursorSessionV1 session,
        ExtImageCaptureSourceV1 source, WlPointer pointer) => session.Handler = new CursorSession(_service);

    public void Destroy(ExtImageCopyCaptureManagerV1 resource) { }

    /// <summary>A cursor session: the cursor is not captured on its own (it is only composited into
    /// output captures with paint_cursors), so it never enters and its capture session is stopped
    /// at once. A client sees a cursor that never shows, not an error.</summary>
    private sealed class CursorSession(ScreencopyService service) : IExtImageCopyCaptureCursorSessionV1Handler
    {
        private bool _gotSession;

        public void Destroy(ExtImageCopyCaptureCursorSessionV1 resource) { }

        public void GetCaptureSession(ExtImageCopyCaptureCursorSessionV1 resource, ExtImageCopyCaptureSessionV1 session)
        {
            if (_gotSession)
            {
                resource.PostError(ExtImageCopyCaptureCursorSessionV1.Error.DuplicateSession, "get_capture_session was already sent");
                return;
            }
            _gotSession = true;
            _ = new CaptureSession(service, session, output: null, withCursor: false);
        }
    }
}
