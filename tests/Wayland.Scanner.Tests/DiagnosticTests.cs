using Microsoft.CodeAnalysis;

namespace Wayland.Scanner.Tests;

/// <summary>Bad protocol XML is reported as an error that points into the XML file, and nothing is generated.</summary>
public sealed class DiagnosticTests
{
    private const string Path = "/protocols/bad-protocol.xml";

    /// <summary>A valid protocol with <paramref name="body"/> as the inside of interface test_a (version 2).
    /// test_b, with enum kind, is there to be referred to.</summary>
    private static string Protocol(string body) => $"""
        <?xml version="1.0" encoding="UTF-8"?>
        <protocol name="bad">
          <interface name="test_a" version="2">
            {body}
          </interface>
          <interface name="test_b" version="1">
            <request name="destroy" type="destructor"/>
            <enum name="kind">
              <entry name="one" value="1"/>
            </enum>
          </interface>
        </protocol>
        """;

    /// <summary>Case name, XML, the diagnostic expected, and a piece of text on the line it must point at.</summary>
    public static TheoryData<string, string, string, string> BadInputs => new()
    {
        {
            "malformed XML", """
            <?xml version="1.0" encoding="UTF-8"?>
            <protocol name="bad">
              <interface name="test_a" version="1">
            </protocol>
            """, "WLS001", "</protocol>"
        },
        {
            "root element is not <protocol>", """
            <?xml version="1.0" encoding="UTF-8"?>
            <protocols name="bad">
              <interface name="test_a" version="1"/>
            </protocols>
            """, "WLS001", "<protocols"
        },
        {
            "interface without name", """
            <?xml version="1.0" encoding="UTF-8"?>
            <protocol name="bad">
              <interface version="1">
                <request name="destroy" type="destructor"/>
              </interface>
            </protocol>
            """, "WLS002", "<interface version"
        },
        {
            "entry without value", Protocol("""<enum name="e"><entry name="no_value"/></enum>"""),
            "WLS002", "no_value"
        },
        {
            "non-numeric version", """
            <?xml version="1.0" encoding="UTF-8"?>
            <protocol name="bad">
              <interface name="test_a" version="two">
                <request name="destroy" type="destructor"/>
              </interface>
            </protocol>
            """, "WLS003", "version=\"two\""
        },
        {
            "request type constructor", Protocol("""<request name="make" type="constructor"/>"""),
            "WLS003", "constructor"
        },
        {
            "unknown arg type", Protocol("""<request name="r"><arg name="x" type="float"/></request>"""),
            "WLS004", "float"
        },
        {
            "object of an interface no XML defines", Protocol("""<request name="r"><arg name="o" type="object" interface="test_nowhere"/></request>"""),
            "WLS005", "test_nowhere"
        },
        {
            "unknown enum of the same interface", Protocol("""<request name="r"><arg name="k" type="uint" enum="missing"/></request>"""),
            "WLS006", "missing"
        },
        {
            "unknown enum of another interface", Protocol("""<request name="r"><arg name="k" type="uint" enum="test_b.missing"/></request>"""),
            "WLS006", "test_b.missing"
        },
        {
            "enum of an interface no XML defines", Protocol("""<request name="r"><arg name="k" type="uint" enum="test_nowhere.kind"/></request>"""),
            "WLS006", "test_nowhere.kind"
        },
        {
            "allow-null on an int", Protocol("""<request name="r"><arg name="n" type="int" allow-null="true"/></request>"""),
            "WLS009", "allow-null"
        },
        {
            "allow-null neither true nor false", Protocol("""<request name="r"><arg name="s" type="string" allow-null="yes"/></request>"""),
            "WLS003", "allow-null"
        },
        {
            "request creating two objects", Protocol("""<request name="r"><arg name="a" type="new_id" interface="test_b"/><arg name="b" type="new_id" interface="test_b"/></request>"""),
            "WLS008", "<request name=\"r\""
        },
        {
            "untyped new_id in an event", Protocol("""<event name="e"><arg name="id" type="new_id"/></event>"""),
            "WLS008", "<event name=\"e\""
        },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void BadInputIsReported(string name, string xml, string id, string lineText)
    {
        var output = GeneratorHarness.Run(Path, xml);

        Assert.True(output.Diagnostics.Any(d => d.Id == id), $"{name}: expected {id}, got:\n{output.DescribeDiagnostics()}");
        Assert.All(output.Diagnostics, d =>
        {
            Assert.Equal(DiagnosticSeverity.Error, d.Severity);
            Assert.Equal(LocationKind.ExternalFile, d.Location.Kind);
            Assert.Equal(Path, d.Location.GetLineSpan().Path);
        });
        var expectedLine = Array.FindIndex(GeneratorHarness.Normalize(xml).Split('\n'), l => l.Contains(lineText, StringComparison.Ordinal));
        Assert.True(expectedLine >= 0, $"test bug: '{lineText}' is not in the XML");
        var diagnostic = output.Diagnostics.First(d => d.Id == id);
        Assert.Equal(expectedLine, diagnostic.Location.GetLineSpan().StartLinePosition.Line);
        Assert.Empty(output.Sources);
    }

    [Fact]
    public void GoodInputHasNoDiagnostics()
    {
        // The frame the bad inputs are built in is valid by itself, so each case fails for its own reason only.
        var output = GeneratorHarness.Run(Path, Protocol("""<request name="r"><arg name="k" type="uint" enum="test_b.kind"/></request>"""));
        Assert.True(output.Diagnostics.IsEmpty, output.DescribeDiagnostics());
        Assert.Equal(3, output.Sources.Length);
    }

    [Fact]
    public void InterfaceDefinedInTwoFilesIsReported()
    {
        const string first = "/protocols/a-first.xml";
        const string second = "/protocols/b-second.xml";
        var xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <protocol name="dup">
              <interface name="test_dup" version="1">
                <request name="destroy" type="destructor"/>
              </interface>
            </protocol>
            """;
        // Given in reverse order: the scanner sorts files by path, so the later path is the duplicate.
        var output = GeneratorHarness.Run([(second, xml), (first, xml.Replace("\"dup\"", "\"dup2\""))]);

        var diagnostic = Assert.Single(output.Diagnostics);
        Assert.Equal("WLS007", diagnostic.Id);
        Assert.Contains("test_dup", diagnostic.GetMessage());
        Assert.Equal(second, diagnostic.Location.GetLineSpan().Path);
        Assert.Equal(2, diagnostic.Location.GetLineSpan().StartLinePosition.Line);
        Assert.Empty(output.Sources);
    }

    [Fact]
    public void NonXmlAdditionalFilesAreIgnored()
    {
        var output = GeneratorHarness.Run([("/protocols/notes.txt", "not xml <at all")]);
        Assert.True(output.Diagnostics.IsEmpty, output.DescribeDiagnostics());
        Assert.Empty(output.Sources);
    }
}
