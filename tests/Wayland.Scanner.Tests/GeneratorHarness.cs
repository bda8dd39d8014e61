using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace Wayland.Scanner.Tests;

/// <summary>An additional file (protocol XML) that lives only in memory.</summary>
internal sealed class InMemoryAdditionalText(string path, string text) : AdditionalText
{
    private readonly SourceText _text = SourceText.From(text);

    public override string Path { get; } = path;

    public override SourceText GetText(CancellationToken cancellationToken = default) => _text;
}

/// <summary>Global analyzer config options, as MSBuild passes CompilerVisibleProperty values ("build_property.X").</summary>
internal sealed class GlobalOptionsProvider(IReadOnlyDictionary<string, string> values) : AnalyzerConfigOptionsProvider
{
    private readonly Options _options = new(values);

    public override AnalyzerConfigOptions GlobalOptions => _options;
    public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => Options.Empty;
    public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => Options.Empty;

    private sealed class Options(IReadOnlyDictionary<string, string> values) : AnalyzerConfigOptions
    {
        public static readonly Options Empty = new(new Dictionary<string, string>());

        public override bool TryGetValue(string key, [NotNullWhen(true)] out string? value) =>
            values.TryGetValue(key, out value);
    }
}

/// <summary>What one run of the scanner produced.</summary>
internal sealed record GeneratorOutput(ImmutableArray<GeneratedSourceResult> Sources, ImmutableArray<Diagnostic> Diagnostics)
{
    public string Source(string hintName)
    {
        var match = Sources.Where(s => s.HintName == hintName).ToList();
        Assert.True(match.Count == 1,
            $"expected one generated source named {hintName}; got: {string.Join(", ", Sources.Select(s => s.HintName))}");
        return match[0].SourceText.ToString();
    }

    public string DescribeDiagnostics() =>
        Diagnostics.Length == 0 ? "(none)" : string.Join(Environment.NewLine, Diagnostics.Select(d => d.ToString()));
}

internal static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    /// <summary>Runs <see cref="ScannerGenerator"/> the way the compiler does, with the given XML files as AdditionalFiles.</summary>
    public static GeneratorOutput Run(IEnumerable<(string Path, string Text)> xmlFiles, IReadOnlyDictionary<string, string>? buildProperties = null)
    {
        var compilation = CSharpCompilation.Create("ScannerInput",
            [CSharpSyntaxTree.ParseText("namespace Dummy { internal static class Empty { } }", ParseOptions)],
            FrameworkReferences(),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            [new ScannerGenerator().AsSourceGenerator()],
            xmlFiles.Select(f => (AdditionalText)new InMemoryAdditionalText(f.Path, f.Text)),
            ParseOptions,
            buildProperties is null ? null : new GlobalOptionsProvider(
                buildProperties.ToDictionary(p => "build_property." + p.Key, p => p.Value)));
        driver = driver.RunGenerators(compilation);
        var result = driver.GetRunResult();
        var generator = Assert.Single(result.Results);
        Assert.Null(generator.Exception);
        return new GeneratorOutput(generator.GeneratedSources, generator.Diagnostics);
    }

    public static GeneratorOutput Run(string path, string text) => Run([(path, text)]);

    /// <summary>The framework's reference assemblies, as the test host sees them.</summary>
    public static IEnumerable<MetadataReference> FrameworkReferences() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal)
                || Path.GetFileName(p) is "System.dll" or "mscorlib.dll" or "netstandard.dll")
            .Select(p => MetadataReference.CreateFromFile(p));

    /// <summary>This test project's source folder (tests/Wayland.Scanner.Tests).</summary>
    public static string ProjectDir([CallerFilePath] string file = "") => Path.GetDirectoryName(file)!;

    /// <summary>The repository root (two levels above this project).</summary>
    public static string RepoRoot() => Path.GetFullPath(Path.Combine(ProjectDir(), "..", ".."));

    /// <summary>Text with \n line endings, for comparisons that do not care how git checked a file out.</summary>
    public static string Normalize(string text) => text.Replace("\r\n", "\n").Replace("\r", "\n");
}
