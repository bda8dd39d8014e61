using Compositor.Tests.Harness;
using Wayland.Protocols.Client;
using TestOutput = Compositor.Tests.Harness.InProcessCompositor.TestOutput;

namespace Compositor.Tests;

/// <summary>Screens plugged in and out while clients run: wl_output globals come and go, surfaces
/// get enter and leave, windows open on the screen under the pointer and move off a screen that
/// goes, and the config places screens in the layout.</summary>
public sealed class OutputHotplugTests : IDisposable
{
    private readonly InProcessCompositor _compositor = new(640, 480);

    public void Dispose() => _compositor.Dispose();

    private sealed class Client
    {
        public Client(InProcessCompositor compositor)
        {
            Connection = compositor.Connect();
            Registry = Connection.Display.GetRegistry();
            Registry.Global += (_, name, iface, _) => { if (iface == "wl_output") Outputs.Add(name); };
            Registry.GlobalRemove += (_, name) => Outputs.Remove(name);
            Connection.Roundtrip();
            Compositor = Connection.Bind<WlCompositor>("wl_compositor", 6);
            Pixels = Connection.Bind<WpSinglePixelBufferManagerV1>("wp_single_pixel_buffer_manager_v1", 1);
            Viewporter = Connection.Bind<WpViewporter>("wp_viewporter", 1);
        }

        public TestClient Connection { get; }
        public WlRegistry Registry { get; }
        public WlCompositor Compositor { get; }
        public WpSinglePixelBufferManagerV1 Pixels { get; }
        public WpViewporter Viewporter { get; }
        public List<uint> Outputs { get; } = [];
        public List<string> Events { get; } = [];
        public Dictionary<uint, WlOutput> Bound { get; } = [];

        public void BindOutputs()
        {
            foreach (var name in Outputs)
                if (!Bound.ContainsKey(name)) Bound[name] = Registry.Bind<WlOutput>(name, 4);
            Connection.Roundtrip();
        }

        public (WlSurface Surface, TestToplevel Window) Window()
        {
            var surface = Compositor.CreateSurface();
            Viewporter.GetViewport(surface).SetDestination(100, 80);
            surface.Enter += (_, o) => Events.Add($"enter {NameOf(o)}");
            surface.Leave += (_, o) => Events.Add($"leave {NameOf(o)}");
            var window = new TestToplevel(Connection, surface);
            window.Show(Pixels.CreateU32RgbaBuffer(0, 0, 0, uint.MaxValue));
            return (surface, window);
        }

        private uint NameOf(WlOutput? o) => Bound.FirstOrDefault(kv => kv.Value == o).Key;
    }

    [Fact]
    public void APluggedScreenAddsAGlobalToTheRightAndAnUnpluggedOneMovesItsWindowsAndSendsLeave()
    {
        var c = new Client(_compositor);
        Assert.Single(c.Outputs);
        var second = new TestOutput(800, 600, name: "TEST-2");
        _compositor.Backend.Plug(second);
        c.Connection.Roundtrip();
        Assert.Equal(2, c.Outputs.Count);
        var scene = _compositor.Server.Scene;
        Assert.Equal(new Backends.Rect(640, 0, 800, 600), scene.Outputs[1].Bounds);
        c.BindOutputs();
        var (first, second2) = (c.Outputs[0], c.Outputs[1]);

        // New windows open on the screen under the pointer, cascading from its corner.
        c.Window();
        _compositor.Input.PointerMotionAbsolute(0, second, 400, 300);
        var (surface, _) = c.Window();
        c.Connection.Roundtrip();
        var shell = _compositor.Server.Shell.Windows.Toplevels.OfType<Shell.Toplevel>().Last().ShellSurface;
        Assert.Equal((640 + 32, 32), (shell.WindowX, shell.WindowY));
        Assert.Equal([$"enter {first}", $"enter {second2}"], c.Events);

        _compositor.Backend.Unplug(second);
        c.Connection.Roundtrip();
        Assert.Equal([first], c.Outputs);
        Assert.Equal([$"enter {first}", $"enter {second2}", $"leave {second2}", $"enter {first}"], c.Events);
        Assert.Equal((32, 32), (shell.WindowX, shell.WindowY));
        Assert.Single(scene.Outputs);
        // A client that connects now is not told of the removed output.
        var late = new Client(_compositor);
        Assert.Equal([first], late.Outputs);
        // The pointer was on the screen that went: it is back inside the layout.
        Assert.True(_compositor.Server.Seat.Pointer.X < 640);
        Assert.Equal(1UL, _compositor.Server.Surfaces.Single(s => s.Resource.Id == surface.Id).Outputs);
    }

    [Fact]
    public void AFullscreenWindowOnAScreenThatGoesFillsTheOneLeft()
    {
        var c = new Client(_compositor);
        var second = new TestOutput(800, 600, name: "TEST-2");
        _compositor.Backend.Plug(second);
        c.Connection.Roundtrip();
        _compositor.Input.PointerMotionAbsolute(0, second, 10, 10);
        var (_, window) = c.Window();
        var sizes = new List<(int, int)>();
        window.Toplevel.Configure += (_, w, h, _) => sizes.Add((w, h));
        window.Toplevel.SetFullscreen(null);
        c.Connection.Roundtrip();
        Assert.Equal((800, 600), sizes[^1]);
        _compositor.Backend.Unplug(second);
        c.Connection.Roundtrip();
        Assert.Equal((640, 480), sizes[^1]);
    }

    [Fact]
    public void TheConfigPlacesAScreen()
    {
        using var compositor = new InProcessCompositor(640, 480, config: Config.CompositorConfig.Parse("[output TEST-2]\nposition = 0,480\n", "test.ini"));
        compositor.Backend.Plug(new TestOutput(800, 600, name: "TEST-2"));
        Assert.Equal(new Backends.Rect(0, 480, 800, 600), compositor.Server.Scene.Outputs[1].Bounds);
    }
}
