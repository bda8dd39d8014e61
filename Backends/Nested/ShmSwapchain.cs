using System.Runtime.InteropServices;
using Wayland.Protocols.Client;
using static Tmds.Linux.LibC;

namespace Compositor.Backends.Nested;

/// <summary>
/// The nested window's buffers: XRGB8888 wl_buffers in one sealed memfd pool shared with the
/// parent compositor, each busy from its commit until the parent releases it.
/// </summary>
internal sealed unsafe class ShmSwapchain : IDisposable
{
    private readonly WlShmPool _pool;
    private readonly WlBuffer[] _buffers;
    private readonly bool[] _busy;
    private readonly byte* _memory;
    private readonly long _size;
    private int _fd;

    public ShmSwapchain(WlShm shm, int width, int height, int count)
    {
        Width = width;
        Height = height;
        Stride = width * 4;
        var bufferSize = (long)Stride * height;
        _size = bufferSize * count;
        var name = Marshal.StringToHGlobalAnsi("compositor-nested");
        _fd = memfd_create((byte*)name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
        Marshal.FreeHGlobal(name);
        if (_fd < 0) throw new IOException("memfd_create failed");
        if (ftruncate(_fd, _size) != 0) throw new IOException("ftruncate of the buffer pool failed");
        // Sealed against shrinking: a parent that maps the pool can trust its size.
        fcntl(_fd, F_ADD_SEALS, F_SEAL_SHRINK);
        var map = mmap(null, (Tmds.Linux.size_t)(ulong)_size, PROT_READ | PROT_WRITE, MAP_SHARED, _fd, 0);
        if (map == MAP_FAILED) throw new IOException("mmap of the buffer pool failed");
        _memory = (byte*)map;
        _pool = shm.CreatePool(_fd, (int)_size);
        _buffers = new WlBuffer[count];
        _busy = new bool[count];
        for (var i = 0; i < count; i++)
        {
            var index = i;
            _buffers[i] = _pool.CreateBuffer((int)(i * bufferSize), width, height, Stride, WlShm.Format.Xrgb8888);
            _buffers[i].Release += _ => _busy[index] = false;
        }
    }

    public int Width { get; }
    public int Height { get; }
    public int Stride { get; }
    public int Count => _buffers.Length;

    /// <summary>A buffer the parent does not hold, or -1.</summary>
    public int Free() => Array.IndexOf(_busy, false);

    public Span<byte> Pixels(int index) => new(_memory + (long)index * Stride * Height, Stride * Height);

    /// <summary>The wl_buffer of <paramref name="index"/>, marked busy until the parent releases it.</summary>
    public WlBuffer Take(int index)
    {
        _busy[index] = true;
        return _buffers[index];
    }

    /// <summary>Unmaps and closes the pool first (ours whatever happens to the connection), then
    /// asks the parent to destroy the buffers and the pool.</summary>
    public void Dispose()
    {
        if (_fd < 0) return;
        munmap(_memory, (Tmds.Linux.size_t)(ulong)_size);
        close(_fd);
        _fd = -1;
        foreach (var b in _buffers) b.Destroy();
        _pool.Destroy();
    }
}
