using System.Diagnostics;
using Wayland.Fuzz.Harness;

namespace Wayland.Fuzz.Protocol;

public sealed record ProtocolFuzzOptions
{
    public required int Seed { get; init; }
    public long Messages { get; init; } = 200_000;
    public required string CompositorDll { get; init; }
    /// <summary>Run only this client (of <see cref="Seed"/>), printing every request: the replay of a failure.</summary>
    public int? OnlyClient { get; init; }
    public int MaxPerClient { get; init; } = 400;
    /// <summary>Share of requests that are broken by the <see cref="Mutator"/>.</summary>
    public double MutationRate { get; init; } = 0.02;
    public TextWriter Out { get; init; } = Console.Out;
}

public sealed record ProtocolFuzzReport(int Seed, long Messages, int Clients, TimeSpan Time,
    int BaselineFds, int FinalFds, long BaselineRssKiB, long FinalRssKiB, int Roundtrips, TimeSpan SlowestRoundtrip,
    IReadOnlyList<string> Failures)
{
    public double MessagesPerSecond => Messages / Time.TotalSeconds;

    public override string ToString() =>
        $"protocol fuzz seed {Seed}: {Messages} messages from {Clients} clients in {Time.TotalSeconds:0.0} s " +
        $"({MessagesPerSecond:0} messages/s); compositor fds {BaselineFds} before, {FinalFds} after; " +
        $"RSS {BaselineRssKiB / 1024} MiB before, {FinalRssKiB / 1024} MiB after; healthy client {Roundtrips} round trips, " +
        $"slowest {SlowestRoundtrip.TotalMilliseconds:0} ms; " + (Failures.Count == 0 ? "no failures" : $"FAILED: {string.Join("; ", Failures)}");
}

/// <summary>
/// Drives the compositor executable over its socket with fuzz clients, one after another, each a
/// random session of well-typed requests (<see cref="RequestGenerator"/>) of which a few are broken
/// (<see cref="Mutator"/>), sent in batches of 16 with their fds. Oracles: the compositor stays alive
/// and never logs an error, a <see cref="HealthyClient"/> keeps getting round trips within 3 s, and once
/// every fuzz client has left, the compositor's fd count and RSS are back near what they were after
/// a warm-up (counted from /proc, with no GC forced). Client k of seed s is Random(s * 1000003 + k),
/// so a failure is replayed with <c>--seed s --client k</c>.
/// </summary>
public sealed class ProtocolFuzzer(ProtocolFuzzOptions options)
{
    private const int BatchSize = 16;
    /// <summary>What the compositor may keep after the run above the warm-up's RSS: the GC returns memory
    /// lazily, a leak of per-client state over 200k messages does not stay under it.</summary>
    public const long RssSlackKiB = 96 * 1024;

    private static readonly FdKind[] AllKinds = Enum.GetValues<FdKind>();
    private List<GlobalInfo> _globals = [];
    private long _messages;

    public ProtocolFuzzReport Run()
    {
        var failures = new List<string>();
        using var compositor = new CompositorProcess(options.CompositorDll);
        using var healthy = new HealthyClient(compositor.SocketPath);
        _globals = DiscoverGlobals(compositor.SocketPath);
        options.Out.WriteLine($"protocol fuzz: seed {options.Seed}, compositor pid {compositor.Pid}, {_globals.Count} globals");

        if (options.OnlyClient is { } only)
        {
            RunClient(compositor.SocketPath, options.Seed, only, options.Out);
            Check(compositor, healthy, failures, only);
            return Report(0, 0, 0, 0, 1, TimeSpan.Zero);
        }

        // A warm-up (its own seed range) makes the compositor open and allocate what it keeps for good.
        for (var k = 0; _messages < 2_000; k++) RunClient(compositor.SocketPath, ~options.Seed, k, null);
        var (baselineFds, baselineRss) = Settle(compositor, int.MaxValue);
        _messages = 0;
        var time = Stopwatch.StartNew();
        var clients = 0;
        for (; _messages < options.Messages && failures.Count == 0; clients++)
        {
            try
            {
                RunClient(compositor.SocketPath, options.Seed, clients, null);
            }
            catch (System.Net.Sockets.SocketException e)
            {
                failures.Add($"client {clients} could not connect ({e.Message})");
            }
            Check(compositor, healthy, failures, clients);
        }
        time.Stop();
        if (failures.Count > 0) failures.Add($"the compositor's last lines:\n{compositor.LogTail}");
        if (compositor.HasExited) return Report(baselineFds, 0, baselineRss, 0, clients, time.Elapsed);
        var (fds, rss) = Settle(compositor, baselineFds);
        if (fds < 0) compositor.WaitForExit();
        Check(compositor, healthy, failures, clients - 1);
        if (compositor.HasExited) return Report(baselineFds, 0, baselineRss, 0, clients, time.Elapsed);
        if (fds > baselineFds) failures.Add($"the compositor has {fds - baselineFds} more fd(s) open than before the run");
        if (rss > baselineRss + RssSlackKiB) failures.Add($"the compositor's RSS grew by {(rss - baselineRss) / 1024} MiB");
        return Report(baselineFds, fds, baselineRss, rss, clients, time.Elapsed);

        ProtocolFuzzReport Report(int fdsBefore, int fdsAfter, long rssBefore, long rssAfter, int n, TimeSpan t) =>
            new(options.Seed, _messages, n, t, fdsBefore, fdsAfter, rssBefore, rssAfter, healthy.Roundtrips, healthy.Slowest, failures);
    }

    private void Check(CompositorProcess compositor, HealthyClient healthy, List<string> failures, int client)
    {
        var replay = $"(at or just before client {client}: replay with --seed {options.Seed} --client {client})";
        if (compositor.HasExited) failures.Add($"the compositor exited {replay}");
        if (healthy.Failure is { } f) failures.Add($"{f} {replay}");
        if (compositor.LoggedErrors is [var first, ..]) failures.Add($"the compositor logged: {first} {replay}");
    }

    /// <summary>Waits (up to 5 s) for the compositor to close what the last clients left, then measures.</summary>
    private static (int Fds, long RssKiB) Settle(CompositorProcess compositor, int target)
    {
        var time = Stopwatch.StartNew();
        var fds = compositor.OpenFds;
        for (var previous = -1; time.Elapsed < TimeSpan.FromSeconds(5) && (fds > target || fds != previous); fds = compositor.OpenFds)
        {
            previous = fds;
            Thread.Sleep(200);
        }
        return (fds, compositor.RssKiB);
    }

    private static List<GlobalInfo> DiscoverGlobals(string socketPath)
    {
        using var connection = new FuzzConnection(socketPath) { KeepReceived = true };
        var b = new MessageBuilder();
        b.Word(2);
        var getRegistry = b.Finish(1, 1);
        b = new MessageBuilder();
        b.Word(3);
        connection.Send([.. getRegistry, .. b.Finish(1, 0)], []); // wl_display.get_registry, wl_display.sync
        var time = Stopwatch.StartNew();
        while (time.Elapsed < TimeSpan.FromSeconds(5))
        {
            connection.WaitReadable(100);
            var (globals, done) = connection.Registry(3);
            if (done) return globals;
        }
        throw new FuzzFailure("the compositor did not answer wl_display.sync within 5 s");
    }

    private void RunClient(string socketPath, int seed, int index, TextWriter? trace)
    {
        var rng = new Random(unchecked(seed * 1_000_003 + index));
        var generator = new RequestGenerator(rng, _globals, AllKinds);
        var mutator = new Mutator(rng);
        using var connection = new FuzzConnection(socketPath);
        var batch = generator.Start().ToList();
        for (var sent = 0; sent < options.MaxPerClient && !connection.Closed; )
        {
            while (batch.Count < BatchSize && batch.Sum(r => r.Fds.Length) < 200)
            {
                var r = generator.Next();
                batch.Add(rng.NextDouble() < options.MutationRate ? mutator.Mutate(r) : r);
            }
            if (!Send(connection, batch, trace)) break;
            sent += batch.Count;
            _messages += batch.Count;
            batch.Clear();
            connection.Drain();
        }
        trace?.WriteLine(connection.Closed ? "the compositor closed the connection" : "client done");
    }

    private static bool Send(FuzzConnection connection, List<Request> batch, TextWriter? trace)
    {
        var bytes = batch.SelectMany(r => r.Bytes).ToArray();
        var made = batch.SelectMany(r => r.Fds).Select(Fds.Create).ToList();
        try
        {
            foreach (var r in batch) trace?.WriteLine(r.Description);
            return connection.Send(bytes, made.Select(f => f.Fd).ToArray());
        }
        finally
        {
            connection.Drain();
            foreach (var f in made) f.Release();
        }
    }
}
