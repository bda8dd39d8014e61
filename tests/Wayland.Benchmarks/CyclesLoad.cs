using System.Diagnostics;
using Wayland.Client;

namespace Wayland.Benchmarks;

internal sealed record CyclesResult(double Seconds, int FdsBefore, int FdsAfter, long RssBefore, long RssAfter);

/// <summary>
/// Clients that connect, get the registry's globals with a round trip and leave, one after another:
/// whatever a connection leaves behind (fds, memory) adds up over <see cref="Cycles"/> of them.
/// </summary>
internal static class CyclesLoad
{
    public const int Cycles = 1000, Warmup = 50;

    public static CyclesResult Measure(ServerProcess server)
    {
        for (var i = 0; i < Warmup; i++) Cycle(server.SocketPath);
        using var witness = ClientDisplay.Connect(server.SocketPath);
        witness.Roundtrip();
        var fds = ProcStats.FdCount(server.Pid);
        var rss = ProcStats.Rss(server.Pid);
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < Cycles; i++) Cycle(server.SocketPath);
        var took = sw.Elapsed;
        // The last hang-ups are handled before a round trip that starts after them.
        Thread.Sleep(100);
        witness.Roundtrip();
        return new CyclesResult(took.TotalSeconds, fds, ProcStats.FdCount(server.Pid), rss, ProcStats.Rss(server.Pid));
    }

    private static void Cycle(string socketPath)
    {
        using var display = ClientDisplay.Connect(socketPath);
        display.GetRegistry();
        display.Roundtrip();
    }

    public static void Print(string who, CyclesResult r) =>
        Console.WriteLine($"{who,-7} {Cycles} connect/registry/disconnect cycles (after {Warmup} warm-up): {r.Seconds,6:F2} s " +
                          $"({r.Seconds * 1e6 / Cycles,5:F0} us each), fds {r.FdsBefore} -> {r.FdsAfter}, RSS {ProcStats.Mb(r.RssBefore)} -> {ProcStats.Mb(r.RssAfter)}");
}
