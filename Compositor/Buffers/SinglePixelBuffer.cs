using Compositor.Backends;
using Wayland.Protocols.Server;

namespace Compositor.Buffers;

/// <summary>
/// wp_single_pixel_buffer_manager_v1: 1×1 buffers of one colour, drawn as a solid fill (usually
/// stretched by wp_viewport). The colour is premultiplied, each channel a fraction of 0xffffffff.
/// </summary>
public sealed class SinglePixelBuffer : ClientBuffer, IWlBufferHandler
{
    public const uint ManagerVersion = 1;
    private readonly ColorF _color;

    private SinglePixelBuffer(WlBuffer resource, ColorF color) : base(resource, 1, 1)
    {
        _color = color;
        resource.Handler = this;
    }

    public override uint Fourcc => Backends.Fourcc.Argb8888;
    public override bool HasAlpha => _color.A < 1f;
    public override BufferContent Content => BufferContent.SolidColor;
    public override ColorF Color => _color;

    public void Destroy(WlBuffer resource) { }

    public static readonly ManagerHandler Manager = new();

    public sealed class ManagerHandler : IWpSinglePixelBufferManagerV1Handler
    {
        public void Destroy(WpSinglePixelBufferManagerV1 resource) { }

        public void CreateU32RgbaBuffer(WpSinglePixelBufferManagerV1 resource, WlBuffer id, uint r, uint g, uint b, uint a) =>
            _ = new SinglePixelBuffer(id, new ColorF(r / (float)uint.MaxValue, g / (float)uint.MaxValue, b / (float)uint.MaxValue, a / (float)uint.MaxValue));
    }
}
