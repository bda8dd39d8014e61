using System.Globalization;
using System.Text.RegularExpressions;
using Compositor.Backends.Headless;
using Compositor.Tests.Harness;
using Wayland.Client;
using Wayland.Protocols.Client;

namespace Compositor.Tests;

/// <summary>
/// The compositor executable, headless on Mesa's llvmpipe, with unmodified clients from Debian
/// (libwayland, Mesa's Wayland EGL, cairo, foot) and pixels checked through grim screenshots
/// taken with zwlr_screencopy_manager_v1. The output is 640x480; the first window cascades to 32,32.
/// </summary>
public sealed partial class RealClientTests : IDisposable
{
    private static readonly (byte, byte, byte) Background = (51, 51, 51);
    private readonly RunningCompositor _compositor = new("640x480@60");

    public void Dispose() => _compositor.Dispose();

    /// <summary>Takes screenshots until <paramref name="check"/> holds (clients start at their own pace).</summary>
    private Image WaitForScreen(Func<Image, bool> check, string what)
    {
        Image? last = null;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            last = _compositor.Screenshot();
            if (check(last)) return last;
            Thread.Sleep(200);
        }
        var path = Path.Combine(Path.GetTempPath(), $"failed-{what.Replace(' ', '-')}.ppm");
        last?.SavePpm(path);
        Assert.Fail($"screen never showed {what} (last screenshot: {path})\ncompositor log:\n{_compositor.Log}");
        return last!;
    }

    private void AssertAlive(ClientProcess client, string name)
    {
        Assert.False(client.HasExited, $"{name} exited: {client.Stderr}");
        Assert.DoesNotContain("error", client.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.False(_compositor.HasExited, $"compositor exited:\n{_compositor.Log}");
    }

    [Fact]
    public void WaylandInfoSeesEveryGlobalAtItsVersion()
    {
        var (code, output, err) = _compositor.Run("wayland-info", []);
        Assert.True(code == 0, err);
        var globals = new Dictionary<string, int>();
        foreach (Match m in GlobalLine().Matches(output))
            globals[m.Groups[1].Value] = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        // The core globals at the versions this system's libwayland-client knows, no higher.
        var expected = new Dictionary<string, int>
        {
            ["wl_compositor"] = Platform("wl_compositor", 6), ["wl_subcompositor"] = 1, ["wl_shm"] = Platform("wl_shm", 2),
            ["wl_output"] = Platform("wl_output", 4), ["wl_seat"] = Platform("wl_seat", 9),
            ["wl_data_device_manager"] = 3, ["xdg_wm_base"] = 6, ["zxdg_decoration_manager_v1"] = 1,
            ["zxdg_output_manager_v1"] = 3, ["wp_presentation"] = 2, ["wp_viewporter"] = 1,
            ["wp_single_pixel_buffer_manager_v1"] = 1, ["zwlr_screencopy_manager_v1"] = 3, ["zwp_linux_dmabuf_v1"] = 3,
        };
        foreach (var (iface, version) in expected)
        {
            Assert.True(globals.TryGetValue(iface, out var v), $"{iface} missing from:\n{output}");
            Assert.Equal((iface, version), (iface, v));
        }
        // What wayland-info reads from the globals, as a user would check it.
        Assert.Contains("HEADLESS-1", output);
        Assert.Contains("width: 640 px, height: 480 px, refresh: 60.000 Hz", output);
        Assert.Contains("keyboard repeat rate: 25", output);
    }

    [GeneratedRegex(@"interface: '(\w+)',\s+version:\s+(\d+)")]
    private static partial Regex GlobalLine();

    /// <summary>The lower of what we implement and what libwayland-client's own table for the
    /// interface says (the struct wl_interface's version field, after the name pointer).</summary>
    private static int Platform(string iface, int implemented)
    {
        var lib = System.Runtime.InteropServices.NativeLibrary.Load("libwayland-client.so.0");
        try
        {
            var table = System.Runtime.InteropServices.NativeLibrary.GetExport(lib, iface + "_interface");
            return Math.Min(implemented, System.Runtime.InteropServices.Marshal.ReadInt32(table, IntPtr.Size));
        }
        finally
        {
            System.Runtime.InteropServices.NativeLibrary.Free(lib);
        }
    }

    private static Dictionary<string, int> Globals(RunningCompositor compositor)
    {
        var (code, output, err) = compositor.Run("wayland-info", []);
        Assert.True(code == 0, err);
        var globals = new Dictionary<string, int>();
        foreach (Match m in GlobalLine().Matches(output))
            globals[m.Groups[1].Value] = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        return globals;
    }

    [Fact]
    public void LatestVersionsAdvertisesWhatTheCompositorImplements()
    {
        using var compositor = new RunningCompositor("640x480@60", "--latest-versions", "--max-version", "wl_output=3");
        var globals = Globals(compositor);
        Assert.Equal(6, globals["wl_compositor"]);
        Assert.Equal(9, globals["wl_seat"]);
        Assert.Equal(2, globals["wl_shm"]);
        Assert.Equal(3, globals["wl_output"]); // --max-version still caps
    }

    /// <summary>alacritty 0.11 and weston-simple-damage bind wl_compositor at the advertised version
    /// and die on wl_surface.preferred_buffer_scale, which Debian 12's libwayland-client 1.21 does not
    /// know: with no flags they run, and with --latest-versions they die of exactly that.</summary>
    [Fact]
    public void ClientsOfThePlatformsLibwaylandRunWithNoFlags()
    {
        var damage = _compositor.StartClient("weston-simple-damage");
        var alacritty = _compositor.StartClient("alacritty", "-o", "window.dimensions.columns=40", "-o", "window.dimensions.lines=10");
        // simple-damage draws a white frame around its ball; alacritty's terminal is #1d1f21.
        WaitForScreen(i => i.Count(0, 0, 640, 480, (255, 255, 255)) > 2000 && i.Count(0, 0, 640, 480, (29, 31, 33), 3) > 20000,
            "simple-damage's frame and alacritty's terminal");
        Thread.Sleep(1500);
        AssertAlive(damage, "weston-simple-damage");
        AssertAlive(alacritty, "alacritty");

        if (Platform("wl_compositor", 6) < 6)
        {
            using var latest = new RunningCompositor("640x480@60", "--latest-versions");
            var dying = latest.StartClient("weston-simple-damage");
            Peers.WaitFor(() => dying.HasExited, "weston-simple-damage to die of wl_surface v6's events");
            Assert.Contains("interface 'wl_surface' has no event 2", dying.Stderr);
        }
    }

    [Fact]
    public void WestonSimpleShmIsShownInItsWindow()
    {
        var client = _compositor.StartClient("weston-simple-shm");
        // simple-shm paints a white frame around its animated pattern; the window is 250x250 at 32,32.
        var shot = WaitForScreen(i => i.Count(32, 32, 250, 10, (255, 255, 255)) == 2500, "simple-shm's white frame");
        Assert.Equal(Background, shot[20, 20]);
        Assert.Equal(Background, shot[290, 290]);
        var inner = 0;
        for (var y = 60; y < 250; y += 10)
            for (var x = 60; x < 250; x += 10)
                if (shot[x, y] != (255, 255, 255) && shot[x, y] != Background) inner++;
        Assert.True(inner > 300, $"only {inner} pattern pixels");
        Thread.Sleep(1500);
        AssertAlive(client, "weston-simple-shm");
    }

    [Fact]
    public void WestonSimpleEglIsBlendedWithItsTranslucentBackground()
    {
        var client = _compositor.StartClient("weston-simple-egl");
        // simple-egl clears to black at alpha 0.5 (premultiplied): over the 51-grey background that is 25.
        // Its first frames may come before the triangle does: wait for both.
        var shot = WaitForScreen(i => i.Count(36, 36, 40, 40, (25, 25, 25), 1) == 1600 && TrianglePixels(i) > 1000,
            "simple-egl's translucent background and its triangle");
        Assert.Equal(Background, shot[20, 20]);
        Thread.Sleep(1500);
        AssertAlive(client, "weston-simple-egl");
    }

    /// <summary>Bright pixels in simple-egl's 250x250 window at 32,32: its colour triangle.</summary>
    private static int TrianglePixels(Image shot)
    {
        var colored = 0;
        for (var y = 32; y < 282; y++)
            for (var x = 32; x < 282; x++)
            {
                var (r, g, b) = shot[x, y];
                if (Math.Max(r, Math.Max(g, b)) > 100) colored++;
            }
        return colored;
    }

    [Fact]
    public void WestonSubsurfacesShowsItsShmAndEglSubsurfacesInPlace()
    {
        var client = _compositor.StartClient("weston-subsurfaces");
        // The main surface (cairo, green), a red subsurface (shm) top right, a dark green EGL one below it.
        var shot = WaitForScreen(i => i.Count(60, 120, 40, 40, (10, 173, 10), 3) > 1500
                                     && i.Count(330, 210, 20, 20, (5, 86, 5), 3) > 350, "the subsurfaces demo");
        Assert.True(shot.Count(345, 140, 10, 10, (165, 35, 2), 12) > 50, "red subsurface missing");
        Thread.Sleep(1500);
        AssertAlive(client, "weston-subsurfaces");
    }

    [Fact]
    public void WestonPresentationShmGetsFeedbackEveryRefresh()
    {
        using var compositor = new RunningCompositor("640x480@60", "--max-version", "xdg_wm_base=3");
        var client = compositor.StartClient("weston-presentation-shm");
        Peers.WaitFor(() => client.Stdout.Split('\n').Length > 120, "120 frames of presentation feedback");
        Assert.False(client.HasExited, client.Stderr);
        // "N: f2c .. ms, c2p .. ms, f2p .. ms, p2p 16666 us, t2p .., [flags], seq S"
        var lines = client.Stdout.Split('\n').Skip(10).Take(100).ToList();
        var steady = 0;
        long? lastSeq = null;
        foreach (var line in lines)
        {
            var m = Regex.Match(line, @"p2p\s+(\d+) us.*seq (\d+)");
            Assert.True(m.Success, $"unexpected line '{line}'");
            var p2p = long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            var seq = long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
            // Timestamps sit on the output's refresh grid: whole periods of 16666 us apart.
            Assert.True(Math.Abs(p2p - 16666 * Math.Round(p2p / 16666.0)) <= 1, line);
            if (p2p == 16666 && lastSeq is not null && seq == lastSeq + 1) steady++;
            lastSeq = seq;
        }
        Assert.True(steady > 50, $"only {steady} of 100 frames were one refresh apart:\n{string.Join('\n', lines)}");
        var shot = compositor.Screenshot();
        Assert.NotEqual(Background, shot[100, 100]);
        Assert.DoesNotContain("error", client.Stderr, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void TypedKeysReachTheFocusedTerminal()
    {
        var marker = Path.Combine(_compositor.RuntimeDir, "typed");
        var client = _compositor.StartClient("foot", "-o", "shell=/bin/sh");
        // foot's window (cascaded to 32,32) draws its black terminal background once mapped.
        WaitForScreen(i => i.Count(100, 200, 50, 50, (17, 17, 17), 2) == 2500, "foot's terminal");
        using var input = new TestInputClient(_compositor.TestInputPath);
        Assert.Equal("ok", input.Send($"type echo typed-into-foot > {marker}"));
        Assert.Equal("ok", input.Send("key 28 press"));
        Assert.Equal("ok", input.Send("key 28 release"));
        Peers.WaitFor(() => File.Exists(marker) && File.ReadAllText(marker).Length > 0, "the shell in foot to run the typed command");
        Assert.Equal("typed-into-foot\n", File.ReadAllText(marker));
        AssertAlive(client, "foot");
    }

    /// <summary>foot on SIGTERM destroys its decorations' subsurfaces, its toplevel, xdg_surface and
    /// surface one by one and exits: the next screenshot shows the background where it was, though
    /// its window had been drawn in an earlier one.</summary>
    [Fact]
    public void AWindowDestroyedByItsClientLeavesTheScreen()
    {
        var client = _compositor.StartClient("foot", "-o", "shell=/bin/sh");
        WaitForScreen(i => i.Count(100, 200, 50, 50, (17, 17, 17), 2) == 2500, "foot's terminal");
        Assert.Equal(0, Tmds.Linux.LibC.kill(client.Process.Id, Tmds.Linux.LibC.SIGTERM)); // not SIGKILL: foot tears down itself
        Assert.True(client.Process.WaitForExit(5000), "foot did not exit on SIGTERM");
        WaitForScreen(i => i.Count(32, 32, 400, 300, (51, 51, 51), 0) == 400 * 300, "the background where foot's window was");
    }

    /// <summary>
    /// One window (red 200x150) with a blue subsurface sticking out of its bottom-right corner, a
    /// yellow one placed below it, and a green popup over both: the subsurface is above its parent
    /// and the yellow one below, and the popup is above everything of its parent.
    /// </summary>
    [Fact]
    public void PopupAndSubsurfacesStackInProtocolOrder()
    {
        using var display = ClientDisplay.Connect(Path.Combine(_compositor.RuntimeDir, _compositor.Socket));
        var registry = display.GetRegistry();
        var names = new Dictionary<string, uint>();
        registry.Global += (_, name, iface, _) => names[iface] = name;
        display.Roundtrip();
        var compositor = registry.Bind<WlCompositor>(names["wl_compositor"], 5);
        var subcompositor = registry.Bind<WlSubcompositor>(names["wl_subcompositor"], 1);
        var wm = registry.Bind<XdgWmBase>(names["xdg_wm_base"], 6);
        var pixels = registry.Bind<WpSinglePixelBufferManagerV1>(names["wp_single_pixel_buffer_manager_v1"], 1);
        var viewporter = registry.Bind<WpViewporter>(names["wp_viewporter"], 1);
        wm.Ping += (w, serial) => w.Pong(serial);

        WlSurface Solid(uint r, uint g, uint b, int w, int h, bool commit = false)
        {
            var s = compositor.CreateSurface();
            viewporter.GetViewport(s).SetDestination(w, h);
            s.Attach(pixels.CreateU32RgbaBuffer(r, g, b, uint.MaxValue), 0, 0);
            if (commit) s.Commit();
            return s;
        }

        void Configure(XdgSurface xdg, WlSurface surface)
        {
            uint serial = 0;
            xdg.Configure += (_, s) => serial = s;
            surface.Commit();
            while (serial == 0) display.Dispatch(5000);
            xdg.AckConfigure(serial);
        }

        var parent = compositor.CreateSurface();
        var parentXdg = wm.GetXdgSurface(parent);
        parentXdg.GetToplevel().SetTitle("stacking");
        Configure(parentXdg, parent);

        var blue = Solid(0, 0, uint.MaxValue, 100, 100, commit: true);
        var blueSub = subcompositor.GetSubsurface(blue, parent);
        blueSub.SetPosition(150, 100);
        var yellow = Solid(uint.MaxValue, uint.MaxValue, 0, 40, 40, commit: true);
        var yellowSub = subcompositor.GetSubsurface(yellow, parent);
        yellowSub.SetPosition(-20, -20);
        yellowSub.PlaceBelow(parent);

        viewporter.GetViewport(parent).SetDestination(200, 150);
        parent.Attach(pixels.CreateU32RgbaBuffer(uint.MaxValue, 0, 0, uint.MaxValue), 0, 0);
        parent.Commit();

        var popup = compositor.CreateSurface();
        var popupXdg = wm.GetXdgSurface(popup);
        var positioner = wm.CreatePositioner();
        positioner.SetSize(80, 80);
        positioner.SetAnchorRect(120, 80, 1, 1);
        positioner.SetAnchor(XdgPositioner.Anchor.TopLeft);
        positioner.SetGravity(XdgPositioner.Gravity.BottomRight);
        popupXdg.GetPopup(parentXdg, positioner);
        Configure(popupXdg, popup);
        viewporter.GetViewport(popup).SetDestination(80, 80);
        popup.Attach(pixels.CreateU32RgbaBuffer(0, uint.MaxValue, 0, uint.MaxValue), 0, 0);
        popup.Commit();
        display.Roundtrip();

        // Window at 32,32: blue covers 182..282 x 132..232, the popup 152..232 x 112..192, yellow 12..52.
        var shot = WaitForScreen(i => i[160, 120] == (0, 255, 0), "the popup");
        Assert.Equal((255, 0, 0), shot[40, 40]);          // parent over the yellow subsurface placed below it
        Assert.Equal((255, 255, 0), shot[20, 20]);        // yellow where the parent is not
        Assert.Equal((0, 0, 255), shot[260, 220]);        // blue above the parent, outside the popup
        Assert.Equal((0, 0, 255), shot[190, 200]);        // blue over the parent
        Assert.Equal((0, 255, 0), shot[200, 150]);        // the popup over the blue subsurface
        Assert.Equal((0, 255, 0), shot[155, 115]);        // the popup over the parent
        Assert.Equal(Background, shot[290, 240]);
        Assert.Null(display.Error);
    }

    /// <summary>No busy loop: with a window on screen that does not change, the compositor sleeps
    /// in epoll_wait between (absent) frames.</summary>
    [Fact]
    public void IdleCompositorSleeps()
    {
        using var client = new SocketClient(_compositor);
        var display = client.Display;
        client.MapSolidWindow(200, 200, uint.MaxValue, 0, 0);
        WaitForScreen(i => i[100, 100] == (255, 0, 0), "the window");

        Thread.Sleep(1000); // let start-up work (JIT, tiered compilation) settle
        var before = Peers.CpuTicks(_compositor.Pid);
        Thread.Sleep(3000);
        var ticks = Peers.CpuTicks(_compositor.Pid) - before; // 100 ticks per second
        Assert.True(ticks <= 15, $"idle compositor used {ticks * 10} ms of CPU in 3 s");
        Assert.Null(display.Error);
    }

    [Fact]
    public void ClipboardPassesBetweenClients()
    {
        // wl-copy (wl-clipboard) takes the keyboard focus with a tiny window, sets the selection and
        // serves it (in the foreground here, so the test owns the process); wl-paste receives it
        // through wl_data_offer.receive. Its protocol trace says when the selection is set, so the
        // pastes never race its window for the focus.
        var first = _compositor.StartClient("wl-copy", traced: true, "--foreground", "first text");
        WaitForSelection(first);
        Assert.Equal("first text", Paste(first));
        var (_, types, _) = _compositor.Run("wl-paste", ["--list-types"]);
        Assert.Contains("text/plain;charset=utf-8", types);

        // A newer selection replaces the old one; the old source is cancelled, so the first wl-copy exits.
        var second = _compositor.StartClient("wl-copy", traced: true, "--foreground", "second");
        WaitForSelection(second);
        Assert.Equal("second", Paste(second));
        Peers.WaitFor(() => first.HasExited, "the first wl-copy to be told its selection was replaced");
        Assert.Contains(".cancelled()", first.Stderr);
        Assert.False(second.HasExited, second.Stderr);
    }

    private void WaitForSelection(ClientProcess copy)
    {
        try
        {
            // The trace line of the request and then the destruction of its window, which wl-copy
            // does after a round trip confirms the compositor has the selection.
            Peers.WaitFor(() => SelectionSet().IsMatch(copy.Stderr), "wl-copy to set the selection");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\nwl-copy:\n{copy.Stderr}\ncompositor log:\n{_compositor.Log}");
        }
    }

    [GeneratedRegex(@"wl_data_device@\d+\.set_selection\([\s\S]*xdg_toplevel@\d+\.destroy\(\)")]
    private static partial Regex SelectionSet();

    /// <summary>wl-paste's text; on failure the whole story (wl-paste, wl-copy and the compositor) is in the message.</summary>
    private string Paste(ClientProcess copy)
    {
        var (code, text, err) = _compositor.Run("wl-paste", ["--no-newline"], 10_000);
        Assert.True(code == 0, $"wl-paste failed ({code}): {err}\nwl-copy:\n{copy.Stderr}\ncompositor log:\n{_compositor.Log}");
        return text;
    }

    [Fact]
    public void ClientKilledMidFrameLeavesTheCompositorServingOthers()
    {
        var egl = _compositor.StartClient("weston-simple-egl");
        WaitForScreen(i => i.Count(36, 36, 40, 40, (25, 25, 25), 1) == 1600, "simple-egl");
        egl.Process.Kill(); // SIGKILL while it renders a frame every refresh
        egl.Process.WaitForExit();
        WaitForScreen(i => i[100, 100] == Background, "the killed window gone");
        var shm = _compositor.StartClient("weston-simple-shm");
        WaitForScreen(i => i.Count(32, 32, 250, 10, (255, 255, 255)) == 2500, "a new client's window");
        AssertAlive(shm, "weston-simple-shm");
    }
}
