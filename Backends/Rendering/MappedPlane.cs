using System.Runtime.InteropServices;
using Compositor.Backends.Native;
using static Tmds.Linux.LibC;

namespace Compositor.Backends.Rendering;

/// <summary>
/// The one plane of a linear DMA-BUF (or sealed memfd) mapped for the CPU: what the pixman renderer
/// samples client buffers from and draws scanout buffers into, in place. A real DMA-BUF's exporter
/// may need its caches made coherent around CPU access (DMA_BUF_IOCTL_SYNC), and the start of an
/// access waits for the device's pending writes, so each access is bracketed; for that the mapping
/// keeps its own duplicate of the fd, because the caller keeps (and may close) the original. A memfd
/// has no such ioctl, and then no fd is kept at all.
/// </summary>
internal sealed unsafe class MappedPlane : IDisposable
{
    private const nuint DmaBufIoctlSync = 0x40086200;
    private const ulong SyncRead = 1, SyncWrite = 2, SyncEnd = 4;

    private byte* _map;
    private readonly nuint _length;
    private readonly int _syncFd;

    private MappedPlane(byte* map, nuint length, uint offset, int syncFd)
    {
        _map = map;
        _length = length;
        Pixels = map + offset;
        _syncFd = syncFd;
    }

    /// <summary>The plane's first pixel (the mapping plus the plane's offset).</summary>
    public byte* Pixels { get; }

    /// <summary>Whether accesses are bracketed with DMA_BUF_IOCTL_SYNC (a real DMA-BUF).</summary>
    public bool Syncs => _syncFd >= 0;

    /// <summary>Maps the plane of <paramref name="a"/> (one plane, <paramref name="bytesPerPixel"/>
    /// bytes a pixel). <paramref name="writable"/>: for drawing into; else read-only, or read/write
    /// where an exporter maps only that way. Null, with the reason, when the fd is smaller than the
    /// buffer claims or cannot be mapped.</summary>
    public static MappedPlane? Map(DmaBufAttributes a, int bytesPerPixel, bool writable, out string whyNot)
    {
        var plane = a.Planes[0];
        var fd = plane.Fd.Value;
        var length = plane.Offset + (long)plane.Stride * (a.Height - 1) + (long)a.Width * bytesPerPixel;
        // A mapping past the end of the file faults (SIGBUS) on first touch, which .NET cannot survive:
        // the size must be known and large enough. The fd's position is shared with the client.
        var position = (long)lseek(fd, 0, SEEK_CUR);
        var size = (long)lseek(fd, 0, SEEK_END);
        if (position >= 0) lseek(fd, position, SEEK_SET);
        if (size < length)
        {
            whyNot = size < 0 ? $"its size is unknown (lseek: errno {Marshal.GetLastSystemError()})"
                : $"it holds {size} bytes, the buffer needs {length}";
            return null;
        }
        var map = mmap(null, (Tmds.Linux.size_t)(ulong)length, PROT_READ | (writable ? PROT_WRITE : 0), MAP_SHARED, fd, 0);
        if (map == MAP_FAILED && !writable)
            map = mmap(null, (Tmds.Linux.size_t)(ulong)length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (map == MAP_FAILED)
        {
            whyNot = $"mmap failed: errno {Marshal.GetLastSystemError()}";
            return null;
        }
        var syncFd = -1;
        var probe = SyncRead;
        if (DrmIoctl.Ioctl(fd, DmaBufIoctlSync, ref probe) == 0)
        {
            probe = SyncRead | SyncEnd;
            DrmIoctl.Ioctl(fd, DmaBufIoctlSync, ref probe);
            syncFd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
            if (syncFd < 0)
            {
                whyNot = $"cannot duplicate its fd: errno {Marshal.GetLastSystemError()}";
                munmap(map, (Tmds.Linux.size_t)(ulong)length);
                return null;
            }
        }
        whyNot = "";
        return new MappedPlane((byte*)map, (nuint)length, plane.Offset, syncFd);
    }

    /// <summary>Before the CPU reads (or writes) the pixels: waits for the device's writes and makes
    /// the CPU's view coherent.</summary>
    public void BeginAccess(bool write) => Sync(write ? SyncRead | SyncWrite : SyncRead);

    /// <summary>After the CPU access: hands the memory back to the device.</summary>
    public void EndAccess(bool write) => Sync((write ? SyncRead | SyncWrite : SyncRead) | SyncEnd);

    private void Sync(ulong flags)
    {
        if (_syncFd >= 0) DrmIoctl.Ioctl(_syncFd, DmaBufIoctlSync, ref flags);
    }

    public void Dispose()
    {
        if (_map == null) return;
        munmap(_map, (Tmds.Linux.size_t)(ulong)_length);
        _map = null;
        if (_syncFd >= 0) close(_syncFd);
    }
}
