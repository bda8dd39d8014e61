using Compositor.Backends;
using Compositor.Buffers;
using Wayland.Protocols.Server;
using Wayland.Wire;

namespace Compositor.Dmabuf;

/// <summary>
/// A wl_buffer made of DMA-BUFs, imported once when created (an EGLImage texture) and drawn from
/// that texture every frame without copying. Owns its plane fds (the DRM backend imports them again
/// as GEM handles for direct scanout) and the texture; both go with the wl_buffer.
/// </summary>
public sealed class DmabufBuffer : ClientBuffer, IWlBufferHandler, IScanoutSource
{
    private readonly ITexture _texture;
    private readonly OwnedFd[] _fds;

    public DmabufBuffer(WlBuffer resource, DmaBufAttributes attributes, ITexture texture, OwnedFd[] fds)
        : base(resource, attributes.Width, attributes.Height)
    {
        Attributes = attributes;
        _texture = texture;
        _fds = fds;
        resource.Handler = this;
    }

    public DmaBufAttributes Attributes { get; }
    public override uint Fourcc => Attributes.Fourcc;
    public override bool HasAlpha => _texture.HasAlpha;
    public override BufferContent Content => BufferContent.OwnTexture;
    public override ITexture Texture => _texture;

    public void Destroy(WlBuffer resource) { }

    protected override void Free()
    {
        _texture.Dispose();
        foreach (var fd in _fds) fd.Dispose();
    }
}
