namespace Wayland.Benchmarks;

/// <summary>
/// The load benchmark (--load): many objects, many connections, many animated clients, a
/// flooder and fd hoarders, against ours and weston, each on a fresh server, figures side by side.
/// </summary>
internal static class LoadBench
{
    /// <param name="only">objects, cycles, animated, flooder or fds to run that case alone; null for all.</param>
    public static void Compare(string? only = null)
    {
        Console.WriteLine("Load benchmark: ours vs weston headless, each case on a fresh server");
        if (only is null or "objects") Run("objects", s => ObjectsLoad.Measure(s), (who, r) => ObjectsLoad.Print(who, r.Baseline, r.Rounds));
        if (only is null or "cycles") Run("connect/disconnect cycles", CyclesLoad.Measure, CyclesLoad.Print);
        if (only is null or "animated") Run("animated clients", AnimatedLoad.Measure, AnimatedLoad.Print);
        if (only is null or "flooder") Run("flooder", FlooderLoad.Measure, FlooderLoad.Print);
        if (only is null or "fds") Run("fd hoarders", FdHoardLoad.Measure, FdHoardLoad.Print);
    }

    private static void Run<T>(string name, Func<ServerProcess, T> measure, Action<string, T> print)
    {
        Console.Error.WriteLine($"load: {name}...");
        T ours, weston;
        using (var server = ServerProcess.StartOurs()) ours = measure(server);
        using (var server = ServerProcess.StartWeston()) weston = measure(server);
        print("ours", ours);
        print("weston", weston);
    }
}
