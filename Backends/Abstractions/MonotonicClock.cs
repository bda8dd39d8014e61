using System.Diagnostics;

namespace Compositor.Backends;

/// <summary>CLOCK_MONOTONIC (what Stopwatch reads on Linux), in the units Wayland and the kernel use:
/// nanoseconds for presentation times and timers, 32-bit milliseconds for input and frame callbacks.</summary>
public static class MonotonicClock
{
    public static long Nanoseconds => (long)(Stopwatch.GetTimestamp() * (1_000_000_000.0 / Stopwatch.Frequency));

    /// <summary>Milliseconds, wrapping at 2^32 as the protocol's time arguments do.</summary>
    public static uint Milliseconds => (uint)(Stopwatch.GetTimestamp() * 1000 / Stopwatch.Frequency);
}
