using Compositor.Tests.Harness;
using Wayland.Fuzz.Harness;
using Wayland.Fuzz.Protocol;
using Wayland.Fuzz.Wire;

namespace Wayland.Fuzz;

/// <summary>
/// Writes the wire target's seed corpus: sessions made by the <see cref="RequestGenerator"/> from the
/// protocol XML against the in-process compositor's globals, each a registry, every global bound and
/// a run of well-typed requests. afl mutates from there; without seeds it would take it hours to
/// stumble on wl_registry.bind. Deterministic: seed i is generated from Random(i).
/// </summary>
public static class Seeds
{
    public const int Count = 16;
    public const int RequestsPerSeed = 24;

    private static readonly FdKind[] AflFdKinds = [FdKind.SealedMemfd, FdKind.SmallMemfd, FdKind.PipeRead, FdKind.DevNull];

    public static int Write(string dir)
    {
        Directory.CreateDirectory(dir);
        foreach (var (name, bytes) in Generate()) File.WriteAllBytes(Path.Combine(dir, name), bytes);
        Console.WriteLine($"wrote {Count} seeds to {dir}");
        return 0;
    }

    public static IEnumerable<(string Name, byte[] Bytes)> Generate()
    {
        List<GlobalInfo> globals;
        using (var compositor = new InProcessCompositor(640, 480))
            globals = compositor.Display.Globals.Where(g => g.Filter is null).Select(g => new GlobalInfo(g.Name, g.Interface.Name, g.Version)).ToList();
        for (var i = 0; i < Count; i++)
        {
            var generator = new RequestGenerator(new Random(i), globals, AflFdKinds);
            var requests = generator.Start().Concat(Enumerable.Range(0, RequestsPerSeed).Select(_ => generator.Next()));
            yield return ($"session-{i:D2}", Encode(requests));
        }
    }

    /// <summary>One segment per request that carries fds, with the fd-less requests before it in the same segment.</summary>
    private static byte[] Encode(IEnumerable<Request> requests)
    {
        var output = new List<byte>();
        var pending = new List<byte>();
        foreach (var r in requests)
        {
            pending.AddRange(r.Bytes);
            if (r.Fds.Length == 0) continue;
            WireInput.Append(output, pending.ToArray(), r.Fds);
            pending.Clear();
        }
        if (pending.Count > 0) WireInput.Append(output, pending.ToArray(), []);
        return [.. output];
    }
}
