using System.Runtime.InteropServices;
using Tmds.Linux;
using Wayland.Interop;

namespace Wayland.Events;

/// <summary>Constants and helpers for the event loop's libc calls (declared in <see cref="Libc"/>).</summary>
internal static unsafe class EventsNative
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

    public static Libc.Timespec ToTimespec(TimeSpan span)
    {
        long ticks = span.Ticks;
        return new Libc.Timespec
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
