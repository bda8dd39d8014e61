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
        resource.Destroyed += _ => { if (_locks == 0) Free(); };
    }

    private int _locks;
    private int _onScreen;
    private bool _releaseDue;

    /// <summary>A surface shows this buffer's own texture: it must outlive a client's early
    /// wl_buffer.destroy until the surface lets go (<see cref="Unlock"/>).</summary>
    public void Lock() => _locks++;

    public void Unlock()
    {
        if (--_locks == 0 && IsDestroyed) Free();
    }

    /// <summary>Frees what the buffer holds (textures, fds) once destroyed and no longer shown.</summary>
    protected virtual void Free() { }

    public WlBuffer Resource { get; }
    public int Width { get; }
    public int Height { get; }
    public bool IsDestroyed => Resource.IsDestroyed;

    /// <summary>DRM fourcc of the pixels.</summary>
    public abstract uint Fourcc { get; }

    /// <summary>False when every pixel is opaque whatever its alpha byte says (XRGB formats).</summary>
    public abstract bool HasAlpha { get; }

    /// <summary>How the pixels reach the screen: copied into the surface's texture on commit (shm,
    /// after which the buffer is released at once), drawn from a texture the buffer owns (DMA-BUF,
    /// held until replaced), or a solid colour (single-pixel buffers).</summary>
    public virtual BufferContent Content => BufferContent.CopiedPixels;

    /// <summary>For <see cref="BufferContent.CopiedPixels"/>: copies <paramref name="region"/> (buffer
    /// pixels) into <paramref name="texture"/>, which has this buffer's size and format. False when the
    /// client's memory is gone; the buffer has then posted the protocol error.</summary>
    public virtual bool Upload(IRenderer renderer, ITexture texture, Rect region) =>
        throw new NotSupportedException($"{GetType().Name} does not copy pixels");

    /// <summary>Bytes per row of buffers the CPU can write (shm); 0 for others.</summary>
    public virtual int Stride => 0;

    /// <summary>Writes rows into a buffer the CPU can write (shm; screencopy's destination):
    /// <paramref name="source"/> holds region.Height rows of region.Width pixels, each
    /// <paramref name="sourceStride"/> bytes apart. False when the buffer cannot be written (the
    /// buffer has posted the protocol error if its memory is gone).</summary>
    public virtual bool WriteRows(Rect region, ReadOnlySpan<byte> source, int sourceStride) => false;

    /// <summary>For <see cref="BufferContent.OwnTexture"/>: the texture to draw.</summary>
    public virtual ITexture? Texture => null;

    /// <summary>For <see cref="BufferContent.SolidColor"/>: the premultiplied colour.</summary>
    public virtual ColorF Color => default;

    /// <summary>Tells the client the compositor no longer reads this buffer (wl_buffer.release);
    /// while a display plane shows it, not until it leaves the screen.</summary>
    public void Release()
    {
        if (_onScreen > 0) _releaseDue = true;
        else if (!Resource.IsDestroyed) Resource.SendRelease();
    }

    /// <summary>Whether a surface lets go of the buffer right after copying its pixels (shm), or
    /// holds it until replaced (DMA-BUFs: a display plane may show them directly).</summary>
    public virtual bool ReleasedAfterCopy => true;

    /// <summary>A display plane shows the buffer directly (see <see cref="IScanoutSource"/>).</summary>
    public void BeginScanout()
    {
        _onScreen++;
        Lock();
    }

    public void EndScanout()
    {
        if (--_onScreen == 0 && _releaseDue)
        {
            _releaseDue = false;
            if (!Resource.IsDestroyed) Resource.SendRelease();
        }
        Unlock();
    }

    public static ClientBuffer? From(WlBuffer? resource) => resource?.Data as ClientBuffer;
}

public enum BufferContent { CopiedPixels, OwnTexture, SolidColor }
