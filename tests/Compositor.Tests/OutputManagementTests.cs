using Compositor.Tests.Harness;
using Wayland.Protocols.Client;
using Wayland.Wire;

namespace Compositor.Tests;

/// <summary>zwlr_output_manager_v1: wlr-randr lists the outputs and changes a mode on the executable;
/// in process, what a configuration may not do and every error of the protocol.</summary>
public sealed class OutputManagementTests : IDisposable
{
    private readonly InProcessCompositor _compositor = new(640, 480);

    public void Dispose() => _compositor.Dispose();

    [Fact]
    public void WlrRandrListsTheOutputAndChangesItsMode()
    {
        using var compositor = new RunningCompositor("640x480@60");
        var (code, output, err) = compositor.Run("wlr-randr", []);
        Assert.True(code == 0, err);
        Assert.Contains("HEADLESS-1", output);
        Assert.Contains("640x480 px, 60.000000 Hz (preferred, current)", output);
        Assert.Contains("1024x768 px, 60.000000 Hz", output);
        Assert.Contains("Position: 0,0", output);

        (code, _, err) = compositor.Run("wlr-randr", ["--output", "HEADLESS-1", "--mode", "1024x768@60Hz"]);
        Assert.True(code == 0, err);
        (_, output, _) = compositor.Run("wlr-randr", []);
        Assert.Contains("1024x768 px, 60.000000 Hz (current)", output);
        // Clients and captures see the new size.
        Assert.Equal((1024, 768), (compositor.Screenshot().Width, compositor.Screenshot().Height));
        (_, output, _) = compositor.Run("wayland-info", []);
        Assert.Contains("width: 1024 px, height: 768 px", output);

        // What is not supported yet fails, and changes nothing.
        (code, _, _) = compositor.Run("wlr-randr", ["--output", "HEADLESS-1", "--pos", "10,10"]);
        Assert.NotEqual(0, code);
        (code, _, _) = compositor.Run("wlr-randr", ["--output", "HEADLESS-1", "--off"]);
        Assert.NotEqual(0, code);
        (_, output, _) = compositor.Run("wlr-randr", []);
        Assert.Contains("Position: 0,0", output);
        Assert.Contains("Enabled: yes", output);
    }

    private sealed class Manager
    {
        public Manager(InProcessCompositor compositor)
        {
            Test = compositor.Connect();
            Resource = Test.Bind<ZwlrOutputManagerV1>("zwlr_output_manager_v1", 2);
            Resource.Head += (_, head) =>
            {
                Heads.Add(head);
                head.Mode += (_, mode) => Modes.Add(mode);
            };
            Resource.Done += (_, serial) => Serial = serial;
            Test.Roundtrip();
        }

        public TestClient Test { get; }
        public ZwlrOutputManagerV1 Resource { get; }
        public List<ZwlrOutputHeadV1> Heads { get; } = [];
        public List<ZwlrOutputModeV1> Modes { get; } = [];
        public uint Serial { get; private set; }

        public string Outcome(ZwlrOutputConfigurationV1 config, bool apply)
        {
            var outcome = "none";
            config.Succeeded += _ => outcome = "succeeded";
            config.Failed += _ => outcome = "failed";
            config.Cancelled += _ => outcome = "cancelled";
            if (apply) config.Apply(); else config.Test();
            Test.Roundtrip();
            return outcome;
        }
    }

    private static void AssertError(TestClient client, string iface, uint code)
    {
        var error = client.ErrorAfterRoundtrip();
        Assert.Equal((iface, code), (error?.Interface, error?.Code));
    }

    [Fact]
    public void ConfigurationsSucceedFailOrAreCancelledAsTheyShould()
    {
        var m = new Manager(_compositor);
        Assert.Single(m.Heads);
        Assert.Single(m.Modes);

        // The current mode and place: nothing to do, it succeeds.
        var same = m.Resource.CreateConfiguration(m.Serial);
        var head = same.EnableHead(m.Heads[0]);
        head.SetMode(m.Modes[0]);
        head.SetPosition(0, 0);
        head.SetScale(Fixed.FromDouble(1));
        Assert.Equal("succeeded", m.Outcome(same, apply: true));

        // A size this output does not list, a move, a scale: refused.
        var custom = m.Resource.CreateConfiguration(m.Serial);
        custom.EnableHead(m.Heads[0]).SetCustomMode(800, 600, 0);
        Assert.Equal("failed", m.Outcome(custom, apply: false));
        var moved = m.Resource.CreateConfiguration(m.Serial);
        moved.EnableHead(m.Heads[0]).SetPosition(5, 0);
        Assert.Equal("failed", m.Outcome(moved, apply: true));
        var off = m.Resource.CreateConfiguration(m.Serial);
        off.DisableHead(m.Heads[0]);
        Assert.Equal("failed", m.Outcome(off, apply: true));

        // A serial from before a change is cancelled.
        var stale = m.Resource.CreateConfiguration(m.Serial - 1);
        stale.EnableHead(m.Heads[0]);
        Assert.Equal("cancelled", m.Outcome(stale, apply: true));
        Assert.Null(m.Test.ErrorAfterRoundtrip());
    }

    [Fact]
    public void ErrorsOfAConfiguration()
    {
        var a = new Manager(_compositor);
        var twice = a.Resource.CreateConfiguration(a.Serial);
        twice.EnableHead(a.Heads[0]);
        twice.DisableHead(a.Heads[0]);
        AssertError(a.Test, "zwlr_output_configuration_v1", (uint)ZwlrOutputConfigurationV1.Error.AlreadyConfiguredHead);

        var b = new Manager(_compositor);
        b.Resource.CreateConfiguration(b.Serial).Apply();
        AssertError(b.Test, "zwlr_output_configuration_v1", (uint)ZwlrOutputConfigurationV1.Error.UnconfiguredHead);

        var c = new Manager(_compositor);
        var used = c.Resource.CreateConfiguration(c.Serial);
        used.EnableHead(c.Heads[0]);
        used.Test();
        used.Apply();
        AssertError(c.Test, "zwlr_output_configuration_v1", (uint)ZwlrOutputConfigurationV1.Error.AlreadyUsed);
    }

    [Theory]
    [InlineData("already_set")]
    [InlineData("invalid_custom_mode")]
    [InlineData("invalid_transform")]
    [InlineData("invalid_scale")]
    public void ErrorsOfAConfigurationHead(string which)
    {
        var m = new Manager(_compositor);
        var head = m.Resource.CreateConfiguration(m.Serial).EnableHead(m.Heads[0]);
        var expected = which switch
        {
            "already_set" => ZwlrOutputConfigurationHeadV1.Error.AlreadySet,
            "invalid_custom_mode" => ZwlrOutputConfigurationHeadV1.Error.InvalidCustomMode,
            "invalid_transform" => ZwlrOutputConfigurationHeadV1.Error.InvalidTransform,
            _ => ZwlrOutputConfigurationHeadV1.Error.InvalidScale,
        };
        switch (which)
        {
            case "already_set":
                head.SetPosition(0, 0);
                head.SetPosition(0, 0);
                break;
            case "invalid_custom_mode":
                head.SetCustomMode(0, 600, 60000);
                break;
            case "invalid_transform":
                head.SetTransform((WlOutput.Transform)8);
                break;
            default:
                head.SetScale(Fixed.FromDouble(0));
                break;
        }
        AssertError(m.Test, "zwlr_output_configuration_head_v1", (uint)expected);
    }

    [Fact]
    public void AModeOfAnotherHeadIsInvalid()
    {
        using var two = new RunningCompositor("640x480@60", "--output", "800x600@60");
        using var client = new SocketClient(two);
        var manager = client.Bind<ZwlrOutputManagerV1>("zwlr_output_manager_v1", 2);
        var heads = new List<ZwlrOutputHeadV1>();
        var modes = new Dictionary<ZwlrOutputHeadV1, List<ZwlrOutputModeV1>>();
        uint serial = 0;
        manager.Head += (_, h) =>
        {
            heads.Add(h);
            modes[h] = [];
            h.Mode += (s, mode) => modes[s].Add(mode);
        };
        manager.Done += (_, s) => serial = s;
        client.Display.Roundtrip();
        Assert.Equal(2, heads.Count);
        var config = manager.CreateConfiguration(serial);
        config.EnableHead(heads[0]).SetMode(modes[heads[1]][0]);
        var error = Assert.Throws<Wayland.Client.WaylandProtocolException>(() => client.Display.Roundtrip());
        Assert.Contains("zwlr_output_configuration_head_v1", error.Message);
        Assert.Contains("not a mode of this head", error.Message);
    }
}
