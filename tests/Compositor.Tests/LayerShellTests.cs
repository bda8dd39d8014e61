using Compositor.Tests.Harness;
using Wayland.Protocols.Client;
using Anchor = Wayland.Protocols.Client.ZwlrLayerSurfaceV1.Anchor;
using Layer = Wayland.Protocols.Client.ZwlrLayerShellV1.Layer;

namespace Compositor.Tests;

/// <summary>zwlr_layer_shell_v1: layer surfaces are configured to the size their anchors give, placed
/// by anchors and margins in their layer of the stack, panels' exclusive zones shrink where windows
/// go, an exclusive keyboard layer keeps the keyboard, and every error of the protocol.</summary>
public sealed class LayerShellTests : IDisposable
{
    private readonly InProcessCompositor _compositor = new(640, 480);

    public void Dispose() => _compositor.Dispose();

    private sealed class Client(InProcessCompositor compositor)
    {
        public TestClient Test { get; } = compositor.Connect();
        public WlCompositor Compositor => _compositor ??= Test.Bind<WlCompositor>("wl_compositor", 5);
        public ZwlrLayerShellV1 Shell => _shell ??= Test.Bind<ZwlrLayerShellV1>("zwlr_layer_shell_v1", 4);
        private WlCompositor? _compositor;
        private ZwlrLayerShellV1? _shell;

        public WlBuffer Color(int width, int height) =>
            Test.Bind<WpSinglePixelBufferManagerV1>("wp_single_pixel_buffer_manager_v1", 1).CreateU32RgbaBuffer(0, 0, uint.MaxValue, uint.MaxValue);
    }

    /// <summary>A layer surface with its configures recorded, set up by <paramref name="setup"/> before the initial commit.</summary>
    private sealed class Layered
    {
        public Layered(Client c, Layer layer, Action<ZwlrLayerSurfaceV1> setup)
        {
            Owner = c;
            Surface = c.Compositor.CreateSurface();
            Role = c.Shell.GetLayerSurface(Surface, null, layer, "test");
            Role.Configure += (_, serial, w, h) => Configures.Add((serial, w, h));
            Role.Closed += _ => Closed = true;
            setup(Role);
            Surface.Commit();
            c.Test.Roundtrip();
        }

        public Client Owner { get; }
        public WlSurface Surface { get; }
        public ZwlrLayerSurfaceV1 Role { get; }
        public List<(uint Serial, uint W, uint H)> Configures { get; } = [];
        public bool Closed { get; private set; }

        /// <summary>Acks the last configure and shows a buffer of the configured size (a single pixel
        /// scaled by a viewport).</summary>
        public Layered Map()
        {
            var (serial, w, h) = Configures[^1];
            Role.AckConfigure(serial);
            Owner.Test.Bind<WpViewporter>("wp_viewporter", 1).GetViewport(Surface).SetDestination((int)w, (int)h);
            Surface.Attach(Owner.Color((int)w, (int)h), 0, 0);
            Surface.Commit();
            Owner.Test.Roundtrip();
            return this;
        }
    }

    private LayerShell.LayerSurface ServerSide(Layered l) =>
        _compositor.Server.Surfaces.Single(s => s.Role is LayerShell.LayerSurface ls && ls.Resource.Id == l.Role.Id).Role as LayerShell.LayerSurface
        ?? throw new InvalidOperationException();

    private static void AssertError(TestClient client, string iface, uint code)
    {
        var error = client.ErrorAfterRoundtrip();
        Assert.Equal((iface, code), (error?.Interface, error?.Code));
    }

    [Fact]
    public void APanelIsConfiguredToItsEdgeAndItsExclusiveZoneShrinksWhereMaximizedWindowsGo()
    {
        var c = new Client(_compositor);
        var panel = new Layered(c, Layer.Top, r =>
        {
            r.SetAnchor(Anchor.Top | Anchor.Left | Anchor.Right);
            r.SetSize(0, 30);
            r.SetExclusiveZone(30);
        });
        Assert.Equal([(640u, 30u)], panel.Configures.Select(x => (x.W, x.H)));
        panel.Map();
        var server = ServerSide(panel);
        Assert.True(server.IsMapped);
        Assert.Equal((0, 0), (server.X, server.Y));
        var output = _compositor.Server.Scene.Outputs[0];
        Assert.Equal(new Backends.Rect(0, 30, 640, 450), output.UsableArea);

        // A maximized window gets the rest, below the panel.
        var t = c.Test;
        var surface = c.Compositor.CreateSurface();
        var window = new TestToplevel(t, surface);
        (int W, int H)? size = null;
        window.Toplevel.Configure += (_, w, h, _) => size = (w, h);
        window.Toplevel.SetMaximized();
        t.Roundtrip();
        Assert.Equal((640, 450), size);
        t.Bind<WpViewporter>("wp_viewporter", 1).GetViewport(surface).SetDestination(640, 450);
        window.Show(c.Color(640, 450));
        var shell = (Shell.ShellSurface)_compositor.Server.Surfaces.Single(s => s.Resource.Id == surface.Id && s.Role is Shell.ShellSurface).Role!;
        Assert.Equal((0, 30), (shell.WindowX, shell.WindowY));
        // The panel stays above the window although the window was raised after it.
        var stack = _compositor.Server.Scene.Stack;
        Assert.True(stack.ToList().IndexOf(server) > stack.ToList().IndexOf(shell), string.Join(", ", stack.Select(p => $"{p} {p.Layer}")));

        // The panel goes: the window is asked to fill the whole output.
        panel.Role.Destroy();
        t.Roundtrip();
        Assert.Equal(output.Bounds, output.UsableArea);
        Assert.Equal((640, 480), size);
    }

    [Fact]
    public void AWallpaperStretchesOverTheOutputBelowEveryWindowAndBesidePanels()
    {
        var c = new Client(_compositor);
        var panel = new Layered(c, Layer.Bottom, r =>
        {
            r.SetAnchor(Anchor.Left | Anchor.Top | Anchor.Bottom);
            r.SetSize(50, 0);
            r.SetExclusiveZone(50);
            r.SetMargin(0, 0, 0, 10);
        }).Map();
        Assert.Equal((50u, 480u), (panel.Configures[^1].W, panel.Configures[^1].H));
        Assert.Equal((10, 0), (ServerSide(panel).X, ServerSide(panel).Y));
        Assert.Equal(new Backends.Rect(60, 0, 580, 480), _compositor.Server.Scene.Outputs[0].UsableArea);

        var wallpaper = new Layered(c, Layer.Background, r =>
        {
            r.SetAnchor(Anchor.Top | Anchor.Bottom | Anchor.Left | Anchor.Right);
            r.SetExclusiveZone(-1);
        }).Map();
        Assert.Equal((640u, 480u), (wallpaper.Configures[^1].W, wallpaper.Configures[^1].H));
        var stack = _compositor.Server.Scene.Stack;
        Assert.Equal(ServerSide(wallpaper), stack[0]);
        Assert.Equal(ServerSide(panel), stack[1]);

        // A notification (zone 0) in a corner keeps out of the panel's zone; one anchored nowhere is centred.
        var note = new Layered(c, Layer.Overlay, r =>
        {
            r.SetAnchor(Anchor.Left | Anchor.Bottom);
            r.SetSize(100, 40);
            r.SetMargin(0, 0, 5, 5);
        }).Map();
        Assert.Equal((65, 435), (ServerSide(note).X, ServerSide(note).Y));
        var centred = new Layered(c, Layer.Overlay, r => r.SetSize(100, 40)).Map();
        Assert.Equal((60 + (580 - 100) / 2, (480 - 40) / 2), (ServerSide(centred).X, ServerSide(centred).Y));
    }

    [Fact]
    public void AnExclusiveKeyboardOverlayKeepsTheKeyboardUntilItGoes()
    {
        var c = new Client(_compositor);
        var t = c.Test;
        var surface = c.Compositor.CreateSurface();
        var window = new TestToplevel(t, surface);
        window.Show(c.Color(100, 100));
        var keyboard = _compositor.Server.Seat.Keyboard;
        Assert.Equal(surface.Id, keyboard.Focus?.Resource.Id);

        var launcher = new Layered(c, Layer.Overlay, r =>
        {
            r.SetSize(200, 100);
            r.SetKeyboardInteractivity(ZwlrLayerSurfaceV1.KeyboardInteractivity.Exclusive);
        }).Map();
        Assert.Equal(launcher.Surface.Id, keyboard.Focus?.Resource.Id);
        // Focusing windows does not take it back.
        _compositor.Server.Shell.Windows.CycleFocus();
        Assert.Equal(launcher.Surface.Id, keyboard.Focus?.Resource.Id);

        // Unmapped (a null buffer): the window has the keyboard again, and the next commit asks for a configure.
        launcher.Surface.Attach(null, 0, 0);
        launcher.Surface.Commit();
        t.Roundtrip();
        Assert.False(ServerSide(launcher).IsMapped);
        Assert.Equal(surface.Id, keyboard.Focus?.Resource.Id);
        var configures = launcher.Configures.Count;
        launcher.Surface.Commit();
        t.Roundtrip();
        Assert.Equal(configures + 1, launcher.Configures.Count);
    }

    [Fact]
    public void OnDemandKeyboardStartsFocusedIsLostToAWindowAndTakenBackByAClick()
    {
        var c = new Client(_compositor);
        var bar = new Layered(c, Layer.Top, r =>
        {
            r.SetAnchor(Anchor.Bottom);
            r.SetSize(200, 40);
            r.SetKeyboardInteractivity(ZwlrLayerSurfaceV1.KeyboardInteractivity.OnDemand);
        }).Map();
        var keyboard = _compositor.Server.Seat.Keyboard;
        Assert.Equal(bar.Surface.Id, keyboard.Focus?.Resource.Id);
        var surface = c.Compositor.CreateSurface();
        new TestToplevel(c.Test, surface).Show(c.Color(100, 100));
        // A new window takes the keyboard, as a click on one would.
        Assert.Equal(surface.Id, keyboard.Focus?.Resource.Id);
        _compositor.Click(320, 460); // the bar, bottom centre
        Assert.Equal(bar.Surface.Id, keyboard.Focus?.Resource.Id);
    }

    [Fact]
    public void ErrorsOfGetLayerSurface()
    {
        var a = new Client(_compositor);
        a.Shell.GetLayerSurface(a.Compositor.CreateSurface(), null, (Layer)4, "bad");
        AssertError(a.Test, "zwlr_layer_shell_v1", (uint)ZwlrLayerShellV1.Error.InvalidLayer);

        var b = new Client(_compositor);
        var withBuffer = b.Compositor.CreateSurface();
        withBuffer.Attach(b.Color(10, 10), 0, 0);
        withBuffer.Commit();
        b.Shell.GetLayerSurface(withBuffer, null, Layer.Top, "late");
        AssertError(b.Test, "zwlr_layer_shell_v1", (uint)ZwlrLayerShellV1.Error.AlreadyConstructed);

        var c = new Client(_compositor);
        var toplevel = c.Compositor.CreateSurface();
        _ = new TestToplevel(c.Test, toplevel);
        c.Shell.GetLayerSurface(toplevel, null, Layer.Top, "taken");
        AssertError(c.Test, "zwlr_layer_shell_v1", (uint)ZwlrLayerShellV1.Error.Role);

        var d = new Client(_compositor);
        var early = d.Compositor.CreateSurface();
        var role = d.Shell.GetLayerSurface(early, null, Layer.Top, "early");
        role.SetSize(10, 10);
        early.Attach(d.Color(10, 10), 0, 0);
        AssertError(d.Test, "zwlr_layer_shell_v1", (uint)ZwlrLayerShellV1.Error.AlreadyConstructed);

        // Another client is untouched by all this.
        var e = new Client(_compositor);
        new Layered(e, Layer.Top, r => r.SetSize(10, 10)).Map();
        Assert.Null(e.Test.ErrorAfterRoundtrip());
    }

    [Fact]
    public void ErrorsOfTheLayerSurface()
    {
        var a = new Client(_compositor);
        new Layered(a, Layer.Top, r => r.SetSize(0, 10)); // width 0 without left and right anchors
        AssertError(a.Test, "zwlr_layer_surface_v1", (uint)ZwlrLayerSurfaceV1.Error.InvalidSize);

        var b = new Client(_compositor);
        b.Shell.GetLayerSurface(b.Compositor.CreateSurface(), null, Layer.Top, "x").SetAnchor((Anchor)16);
        AssertError(b.Test, "zwlr_layer_surface_v1", (uint)ZwlrLayerSurfaceV1.Error.InvalidAnchor);

        var c = new Client(_compositor);
        c.Shell.GetLayerSurface(c.Compositor.CreateSurface(), null, Layer.Top, "x").SetKeyboardInteractivity((ZwlrLayerSurfaceV1.KeyboardInteractivity)3);
        AssertError(c.Test, "zwlr_layer_surface_v1", (uint)ZwlrLayerSurfaceV1.Error.InvalidKeyboardInteractivity);

        var d = new Client(_compositor);
        var l = new Layered(d, Layer.Top, r => r.SetSize(10, 10));
        l.Role.AckConfigure(l.Configures[^1].Serial + 1000);
        AssertError(d.Test, "zwlr_layer_surface_v1", (uint)ZwlrLayerSurfaceV1.Error.InvalidSurfaceState);

        var e = new Client(_compositor);
        e.Shell.GetLayerSurface(e.Compositor.CreateSurface(), null, Layer.Top, "x").SetLayer((Layer)9);
        AssertError(e.Test, "zwlr_layer_shell_v1", (uint)ZwlrLayerShellV1.Error.InvalidLayer);
    }

    [Fact]
    public void SetLayerMovesTheSurfaceBetweenBands()
    {
        var c = new Client(_compositor);
        var l = new Layered(c, Layer.Background, r => r.SetSize(10, 10)).Map();
        var window = new TestToplevel(c.Test, c.Compositor.CreateSurface());
        window.Show(c.Color(10, 10));
        var stack = _compositor.Server.Scene.Stack;
        Assert.Equal(ServerSide(l), stack[0]);
        l.Role.SetLayer(Layer.Overlay);
        l.Surface.Commit();
        c.Test.Roundtrip();
        Assert.Equal(ServerSide(l), stack[^1]);
    }
}
