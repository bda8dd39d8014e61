using Compositor.Tests.Harness;

namespace Compositor.Tests;

/// <summary>swaybg (a wallpaper on zwlr_layer_shell_v1's background layer) against the executable:
/// its colour fills the screen capture under the windows.</summary>
public sealed class LayerShellClientTests : IDisposable
{
    private readonly RunningCompositor _compositor = new("640x480@60");

    public void Dispose() => _compositor.Dispose();

    [Fact]
    public void SwaybgsColourFillsTheScreenUnderWindows()
    {
        var swaybg = _compositor.StartClient("swaybg", "-c", "#204080");
        var shm = _compositor.StartClient("weston-simple-shm");
        (byte, byte, byte) wallpaper = (0x20, 0x40, 0x80);
        Image? shot = null;
        Peers.WaitFor(() =>
        {
            shot = _compositor.Screenshot();
            // simple-shm's 250x250 window cascades to 32,32 and draws a white frame.
            return shot.Count(0, 0, 640, 480, wallpaper) > 640 * 480 - 250 * 250 - 100 && shot.Count(32, 32, 250, 10, (255, 255, 255)) == 2500;
        }, "swaybg's colour around simple-shm's window");
        Assert.Equal(wallpaper, shot![10, 10]);
        Assert.Equal(wallpaper, shot[600, 400]);
        Assert.Equal((255, 255, 255), shot[33, 33]);
        Assert.False(swaybg.HasExited, swaybg.Stderr);
        Assert.False(shm.HasExited, shm.Stderr);
    }
}
