using Compositor.Backends;
using Compositor.ExplicitSync;
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
        resource.Destroyed += _ => { if (_locks == 0) FreeOnce(); };
    }

    private int _locks;

    /// <summary>Something reads the buffer (a surface shows it, a display plane scans it out, a copy
    /// is being made): until the last <see cref="Unlock"/> it is not the client's, and it outlives an
    /// early wl_buffer.destroy.</summary>
    public void Lock() => _locks++;

    /// <summary>At the last unlock the client gets the buffer back (wl_buffer.release), or, when it
    /// already destroyed it, what the buffer holds is freed.</summary>
    public void Unlock()
    {
        if (--_locks > 0) return;
        SignalReleases();
        if (IsDestroyed) FreeOnce();
        else Resource.SendRelease();
    }

    /// <summary>Drops a hold without giving the buffer back: the holder passed it on to a state that
    /// does not hold it (a synchronized subsurface's cached state), which gives it back if it is
    /// replaced unseen (<see cref="ReleaseUnseen"/>). Frees it if it was destroyed meanwhile.</summary>
    public void UnlockQuietly()
    {
        if (--_locks > 0) return;
        if (IsDestroyed) FreeOnce();
    }

    /// <summary>A committed buffer replaced before it was ever shown (a synchronized subsurface
    /// committed again before its parent did): the client gets it back unless something holds it.</summary>
    public void ReleaseUnseen()
    {
        if (_locks > 0) return;
        SignalReleases();
        if (!IsDestroyed) Resource.SendRelease();
    }

    private void FreeOnce()
    {
        SignalReleases();
        if (IsFreed) return;
        IsFreed = true;
        Free();
    }

    // Explicit sync (wp_linux_drm_syncobj_surface_v1): the points we signal once we read the buffer
    // no more (its acquire points go with the commits: SurfaceState.Acquire). A buffer committed
    // again while still held gathers release points; all are signalled when the last hold goes,
    // which is late for the earlier ones but never early.
    private SyncPoint _release;
    private List<SyncPoint>? _moreReleases;

    /// <summary>Takes over <paramref name="point"/>, to signal once nothing reads the buffer.</summary>
    internal void AddRelease(SyncPoint point)
    {
        if (!_release.IsSet) _release = point;
        else (_moreReleases ??= []).Add(point);
    }

    private void SignalReleases()
    {
        if (!_release.IsSet) return;
        Signal(ref _release);
        if (_moreReleases is not { } more) return;
        for (var i = 0; i < more.Count; i++)
        {
            var point = more[i];
            Signal(ref point);
        }
        more.Clear();

        static void Signal(ref SyncPoint point)
        {
            point.Timeline!.Signal(point.Value);
            point.Clear();
        }
    }

    /// <summary>What the buffer holds is gone: destroyed by its client with nothing holding it. A
    /// destroyed buffer still held (a waiting commit's) can still be shown.</summary>
    public bool IsFreed { get; private set; }

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
    /// after which the buffer is released at once) or when a frame composites it (a CPU-mapped
    /// DMA-BUF, held until replaced: a plane may show it instead), drawn from a texture the buffer
    /// owns (DMA-BUF, held until replaced), or a solid colour (single-pixel buffers).</summary>
    public virtual BufferContent Content => BufferContent.CopiedPixels;

    /// <summary>For the two copied kinds: copies <paramref name="region"/> (buffer
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

    public static ClientBuffer? From(WlBuffer? resource) => resource?.Data as ClientBuffer;
}

public enum BufferContent { CopiedPixels, CopiedWhenDrawn, OwnTexture, SolidColor }
