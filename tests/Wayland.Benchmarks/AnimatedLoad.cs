using System.Diagnostics;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace Wayland.Benchmarks;

internal sealed record AnimatedResult(int Clients, double CallbacksPerClientPerSecond, double IntervalP50Ms, double IntervalP99Ms,
    double LatenessP50Ms, double LatenessP99Ms, double ServerCpuPercent);

/// <summary>
/// <see cref="Clients"/> animated windows on one thread, each redrawing on its frame callback. At a
/// 60 Hz refresh every client should get a callback every 16.7 ms; lateness is how much longer than
/// that a client waited between two callbacks.
/// </summary>
internal static unsafe class AnimatedLoad
{
    public const int Clients = 200;
    private const double RefreshMs = 1000.0 / 60;
    private static readonly TimeSpan Warmup = TimeSpan.FromSeconds(1), Duration = TimeSpan.FromSeconds(4);

    public static AnimatedResult Measure(ServerProcess server)
    {
        var clients = new List<AnimatedClient>();
        try
        {
            for (var i = 0; i < Clients; i++) clients.Add(new AnimatedClient(server.SocketPath));
            Run(clients, Warmup);
            foreach (var c in clients) c.Recording = true;
            var cpu0 = ServerProcess.CpuTime(server.Pid);
            Run(clients, Duration);
            var cpu = ServerProcess.CpuTime(server.Pid) - cpu0;

            var intervals = clients.SelectMany(c => c.Intervals).Select(t => Stopwatch.GetElapsedTime(0, t).TotalMilliseconds).Order().ToArray();
            double P(double q) => intervals.Length == 0 ? double.NaN : intervals[Math.Min(intervals.Length - 1, (int)(intervals.Length * q))];
            var callbacks = clients.Sum(c => c.Intervals.Count);
            return new AnimatedResult(Clients, callbacks / Duration.TotalSeconds / Clients, P(0.5), P(0.99),
                Math.Max(0, P(0.5) - RefreshMs), Math.Max(0, P(0.99) - RefreshMs), cpu / Duration * 100);
        }
        finally
        {
            foreach (var c in clients) c.Dispose();
        }
    }

    /// <summary>Polls every client's socket and pumps the ones with something to read (and all of
    /// them now and then, to commit frames whose callbacks were read during another's turn).</summary>
    private static void Run(List<AnimatedClient> clients, TimeSpan duration)
    {
        var fds = new pollfd[clients.Count];
        for (var i = 0; i < clients.Count; i++) fds[i] = new pollfd { fd = clients[i].Fd, events = POLLIN };
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < duration)
        {
            fixed (pollfd* p = fds) poll(p, (ulong_t)(ulong)fds.Length, 5);
            for (var i = 0; i < clients.Count; i++)
            {
                if (fds[i].revents != 0) clients[i].Pump();
                fds[i].revents = 0;
            }
        }
    }

    public static void Print(string who, AnimatedResult r) =>
        Console.WriteLine($"{who,-7} {r.Clients} animated clients: {r.CallbacksPerClientPerSecond,5:F1} frame callbacks/s each, " +
                          $"interval p50 {r.IntervalP50Ms,5:F1} ms p99 {r.IntervalP99Ms,6:F1} ms (lateness p50 {r.LatenessP50Ms,5:F1} ms p99 {r.LatenessP99Ms,6:F1} ms), " +
                          $"server CPU {r.ServerCpuPercent,4:F0}%");
}
