using Compositor.Backends;
using Compositor.Scene;
using Compositor.Screencopy;
using Wayland.Protocols.Server;

namespace Compositor.ImageCopyCapture;

/// <summary>
/// ext_image_copy_capture_session_v1 of an output: its buffer constraints (the output's size in
/// pixels, XRGB8888 shm; no DMA-BUF, as the capture is a read-back), one frame at a time, the
/// output's damage since the last ready, and stopped when the output goes.
/// ext_image_copy_capture_session_v1 requests are handled here.
/// </summary>
internal sealed class CaptureSession : IExtImageCopyCaptureSessionV1Handler, ICaptureDamageWatcher
{
    private readonly ScreencopyService _service;
    private readonly Region _unseen = new();
    private CaptureFrame? _frame;

    public CaptureSession(ScreencopyService service, ExtImageCopyCaptureSessionV1 resource, SceneOutput? output, bool withCursor)
    {
        _service = service;
        Resource = resource;
        Output = output;
        WithCursor = withCursor;
        resource.Handler = this;
        if (output is null)
        {
            Stop();
            return;
        }
        _unseen.Set(new Rect(0, 0, output.Output.Width, output.Output.Height));
        service.DamageWatchers.Add(this);
        service.OutputGone += OnOutputGone;
        resource.Destroyed += _ => Forget();
        SendConstraints();
    }

    public ExtImageCopyCaptureSessionV1 Resource { get; }
    /// <summary>The output captured; null once stopped.</summary>
    public SceneOutput? Output { get; private set; }
    public bool WithCursor { get; }
    /// <summary>The size last announced with buffer_size.</summary>
    public (int Width, int Height) Size { get; private set; }
    /// <summary>Until a frame is ready, captures go at once; afterwards they wait for damage.</summary>
    public bool HadReady { get; set; }
    public Region Unseen => _unseen;

    /// <summary>buffer_size, shm_format, done; again whenever the output's size is no longer the one sent.</summary>
    internal void SendConstraints()
    {
        var o = Output!.Output;
        Size = (o.Width, o.Height);
        Resource.SendBufferSize((uint)o.Width, (uint)o.Height);
        Resource.SendShmFormat(WlShm.Format.Xrgb8888);
        Resource.SendDone();
    }

    public void CreateFrame(ExtImageCopyCaptureSessionV1 resource, ExtImageCopyCaptureFrameV1 frame)
    {
        if (_frame is not null)
        {
            resource.PostError(ExtImageCopyCaptureSessionV1.Error.DuplicateFrame, "the session's previous frame was not destroyed");
            return;
        }
        _frame = new CaptureFrame(_service, this, frame);
        frame.Destroyed += _ => _frame = null;
    }

    public void Destroy(ExtImageCopyCaptureSessionV1 resource) { }

    public void AddDamage(SceneOutput output, Region damage)
    {
        if (output == Output) _unseen.Add(damage);
    }

    private void OnOutputGone(SceneOutput output)
    {
        if (output == Output) Stop();
    }

    private void Stop()
    {
        Forget();
        Output = null;
        if (!Resource.IsDestroyed) Resource.SendStopped();
    }

    private void Forget()
    {
        _service.DamageWatchers.Remove(this);
        _service.OutputGone -= OnOutputGone;
    }
}
