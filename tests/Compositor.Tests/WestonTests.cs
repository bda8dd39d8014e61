using System.Diagnostics;
using Wayland.Client;
using Wayland.Protocols.Client;

namespace Compositor.Tests;

/// <summary>Our client runtime against weston's (libwayland-server) headless backend.</summary>
public sealed class WestonTests : IDisposable
{
    private readonly string _runtimeDir = Peers.RuntimeDir();
    private readonly Process _weston;

    public WestonTests()
    {
        _weston = Peers.Start("weston", ["--backend=headless-backend.so", "--socket=wl-test", "--idle-time=0"],
            new Dictionary<string, string?> { ["XDG_RUNTIME_DIR"] = _runtimeDir });
        _weston.ErrorDataReceived += (_, _) => { };
        _weston.BeginErrorReadLine();
        _weston.BeginOutputReadLine();
        Peers.WaitFor(() => File.Exists(Path.Combine(_runtimeDir, "wl-test")) || _weston.HasExited, "weston's socket");
        Assert.False(_weston.HasExited, $"weston exited with {(_weston.HasExited ? _weston.ExitCode : 0)}");
    }

    public void Dispose()
    {
        if (!_weston.HasExited) { _weston.Kill(); _weston.WaitForExit(); }
        _weston.Dispose();
        Directory.Delete(_runtimeDir, recursive: true);
    }

    [Fact]
    public void OurClientListsWestonsGlobalsAndReceivesEvents()
    {
        using var display = ClientDisplay.Connect(Path.Combine(_runtimeDir, "wl-test"));
        var registry = display.GetRegistry();
        var globals = new Dictionary<string, (uint Name, uint Version)>();
        registry.Global += (_, name, iface, version) => globals[iface] = (name, version);
        display.Roundtrip();

        Assert.True(globals["wl_compositor"].Version >= 4);
        Assert.Contains("wl_shm", globals.Keys);
        Assert.Contains("xdg_wm_base", globals.Keys);
        Assert.Contains("wl_output", globals.Keys);

        // Bind wl_shm and receive its format events, and wl_output with its mode and done.
        var formats = new List<WlShm.Format>();
        var shm = registry.Bind<WlShm>(globals["wl_shm"].Name, 1);
        shm.FormatEvent += (_, f) => formats.Add(f);
        var modes = new List<(int W, int H)>();
        var done = false;
        var output = registry.Bind<WlOutput>(globals["wl_output"].Name, Math.Min(globals["wl_output"].Version, 4));
        output.ModeEvent += (_, _, w, h, _) => modes.Add((w, h));
        output.Done += _ => done = true;
        display.Roundtrip();

        Assert.Contains(WlShm.Format.Argb8888, formats);
        Assert.Contains(WlShm.Format.Xrgb8888, formats);
        Assert.NotEmpty(modes);
        Assert.True(done || output.Version < 2);
        Assert.Null(display.Error);
    }

    [Fact]
    public void WestonReportsOurProtocolErrorsTheWayWeDecodeThem()
    {
        using var display = ClientDisplay.Connect(Path.Combine(_runtimeDir, "wl-test"));
        var registry = display.GetRegistry();
        display.Roundtrip();
        registry.Bind<WlCompositor>(9999, 1);
        var e = Assert.Throws<WaylandProtocolException>(() => display.Roundtrip());
        Assert.Equal(registry.Id, e.Error.ObjectId);
        Assert.Equal((uint)WlDisplay.Error.InvalidObject, e.Error.Code);
        Assert.Contains("invalid global", e.Error.Message);
    }
}
