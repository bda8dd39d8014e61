using Compositor.Backends.Headless;
using Compositor.Tests.Harness;

namespace Compositor.Tests;

/// <summary>The executable with a config file, as a user runs it: a layout and bindings from the
/// file reach real clients, and a file full of mistakes still gives a running compositor.</summary>
public sealed class ConfigFileTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"config-{Guid.NewGuid():N}");
    private RunningCompositor? _compositor;

    public ConfigFileTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        _compositor?.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private RunningCompositor Start(string ini)
    {
        var path = Path.Combine(_dir, "compositor.ini");
        File.WriteAllText(path, ini);
        return _compositor = new RunningCompositor("640x480@60", "--config", path);
    }

    [Fact]
    public void AGermanLayoutFromTheConfigIsWhatWevSeesAndABindingLaunchesAClient()
    {
        var marker = Path.Combine(_dir, "launched");
        var compositor = Start($"""
            [keyboard]
            layout = de
            repeat-rate = 33

            [bindings]
            Super+z = launch wayland-info > {marker}
            """);
        // stdbuf: wev's printf is block-buffered into a pipe otherwise.
        var wev = compositor.StartClient("stdbuf", "-oL", "wev");
        Peers.WaitFor(() => wev.Stdout.Contains("xdg_toplevel] configure"), "wev's window");
        Peers.WaitFor(() => wev.Stdout.Contains("wl_keyboard] enter"), "wev to get the keyboard");
        Assert.Contains("rate: 33", wev.Stdout);
        using var input = new TestInputClient(compositor.TestInputPath);
        Assert.Equal("ok", input.Send("key 21 press")); // KEY_Y: z on a German keyboard
        Assert.Equal("ok", input.Send("key 21 release"));
        // wev prints the keysym of the press and of the release.
        int Zs() => wev.Stdout.Split("sym: z").Length - 1;
        Peers.WaitFor(() => Zs() == 2, "wev to see the keysym z pressed and released");

        // The binding takes the same key with Super; wev sees Super, not the z.
        foreach (var line in new[] { "key 125 press", "key 21 press", "key 21 release", "key 125 release" })
            Assert.Equal("ok", input.Send(line));
        Peers.WaitFor(() => File.Exists(marker) && File.ReadAllText(marker).Contains("wl_compositor"), "the launched wayland-info to list our globals");
        Peers.WaitFor(() => wev.Stdout.Contains("sym: Super_L"), "wev to see Super");
        Peers.WaitFor(() => wev.Stdout.Split("sym: Super_L").Length - 1 == 2, "wev to see Super released");
        Assert.Equal(2, Zs());
        Assert.Contains("Launched wayland-info", compositor.Log);
    }

    [Fact]
    public void EveryBadValueIsLoggedWithItsLineAndTheCompositorRunsOnDefaults()
    {
        var compositor = Start("""
            [keyboard]
            layout = klingon
            repeat-rate = fast
            [output HEADLESS-1]
            scale = -1
            [bindings]
            Super+x = explode
            [bogus]
            x = 1
            """);
        var (code, output, _) = compositor.Run("wayland-info", []);
        Assert.Equal(0, code);
        Assert.Contains("wl_seat", output);
        var log = compositor.Log;
        Assert.Contains("compositor.ini:3: repeat-rate is a whole number from 0 to 1000, not 'fast'", log);
        Assert.Contains("compositor.ini:5: scale is a number from 0.25 to 10, e.g. 1.5, not '-1'", log);
        Assert.Contains("compositor.ini:7: unknown action 'explode'", log);
        Assert.Contains("compositor.ini:9: unknown section [bogus]", log);
        // A layout xkbcommon cannot compile is found only when the keymap is built: the default takes its place.
        Assert.Contains("cannot compile the XKB keymap (layout 'klingon'", log);
        Assert.Contains("Keyboard: layout us", log);
        Assert.False(compositor.HasExited);
    }
}
