using Compositor.Backends;
using Compositor.Buffers;
using Compositor.Scene;
using Compositor.Screencopy;
using Wayland.Protocols.Server;

namespace Compositor.ImageCopyCapture;

/// <summary>
/// ext_image_copy_capture_frame_v1: a buffer attached, its damage declared, one capture, answered
/// with transform, damage, presentation_time and ready, or failed with a reason.
/// ext_image_copy_capture_frame_v1 requests are handled here.
/// </summary>
internal sealed class CaptureFrame : IExtImageCopyCaptureFrameV1Handler, IOutputCapture
{
    private readonly ScreencopyService _service;
    private readonly CaptureSession _session;
    private WlBuffer? _attached;
    private ClientBuffer? _buffer;
    private bool _captured;

    public CaptureFrame(ScreencopyService service, CaptureSession session, ExtImageCopyCaptureFrameV1 resource)
    {
        _service = service;
        _session = session;
        Resource = resource;
        resource.Handler = this;
        resource.Destroyed += _ => service.Cancel(this);
    }

    public ExtImageCopyCaptureFrameV1 Resource { get; }
    public SceneOutput? Output { get; private set; }
    public bool WithCursor => _session.WithCursor;
    public Rect Region { get; private set; }
    public int Stride => Region.Width * 4;

    public void Destroy(ExtImageCopyCaptureFrameV1 resource) { }

    public void AttachBuffer(ExtImageCopyCaptureFrameV1 resource, WlBuffer buffer)
    {
        if (_captured)
        {
            resource.PostError(ExtImageCopyCaptureFrameV1.Error.AlreadyCaptured, "attach_buffer after capture");
            return;
        }
        _attached = buffer;
    }

    public void DamageBuffer(ExtImageCopyCaptureFrameV1 resource, int x, int y, int width, int height)
    {
        if (_captured)
        {
            resource.PostError(ExtImageCopyCaptureFrameV1.Error.AlreadyCaptured, "damage_buffer after capture");
            return;
        }
        if (x < 0 || y < 0 || width <= 0 || height <= 0)
        {
            resource.PostError(ExtImageCopyCaptureFrameV1.Error.InvalidBufferDamage, $"damage {x},{y} {width}x{height} is not a rectangle in the buffer");
            return;
        }
        // The whole buffer is written at every capture, so the client's own damage changes nothing.
    }

    public void Capture(ExtImageCopyCaptureFrameV1 resource)
    {
        if (_captured)
        {
            resource.PostError(ExtImageCopyCaptureFrameV1.Error.AlreadyCaptured, "capture was already sent");
            return;
        }
        if (_attached is null || _attached.IsDestroyed)
        {
            resource.PostError(ExtImageCopyCaptureFrameV1.Error.NoBuffer, _attached is null ? "capture without attach_buffer" : "the attached buffer was destroyed");
            return;
        }
        _captured = true;
        if (_session.Output is not { } output)
        {
            resource.SendFailed(ExtImageCopyCaptureFrameV1.FailureReason.Stopped);
            return;
        }
        // The output's size changed since the constraints were sent: new ones, and this buffer no longer fits.
        if (_session.Size != (output.Output.Width, output.Output.Height)) _session.SendConstraints();
        var (w, h) = _session.Size;
        var buffer = ClientBuffer.From(_attached);
        if (buffer is null || buffer.Stride == 0 || Fourcc.ToWlShm(buffer.Fourcc) != (uint)WlShm.Format.Xrgb8888
            || buffer.Width != w || buffer.Height != h || buffer.Stride < w * 4)
        {
            resource.SendFailed(ExtImageCopyCaptureFrameV1.FailureReason.BufferConstraints);
            return;
        }
        _buffer = buffer;
        Output = output;
        Region = new Rect(0, 0, w, h);
        _service.Queue(this);
    }

    /// <summary>The session's first frame is copied at once; later ones when the output changed
    /// (or when the session is gone and nothing would tell the frame of damage any more).</summary>
    public bool IsReady => !_session.HadReady || !_session.Unseen.IsEmpty || _session.Resource.IsDestroyed;

    public void OutputGone()
    {
        if (!Resource.IsDestroyed) Resource.SendFailed(ExtImageCopyCaptureFrameV1.FailureReason.Stopped);
    }

    public void Fill(IRenderer renderer, byte[] pixels)
    {
        if (Resource.IsDestroyed) return;
        if (!ScreencopyService.Read(renderer, Output!, Region, _buffer!, pixels))
        {
            Resource.SendFailed(_buffer!.IsDestroyed ? ExtImageCopyCaptureFrameV1.FailureReason.Unknown : ExtImageCopyCaptureFrameV1.FailureReason.BufferConstraints);
            return;
        }
        // The framebuffer holds the picture already turned for the output: that is the transform applied.
        Resource.SendTransform((WlOutput.Transform)Output!.Transform);
        var unseen = _session.Unseen;
        if (!_session.HadReady) unseen.Set(Region);
        foreach (var r in unseen.Rects)
        {
            var d = r.Intersect(Region);
            if (!d.IsEmpty) Resource.SendDamage(d.X, d.Y, d.Width, d.Height);
        }
        unseen.Clear();
        _session.HadReady = true;
        var ns = MonotonicClock.Nanoseconds;
        var seconds = (ulong)(ns / 1_000_000_000);
        Resource.SendPresentationTime((uint)(seconds >> 32), (uint)seconds, (uint)(ns % 1_000_000_000));
        Resource.SendReady();
    }
}
