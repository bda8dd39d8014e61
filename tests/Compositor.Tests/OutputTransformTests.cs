using Compositor.Backends;
using Compositor.Tests.Harness;
using Wayland.Protocols.Client;

namespace Compositor.Tests;

/// <summary>An output's transform from the config (a screen turned on its side, or mirrored): the
/// table the renderers and the scene share, what clients are told (wl_output.geometry's transform,
/// xdg_output's logical size, preferred_buffer_transform), where the scene draws and the pointer
/// points, and what grim sees: it reads the framebuffer and undoes the transform wl_output names,
/// so a window the layout puts at 32,32 is at 32,32 in its picture only if we turned it the
/// protocol's way.</summary>
public sealed class OutputTransformTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"transform-{Guid.NewGuid():N}");

    public OutputTransformTests() => Directory.CreateDirectory(_dir);
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<int> AllTransforms() => [0, 1, 2, 3, 4, 5, 6, 7];

    [Theory]
    [MemberData(nameof(AllTransforms))]
    public void TheIntegerMappingIsTheTablesAndInvertingItComesBack(int t)
    {
        const int w = 40, h = 30;
        var (tw, th) = OutputTransform.SwapsAxes(t) ? (h, w) : (w, h);
        for (var y = 0; y <= h; y += 5)
            for (var x = 0; x <= w; x += 5)
            {
                var (fx, fy) = OutputTransform.Apply(t, x, y, w, h);
                var (u, v) = OutputTransform.ToBuffer(t, (double)x / w, (double)y / h);
                Assert.Equal((Math.Round(u * tw, 9), Math.Round(v * th, 9)), ((double)fx, (double)fy));
                Assert.Equal(((double)x, (double)y), OutputTransform.Invert(t, fx, fy, w, h));
            }
        // A rectangle keeps its area and stays inside the transformed image.
        var r = OutputTransform.Apply(t, new Rect(3, 4, 10, 7), w, h);
        Assert.Equal(70, r.Width * r.Height);
        Assert.Equal(r, r.Intersect(new Rect(0, 0, tw, th)));
    }

    [Theory]
    [MemberData(nameof(AllTransforms))]
    public void ABufferWithTheOutputsTransformIsDrawnUnturnedAndAnUprightOneIsTurned(int t)
    {
        // The point of buffer transforms: a client that draws for the output's transform fills the
        // framebuffer as it is.
        Assert.Equal(0, OutputTransform.Compose(t, t));
        // An upright buffer on a transformed output is drawn with the output's transform applied:
        // sampling framebuffer point f reads the upright point f shows.
        var x = OutputTransform.Compose(0, t);
        foreach (var (u, v) in new[] { (0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (0.25, 0.75) })
            Assert.Equal(OutputTransform.Invert(t, u, v, 1, 1), OutputTransform.ToBuffer(x, u, v));
        // And a turned buffer on an upright output is drawn with its own transform, as before.
        Assert.Equal(t, OutputTransform.Compose(t, 0));
    }

    [Fact]
    public void ClientsOfATurnedOutputAreToldItsTransformItsUprightSizeAndTheBufferTransformToDrawWith()
    {
        using var compositor = new InProcessCompositor(640, 480, config: Config.CompositorConfig.Parse("[output TEST-1]\ntransform = 90\n", "test.ini"));
        var client = compositor.Connect();
        var output = client.Bind<WlOutput>("wl_output", 4);
        WlOutput.Transform? transform = null;
        (int, int)? mode = null;
        output.Geometry += (_, _, _, _, _, _, _, _, t) => transform = t;
        output.ModeEvent += (_, _, w, h, _) => mode = (w, h);
        var xdgOutput = client.Bind<ZxdgOutputManagerV1>("zxdg_output_manager_v1", 3).GetXdgOutput(output);
        (int, int)? logical = null;
        xdgOutput.LogicalSize += (_, w, h) => logical = (w, h);
        var surface = client.Bind<WlCompositor>("wl_compositor", 6).CreateSurface();
        var preferred = new List<WlOutput.Transform>();
        surface.PreferredBufferTransform += (_, t) => preferred.Add(t);
        var window = new TestToplevel(client, surface);
        client.Bind<WpViewporter>("wp_viewporter", 1).GetViewport(surface).SetDestination(100, 80);
        window.Show(client.Bind<WpSinglePixelBufferManagerV1>("wp_single_pixel_buffer_manager_v1", 1).CreateU32RgbaBuffer(uint.MaxValue, 0, 0, uint.MaxValue));
        client.Roundtrip();
        Assert.Equal(WlOutput.Transform._90, transform);
        Assert.Equal((640, 480), mode); // the mode is the screen's, as it scans out
        Assert.Equal((480, 640), logical);
        Assert.Equal([WlOutput.Transform._90], preferred);

        // The window at 32,32 (100x80) of the upright 480x640 picture is drawn turned into the
        // 640x480 framebuffer: its top-left corner goes to the framebuffer's bottom-left.
        compositor.Frame();
        compositor.Pump();
        Assert.Contains((new Rect(32, 480 - 32 - 100, 80, 100), (int?)null), compositor.Renderer.Draws);

        // A pointer at a framebuffer position (a nested window, a touch screen) points at the
        // layout position it shows: framebuffer (40, 300) shows upright (480-300, 40).
        compositor.Input.PointerMotionAbsolute(0, compositor.Backend.Output!, 40, 300);
        Assert.Equal((180.0, 40.0), (compositor.Server.Seat.Pointer.X, compositor.Server.Seat.Pointer.Y));
    }

    [Theory]
    [InlineData("90", 480, 640)]
    [InlineData("180", 640, 480)]
    [InlineData("270", 480, 640)]
    [InlineData("flipped", 640, 480)]
    [InlineData("flipped-90", 480, 640)]
    public void GrimSeesTheWindowUprightWhereTheLayoutPutsIt(string transform, int width, int height)
    {
        var config = Path.Combine(_dir, "compositor.ini");
        File.WriteAllText(config, $"[output HEADLESS-1]\ntransform = {transform}\n");
        using var compositor = new RunningCompositor("640x480@60", "--config", config);
        var (code, info, err) = compositor.Run("wayland-info", []);
        Assert.True(code == 0, err);
        Assert.Contains($"logical_width: {width}, logical_height: {height}", info);

        using var client = new SocketClient(compositor);
        // Off the centre and wider than tall, the window lands elsewhere in grim's picture under
        // any other transform than the one the output names.
        client.MapSolidWindow(100, 80, uint.MaxValue, 0, 0);
        Image shot = null!;
        Peers.WaitFor(() => (shot = compositor.Screenshot()).Count(32, 32, 100, 80, (255, 0, 0)) == 100 * 80, $"the red window upright at 32,32 on a {transform} output");
        Assert.Equal((width, height), (shot.Width, shot.Height));
        Assert.Equal(100 * 80, shot.Count(0, 0, width, height, (255, 0, 0)));
        Assert.Equal(((byte)51, (byte)51, (byte)51), shot[31, 31]);
        Assert.Equal(((byte)51, (byte)51, (byte)51), shot[132, 112]);
    }

    public static TheoryData<int, int> TransformPairs() => new()
    {
        { 1, 0 }, { 1, 1 }, { 1, 3 }, { 3, 0 }, { 5, 0 }, { 5, 2 }, { 6, 6 }, { 0, 7 },
    };

    /// <summary>A buffer with a pattern no turn or mirror leaves alone, drawn with a buffer
    /// transform on a transformed output: grim's upright picture shows the surface as the client
    /// meant it, whichever the two transforms (the renderer draws it with their product).</summary>
    [Theory]
    [MemberData(nameof(TransformPairs))]
    public void AShmWindowWithABufferTransformIsUprightOnATransformedOutput(int outputTransform, int bufferTransform)
    {
        var config = Path.Combine(_dir, "compositor.ini");
        File.WriteAllText(config, $"[output HEADLESS-1]\ntransform = {Config.CompositorConfig.TransformNames[outputTransform]}\n");
        using var compositor = new RunningCompositor("640x480@60", "--config", config);
        using var client = new SocketClient(compositor);
        // The surface, upright, is 100x80: red top-left, green bottom-left, blue on the right half.
        const uint red = 0xff0000, green = 0x00ff00, blue = 0x0000ff;
        static uint Surface(int x, int y) => x >= 50 ? blue : y < 40 ? red : green;
        // The client draws it into its buffer already transformed, as the protocol says.
        var swapped = OutputTransform.SwapsAxes(bufferTransform);
        var (bw, bh) = swapped ? (80, 100) : (100, 80);
        client.MapShmWindow(bw, bh, (bx, by) =>
        {
            var (x, y) = OutputTransform.Invert(bufferTransform, bx + 0.5, by + 0.5, 100, 80);
            return Surface((int)x, (int)y);
        }, (WlOutput.Transform)bufferTransform);

        Image shot = null!;
        Peers.WaitFor(() => (shot = compositor.Screenshot()).Count(82, 32, 50, 80, (0, 0, 255)) == 50 * 80,
            $"the blue half at 82,32 (output {outputTransform}, buffer {bufferTransform})");
        Assert.Equal(50 * 40, shot.Count(32, 32, 50, 40, (255, 0, 0)));
        Assert.Equal(50 * 40, shot.Count(32, 72, 50, 40, (0, 255, 0)));
        Assert.Equal(((byte)51, (byte)51, (byte)51), shot[31, 31]);
        Assert.Equal(((byte)51, (byte)51, (byte)51), shot[132, 112]);
    }
}
