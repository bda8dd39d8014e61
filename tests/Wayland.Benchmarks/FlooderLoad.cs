using System.Diagnostics;
using Wayland.Client;

namespace Wayland.Benchmarks;

internal sealed record FlooderResult(TimeSpan? CutOffAfter, long Requests, TimeSpan OthersMaxRoundtrip, bool OthersStillServed);

/// <summary>
/// A client that sends wl_display.sync (answered with done and delete_id) as fast as it can and never
/// reads: the server's replies to it pile up. The server should cut it off rather than grow without
/// bound, and another client should not notice.
/// </summary>
internal static class FlooderLoad
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    public static FlooderResult Measure(ServerProcess server)
    {
        using var probe = new LatencyProbe(server.SocketPath);
        using var flooder = ClientDisplay.Connect(server.SocketPath);
        var sw = Stopwatch.StartNew();
        long requests = 0;
        TimeSpan? cutOff = null;
        try
        {
            while (sw.Elapsed < Limit)
            {
                for (var i = 0; i < 1000; i++) flooder.Display.Sync();
                requests += 1000;
                flooder.Flush();
            }
        }
        catch (IOException)
        {
            cutOff = sw.Elapsed; // the server closed the connection
        }
        var max = probe.Max;
        var before = probe.Roundtrips;
        Thread.Sleep(100);
        return new FlooderResult(cutOff, requests, max, probe.Failure is null && probe.Roundtrips > before);
    }

    public static void Print(string who, FlooderResult r) =>
        Console.WriteLine($"{who,-7} flooder that never reads: " +
                          (r.CutOffAfter is { } t ? $"cut off after {t.TotalMilliseconds,6:F0} ms" : $"not cut off within {Limit.TotalSeconds:F0} s") +
                          $" ({r.Requests} syncs sent); another client's longest round trip meanwhile {r.OthersMaxRoundtrip.TotalMilliseconds,5:F1} ms, " +
                          (r.OthersStillServed ? "still served" : "NOT served afterwards"));
}
