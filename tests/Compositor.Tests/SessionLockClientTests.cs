using Compositor.Backends.Headless;
using Compositor.Tests.Harness;

namespace Compositor.Tests;

/// <summary>Debian's swaylock (ext_session_lock_v1) against the executable, seen through grim
/// (zwlr_screencopy_manager_v1): its colour covers the whole screen and no window shows through,
/// not even in a capture; a wrong password keeps it locked; killed, it leaves the session locked
/// and blank.</summary>
public sealed class SessionLockClientTests : IDisposable
{
    private const int Width = 640, Height = 480;
    private static readonly (byte, byte, byte) Red = (0xff, 0, 0), White = (255, 255, 255), Black = (0, 0, 0);

    private readonly RunningCompositor _compositor = new($"{Width}x{Height}@60");

    public void Dispose() => _compositor.Dispose();

    private Image WaitForScreen(Func<Image, bool> condition, string what)
    {
        Image? last = null;
        var deadline = Environment.TickCount64 + 20_000;
        while (Environment.TickCount64 < deadline)
        {
            last = _compositor.Screenshot();
            if (condition(last)) return last;
            Thread.Sleep(200);
        }
        var path = Path.Combine(Path.GetTempPath(), $"failed-{what.Replace(' ', '-')}.ppm");
        last?.SavePpm(path);
        Assert.Fail($"screen never showed {what} (last screenshot: {path})\ncompositor log:\n{_compositor.Log}");
        return last!;
    }

    [Fact]
    public void SwaylockCoversTheScreenAWrongPasswordKeepsItLockedAndKillingItLeavesTheSessionBlank()
    {
        // simple-shm's 250x250 window cascades to 32,32 and draws a white frame.
        var shm = _compositor.StartClient("weston-simple-shm");
        WaitForScreen(i => i.Count(32, 32, 250, 10, White) == 2500, "weston-simple-shm's window");

        var swaylock = _compositor.StartClient("swaylock", "-c", "ff0000");
        var locked = WaitForScreen(i => i.Count(0, 0, Width, Height, Red) == Width * Height, "swaylock's red over the whole output");
        Assert.Equal(0, locked.Count(32, 32, 250, 10, White));
        Peers.WaitFor(() => _compositor.Log.Contains("told locked"), "the lock told locked");

        // A wrong password: PAM refuses it (as root in a container, any password fails), so swaylock stays.
        using (var input = new TestInputClient(_compositor.TestInputPath))
        {
            Assert.Equal("ok", input.Send("type wrongpassword"));
            Assert.Equal("ok", input.Send("key 28 press"));
            Assert.Equal("ok", input.Send("key 28 release"));
        }
        // The indicator shows the attempt and its failure in the middle; the window never shows.
        for (var i = 0; i < 15; i++)
        {
            var shot = _compositor.Screenshot();
            Assert.Equal(0, shot.Count(32, 32, 250, 10, White));
            Assert.Equal(Red, shot[5, 5]);
            Assert.Equal(Red, shot[Width - 5, Height - 5]);
            Thread.Sleep(200);
        }
        Assert.False(swaylock.HasExited, swaylock.Stderr);
        Assert.DoesNotContain("unlocked by", _compositor.Log);

        // Killed: the lock surfaces go, the session stays locked in its opaque colour.
        swaylock.Process.Kill();
        Assert.True(swaylock.Process.WaitForExit(5000));
        Peers.WaitFor(() => _compositor.Log.Contains("went without unlocking"), "the compositor noticing the lock abandoned");
        var blank = WaitForScreen(i => i.Count(0, 0, Width, Height, Black) == Width * Height, "the locked session's black");
        Assert.Equal(0, blank.Count(32, 32, 250, 10, White));
        Assert.False(shm.HasExited, shm.Stderr);
        Assert.False(_compositor.HasExited, _compositor.Log);
    }
}
