using System.Text.RegularExpressions;
using Compositor.Backends.Headless;
using Compositor.Tests.Harness;

namespace Compositor.Tests;

/// <summary>
/// X11 programs from Debian in the session: the executable opens an X display, starts rootless
/// Xwayland on the first X client, and manages X windows as its own (its X11 window manager).
/// Screens are captured with grim; input goes in through the test input socket.
/// </summary>
public sealed partial class XwaylandTests : IDisposable
{
    private static readonly (byte, byte, byte) Red = (255, 0, 0), Blue = (0, 0, 255), Background = (0x33, 0x33, 0x33);
    private readonly RunningCompositor _compositor = new(xwayland: true, "640x480@60", "--log-level", "debug");

    public void Dispose() => _compositor.Dispose();

    private Image WaitForScreen(Func<Image, bool> condition, string what)
    {
        Image? shot = null;
        try
        {
            Peers.WaitFor(() => condition(shot = _compositor.Screenshot()), what, 30_000);
        }
        catch (TimeoutException)
        {
            // The last screen, for looking at what was there instead.
            var path = Path.Combine(Path.GetTempPath(), $"xwayland-test-{Guid.NewGuid():N}.ppm");
            shot?.SavePpm(path);
            throw new TimeoutException($"{what}: not on screen (last capture: {path})\ncompositor log:\n{_compositor.Log}");
        }
        return shot!;
    }

    [Fact]
    public void XProgramsAppearEachAsItsOwnWindow()
    {
        Assert.Matches(@"^:\d+$", _compositor.XDisplay);
        Assert.DoesNotContain("Xwayland started", _compositor.Log); // lazily: nothing asked for X yet
        var xterm = _compositor.StartClient("xterm", "-bg", "red", "-geometry", "30x8+40+40");
        var xclock = _compositor.StartClient("xclock", "-bg", "blue", "-geometry", "150x150+400+200");
        var xeyes = _compositor.StartClient("xeyes", "-geometry", "120x120+300+40");
        var shot = WaitForScreen(s => s.Count(40, 40, 150, 80, Red) > 150 * 80 * 0.8 && s.Count(400, 200, 150, 150, Blue) > 150 * 150 * 0.5
                                      && s.Count(300, 40, 120, 120, Background) < 100,
            "xterm's red, xclock's blue and xeyes' window where each asked to be");
        // Each one is a window of its own, the background around them.
        Assert.Equal(Background, shot[20, 20]);
        Assert.Equal(Background, shot[350, 300]);
        Assert.Equal(Background, shot[600, 450]);
        Assert.Equal(3, Regex.Matches(_compositor.Log, @"X window 0x[0-9a-f]+ "".*"" draws into wl_surface").Count);
        Assert.True(Regex.Matches(_compositor.Log, "Xwayland started").Count == 1, _compositor.Log);
        Assert.False(xterm.HasExited || xclock.HasExited || xeyes.HasExited, xterm.Stderr + xclock.Stderr + xeyes.Stderr);
    }

    [Fact]
    public void GtkOnX11AndGlxgearsOnLlvmpipeAppear()
    {
        var gtk = _compositor.StartClient("gtk3-demo", new Dictionary<string, string?> { ["GDK_BACKEND"] = "x11" });
        // (gtk3-demo is larger than the output: it goes first, so glxgears' window opens above it.)
        WaitForScreen(s => s.Count(0, 0, 640, 480, (250, 250, 250), tolerance: 6) > 20_000, "gtk3-demo's window");
        var gears = _compositor.StartClient("glxgears", "-geometry", "200x200+420+260");
        // glxgears' red gear (0.8, 0.1, 0 lit) and GTK's near-white content pane (252 unfocused).
        var shot = WaitForScreen(s => CountReddish(s, 420, 260, 200, 200) > 2000 && s.Count(0, 0, 640, 480, (250, 250, 250), tolerance: 6) > 20_000,
            "glxgears' red gear and gtk3-demo's window");
        Assert.True(CountReddish(shot, 420, 260, 200, 200) > 2000);
        Assert.True(Regex.Matches(_compositor.Log, "draws into wl_surface").Count >= 2, _compositor.Log);
        Assert.False(gtk.HasExited, gtk.Stderr);
        Assert.False(gears.HasExited, gears.Stderr);
    }

    private static int CountReddish(Image s, int x0, int y0, int w, int h)
    {
        var n = 0;
        for (var y = y0; y < y0 + h; y++)
            for (var x = x0; x < x0 + w; x++)
                if (s[x, y] is var (r, g, b) && r > 100 && g < 60 && b < 60) n++;
        return n;
    }

    [Fact]
    public void TextTypedReachesXterm()
    {
        var file = Path.Combine(_compositor.RuntimeDir, "typed.txt");
        var xterm = _compositor.StartClient("xterm", "-geometry", "40x5+40+40", "-e", "sh", "-c", $"read line; echo \"$line\" > {file}");
        Peers.WaitFor(() => _compositor.Log.Contains("Focused X window"), "xterm's window to take the keyboard");
        WaitForScreen(s => s.Count(40, 40, 200, 60, (255, 255, 255)) > 200 * 60 * 0.8, "xterm's window");
        using var input = new TestInputClient(_compositor.TestInputPath);
        // The shell in xterm reads a line: typed text goes through Xwayland to the X window in focus.
        Assert.Equal("ok", input.Send("type Typed into X11!"));
        Assert.Equal("ok", input.Send("key 28 press"));
        Assert.Equal("ok", input.Send("key 28 release"));
        Peers.WaitFor(() => File.Exists(file) && File.ReadAllText(file).EndsWith('\n'), "xterm's shell to write the line");
        Assert.Equal("Typed into X11!\n", File.ReadAllText(file));
        Peers.WaitFor(() => xterm.HasExited, "xterm to exit with its shell");
    }

    [Fact]
    public void AClickReachesTheXWindowUnderThePointer()
    {
        var xev = _compositor.StartClient("xev", "-geometry", "200x200+300+100");
        Peers.WaitFor(() => xev.Stdout.Contains("MapNotify"), "xev's window to map");
        WaitForScreen(s => s.Count(300, 100, 200, 200, (255, 255, 255)) > 20_000, "xev's window on screen");
        using var input = new TestInputClient(_compositor.TestInputPath);
        Assert.Equal("ok", input.Send("motion 0 420 250"));
        Assert.Equal("ok", input.Send("button left press"));
        Assert.Equal("ok", input.Send("button left release"));
        Peers.WaitFor(() => xev.Stdout.Contains("ButtonRelease"), "xev to print the click");
        // In the window's own coordinates and the root's, which are our layout's.
        var press = xev.Stdout[xev.Stdout.IndexOf("ButtonPress", StringComparison.Ordinal)..];
        Assert.Contains("(120,150), root:(420,250)", press);
        Assert.Contains("button 1", press);
    }

    [Fact]
    public void AnOverrideRedirectMenuAppearsWhereXPutsIt()
    {
        _compositor.StartClient("xterm", "-bg", "red", "-geometry", "40x10+50+50");
        WaitForScreen(s => s.Count(50, 50, 200, 100, Red) > 200 * 100 * 0.8, "xterm's window");
        using var input = new TestInputClient(_compositor.TestInputPath);
        // Ctrl + left button: xterm's main menu, an override-redirect window centred on the pointer.
        Assert.Equal("ok", input.Send("motion 0 160 120"));
        Assert.Equal("ok", input.Send("key 29 press"));
        Assert.Equal("ok", input.Send("button left press"));
        var shown = WaitForMatch(OverrideShown(), "the menu to map");
        var (w, h) = (int.Parse(shown.Groups[1].Value), int.Parse(shown.Groups[2].Value));
        var (x, y) = (int.Parse(shown.Groups[3].Value), int.Parse(shown.Groups[4].Value));
        // Where Xaw puts it: centred on the pointer, under it, and inside the X screen, which is our output.
        Assert.InRange(x + w / 2 - 160, -2, 2);
        Assert.InRange(120, y, y + h);
        Assert.InRange(y + h, 0, 480);
        // It is drawn there, over the desktop below the terminal: the menu's red body in its black frame.
        var shot = WaitForScreen(s => s.Count(x + 10, 200, w - 20, 100, Red) > (w - 20) * 100 * 0.7, "the menu's body below the terminal");
        Assert.Equal((0, 0, 0), shot[x + 1, 250]);
        Assert.Equal(Background, shot[x - 3, 250]);
        Assert.Equal("ok", input.Send("button left release"));
        Assert.Equal("ok", input.Send("key 29 release"));
    }

    private Match WaitForMatch(Regex regex, string what)
    {
        Match? m = null;
        Peers.WaitFor(() => (m = regex.Match(_compositor.Log)).Success, what);
        return m!;
    }

    // The menu's creation (its width) and where it was shown.
    [GeneratedRegex(@"Created X window 0x[0-9a-f]+ """" at -?\d+,-?\d+ (\d+)x(\d+) \(override-redirect\)[\s\S]*?Showing X window 0x[0-9a-f]+ """" at (\d+),(\d+)")]
    private static partial Regex OverrideShown();

    [Fact]
    public void TextCopiedInX11PastesInWaylandAndBack()
    {
        var env = _compositor.ClientEnvironment;
        // X → Wayland: xclip owns the clipboard until one paste was served.
        var xclip = Peers.Start("sh", ["-c", "printf 'from X11' | xclip -selection clipboard -loops 1"], env);
        Peers.WaitFor(() => _compositor.Log.Contains("X program is offered to Wayland"), "the bridge to take xclip's clipboard");
        var (code, pasted, err) = _compositor.Run("wl-paste", ["-n"]);
        Assert.True(code == 0, err);
        Assert.Equal("from X11", pasted);
        Assert.True(xclip.WaitForExit(10_000));

        // Wayland → X.
        using var copy = Peers.Start("wl-copy", ["from Wayland"], env);
        Peers.WaitFor(() => _compositor.Log.Contains("Wayland client is offered to X"), "the bridge to own X's clipboard");
        (code, pasted, err) = _compositor.Run("xclip", ["-o", "-selection", "clipboard"]);
        Assert.True(code == 0, err);
        Assert.Equal("from Wayland", pasted);

        // Primary too, and data larger than one property (INCR) both ways.
        var big = Path.Combine(_compositor.RuntimeDir, "big.txt");
        File.WriteAllText(big, string.Concat(Enumerable.Range(0, 40_000).Select(i => $"{i:x5} ")));
        var toX = Peers.Start("sh", ["-c", $"wl-copy --primary < {big}"], env);
        Peers.WaitFor(() => Regex.Matches(_compositor.Log, "primary selection of a Wayland client is offered to X").Count > 0, "the primary selection to reach X");
        (code, pasted, err) = _compositor.Run("xclip", ["-o", "-selection", "primary"]);
        Assert.True(code == 0, err);
        Assert.Equal(File.ReadAllText(big), pasted);
        toX.WaitForExit(1000);
        var fromX = Peers.Start("sh", ["-c", $"xclip -selection clipboard -loops 1 < {big}"], env);
        Peers.WaitFor(() => Regex.Matches(_compositor.Log, "clipboard of an X program is offered to Wayland").Count >= 2, "the big clipboard to reach Wayland");
        (code, pasted, err) = _compositor.Run("wl-paste", ["-n"]);
        Assert.True(code == 0, err);
        Assert.Equal(File.ReadAllText(big), pasted);
        Assert.True(fromX.WaitForExit(10_000));
    }

    [Fact]
    public void KillingXwaylandBringsItBackOnTheNextXClient()
    {
        var first = _compositor.StartClient("xeyes", "-geometry", "100x100+100+100");
        var started = WaitForMatch(XwaylandPid(), "Xwayland to start");
        Peers.WaitFor(() => _compositor.Log.Contains("draws into wl_surface"), "xeyes' window");
        Peers.Run("kill", ["-9", started.Groups[1].Value], new Dictionary<string, string?>());
        Peers.WaitFor(() => _compositor.Log.Contains("Xwayland exited"), "the compositor to see Xwayland die");
        Peers.WaitFor(() => first.HasExited, "xeyes to lose its X server");
        WaitForScreen(s => s.Count(100, 100, 100, 100, Background) == 100 * 100, "xeyes' window to go");

        _compositor.StartClient("xterm", "-bg", "blue", "-geometry", "20x5+200+200");
        Peers.WaitFor(() => XwaylandPid().Matches(_compositor.Log).Count == 2, "a new Xwayland for the next X client");
        WaitForScreen(s => s.Count(200, 200, 100, 50, Blue) > 100 * 50 * 0.8, "xterm on the new Xwayland");
        Assert.False(_compositor.HasExited);
    }

    [GeneratedRegex(@"Xwayland started \(pid (\d+)\)")]
    private static partial Regex XwaylandPid();
}

/// <summary>--no-xwayland: no X display at all.</summary>
public sealed class NoXwaylandTests
{
    [Fact]
    public void NoXwaylandOpensNoXDisplay()
    {
        using var compositor = new RunningCompositor("320x240@60");
        Assert.Null(compositor.XDisplay);
        Assert.DoesNotContain("X11 display", compositor.Log);
        Assert.Null(compositor.ClientEnvironment["DISPLAY"]);
    }
}
