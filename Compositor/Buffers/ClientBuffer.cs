using Compositor.Backends;
using Wayland.Protocols.Server;

namespace Compositor.Buffers;

/// <summary>
/// The compositor's side of a wl_buffer: shm memory, a DMA-BUF, a single pixel. Surfaces attach
/// buffers; how their pixels reach a texture depends on the kind. Found from the resource through
/// <c>WlBuffer.Data</c>.
/// </summary>
public abstract class ClientBuffer
{
    protected ClientBuffer(WlBuffer resource, int width, int height)
    {
        Resource = resource;
        Width = width;
        Height = height;
        resource.Data = this;
    }

    public WlBuffer Resource { get; }
    public int Width { get; }
    public int Height { get; }
    public bool IsDestroyed => Resource.IsDestroyed;

    /// <summary>DRM fourcc of the pixels.</summary>
    public abstract uint Fourcc { get; }

    /// <summary>False when every pixel is opaque whatever its alpha byte says (XRGB formats).</summary>
    public abstract bool HasAlpha { get; }

    /// <summary>Tells the client the compositor no longer reads this buffer (wl_buffer.release).</summary>
    public void Release()
    {
        if (!Resource.IsDestroyed) Resource.SendRelease();
    }

    public static ClientBuffer? From(WlBuffer? resource) => resource?.Data as ClientBuffer;
}
