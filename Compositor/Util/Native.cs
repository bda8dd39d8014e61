using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace Compositor;

/// <summary>Small libc helpers the compositor core needs (declarations in <see cref="Wayland.Interop.Libc"/>).</summary>
internal static unsafe class Native
{
    /// <summary>DMA_BUF_IOCTL_SYNC around a CPU read of a DMA-BUF (start, then end); harmless where
    /// the exporter needs nothing.</summary>
    public static void DmaBufSync(int fd, bool start)
    {
        const nuint DmaBufIoctlSync = 0x40086200;
        const ulong Read = 1, End = 4;
        var flags = Read | (start ? 0 : End);
        Wayland.Interop.Libc.ioctl(fd, DmaBufIoctlSync, &flags);
    }

    /// <summary>The size of the file behind an fd (lseek to the end), or -1 when it cannot seek.
    /// The fd's position is shared with the client that sent it, so it is put back.</summary>
    public static long FileSize(int fd)
    {
        var position = (long)lseek(fd, 0, SEEK_CUR);
        if (position < 0) return -1;
        var size = (long)lseek(fd, 0, SEEK_END);
        lseek(fd, position, SEEK_SET);
        return size;
    }
}
