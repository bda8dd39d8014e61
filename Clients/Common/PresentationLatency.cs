using System.Runtime.InteropServices;
using Wayland.Protocols.Client;

namespace Clients.Common;

/// <summary>
/// Commit-to-present latency from wp_presentation: each commit asks for feedback, stamped with the
/// presentation clock (the clock_id the compositor names) as it is sent; the feedback's
/// presented time minus that stamp is the latency the user sees. Summarised as median and p99.
/// </summary>
public sealed unsafe partial class PresentationLatency
{
    private readonly WpPresentation _presentation;
    private readonly List<double> _milliseconds = [];
    private int _clock = 1; // CLOCK_MONOTONIC, until the compositor names its clock

    public PresentationLatency(WpPresentation presentation)
    {
        _presentation = presentation;
        presentation.ClockId += (_, id) => _clock = (int)id;
    }

    public int Discarded { get; private set; }
    /// <summary>Frames presented with the zero_copy kind: the display showed the client's buffer itself.</summary>
    public int ZeroCopy { get; private set; }

    /// <summary>Asks for feedback on the commit that follows, and stamps it.</summary>
    public void BeforeCommit(WlSurface surface)
    {
        var feedback = _presentation.Feedback(surface);
        var committed = Now();
        // Both events destroy the feedback object (destructor events).
        feedback.Presented += (_, secHi, secLo, nsec, _, _, _, flags) =>
        {
            var presented = (((long)secHi << 32) | secLo) * 1_000_000_000L + nsec;
            _milliseconds.Add((presented - committed) / 1e6);
            if ((flags & WpPresentationFeedback.Kind.ZeroCopy) != 0) ZeroCopy++;
        };
        feedback.Discarded += _ => Discarded++;
    }

    private long Now()
    {
        long* t = stackalloc long[2]; // struct timespec on 64-bit Linux
        ClockGettime(_clock, t);
        return t[0] * 1_000_000_000L + t[1];
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGettime(int clock, long* timespec);

    /// <summary>"N presented, median X ms, p99 Y ms, D discarded, Z zero-copy".</summary>
    public string Summary()
    {
        if (_milliseconds.Count == 0) return $"0 presented, {Discarded} discarded, 0 zero-copy";
        var sorted = _milliseconds.Order().ToArray();
        double At(double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        var c = System.Globalization.CultureInfo.InvariantCulture;
        return string.Create(c, $"{sorted.Length} presented, median {At(0.5):F2} ms, p99 {At(0.99):F2} ms, {Discarded} discarded, {ZeroCopy} zero-copy");
    }
}
