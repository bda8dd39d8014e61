using Compositor.Backends;
using Compositor.Buffers;
using Compositor.Scene;
using Wayland.Protocols.Server;

namespace Compositor.Screencopy;

/// <summary>
/// One capture (zwlr_screencopy_frame_v1): announces the shm buffer it needs, takes the client's
/// buffer with copy or copy_with_damage, and is filled when the output next completes a frame.
/// zwlr_screencopy_frame_v1 requests are handled here.
/// </summary>
public sealed class ScreencopyFrame : IZwlrScreencopyFrameV1Handler, IOutputCapture
{
    /// <summary>We hand out XRGB8888: what the renderer reads back cheaply and what grim expects.</summary>
    public const uint ShmFormat = 1; // wl_shm.format.xrgb8888

    private readonly ScreencopyService _service;
    private readonly ScreencopyManager _manager;
    private bool _used;

    internal ScreencopyFrame(ScreencopyService service, ScreencopyManager manager, ZwlrScreencopyFrameV1 resource, SceneOutput? output, Rect region)
    {
        _service = service;
        _manager = manager;
        Resource = resource;
        Output = output;
        Region = region;
        resource.Handler = this;
        resource.Destroyed += _ => service.Cancel(this);
    }

    public ZwlrScreencopyFrameV1 Resource { get; }
    public SceneOutput? Output { get; }
    /// <summary>overlay_cursor: the client wants the pointer in the image.</summary>
    public bool WithCursor { get; init; }
    /// <summary>What to capture, in output pixels.</summary>
    public Rect Region { get; }
    public int Stride => Region.Width * 4;
    public ClientBuffer? Buffer { get; private set; }
    public bool WithDamage { get; private set; }

    internal void Announce()
    {
        if (Output is null || Region.IsEmpty)
        {
            // The output went away or the region misses it: nothing to capture.
            Resource.SendFailed();
            return;
        }
        Resource.SendBuffer((WlShm.Format)ShmFormat, (uint)Region.Width, (uint)Region.Height, (uint)Stride);
        Resource.SendBufferDone();
    }

    public void Copy(ZwlrScreencopyFrameV1 resource, WlBuffer buffer) => Request(resource, buffer, withDamage: false);

    public void CopyWithDamage(ZwlrScreencopyFrameV1 resource, WlBuffer buffer) => Request(resource, buffer, withDamage: true);

    private void Request(ZwlrScreencopyFrameV1 resource, WlBuffer wlBuffer, bool withDamage)
    {
        if (_used)
        {
            resource.PostError(ZwlrScreencopyFrameV1.Error.AlreadyUsed, "this frame was already copied");
            return;
        }
        _used = true;
        var buffer = ClientBuffer.From(wlBuffer);
        if (buffer is null || buffer.Stride == 0 || Backends.Fourcc.ToWlShm(buffer.Fourcc) != ShmFormat
            || buffer.Width != Region.Width || buffer.Height != Region.Height || buffer.Stride < Stride)
        {
            resource.PostError(ZwlrScreencopyFrameV1.Error.InvalidBuffer,
                $"buffer must be a wl_shm XRGB8888 buffer of {Region.Width}x{Region.Height} with stride >= {Stride}");
            return;
        }
        if (Output is null)
        {
            resource.SendFailed();
            return;
        }
        Buffer = buffer;
        WithDamage = withDamage;
        _service.Queue(this);
    }

    public void Destroy(ZwlrScreencopyFrameV1 resource) { }

    /// <summary>Whether this frame should be filled from the frame just drawn.</summary>
    public bool IsReady => !WithDamage || _manager.UnseenDamage(Output!).Intersects(Region);

    public void OutputGone()
    {
        if (!Resource.IsDestroyed) Resource.SendFailed();
    }

    /// <summary>Reads the output image into the client's buffer and tells the client.</summary>
    public void Fill(IRenderer renderer, byte[] pixels)
    {
        var output = Output!;
        // A buffer destroyed meanwhile, or a region asked for before the output's mode changed
        // (a nested window resized) that no longer lies on it: nothing to copy.
        if (!ScreencopyService.Read(renderer, output, Region, Buffer!, pixels))
        {
            if (!Resource.IsDestroyed) Resource.SendFailed();
            return;
        }
        Resource.SendFlags(0);
        var unseen = _manager.UnseenDamage(output);
        if (WithDamage)
        {
            foreach (var r in unseen.Rects)
            {
                var d = r.Intersect(Region);
                if (!d.IsEmpty) Resource.SendDamage((uint)(d.X - Region.X), (uint)(d.Y - Region.Y), (uint)d.Width, (uint)d.Height);
            }
        }
        unseen.Subtract(Region);
        var ns = Backends.MonotonicClock.Nanoseconds;
        var seconds = (ulong)(ns / 1_000_000_000);
        Resource.SendReady((uint)(seconds >> 32), (uint)seconds, (uint)(ns % 1_000_000_000));
    }
}
