using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace DmabufClient.Allocators;

/// <summary>
/// A buffer whose pixels are mapped into this process: the fd handed to the compositor (every
/// plane in the same fd), the mapping, and what to release when done. When
/// <paramref name="syncFd"/> is a DMA-BUF, CPU writes are bracketed with DMA_BUF_IOCTL_SYNC.
/// </summary>
internal sealed unsafe class MappedBuffer(int fd, byte* map, long size, uint[] offsets, uint[] strides, ulong modifier,
    int syncFd, Action? release) : IAllocatedBuffer
{
    private bool _disposed;

    public IReadOnlyList<Plane> Planes { get; } = offsets.Select((o, i) => new Plane(fd, o, strides[i])).ToArray();
    public ulong Modifier => modifier;

    public void Write(DrawPlanes draw)
    {
        Sync(Native.DmaBufSyncStart);
        try
        {
            draw(map + offsets[0], offsets.Length > 1 ? map + offsets[1] : null);
        }
        finally
        {
            Sync(Native.DmaBufSyncEnd);
        }
    }

    private void Sync(ulong when)
    {
        if (syncFd < 0) return;
        var s = new Native.DmaBufSync { Flags = when | Native.DmaBufSyncRw };
        Native.Ioctl(syncFd, Native.DmaBufIoctlSync, ref s);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        munmap(map, (size_t)(ulong)size);
        close(fd);
        release?.Invoke();
    }

    /// <summary>Maps <paramref name="size"/> bytes of <paramref name="mapFd"/> at <paramref name="offset"/> for reading and writing.</summary>
    public static byte* Map(int mapFd, long size, long offset = 0)
    {
        var p = mmap(null, (size_t)(ulong)size, PROT_READ | PROT_WRITE, MAP_SHARED, mapFd, offset);
        if (p == MAP_FAILED) throw new IOException($"mmap failed: {Native.Error()}");
        return (byte*)p;
    }
}
