using System.Diagnostics;
using Wayland.Client;
using Wayland.Protocols.Client;

namespace Wayland.Benchmarks;

internal sealed record ObjectsRound(double CreateSeconds, double BytesPerObject, TimeSpan Stall, long RssAfter);

/// <summary>
/// One client creates <see cref="Count"/> objects (half wl_surface, half wl_region) and disconnects,
/// several times over. Per round: creation time, the server's RSS above its idle baseline per object, the longest
/// round trip another client saw while the server tore the objects down, and RSS once it settled.
/// </summary>
internal static class ObjectsLoad
{
    public const int Count = 100_000, Rounds = 4;
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(1.5);

    public static (long Baseline, List<ObjectsRound> Rounds) Measure(ServerProcess server)
    {
        using var probe = new LatencyProbe(server.SocketPath);
        Thread.Sleep(200);
        var baseline = ProcStats.Rss(server.Pid);
        var rounds = new List<ObjectsRound>();
        for (var round = 0; round < Rounds; round++)
        {
            var display = ClientDisplay.Connect(server.SocketPath);
            var compositor = BindCompositor(display);
            display.Roundtrip();
            var start = Stopwatch.GetTimestamp();
            for (var i = 0; i < Count / 2; i++)
            {
                compositor.CreateSurface();
                compositor.CreateRegion();
            }
            display.Roundtrip();
            var created = Stopwatch.GetElapsedTime(start);
            // Against the idle server's baseline, not this round's start: a heap that kept the last
            // round's memory would otherwise make the objects look free.
            var grown = ProcStats.Rss(server.Pid) - baseline;

            probe.Reset();
            display.Dispose();
            Thread.Sleep(Settle);
            rounds.Add(new ObjectsRound(created.TotalSeconds, (double)grown / Count, probe.Max, ProcStats.Rss(server.Pid)));
        }
        if (probe.Failure is not null) throw new InvalidOperationException("the probe client failed", probe.Failure);
        return (baseline, rounds);
    }

    internal static WlCompositor BindCompositor(ClientDisplay display)
    {
        var registry = display.GetRegistry();
        uint name = 0, version = 0;
        registry.Global += (_, n, iface, v) => { if (iface == "wl_compositor") (name, version) = (n, v); };
        display.Roundtrip();
        return registry.Bind<WlCompositor>(name, Math.Min(version, 4));
    }

    public static void Print(string who, long baseline, List<ObjectsRound> rounds)
    {
        Console.WriteLine($"{who,-7} {Count} objects (wl_surface + wl_region), {rounds.Count} rounds, baseline RSS {ProcStats.Mb(baseline)}:");
        foreach (var r in rounds)
            Console.WriteLine($"{who,-7}   create {r.CreateSeconds,6:F3} s ({Count / r.CreateSeconds,9:F0} objects/s), {r.BytesPerObject,6:F0} B/object, " +
                              $"disconnect stall for another client {r.Stall.TotalMilliseconds,6:F1} ms, RSS after {ProcStats.Mb(r.RssAfter)}");
    }
}
