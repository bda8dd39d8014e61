using Wayland.Wire;
using Compositor.Backends;
using Compositor.Buffers;
using Wayland.Protocols.Server;

namespace Compositor.Shm;

/// <summary>
/// A wl_buffer in a client's shm pool: on commit its damaged rows are copied into the surface's
/// texture (in place from the mapping when the pool is sealed, else through a pread), and a client
/// whose file turned out shorter than it said gets wl_shm's invalid_fd, as libwayland does.
/// </summary>
public sealed class ShmBuffer : ClientBuffer, IWlBufferHandler
{
    // One scratch buffer for every unsealed pool: the compositor is single-threaded.
    private static byte[] s_scratch = [];
    private readonly ShmPool _pool;
    private readonly int _offset;
    private readonly uint _fourcc;
    private ITexture? _imported;
    private bool _importTried;

    internal ShmBuffer(WlBuffer resource, ShmPool pool, int offset, int width, int height, int stride, uint fourcc)
        : base(resource, width, height)
    {
        _pool = pool;
        _offset = offset;
        _fourcc = fourcc;
        Stride = stride;
        resource.Handler = this;
    }

    public override uint Fourcc => _fourcc;
    public override int Stride { get; }
    public override bool HasAlpha => Backends.Fourcc.HasAlpha(_fourcc);
    public bool IsMapped => _pool.IsMapped;

    /// <summary>Drawn in place from the client's memory when the renderer imported it (sealed memfd
    /// pools on llvmpipe): held until replaced like a DMA-BUF; otherwise copied and released at once.</summary>
    public override BufferContent Content => TryImport() ? BufferContent.OwnTexture : BufferContent.CopiedPixels;
    public override ITexture? Texture => _imported;

    /// <summary>Imports once per buffer, only from pools sealed against shrinking: a file that
    /// cannot shrink cannot fault the renderer's mapping of it.</summary>
    private bool TryImport()
    {
        if (_imported is not null) return true;
        if (_importTried || !_pool.IsMapped || _pool.ImportRefused || _pool.Shm.Importer is not { } importer) return false;
        _importTried = true;
        // The pool keeps its fd; the import gets a duplicate of its own, closed once the image holds the memory.
        using var attributes = new DmaBufAttributes
        {
            Width = Width,
            Height = Height,
            Fourcc = _fourcc,
            Modifier = DmaBufAttributes.ModifierLinear,
            Planes = [new DmaBufPlane(_pool.DuplicateFd(), (uint)_offset, (uint)Stride)],
        };
        _imported = importer.ImportDmaBuf(attributes);
        if (_imported is null)
        {
            _pool.ImportRefused = true;
            _pool.Shm.Log?.Debug("{Buffer}: the renderer does not import this shm pool; its buffers are copied", Resource);
        }
        return _imported is not null;
    }

    public void Destroy(WlBuffer resource) { }

    public override bool Upload(IRenderer renderer, ITexture texture, Rect region)
    {
        // An unsealed pool is read with pread: where the texture is CPU memory laid out as the client's
        // rows, and whole rows changed, straight into it (one copy, as weston's mapping costs).
        if (!_pool.IsMapped && region.X == 0 && region.Width == Width && renderer is ICpuTextures cpu
            && cpu.TryGetPixels(texture, out var pixels, out var stride) && stride == Stride)
        {
            var start = region.Y * Stride;
            var length = (region.Height - 1) * Stride + Width * Backends.Fourcc.BytesPerPixel(_fourcc);
            if (!_pool.ReadInto(_offset + (long)start, pixels.Slice(start, length)))
            {
                Resource.PostError((uint)WlShm.Error.InvalidFd, "error accessing SHM buffer");
                return false;
            }
            renderer.Counters.BytesUploaded += length;
            return true;
        }
        if (!ReadRows(region, out var rows)) return false;
        renderer.Upload(texture, rows, Stride, region);
        return true;
    }

    /// <summary>The rows of <paramref name="region"/>, from column 0 of its first row to its last pixel.</summary>
    private bool ReadRows(Rect region, out ReadOnlySpan<byte> rows)
    {
        var bpp = Backends.Fourcc.BytesPerPixel(_fourcc);
        var start = (long)_offset + (long)region.Y * Stride;
        var length = (region.Height - 1) * Stride + (region.X + region.Width) * bpp;
        if (_pool.Read(start, length, ref s_scratch, out rows)) return true;
        Resource.PostError((uint)WlShm.Error.InvalidFd, "error accessing SHM buffer");
        return false;
    }

    public override bool WriteRows(Rect region, ReadOnlySpan<byte> source, int sourceStride)
    {
        var bpp = Backends.Fourcc.BytesPerPixel(_fourcc);
        for (var y = 0; y < region.Height; y++)
        {
            var at = (long)_offset + (long)(region.Y + y) * Stride + (long)region.X * bpp;
            if (!_pool.Write(at, source.Slice(y * sourceStride, region.Width * bpp)))
            {
                Resource.PostError((uint)WlShm.Error.InvalidFd, "error accessing SHM buffer");
                return false;
            }
        }
        return true;
    }

    protected override void Free()
    {
        _imported?.Dispose();
        _imported = null;
        _pool.Unref();
    }
}
