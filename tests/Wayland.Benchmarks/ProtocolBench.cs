using System.Diagnostics;
using Wayland.Client;
using Wayland.Protocols.Client;

namespace Wayland.Benchmarks;

internal sealed record Result(string Stream, double RoundtripMicros, double RoundtripP99Micros,
    double WallNanosPerRequest, double ServerCpuNanosPerRequest, int Requests);

/// <summary>
/// Measures a compositor through its socket with our client runtime (the same client for every
/// server, so differences are the server's): wl_display.sync round trips, then a stream of small
/// requests closed by one sync. The stream is wl_surface.damage when the server has wl_compositor,
/// otherwise wl_display.sync (each answered by done + delete_id).
/// </summary>
internal static class ProtocolBench
{
    private const int RoundtripWarmup = 2_000, Roundtrips = 20_000;
    private const int Batch = 1_000, WarmupBatches = 100, Batches = 400;

    /// <param name="syncStream">Use the wl_display.sync stream even where wl_compositor exists, so two
    /// servers are compared on the same requests.</param>
    public static Result Measure(string socketPath, int? serverPid, bool syncStream = false)
    {
        using var display = ClientDisplay.Connect(socketPath);
        var registry = display.GetRegistry();
        uint compositorName = 0;
        registry.Global += (_, name, iface, _) => { if (iface == "wl_compositor") compositorName = name; };
        display.Roundtrip();

        for (var i = 0; i < RoundtripWarmup; i++) display.Roundtrip();
        var samples = new double[Roundtrips];
        for (var i = 0; i < Roundtrips; i++)
        {
            var t = Stopwatch.GetTimestamp();
            display.Roundtrip();
            samples[i] = Stopwatch.GetElapsedTime(t).TotalMicroseconds;
        }
        Array.Sort(samples);

        Action<int> sendBatch;
        string stream;
        if (compositorName != 0 && !syncStream)
        {
            var surface = registry.Bind<WlCompositor>(compositorName, 1).CreateSurface();
            sendBatch = n => { for (var i = 0; i < n; i++) surface.Damage(i & 255, 0, 16, 16); };
            stream = "wl_surface.damage";
        }
        else
        {
            sendBatch = n => { for (var i = 0; i < n; i++) display.Display.Sync(); };
            stream = "wl_display.sync";
        }
        for (var b = 0; b < WarmupBatches; b++) { sendBatch(Batch); display.Roundtrip(); }

        var cpuBefore = serverPid is { } p1 ? ServerProcess.CpuTime(p1) : TimeSpan.Zero;
        var start = Stopwatch.GetTimestamp();
        for (var b = 0; b < Batches; b++) { sendBatch(Batch); display.Roundtrip(); }
        var wall = Stopwatch.GetElapsedTime(start);
        var cpu = serverPid is { } p2 ? ServerProcess.CpuTime(p2) - cpuBefore : TimeSpan.Zero;
        var requests = Batch * Batches;
        return new Result(stream, samples[samples.Length / 2], samples[(int)(samples.Length * 0.99)],
            wall.TotalNanoseconds / requests, cpu.TotalNanoseconds / requests, requests);
    }
}

internal static class Report
{
    /// <summary>Per-metric median of several runs (runs alternate between servers, so machine
    /// noise hits both alike).</summary>
    public static Result Median(IReadOnlyList<Result> runs)
    {
        static double Mid(IEnumerable<double> xs) { var a = xs.Order().ToArray(); return a[a.Length / 2]; }
        return new Result(runs[0].Stream, Mid(runs.Select(r => r.RoundtripMicros)), Mid(runs.Select(r => r.RoundtripP99Micros)),
            Mid(runs.Select(r => r.WallNanosPerRequest)), Mid(runs.Select(r => r.ServerCpuNanosPerRequest)), runs[0].Requests);
    }

    public static void Print(string who, Result r)
    {
        Console.WriteLine($"{who,-7} sync round trip: median {r.RoundtripMicros,7:F1} us  p99 {r.RoundtripP99Micros,7:F1} us");
        Console.WriteLine($"{who,-7} {r.Stream} stream ({r.Requests} requests, 1 sync per {1000}): " +
            $"wall {r.WallNanosPerRequest,7:F0} ns/request, server CPU {r.ServerCpuNanosPerRequest,7:F0} ns/request");
    }

    public static void Compare(Result ours, Result weston)
    {
        Console.WriteLine($"ratio ours/weston: round trip {ours.RoundtripMicros / weston.RoundtripMicros:F2}, " +
            $"stream wall {ours.WallNanosPerRequest / weston.WallNanosPerRequest:F2}, " +
            $"stream server CPU {ours.ServerCpuNanosPerRequest / Math.Max(1, weston.ServerCpuNanosPerRequest):F2}" +
            (ours.Stream != weston.Stream ? $" (streams differ: {ours.Stream} vs {weston.Stream})" : ""));
    }
}
