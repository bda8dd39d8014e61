using System.Runtime.InteropServices;
using Tmds.Linux;

namespace Wayland.Events;

/// <summary>The libc calls Tmds.LibC 0.5.0 does not bind (timerfd, signalfd, flock).</summary>
internal static unsafe partial class EventsNative
{
    public const int CLOCK_MONOTONIC = 1;
    public const int LOCK_EX = 2, LOCK_NB = 4;

    // The kernel defines TFD_*/SFD_* as the O_* values, which differ between architectures;
    // taking them from Tmds.LibC keeps them right on every architecture it supports.
    public static int TFD_CLOEXEC => LibC.O_CLOEXEC;
    public static int TFD_NONBLOCK => LibC.O_NONBLOCK;
    public static int SFD_CLOEXEC => LibC.O_CLOEXEC;
    public static int SFD_NONBLOCK => LibC.O_NONBLOCK;

    /// <summary>struct signalfd_siginfo is fixed at 128 bytes by the kernel ABI.</summary>
    public const int SignalfdSiginfoSize = 128;

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

    [LibraryImport("libc", SetLastError = true)]
    public static partial int timerfd_create(int clockid, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int timerfd_settime(int fd, int flags, ITimerSpec* newValue, ITimerSpec* oldValue);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int signalfd(int fd, sigset_t* mask, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int flock(int fd, int operation);

    public static Timespec ToTimespec(TimeSpan span)
    {
        long ticks = span.Ticks;
        return new Timespec
        {
            Seconds = (nint)(ticks / TimeSpan.TicksPerSecond),
            Nanoseconds = (nint)(ticks % TimeSpan.TicksPerSecond * 100),
        };
    }

    public static string Describe(int errno) => $"{Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})";

    public static IOException Failure(string call, int errno) => new($"{call} failed: {Describe(errno)}");

    /// <summary>Closes an fd we own and marks it closed, so that releasing twice cannot close a reused number.
    /// close may overwrite errno: read it before calling this.</summary>
    public static void CloseQuietly(ref int fd)
    {
        if (fd < 0) return;
        LibC.close(fd);
        fd = -1;
    }
}
