using Compositor.Backends.Native;
using Wayland.Wire;

namespace Compositor.Backends.Rendering;

/// <summary>
/// An XRGB8888 buffer of the render node that the renderer draws into: the GBM buffer object, the
/// renderer's target over it, and the buffer as a DMA-BUF for whoever else shows it (the display
/// device as a framebuffer, a parent compositor through linux-dmabuf). Owns all three.
/// </summary>
internal sealed class GbmRenderBuffer : IDisposable
{
    private nint _bo;

    private GbmRenderBuffer(nint bo, IRenderTarget target, DmaBufAttributes dmaBuf)
    {
        _bo = bo;
        Target = target;
        DmaBuf = dmaBuf;
    }

    public IRenderTarget Target { get; }
    /// <summary>Its one plane, in the layout it was made in (implicit or linear); the fd is this object's.</summary>
    public DmaBufAttributes DmaBuf { get; }

    /// <param name="linear">Linear rather than the driver's implicit layout (gbm_bo_create without
    /// modifiers, as a driver without modifiers must be asked): for another device to read it.</param>
    /// <param name="scanout">For a display plane (GBM_BO_USE_SCANOUT).</param>
    public static GbmRenderBuffer? Create(IRenderer renderer, nint gbm, int width, int height, bool linear, bool scanout, out string whyNot)
    {
        var flags = Gbm.BoUseRendering | (scanout ? Gbm.BoUseScanout : 0) | (linear ? Gbm.BoUseLinear : 0);
        var bo = Gbm.BoCreate(gbm, (uint)width, (uint)height, Fourcc.Xrgb8888, flags);
        if (bo == 0)
        {
            whyNot = $"gbm_bo_create of a {width}x{height} XRGB8888 buffer failed";
            return null;
        }
        var fd = Gbm.BoGetFd(bo);
        if (fd < 0)
        {
            Gbm.BoDestroy(bo);
            whyNot = "gbm_bo_get_fd failed";
            return null;
        }
        var dmaBuf = new DmaBufAttributes
        {
            Width = width, Height = height, Fourcc = Fourcc.Xrgb8888,
            Modifier = linear ? DmaBufAttributes.ModifierLinear : DmaBufAttributes.ModifierInvalid,
            Planes = [new DmaBufPlane(new OwnedFd(fd), 0, Gbm.BoGetStride(bo))],
        };
        if (renderer.CreateTarget(dmaBuf, out var targetWhyNot) is not { } target)
        {
            dmaBuf.Dispose();
            Gbm.BoDestroy(bo);
            whyNot = $"the renderer cannot draw into a GBM buffer: {targetWhyNot}";
            return null;
        }
        whyNot = "";
        return new GbmRenderBuffer(bo, target, dmaBuf);
    }

    public void Dispose()
    {
        if (_bo == 0) return;
        Target.Dispose();
        DmaBuf.Dispose();
        Gbm.BoDestroy(_bo);
        _bo = 0;
    }
}
