using Compositor.Backends;
using Compositor.Buffers;
using Wayland.Protocols.Server;

namespace Compositor.Dmabuf;

/// <summary>
/// A wl_buffer made of DMA-BUFs, imported once when created (an EGLImage texture) and drawn from
/// that texture every frame without copying. Owns its attributes with their plane fds (the DRM
/// backend imports them again as GEM handles for direct scanout) and the texture; both go with the
/// wl_buffer.
/// </summary>
public sealed class DmabufBuffer : ClientBuffer, IWlBufferHandler, IScanoutSource
{
    private readonly ITexture _texture;

    public DmabufBuffer(WlBuffer resource, DmaBufAttributes attributes, ITexture texture)
        : base(resource, attributes.Width, attributes.Height)
    {
        Attributes = attributes;
        _texture = texture;
        resource.Handler = this;
    }

    public DmaBufAttributes Attributes { get; }
    public override uint Fourcc => Attributes.Fourcc;
    public override bool HasAlpha => _texture.HasAlpha;
    public override BufferContent Content => BufferContent.OwnTexture;
    public override ITexture Texture => _texture;

    public void Destroy(WlBuffer resource) { }

    public event Action<IScanoutSource>? Freed;

    protected override void Free()
    {
        Freed?.Invoke(this);
        Freed = null;
        _texture.Dispose();
        Attributes.Dispose();
    }
}
