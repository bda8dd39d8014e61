using System.Runtime.InteropServices;
using Tmds.Linux;

namespace Wayland.Interop;

/// <summary>
/// The libc calls Tmds.LibC 0.5.0 does not bind (timerfd, signalfd, flock, getrlimit, free) or binds
/// with an <c>int</c> request (ioctl: DRM, DMA-BUF and VT request numbers need all 32 bits unsigned).
/// Declared once here, in the lowest assembly, and public so the compositor core and the backends
/// use these declarations rather than their own; each caller keeps its own wrappers and constants.
/// </summary>
public static unsafe partial class Libc
{
    // time_t and long are both pointer-sized on the Linux ABIs .NET runs on.
    [StructLayout(LayoutKind.Sequential)]
    public struct Timespec
    {
        public nint Seconds;
        public nint Nanoseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct ITimerSpec
    {
        public Timespec Interval;
        public Timespec Value;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct RLimit { public ulong Current, Maximum; }

    [LibraryImport("libc", SetLastError = true)]
    public static partial int ioctl(int fd, nuint request, void* arg);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int getrlimit(int resource, out RLimit limit);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int timerfd_create(int clockid, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int timerfd_settime(int fd, int flags, ITimerSpec* newValue, ITimerSpec* oldValue);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int signalfd(int fd, sigset_t* mask, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int flock(int fd, int operation);

    /// <summary>For memory a C library hands over to be freed by its caller (xkb_keymap_get_as_string).</summary>
    [LibraryImport("libc")]
    public static partial void free(nint pointer);
}
