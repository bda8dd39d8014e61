using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Wayland.Scanner;

/// <summary>
/// The incremental source generator: every AdditionalFiles *.xml is a Wayland protocol; each becomes
/// three files (interface metadata, server side, client side). Cross-protocol references (xdg-shell
/// naming wl_surface) are checked across all XML files of the compilation.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class ScannerGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var files = context.AdditionalTextsProvider
            .Where(f => f.Path.EndsWith(".xml", System.StringComparison.OrdinalIgnoreCase))
            .Select((f, ct) => (f.Path, Text: f.GetText(ct)?.ToString() ?? ""))
            .Collect();
        // <WaylandProtocolNamespace> in the project picks the root namespace (default Wayland.Protocols),
        // so a project can generate its own protocols beside the ones Wayland.Protocols ships.
        var ns = context.AnalyzerConfigOptionsProvider.Select((o, _) =>
            o.GlobalOptions.TryGetValue("build_property.WaylandProtocolNamespace", out var v) && !string.IsNullOrWhiteSpace(v)
                ? v.Trim() : DefaultNamespace);
        context.RegisterSourceOutput(files.Combine(ns), (spc, input) => Generate(spc, input.Left, input.Right));
    }

    public const string DefaultNamespace = "Wayland.Protocols";

    private static void Generate(SourceProductionContext context, ImmutableArray<(string Path, string Text)> files, string ns)
    {
        var diagnostics = new List<Diagnostic>();
        var protocols = files.OrderBy(f => f.Path, System.StringComparer.Ordinal)
            .Select(f => Parser.Parse(f.Path, f.Text, diagnostics))
            .Where(p => p is not null).Cast<ProtocolModel>().ToList();
        Validator.Check(protocols, diagnostics);
        foreach (var d in diagnostics) context.ReportDiagnostic(d);
        if (diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error)) return;

        Naming.Interfaces = Parser.AllInterfaces(protocols).GroupBy(i => i.Name).ToDictionary(g => g.Key, g => g.First());
        foreach (var p in protocols)
        {
            var stem = Path.GetFileNameWithoutExtension(p.Path);
            context.AddSource($"{stem}.Interfaces.g.cs", SourceText.From(MetadataEmitter.Emit(p, ns), System.Text.Encoding.UTF8));
            context.AddSource($"{stem}.Server.g.cs", SourceText.From(ServerEmitter.Emit(p, ns), System.Text.Encoding.UTF8));
            context.AddSource($"{stem}.Client.g.cs", SourceText.From(ClientEmitter.Emit(p, ns), System.Text.Encoding.UTF8));
        }
    }
}

/// <summary>Checks that need every protocol at once: interface and enum references, duplicates.</summary>
internal static class Validator
{
    public static void Check(List<ProtocolModel> protocols, List<Diagnostic> diagnostics)
    {
        var interfaces = new Dictionary<string, InterfaceModel>();
        foreach (var i in Parser.AllInterfaces(protocols))
        {
            if (interfaces.ContainsKey(i.Name))
                diagnostics.Add(Diagnostic.Create(Diagnostics.DuplicateInterface, i.Location, i.Name));
            else interfaces[i.Name] = i;
        }
        foreach (var iface in interfaces.Values)
        {
            foreach (var m in iface.Requests.Concat(iface.Events))
            {
                var where = $"{iface.Name}.{m.Name}";
                if (m.Args.Count(a => a.Type == "new_id") > 1)
                    diagnostics.Add(Diagnostic.Create(Diagnostics.Unsupported, m.Location, $"{where} creates more than one object"));
                if (iface.Events.Contains(m) && m.Args.Any(a => a.Type == "new_id" && a.Interface is null))
                    diagnostics.Add(Diagnostic.Create(Diagnostics.Unsupported, m.Location, $"{where}: untyped new_id in an event"));
                foreach (var a in m.Args)
                {
                    if (a.Interface is not null && !interfaces.ContainsKey(a.Interface))
                        diagnostics.Add(Diagnostic.Create(Diagnostics.UnknownInterface, a.Location, a.Name, where, a.Interface));
                    if (a.Enum is not null && !EnumExists(a.Enum, iface, interfaces))
                        diagnostics.Add(Diagnostic.Create(Diagnostics.UnknownEnum, a.Location, a.Name, where, a.Enum));
                }
            }
        }
    }

    private static bool EnumExists(string reference, InterfaceModel current, Dictionary<string, InterfaceModel> interfaces)
    {
        var dot = reference.IndexOf('.');
        var owner = dot < 0 ? current : interfaces.TryGetValue(reference.Substring(0, dot), out var i) ? i : null;
        var name = dot < 0 ? reference : reference.Substring(dot + 1);
        return owner is not null && owner.Enums.Any(e => e.Name == name);
    }
}
