using Compositor.Backends;
using Compositor.Buffers;
using Tmds.Linux;
using Wayland.Protocols.Server;
using Wayland.Wire;
using static Tmds.Linux.LibC;

namespace Compositor.Dmabuf;

/// <summary>
/// A linear DMA-BUF the renderer would not import, read through a CPU mapping instead and copied
/// into the surface's texture, damage only, when a frame composites it; held until replaced like
/// any DMA-BUF, since a display plane may show it directly instead (the display device's own
/// buffers are the ones llvmpipe cannot sample, and the ones it can scan out).
/// This is how a software renderer shows the buffers it cannot sample in place (llvmpipe and
/// udmabuf or system-heap DMA-BUFs); the CPU reads the pixels either way there. Only linear,
/// single-plane formats the renderer uploads qualify: their layout is defined without the driver.
/// </summary>
public sealed unsafe class MappedDmabufBuffer : ClientBuffer, IWlBufferHandler, IScanoutSource
{
    private readonly byte* _map;
    private readonly long _length;
    private readonly uint _offset;

    private MappedDmabufBuffer(WlBuffer resource, DmaBufAttributes attributes, byte* map, long length)
        : base(resource, attributes.Width, attributes.Height)
    {
        Attributes = attributes;
        _map = map;
        _length = length;
        _offset = attributes.Planes[0].Offset;
        Stride = (int)attributes.Planes[0].Stride;
        resource.Handler = this;
    }

    public DmaBufAttributes Attributes { get; }
    public override uint Fourcc => Attributes.Fourcc;
    public override bool HasAlpha => Backends.Fourcc.HasAlpha(Attributes.Fourcc);
    public override int Stride { get; }
    public override BufferContent Content => BufferContent.CopiedWhenDrawn;

    /// <summary>Whether such a buffer can be read this way (checked before the wl_buffer exists).
    /// Y-inverted ones are not: their damage would have to be flipped too; the GPU path flips them.</summary>
    public static bool Qualifies(DmaBufAttributes a, IReadOnlyList<uint> uploadable) =>
        a.Planes.Length == 1 && a.Modifier == DmaBufAttributes.ModifierLinear && uploadable.Contains(a.Fourcc) && !a.YInverted
        && a.Planes[0].Stride >= (ulong)a.Width * 4
        // Rows are handed to the renderer as one span: its length must fit an int.
        && a.Planes[0].Offset + (long)a.Planes[0].Stride * a.Height <= int.MaxValue;

    /// <summary>Maps the buffer for reading; null when its fd cannot be mapped or is too small.</summary>
    public static MappedDmabufBuffer? TryCreate(Func<WlBuffer> resource, DmaBufAttributes a)
    {
        var plane = a.Planes[0];
        var length = plane.Offset + (long)plane.Stride * (a.Height - 1) + (long)a.Width * 4;
        var size = Native.FileSize(plane.Fd.Value);
        if (size >= 0 && size < length) return null;
        var map = mmap(null, (size_t)(ulong)length, PROT_READ, MAP_SHARED, plane.Fd.Value, 0);
        if (map == MAP_FAILED) return null;
        return new MappedDmabufBuffer(resource(), a, (byte*)map, length);
    }

    public override bool Upload(IRenderer renderer, ITexture texture, Rect region)
    {
        var start = _offset + (long)region.Y * Stride;
        var rows = (region.Height - 1) * (long)Stride + (region.X + region.Width) * 4L;
        // The exporter may need to make CPU caches coherent around the read (DMA_BUF_IOCTL_SYNC).
        Native.DmaBufSync(Attributes.Planes[0].Fd.Value, start: true);
        try
        {
            renderer.Upload(texture, new ReadOnlySpan<byte>(_map + start, (int)rows), Stride, region);
        }
        finally
        {
            Native.DmaBufSync(Attributes.Planes[0].Fd.Value, start: false);
        }
        return true;
    }

    public void Destroy(WlBuffer resource) { }

    public event Action<IScanoutSource>? Freed;

    protected override void Free()
    {
        Freed?.Invoke(this);
        Freed = null;
        munmap(_map, (size_t)(ulong)_length);
        Attributes.Dispose();
    }
}
