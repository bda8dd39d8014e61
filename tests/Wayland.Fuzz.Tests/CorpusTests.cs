using Wayland.Fuzz;
using Wayland.Fuzz.Wire;

namespace Wayland.Fuzz.Tests;

public class CorpusTests
{
    private static readonly string CorpusDir = Path.Combine(AppContext.BaseDirectory, "corpus", "wire");

    [Fact]
    public void TheCommittedCorpusIsWhatTheSeedGeneratorMakes()
    {
        // Regenerate with: dotnet tests/Wayland.Fuzz/bin/Release/net10.0/Wayland.Fuzz.dll seeds tests/Wayland.Fuzz/corpus/wire
        foreach (var (name, bytes) in Seeds.Generate())
            Assert.True(bytes.AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(CorpusDir, name))), $"{name} differs from the generator's");
    }

    [Fact]
    public void EverySeedRunsCleanlyAndTheyReachManyHandlers()
    {
        using var target = new WireTarget();
        var outcomes = new HashSet<string>();
        foreach (var file in Directory.GetFiles(CorpusDir).Order())
        {
            target.Run(File.ReadAllBytes(file)); // throws on a crash, an error logged or a leaked fd
            outcomes.Add(target.LastError ?? "none");
        }
        // Seeds that all died on the same check would leave afl stuck at the door.
        Assert.True(outcomes.Count >= 8, $"only {outcomes.Count} distinct outcomes: {string.Join(" | ", outcomes)}");
    }
}
