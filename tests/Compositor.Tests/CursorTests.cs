using Compositor.Backends.Headless;
using Compositor.Tests.Harness;
using Wayland.Protocols.Client;

namespace Compositor.Tests;

/// <summary>The compositor's own cursor from the XCursor theme, as grim sees it: over the
/// background and over a client that sets none, with the shape a client names through
/// wp_cursor_shape_v1, hidden when the client hides it, and in a capture only when it asks (-c).</summary>
public sealed class CursorTests : IDisposable
{
    private static readonly (byte, byte, byte) Background = (51, 51, 51), Red = (255, 0, 0);
    private readonly RunningCompositor _compositor = new("640x480@60");

    public void Dispose() => _compositor.Dispose();

    private Image Capture(bool withCursor)
    {
        var path = Path.Combine(_compositor.RuntimeDir, $"shot-{Guid.NewGuid():N}.ppm");
        var (code, _, err) = _compositor.Run("grim", withCursor ? ["-c", "-t", "ppm", path] : ["-t", "ppm", path]);
        Assert.True(code == 0, $"grim failed: {err}");
        var image = Image.ReadPpm(File.ReadAllBytes(path));
        File.Delete(path);
        return image;
    }

    /// <summary>Pixels of the 48x48 box around a point that are not <paramref name="under"/>.</summary>
    private static int Drawn(Image i, int x, int y, (byte, byte, byte) under) => 48 * 48 - i.Count(x - 16, y - 16, 48, 48, under);

    private static int Differing(Image a, Image b, int x, int y)
    {
        var n = 0;
        for (var dy = -16; dy < 32; dy++)
            for (var dx = -16; dx < 32; dx++)
                if (a[x + dx, y + dy] != b[x + dx, y + dy]) n++;
        return n;
    }

    [Fact]
    public void TheThemeCursorIsAtThePointerOverTheBackgroundAndOverAClientThatSetsNone()
    {
        using var input = new TestInputClient(_compositor.TestInputPath);
        Assert.Equal("ok", input.Send("motion 0 300 200"));
        var shot = Capture(withCursor: true);
        Assert.True(Drawn(shot, 300, 200, Background) > 40, $"no cursor at 300,200: {Drawn(shot, 300, 200, Background)} pixels drawn");
        Assert.Equal(0, Drawn(shot, 500, 400, Background));
        // A capture that does not ask for the cursor leaves it out.
        Assert.Equal(0, Drawn(Capture(withCursor: false), 300, 200, Background));

        using var client = new SocketClient(_compositor);
        var display = client.Display;
        Assert.Equal(2u, client.Globals["wp_cursor_shape_manager_v1"].Version);
        var pointer = client.Bind<WlSeat>("wl_seat", 9).GetPointer();
        uint enter = 0;
        pointer.Enter += (_, serial, _, _, _) => enter = serial;
        var device = client.Bind<WpCursorShapeManagerV1>("wp_cursor_shape_manager_v1", 2).GetPointer(pointer);

        // A red 300x200 window at 32,32 that never sets a cursor.
        client.MapSolidWindow(300, 200, uint.MaxValue, 0, 0);

        Assert.Equal("ok", input.Send("motion 0 150 120"));
        Peers.WaitFor(() => { display.Dispatch(100); return enter != 0; }, "the pointer to enter the window");
        var arrow = Capture(withCursor: true);
        Assert.True(Drawn(arrow, 150, 120, Red) > 40, "no cursor over the window that sets none");
        Assert.Equal(0, Drawn(Capture(withCursor: false), 150, 120, Red));

        device.SetShape(enter, WpCursorShapeDeviceV1.Shape.Text);
        display.Roundtrip();
        var text = Capture(withCursor: true);
        Assert.True(Drawn(text, 150, 120, Red) > 10, "the text cursor is not drawn");
        Assert.True(Differing(arrow, text, 150, 120) > 20, "set_shape(text) did not change the cursor");

        // A stale serial is ignored, as for set_cursor.
        device.SetShape(enter - 1, WpCursorShapeDeviceV1.Shape.Default);
        display.Roundtrip();
        Assert.Equal(0, Differing(text, Capture(withCursor: true), 150, 120));

        pointer.SetCursor(enter, null, 0, 0); // hidden
        display.Roundtrip();
        Assert.Equal(0, Drawn(Capture(withCursor: true), 150, 120, Red));

        // Back over the background: the compositor's arrow again.
        Assert.Equal("ok", input.Send("motion 0 500 400"));
        display.Roundtrip();
        Assert.True(Drawn(Capture(withCursor: true), 500, 400, Background) > 40);
    }
}
