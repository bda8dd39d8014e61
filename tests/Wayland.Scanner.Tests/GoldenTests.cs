namespace Wayland.Scanner.Tests;

/// <summary>
/// The generated code for Golden/test-protocol.xml must match Golden/expected/*.g.cs exactly (line endings aside).
/// After an intended change to the scanner, regenerate the expected files with
/// <c>UPDATE_GOLDEN=1 dotnet test tests/Wayland.Scanner.Tests</c> and review the diff.
/// </summary>
public sealed class GoldenTests
{
    private const string Stem = "test-protocol";

    internal static string GoldenDir => Path.Combine(GeneratorHarness.ProjectDir(), "Golden");
    internal static string XmlPath => Path.Combine(GoldenDir, Stem + ".xml");
    private static string ExpectedDir => Path.Combine(GoldenDir, "expected");

    internal static GeneratorOutput RunGolden() => GeneratorHarness.Run(XmlPath, File.ReadAllText(XmlPath));

    [Fact]
    public void GeneratesExactlyTheThreeFilesOfTheProtocol()
    {
        var output = RunGolden();
        Assert.True(output.Diagnostics.IsEmpty, output.DescribeDiagnostics());
        Assert.Equal(
            [$"{Stem}.Client.g.cs", $"{Stem}.Interfaces.g.cs", $"{Stem}.Server.g.cs"],
            output.Sources.Select(s => s.HintName).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("Interfaces")]
    [InlineData("Server")]
    [InlineData("Client")]
    public void MatchesExpectedOutput(string part)
    {
        var hintName = $"{Stem}.{part}.g.cs";
        var actual = GeneratorHarness.Normalize(RunGolden().Source(hintName));
        var expectedPath = Path.Combine(ExpectedDir, hintName);

        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
        {
            Directory.CreateDirectory(ExpectedDir);
            File.WriteAllText(expectedPath, actual);
            return;
        }

        Assert.True(File.Exists(expectedPath),
            $"{expectedPath} is missing; run the tests once with UPDATE_GOLDEN=1 to create it, then review it.");
        var expected = GeneratorHarness.Normalize(File.ReadAllText(expectedPath));
        if (expected == actual) return;

        var e = expected.Split('\n');
        var a = actual.Split('\n');
        var line = 0;
        while (line < e.Length && line < a.Length && e[line] == a[line]) line++;
        Assert.Fail(
            $"{hintName} differs from {expectedPath} at line {line + 1}:\n" +
            $"  expected: {(line < e.Length ? e[line] : "<end of file>")}\n" +
            $"  actual:   {(line < a.Length ? a[line] : "<end of file>")}\n" +
            "If the scanner change is intended, rerun with UPDATE_GOLDEN=1 and review the diff of Golden/expected/.");
    }

    [Fact]
    public void NamespaceFollowsWaylandProtocolNamespace()
    {
        var output = GeneratorHarness.Run([(XmlPath, File.ReadAllText(XmlPath))],
            new Dictionary<string, string> { ["WaylandProtocolNamespace"] = " My.Protocols " });
        Assert.True(output.Diagnostics.IsEmpty, output.DescribeDiagnostics());
        Assert.Contains("\nnamespace My.Protocols;\n", output.Source($"{Stem}.Interfaces.g.cs"));
        Assert.Contains("\nnamespace My.Protocols.Server;\n", output.Source($"{Stem}.Server.g.cs"));
        Assert.Contains("\nnamespace My.Protocols.Client;\n", output.Source($"{Stem}.Client.g.cs"));
        Assert.DoesNotContain("namespace Wayland.Protocols", string.Concat(output.Sources.Select(s => s.SourceText.ToString())));
    }
}
