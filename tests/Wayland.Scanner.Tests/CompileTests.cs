using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Wayland.Scanner.Tests;

/// <summary>The generated code of the golden protocol compiles against the real runtime (Wayland.Protocols).</summary>
public sealed class CompileTests
{
    private static CSharpCompilation Compile(string assemblyName, GeneratorOutput output) =>
        CSharpCompilation.Create(assemblyName,
            output.Sources.Select(s => CSharpSyntaxTree.ParseText(s.SourceText, GeneratorHarness.ParseOptions, s.HintName)),
            GeneratorHarness.FrameworkReferences()
                .Append(MetadataReference.CreateFromFile(typeof(Wayland.Wire.MessageReader).Assembly.Location)),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    [Fact]
    public void GoldenProtocolCompilesAgainstTheRuntime()
    {
        var output = GoldenTests.RunGolden();
        Assert.True(output.Diagnostics.IsEmpty, output.DescribeDiagnostics());
        // Resource.Dispatch and Proxy.DispatchEvent are 'protected internal' and the generated overrides say
        // 'protected internal' too: that compiles in Wayland.Protocols itself and in the assemblies it grants
        // InternalsVisibleTo (elsewhere C# demands 'protected' and reports CS0507). So this compilation takes
        // the name of one of those friends, as the generated code of test-wire.xml does in real life.
        var compilation = Compile("Wayland.Protocols.Tests", output);
        var diagnostics = compilation.GetDiagnostics();
        var errors = diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, string.Join(Environment.NewLine, errors.Select(d => d.ToString())));

        // The projects that run the scanner treat warnings as errors, so the generated code must not warn either
        // (nullable annotations included). CS0436 is this test's own doing: the golden Interfaces class is also
        // in the referenced runtime, and the source one wins.
        var warnings = diagnostics.Where(d => d.Severity == DiagnosticSeverity.Warning && d.Id != "CS0436").ToList();
        Assert.True(warnings.Count == 0, string.Join(Environment.NewLine, warnings.Select(d => d.ToString())));
    }
}
