using System.Text.RegularExpressions;
using Wayland.Tests.Harness;
using Wayland.Wire;

namespace Wayland.Tests;

/// <summary>WAYLAND_DEBUG output has libwayland's shape, so people's greps keep working.</summary>
public sealed class TraceTests
{
    [Fact]
    public void ServerTraceLooksLikeLibwayland()
    {
        var output = new StringWriter();
        var (oldOut, oldServer, oldClient) = (ProtocolTrace.Output, ProtocolTrace.Server, ProtocolTrace.Client);
        ProtocolTrace.Output = output;
        ProtocolTrace.Server = true;
        ProtocolTrace.Client = true;
        try
        {
            using var server = new TestServer();
            using var client = server.ConnectClient();
            var registry = client.GetRegistry();
            server.Roundtrip(client);
            var wire = registry.Bind<Wayland.Tests.Protocol.Client.TestWire>(1, 3);
            wire.Strings("hi", null);
            wire.Array([1, 2, 3]);
            server.Roundtrip(client);
        }
        finally
        {
            (ProtocolTrace.Output, ProtocolTrace.Server, ProtocolTrace.Client) = (oldOut, oldServer, oldClient);
        }
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        const string ts = @"^\[ *\d+\.\d{3}\] ";
        // Client side sends (" -> "), server side receives: the same message shows up both ways.
        Assert.Contains(lines, l => Regex.IsMatch(l, ts + @" -> wl_display@1\.get_registry\(new id wl_registry@2\)$"));
        Assert.Contains(lines, l => Regex.IsMatch(l, ts + @"wl_display@1\.get_registry\(new id wl_registry@2\)$"));
        Assert.Contains(lines, l => Regex.IsMatch(l, ts + @" -> wl_registry@2\.global\(1, ""test_wire"", 3\)$"));
        Assert.Contains(lines, l => Regex.IsMatch(l, ts + @"wl_registry@2\.bind\(1, ""test_wire"", 3, new id test_wire@\d+\)$"));
        Assert.Contains(lines, l => Regex.IsMatch(l, ts + @"test_wire@\d+\.strings\(""hi"", nil\)$"));
        Assert.Contains(lines, l => Regex.IsMatch(l, ts + @"test_wire@\d+\.array\(array\[3\]\)$"));
        Assert.Contains(lines, l => Regex.IsMatch(l, ts + @" -> wl_callback@\d+\.done\(\d+\)$"));
        Assert.Contains(lines, l => Regex.IsMatch(l, ts + @" -> wl_display@1\.delete_id\(\d+\)$"));
    }
}
