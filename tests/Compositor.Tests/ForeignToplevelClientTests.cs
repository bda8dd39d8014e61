using Compositor.Tests.Harness;

namespace Compositor.Tests;

/// <summary>
/// zwlr_foreign_toplevel_manager_v1 through wlroots' own client (the foreign-toplevel example of
/// wlroots 0.15, Debian's libwlroots-examples) against the executable, with weston-simple-shm's
/// 250x250 window (white frame) as the window it lists and changes; the screen is checked with grim.
/// </summary>
public sealed class ForeignToplevelClientTests : IDisposable
{
    private const string Tool = "/usr/lib/wlroots/foreign-toplevel";
    private const string Listed = "title=simple-shm app_id=org.freedesktop.weston.simple-shm";
    private static readonly (byte, byte, byte) White = (255, 255, 255);
    private readonly RunningCompositor _compositor = new("640x480@60");

    public void Dispose() => _compositor.Dispose();

    private string Toplevels(params string[] args)
    {
        var (code, output, err) = _compositor.Run(Tool, args);
        Assert.True(code == 0, $"{Tool} {string.Join(' ', args)}: {err}");
        return output;
    }

    /// <summary>Lists until the window's line says <paramref name="what"/> (the client acks at its own pace).</summary>
    private string WaitForListing(Func<string, bool> check, string what)
    {
        var last = "";
        for (var deadline = DateTime.UtcNow.AddSeconds(20); DateTime.UtcNow < deadline; Thread.Sleep(100))
            if (check(last = Toplevels())) return last;
        Assert.Fail($"{Tool} never listed {what}; last:\n{last}\ncompositor log:\n{_compositor.Log}");
        return last;
    }

    private void WaitForScreen(Func<Image, bool> check, string what)
    {
        Image? last = null;
        for (var deadline = DateTime.UtcNow.AddSeconds(20); DateTime.UtcNow < deadline; Thread.Sleep(100))
            if (check(last = _compositor.Screenshot())) return;
        var path = Path.Combine(Path.GetTempPath(), $"failed-{what.Replace(' ', '-')}.ppm");
        last?.SavePpm(path);
        Assert.Fail($"screen never showed {what} (last screenshot: {path})");
    }

    /// <summary>simple-shm's white top edge at x,y (its 250 pixels wide frame).</summary>
    private static bool FrameAt(Image i, int x, int y) => i.Count(x, y, 250, 5, White) == 1250;

    [Fact]
    public void WlrootsToolListsTheWindowAndFullscreensMaximizesMinimizesAndClosesIt()
    {
        if (!File.Exists(Tool)) Assert.Fail($"{Tool} is missing (Debian package libwlroots-examples)");
        var shm = _compositor.StartClient("weston-simple-shm");
        var line = WaitForListing(o => o.Contains(Listed), "simple-shm");
        Assert.StartsWith("-> 0.", line.Trim());
        WaitForScreen(i => FrameAt(i, 32, 32), "simple-shm at 32,32");

        // Fullscreen: simple-shm keeps its size, so the window is centred on the output.
        Toplevels("-s", "0");
        WaitForListing(o => o.Contains(Listed) && o.Contains("fullscreen"), "fullscreen");
        WaitForScreen(i => FrameAt(i, (640 - 250) / 2, (480 - 250) / 2) && i.Count(32, 32, 100, 5, White) == 0, "the fullscreen window centred");
        Toplevels("-S", "0");
        WaitForListing(o => o.Contains(Listed) && !o.Contains("fullscreen"), "fullscreen left");
        WaitForScreen(i => FrameAt(i, 32, 32), "simple-shm back at 32,32");

        Toplevels("-a", "0");
        WaitForListing(o => o.Contains(" maximized"), "maximized");
        Toplevels("-u", "0");
        WaitForListing(o => o.Contains(" unmaximized"), "unmaximized");

        // Minimized: off the screen and inactive until restored.
        Toplevels("-i", "0");
        WaitForListing(o => o.Contains(" minimized inactive"), "minimized");
        WaitForScreen(i => i.Count(32, 32, 250, 250, White) == 0, "no window");
        Toplevels("-r", "0");
        WaitForListing(o => o.Contains(" unminimized active"), "restored");
        WaitForScreen(i => FrameAt(i, 32, 32), "the window back");

        // Close: xdg_toplevel.close, and simple-shm quits on it.
        Toplevels("-c", "0");
        Assert.True(shm.Process.WaitForExit(10_000), "simple-shm did not exit on close");
        WaitForListing(o => !o.Contains(Listed), "no window");
        Assert.False(_compositor.HasExited, _compositor.Log);
    }
}
