using Compositor.Tests.Harness;
using Wayland.Protocols.Client;

namespace Compositor.Tests;

/// <summary>An output's scale from the config, integer or fractional: what clients are told
/// (wl_output.scale, xdg_output's logical size, preferred_buffer_scale, wp_fractional_scale_v1)
/// and what the screen shows (grim, in output pixels).</summary>
public sealed class OutputScaleTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"scale-{Guid.NewGuid():N}");

    public OutputScaleTests() => Directory.CreateDirectory(_dir);
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void ClientsOnAFractionalOutputAreToldItsScaleAndTheRoundedUpBufferScale()
    {
        using var compositor = new InProcessCompositor(600, 450, config: Config.CompositorConfig.Parse("[output TEST-1]\nscale = 1.5\n", "test.ini"));
        var client = compositor.Connect();
        var output = client.Bind<WlOutput>("wl_output", 4);
        int? scale = null;
        output.Scale += (_, f) => scale = f;
        var xdgOutput = client.Bind<ZxdgOutputManagerV1>("zxdg_output_manager_v1", 3).GetXdgOutput(output);
        (int, int)? logical = null;
        xdgOutput.LogicalSize += (_, w, h) => logical = (w, h);
        var wlCompositor = client.Bind<WlCompositor>("wl_compositor", 6);
        var fractional = client.Bind<WpFractionalScaleManagerV1>("wp_fractional_scale_manager_v1", 1);
        var surface = wlCompositor.CreateSurface();
        var preferred = new List<int>();
        surface.PreferredBufferScale += (_, f) => preferred.Add(f);
        var fraction = new List<uint>();
        fractional.GetFractionalScale(surface).PreferredScale += (_, s) => fraction.Add(s);
        var window = new TestToplevel(client, surface);
        client.Bind<WpViewporter>("wp_viewporter", 1).GetViewport(surface).SetDestination(100, 80);
        window.Show(client.Bind<WpSinglePixelBufferManagerV1>("wp_single_pixel_buffer_manager_v1", 1).CreateU32RgbaBuffer(0, 0, 0, uint.MaxValue));
        client.Roundtrip();
        Assert.Equal(2, scale);
        Assert.Equal((400, 300), logical);
        Assert.Equal([2], preferred);
        Assert.Equal([180u], fraction);

        // The pointer's position in output pixels becomes layout pixels.
        compositor.Input.PointerMotionAbsolute(0, compositor.Backend.Output!, 300, 150);
        Assert.Equal((200.0, 100.0), (compositor.Server.Seat.Pointer.X, compositor.Server.Seat.Pointer.Y));

        fractional.GetFractionalScale(surface);
        var error = client.ErrorAfterRoundtrip();
        Assert.Equal(("wp_fractional_scale_manager_v1", (uint)WpFractionalScaleManagerV1.Error.FractionalScaleExists), (error?.Interface, error?.Code));
    }

    [Theory]
    [InlineData("2", 640, 480, 64, 200, 160)]
    [InlineData("1.5", 600, 450, 48, 150, 120)]
    public void AScaledOutputShowsAWindowAtItsScaleInOutputPixels(string scale, int width, int height, int at, int w, int h)
    {
        var config = Path.Combine(_dir, "compositor.ini");
        File.WriteAllText(config, $"[output HEADLESS-1]\nscale = {scale}\n");
        using var compositor = new RunningCompositor($"{width}x{height}@60", "--config", config);
        var (code, info, err) = compositor.Run("wayland-info", []);
        Assert.True(code == 0, err);
        Assert.Contains($"scale: {(int)Math.Ceiling(double.Parse(scale, System.Globalization.CultureInfo.InvariantCulture))}", info);

        using var client = new SocketClient(compositor);
        client.MapSolidWindow(100, 80, uint.MaxValue, 0, 0);

        // The 100x80 window at 32,32 in the layout covers (32..132, 32..112) times the scale.
        Image shot = null!;
        Peers.WaitFor(() => (shot = compositor.Screenshot()).Count(at, at, w, h, (255, 0, 0)) == w * h, "the scaled window");
        Assert.Equal((width, height), (shot.Width, shot.Height));
        Assert.Equal(w * h, shot.Count(0, 0, width, height, (255, 0, 0)));
        Assert.Equal(((byte)51, (byte)51, (byte)51), shot[at - 1, at - 1]);
        Assert.Equal(((byte)51, (byte)51, (byte)51), shot[at + w, at + h]);
    }
}
