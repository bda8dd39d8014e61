namespace Wayland.Scanner.Tests;

/// <summary>The scanner on the protocol XML the compositor actually ships (protocol-xml/*.xml).</summary>
public sealed class RealProtocolTests
{
    private static readonly string XmlDir = Path.Combine(GeneratorHarness.RepoRoot(), "protocol-xml");

    private static (string[] Files, GeneratorOutput Output) RunAll()
    {
        var files = Directory.GetFiles(XmlDir, "*.xml").Order(StringComparer.Ordinal).ToArray();
        Assert.NotEmpty(files);
        return (files, GeneratorHarness.Run(files.Select(f => (f, File.ReadAllText(f)))));
    }

    [Fact]
    public void EveryProtocolGeneratesThreeSourcesWithoutDiagnostics()
    {
        var (files, output) = RunAll();
        Assert.True(output.Diagnostics.IsEmpty, output.DescribeDiagnostics());
        Assert.Equal(3 * files.Length, output.Sources.Length);
        var expected = files.Select(Path.GetFileNameWithoutExtension)
            .SelectMany(stem => new[] { $"{stem}.Interfaces.g.cs", $"{stem}.Server.g.cs", $"{stem}.Client.g.cs" })
            .Order(StringComparer.Ordinal);
        Assert.Equal(expected, output.Sources.Select(s => s.HintName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void WaylandXmlServerSideHasTypedResourcesAndVersionedEvents()
    {
        var (_, output) = RunAll();
        var server = GeneratorHarness.Normalize(output.Source("wayland.Server.g.cs"));

        Assert.Contains("public sealed partial class WlSurface : Resource", server);
        var sender = server.IndexOf("public void SendPreferredBufferScale(int factor)", StringComparison.Ordinal);
        Assert.True(sender >= 0, "WlSurface.SendPreferredBufferScale(int factor) was not generated");
        // The first statement of the sender: clients that bound wl_surface below version 6 never see the event.
        var body = server[sender..server.IndexOf("\n    }\n", sender, StringComparison.Ordinal)];
        Assert.Matches(@"\{\n\s*if \(Version < 6\) return;\n", body);
    }

    [Fact]
    public void WaylandXmlClientSideHasRegistryBind()
    {
        var (_, output) = RunAll();
        var client = GeneratorHarness.Normalize(output.Source("wayland.Client.g.cs"));

        Assert.Contains("public sealed partial class WlRegistry : Proxy", client);
        Assert.Contains("public T Bind<T>(uint name, uint version) where T : Proxy, IProxyFactory<T>", client);
        // wl_display has both an error event and an error enum: the event gets the Event suffix.
        Assert.Contains("public event ErrorEventHandler? ErrorEvent;", client);
    }

    [Fact]
    public void CrossProtocolReferencesResolve()
    {
        var (_, output) = RunAll();
        var server = output.Source("xdg-shell.Server.g.cs");
        // xdg_wm_base.get_xdg_surface takes a wl_surface, which only wayland.xml defines.
        Assert.Contains("reader.ReadObject<WlSurface>(false, \"wl_surface\")!", server);
    }
}
