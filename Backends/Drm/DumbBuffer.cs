using static Compositor.Backends.Native.DrmIoctl;
using static Tmds.Linux.LibC;

namespace Compositor.Backends.Drm;

/// <summary>
/// A scanout buffer in the display device's own memory (a dumb buffer), mapped for the CPU and
/// registered as a framebuffer (XRGB8888; ARGB8888 for cursors). Owns the GEM handle, the mapping and the framebuffer id,
/// and gives them back on dispose.
/// </summary>
public sealed unsafe class DumbBuffer : IDisposable
{
    private readonly int _drmFd;
    private byte* _pixels;
    private bool _disposed;

    private DumbBuffer(int drmFd, int width, int height, uint handle, int pitch, long size)
    {
        _drmFd = drmFd;
        Width = width;
        Height = height;
        Handle = handle;
        Pitch = pitch;
        Size = size;
    }

    public int Width { get; }
    public int Height { get; }
    public uint Handle { get; }
    public int Pitch { get; }
    public long Size { get; }
    public uint FramebufferId { get; private set; }

    /// <summary>The pixels, row after row <see cref="Pitch"/> bytes apart.</summary>
    public Span<byte> Pixels => new(_pixels, (int)Size);

    public static DumbBuffer Create(int drmFd, int width, int height, uint fourcc = Fourcc.Xrgb8888)
    {
        var create = new CreateDumb { Width = (uint)width, Height = (uint)height, Bpp = 32 };
        if (Ioctl(drmFd, IoctlModeCreateDumb, ref create) is var error and not 0)
            throw new IOException($"DRM_IOCTL_MODE_CREATE_DUMB {width}x{height} failed: errno {error}");
        var buffer = new DumbBuffer(drmFd, width, height, create.Handle, (int)create.Pitch, (long)create.Size);
        try
        {
            var map = new MapDumb { Handle = create.Handle };
            if (Ioctl(drmFd, IoctlModeMapDumb, ref map) is var mapError and not 0)
                throw new IOException($"DRM_IOCTL_MODE_MAP_DUMB failed: errno {mapError}");
            var p = mmap(null, (Tmds.Linux.size_t)create.Size, PROT_READ | PROT_WRITE, MAP_SHARED, drmFd, (long)map.Offset);
            if (p == MAP_FAILED) throw new IOException("mmap of a dumb buffer failed");
            buffer._pixels = (byte*)p;
            var fb = new FbCmd2 { Width = (uint)width, Height = (uint)height, PixelFormat = fourcc };
            fb.Handles[0] = create.Handle;
            fb.Pitches[0] = create.Pitch;
            if (Ioctl(drmFd, IoctlModeAddFb2, ref fb) is var fbError and not 0)
                throw new IOException($"DRM_IOCTL_MODE_ADDFB2 failed: errno {fbError}");
            buffer.FramebufferId = fb.FbId;
            return buffer;
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (FramebufferId != 0) Ioctl(_drmFd, IoctlModeRmFb, FramebufferId);
        FramebufferId = 0;
        if (_pixels is not null) munmap(_pixels, (Tmds.Linux.size_t)(ulong)Size);
        _pixels = null;
        if (Handle != 0)
        {
            var destroy = new DestroyDumb { Handle = Handle };
            Ioctl(_drmFd, IoctlModeDestroyDumb, ref destroy);
        }
    }
}
