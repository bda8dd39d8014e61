using Tmds.Linux;
using Wayland.Protocols.Server;
using Wayland.Wire;
using static Tmds.Linux.LibC;

namespace Compositor.Shm;

/// <summary>
/// A client's shared memory (wl_shm_pool). A .NET process cannot survive SIGBUS the way libwayland
/// does (it traps the signal when a client truncates its file under a mapping), so memory is mapped
/// only when the client sealed the file against shrinking (F_SEAL_SHRINK, as weston's clients and
/// foot do) and it is as large as the pool claims; otherwise pixels are read with pread, and a short
/// read is the client's error, not our crash. Lives while its buffers do, even after destroy.
/// wl_shm_pool requests are handled here.
/// </summary>
public sealed unsafe class ShmPool : IWlShmPoolHandler
{
    private readonly ShmGlobal _shm;
    private OwnedFd _fd;
    private byte* _map;
    private ulong _mapSize;       // what was mapped; Size may have grown since
    private int _references = 1;

    private ShmPool(ShmGlobal shm, OwnedFd fd, int size)
    {
        _shm = shm;
        _fd = fd;
        Size = size;
    }

    public int Size { get; private set; }
    internal ShmGlobal Shm => _shm;
    /// <summary>The client's file (owned by the pool) for importing buffers in place.</summary>
    internal int Fd => _fd.Value;

    /// <summary>A new fd of the pool's file, for an owner of its own (a DMA-BUF import).</summary>
    internal OwnedFd DuplicateFd() => _fd.Duplicate();
    /// <summary>The renderer refused to import one of this pool's buffers: the others are copied without asking.</summary>
    internal bool ImportRefused { get; set; }
    /// <summary>Mapped (sealed against shrinking): pixels are read in place.</summary>
    public bool IsMapped => _map != null;

    internal static void Create(ShmGlobal shm, WlShm resource, WlShmPool id, OwnedFd fd, int size)
    {
        if (size <= 0)
        {
            resource.PostError(WlShm.Error.InvalidStride, $"invalid size ({size})");
            return;
        }
        // libwayland maps the file here and fails the same way for what cannot be mapped (pipes, sockets).
        if (Native.FileSize(fd.Value) < 0)
        {
            resource.PostError(WlShm.Error.InvalidFd, "failed mmap fd: not a seekable file");
            return;
        }
        var pool = new ShmPool(shm, fd.Take(), size);
        id.Handler = pool;
        id.Data = pool;
        id.Destroyed += _ => pool.Unref();
        pool.Map();
    }

    /// <summary>Maps the file read-only if it can never shrink below the pool size.</summary>
    private void Map()
    {
        Unmap();
        var seals = fcntl(_fd.Value, F_GET_SEALS);
        if (seals < 0 || (seals & F_SEAL_SHRINK) == 0) return;
        var fileSize = Native.FileSize(_fd.Value);
        if (fileSize < Size) return; // a mapping past the end would fault: read what exists instead
        var p = mmap(null, (size_t)(ulong)Size, PROT_READ, MAP_SHARED, _fd.Value, 0);
        if (p == MAP_FAILED) return;
        _map = (byte*)p;
        _mapSize = (ulong)Size;
    }

    private void Unmap()
    {
        if (_map == null) return;
        munmap(_map, (size_t)_mapSize);
        _map = null;
        _mapSize = 0;
    }

    public void CreateBuffer(WlShmPool resource, WlBuffer id, int offset, int width, int height, int stride, WlShm.Format format)
    {
        var fourcc = Backends.Fourcc.FromWlShm((uint)format);
        if (!_shm.Supports(fourcc))
        {
            resource.PostError((uint)WlShm.Error.InvalidFormat, $"invalid format 0x{(uint)format:x}");
            return;
        }
        var bpp = Backends.Fourcc.BytesPerPixel(fourcc);
        // libwayland's checks, in 64 bits so no product can overflow; stride must hold a whole row.
        if (offset < 0 || width <= 0 || height <= 0 || stride < (long)width * bpp
            || (long)offset + (long)stride * height > Size)
        {
            resource.PostError((uint)WlShm.Error.InvalidStride, $"invalid width, height or stride ({width}x{height}, {stride})");
            return;
        }
        _references++;
        _ = new ShmBuffer(id, this, offset, width, height, stride, fourcc);
    }

    public void Destroy(WlShmPool resource) { }

    public void Resize(WlShmPool resource, int size)
    {
        if (size < Size)
        {
            resource.PostError((uint)WlShm.Error.InvalidFd, "shrinking pool invalid");
            return;
        }
        Size = size;
        Map();
    }

    /// <summary>Reads <paramref name="length"/> bytes at <paramref name="offset"/>: a span of the
    /// mapping, or a pread into <paramref name="scratch"/>. False if the file is shorter (truncated).</summary>
    internal bool Read(long offset, int length, ref byte[] scratch, out ReadOnlySpan<byte> bytes)
    {
        if (_map != null)
        {
            bytes = new ReadOnlySpan<byte>(_map + offset, length);
            return true;
        }
        if (scratch.Length < length) scratch = new byte[Math.Max(length, scratch.Length * 2)];
        bytes = scratch.AsSpan(0, length);
        return ReadInto(offset, scratch.AsSpan(0, length));
    }

    /// <summary>Reads <paramref name="destination"/>'s length at <paramref name="offset"/> straight into it
    /// (pread, or from the mapping). False if the file is shorter (truncated).</summary>
    internal bool ReadInto(long offset, Span<byte> destination)
    {
        if (_map != null)
        {
            new ReadOnlySpan<byte>(_map + offset, destination.Length).CopyTo(destination);
            return true;
        }
        var done = 0;
        fixed (byte* d = destination)
        {
            while (done < destination.Length)
            {
                var n = (long)pread(_fd.Value, d + done, (size_t)(ulong)(destination.Length - done), offset + done);
                if (n <= 0) break;
                done += (int)n;
            }
        }
        return done == destination.Length;
    }

    /// <summary>Writes rows into the client's file with pwrite (never through a mapping, so a
    /// truncated file is an error return, not a fault).</summary>
    internal bool Write(long offset, ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            var done = 0;
            while (done < data.Length)
            {
                var n = (long)pwrite(_fd.Value, p + done, (size_t)(ulong)(data.Length - done), offset + done);
                if (n <= 0) return false;
                done += (int)n;
            }
        }
        // pwrite past the end would grow the file: a pool shorter than it claims is the client's error.
        return Native.FileSize(_fd.Value) >= offset + data.Length;
    }

    internal void Unref()
    {
        if (--_references > 0) return;
        Unmap();
        _fd.Dispose();
    }
}
