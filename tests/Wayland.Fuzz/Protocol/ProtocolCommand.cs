namespace Wayland.Fuzz.Protocol;

/// <summary><c>wayland-fuzz protocol [--seed N] [--messages N] [--client K] [--compositor DLL]</c>.</summary>
public static class ProtocolCommand
{
    public const string Usage = """
        usage: wayland-fuzz protocol [--seed N] [--messages N] [--client K] [--mutation-rate R] [--compositor DLL]
          --seed N         seed of the run (default: random, printed)
          --messages N     requests to send (default 200000)
          --client K       replay client K of the seed alone, printing every request it sends
          --mutation-rate  share of requests broken on purpose (default 0.02)
          --compositor     the compositor executable (default: compositor.dll beside this program)
        """;

    public static int Run(string[] args)
    {
        var seed = Random.Shared.Next();
        long messages = 200_000;
        int? client = null;
        var rate = 0.02;
        var dll = Path.Combine(AppContext.BaseDirectory, "compositor.dll");
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--seed": seed = int.Parse(Value()); break;
                case "--messages": messages = long.Parse(Value()); break;
                case "--client": client = int.Parse(Value()); break;
                case "--mutation-rate": rate = double.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture); break;
                case "--compositor": dll = Value(); break;
                default: Console.Error.WriteLine(Usage); return 2;
            }
        }
        var report = new ProtocolFuzzer(new ProtocolFuzzOptions
        {
            Seed = seed, Messages = messages, OnlyClient = client, MutationRate = rate, CompositorDll = dll,
        }).Run();
        Console.WriteLine(report);
        return report.Failures.Count == 0 ? 0 : 1;
    }
}
