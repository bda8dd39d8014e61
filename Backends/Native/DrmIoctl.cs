using System.Runtime.InteropServices;

namespace Compositor.Backends.Native;

/// <summary>The DRM ioctls the backends use (drm.h), with libdrm's retry on EINTR/EAGAIN.</summary>
internal static unsafe partial class DrmIoctl
{
    public const nuint IoctlPrimeFdToHandle = 0xC00C642E, IoctlPrimeHandleToFd = 0xC00C642D, IoctlGemClose = 0x40086409;
    public const uint Cloexec = 0x80000, Rdwr = 2;

    [StructLayout(LayoutKind.Sequential)]
    public struct PrimeHandle { public uint Handle, Flags; public int Fd; }

    [StructLayout(LayoutKind.Sequential)]
    public struct GemClose { public uint Handle, Pad; }

    /// <summary>Runs an ioctl; 0, or the errno it failed with.</summary>
    public static int Ioctl<T>(int fd, nuint request, ref T arg) where T : unmanaged
    {
        fixed (T* p = &arg)
        {
            while (true)
            {
                if (Wayland.Interop.Libc.ioctl(fd, request, p) == 0) return 0;
                var error = Marshal.GetLastPInvokeError();
                if (error is not (4 or 11)) return error; // EINTR, EAGAIN: try again
            }
        }
    }
}
