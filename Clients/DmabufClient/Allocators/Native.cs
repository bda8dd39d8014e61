using System.Runtime.InteropServices;

namespace DmabufClient.Allocators;

/// <summary>The kernel interfaces the allocators use: ioctl numbers and structures from
/// drm.h/drm_mode.h, udmabuf.h, dma-heap.h and dma-buf.h.</summary>
internal static unsafe partial class Native
{
    [LibraryImport("libc", SetLastError = true)]
    public static partial int ioctl(int fd, nuint request, void* arg);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    public static int Ioctl<T>(int fd, nuint request, ref T arg) where T : unmanaged
    {
        fixed (T* p = &arg)
        {
            int r;
            // EINTR and EAGAIN: the ioctl did nothing; libdrm retries the same way.
            do r = ioctl(fd, request, p); while (r == -1 && Marshal.GetLastPInvokeError() is 4 or 11);
            return r;
        }
    }

    public static string Error() => Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError());

    // drm.h / drm_mode.h
    public const nuint DrmIoctlModeCreateDumb = 0xC02064B2, DrmIoctlModeMapDumb = 0xC01064B3,
        DrmIoctlModeDestroyDumb = 0xC00464B4, DrmIoctlPrimeHandleToFd = 0xC00C642D;
    public const uint DrmCloexec = 0x80000, DrmRdwr = 2; // O_CLOEXEC, O_RDWR

    [StructLayout(LayoutKind.Sequential)]
    public struct DrmModeCreateDumb { public uint Height, Width, Bpp, Flags, Handle, Pitch; public ulong Size; }
    [StructLayout(LayoutKind.Sequential)]
    public struct DrmModeMapDumb { public uint Handle, Pad; public ulong Offset; }
    [StructLayout(LayoutKind.Sequential)]
    public struct DrmModeDestroyDumb { public uint Handle; }
    [StructLayout(LayoutKind.Sequential)]
    public struct DrmPrimeHandle { public uint Handle, Flags; public int Fd; }

    // udmabuf.h
    public const nuint UdmabufCreate = 0x40187542;
    public const uint UdmabufFlagsCloexec = 1;
    [StructLayout(LayoutKind.Sequential)]
    public struct UdmabufCreateArgs { public uint Memfd, Flags; public ulong Offset, Size; }

    // dma-heap.h
    public const nuint DmaHeapIoctlAlloc = 0xC0184800;
    [StructLayout(LayoutKind.Sequential)]
    public struct DmaHeapAllocationData { public ulong Len; public uint Fd, FdFlags; public ulong HeapFlags; }

    // dma-buf.h: CPU access to a DMA-BUF's mapping is bracketed by SYNC_START and SYNC_END.
    public const nuint DmaBufIoctlSync = 0x40086200;
    public const ulong DmaBufSyncRw = 3, DmaBufSyncStart = 0, DmaBufSyncEnd = 4;
    [StructLayout(LayoutKind.Sequential)]
    public struct DmaBufSync { public ulong Flags; }
}
