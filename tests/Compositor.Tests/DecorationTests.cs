using Compositor.Backends.Headless;
using Compositor.Shell;
using Compositor.Tests.Harness;

namespace Compositor.Tests;

/// <summary>Server-side decorations with a real client that asks for them: SDL2 (2.26) keeps its
/// toplevel only when the compositor answers server_side (else it falls back to libdecor, whose
/// window never maps here); it shows with our title bar, and our close button closes it.</summary>
public sealed class DecorationTests : IDisposable
{
    private const string SdlTests = "/usr/libexec/installed-tests/SDL2";
    private readonly RunningCompositor _compositor = new("800x600@60");

    public void Dispose() => _compositor.Dispose();

    [Fact]
    public void AnSdl2ProgramShowsItsWindowUnderOurTitleBarAndOurCloseButtonClosesIt()
    {
        var sdl = _compositor.StartClient($"{SdlTests}/testsprite2", new Dictionary<string, string?> { ["SDL_VIDEODRIVER"] = "wayland" },
            "--video", "wayland", $"{SdlTests}/icon.bmp");
        // testsprite2's 640x480 window cascades to 32,32; the bar is the 24 rows above it, the close
        // button its right end, and SDL draws its grey background below.
        Image? shot = null;
        Peers.WaitFor(() =>
        {
            shot = _compositor.Screenshot();
            return shot.Count(650, 10, 20, 20, TitleBar.CloseRed, 4) > 150 && shot.Count(300, 9, 300, 4, TitleBar.Active, 4) > 1000;
        }, "testsprite2 with our title bar");
        Assert.False(sdl.HasExited, sdl.Stderr);
        Assert.True(shot!.Count(32, 32 + 100, 640, 4, (51, 51, 51), 0) < 100, "SDL's window is not drawn below the bar");
        // The title is drawn in the bar: its left part is not all bar colour.
        Assert.True(shot.Count(36, 8, 120, 24, TitleBar.Active, 4) < 120 * 24 - 50, "no title text in the bar");

        using var input = new TestInputClient(_compositor.TestInputPath);
        Assert.Equal("ok", input.Send("motion 0 660 20"));
        Assert.Equal("ok", input.Send("button left press"));
        Assert.Equal("ok", input.Send("button left release"));
        Assert.True(sdl.Process.WaitForExit(15_000), $"testsprite2 did not close\n{sdl.Stderr}");
        Assert.Equal(0, sdl.Process.ExitCode);
    }
}
