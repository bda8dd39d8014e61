using System.Text.RegularExpressions;
using Compositor.Backends.Headless;
using Compositor.Tests.Harness;

namespace Compositor.Tests;

/// <summary>SDL2's testrelative (relative mouse mode, as games use it) against the executable: it
/// locks the pointer once its window has the pointer and the keyboard, and then hears the mouse
/// only as relative motion, never as wl_pointer.motion.</summary>
public sealed partial class PointerLockClientTests : IDisposable
{
    private const string SdlTests = "/usr/libexec/installed-tests/SDL2";
    private readonly RunningCompositor _compositor = new("640x480@60");

    public void Dispose() => _compositor.Dispose();

    [Fact]
    public void SdlRelativeMouseModeLocksThePointerAndGetsRelativeMotion()
    {
        var sdl = _compositor.StartClient($"{SdlTests}/testrelative",
            new Dictionary<string, string?> { ["SDL_VIDEODRIVER"] = "wayland", ["WAYLAND_DEBUG"] = "1" });
        Peers.WaitFor(() => sdl.Stderr.Contains("lock_pointer("), "testrelative to ask for a pointer lock");
        using var input = new TestInputClient(_compositor.TestInputPath);
        Assert.Equal("ok", input.Send("motion 0 200 200")); // into its window: the lock starts
        Peers.WaitFor(() => sdl.Stderr.Contains(".locked()"), "the lock to start");
        Assert.Equal("ok", input.Send("motion-relative 12 -7"));
        Assert.Equal("ok", input.Send("motion-relative 3 4"));
        Peers.WaitFor(() => RelativeMotion().Matches(sdl.Stderr).Count >= 2, "two relative motions");
        var motions = RelativeMotion().Matches(sdl.Stderr);
        Assert.Equal(("12.00000000", "-7.00000000"), (motions[0].Groups[1].Value, motions[0].Groups[2].Value));
        Assert.Equal(("3.00000000", "4.00000000"), (motions[1].Groups[1].Value, motions[1].Groups[2].Value));
        // While locked the cursor does not move: no wl_pointer.motion after the lock began.
        var afterLock = sdl.Stderr[sdl.Stderr.IndexOf(".locked()", StringComparison.Ordinal)..];
        Assert.DoesNotMatch(@"wl_pointer@\d+\.motion\(", afterLock);
        Assert.False(sdl.HasExited, sdl.Stderr);
        Assert.DoesNotContain("error", _compositor.Log, StringComparison.OrdinalIgnoreCase);
    }

    [GeneratedRegex(@"zwp_relative_pointer_v1@\d+\.relative_motion\(\d+, \d+, (-?[\d.]+), (-?[\d.]+),")]
    private static partial Regex RelativeMotion();
}
