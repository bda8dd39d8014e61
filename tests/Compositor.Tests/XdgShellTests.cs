using Compositor.Backends;
using Compositor.Shell;
using Compositor.Tests.Harness;
using Wayland.Protocols.Client;

namespace Compositor.Tests;

/// <summary>xdg_wm_base, xdg_surface, xdg_toplevel, xdg_popup, xdg_positioner and xdg-decoration:
/// the configure handshake, the window policy, and every protocol error a client can provoke, with
/// real clients over sockets against the compositor core (one 640x480 test output).</summary>
public sealed class XdgShellTests : IDisposable
{
    private readonly InProcessCompositor _compositor = new(640, 480);
    public void Dispose() => _compositor.Dispose();

    /// <summary>A client with the globals a shell client binds.</summary>
    private sealed class ShellClient
    {
        public ShellClient(InProcessCompositor compositor, List<ShellClient> all)
        {
            Client = compositor.Connect();
            all.Add(this);
            Compositor = Client.Bind<WlCompositor>("wl_compositor", 6);
            WmBase = Client.Bind<XdgWmBase>("xdg_wm_base", 6);
            WmBase.Ping += (b, serial) => { Pings++; b.Pong(serial); };
            Pixels = Client.Bind<WpSinglePixelBufferManagerV1>("wp_single_pixel_buffer_manager_v1", 1);
            Viewporter = Client.Bind<WpViewporter>("wp_viewporter", 1);
        }

        public TestClient Client { get; }
        public WlCompositor Compositor { get; }
        public XdgWmBase WmBase { get; }
        public WpSinglePixelBufferManagerV1 Pixels { get; }
        public WpViewporter Viewporter { get; }
        public int Pings { get; private set; }

        /// <summary>A surface showing one colour at a size (a single-pixel buffer scaled by a viewport).</summary>
        public (WlSurface Surface, WpViewport Viewport) Surface(int width, int height)
        {
            var surface = Compositor.CreateSurface();
            var viewport = Viewporter.GetViewport(surface);
            viewport.SetDestination(width, height);
            return (surface, viewport);
        }

        public WlBuffer Color(uint r, uint g, uint b) => Pixels.CreateU32RgbaBuffer(r, g, b, uint.MaxValue);
    }

    /// <summary>A toplevel that records its configures.</summary>
    private sealed class Window
    {
        public Window(ShellClient c, int width = 100, int height = 80)
        {
            Owner = c;
            (Surface, _) = c.Surface(width, height);
            XdgSurface = c.WmBase.GetXdgSurface(Surface);
            XdgSurface.Configure += (_, serial) => Serials.Add(serial);
            Toplevel = XdgSurface.GetToplevel();
            Toplevel.Configure += (_, w, h, states) =>
            {
                var list = new List<XdgToplevel.State>();
                for (var i = 0; i + 4 <= states.Length; i += 4) list.Add((XdgToplevel.State)BitConverter.ToUInt32(states[i..]));
                Configures.Add((w, h, list));
            };
            Toplevel.ConfigureBounds += (_, w, h) => Bounds = (w, h);
            Toplevel.WmCapabilitiesEvent += (_, caps) => Capabilities = caps.ToArray();
        }

        public ShellClient Owner { get; }
        public WlSurface Surface { get; }
        public XdgSurface XdgSurface { get; }
        public XdgToplevel Toplevel { get; }
        public List<uint> Serials { get; } = [];
        public List<(int W, int H, List<XdgToplevel.State> States)> Configures { get; } = [];
        public (int W, int H)? Bounds { get; private set; }
        public byte[]? Capabilities { get; private set; }

        /// <summary>Initial commit, ack of the first configure, a buffer, commit.</summary>
        public Window Map(uint r = uint.MaxValue, uint g = 0, uint b = 0)
        {
            Surface.Commit();
            Owner.Client.Roundtrip();
            XdgSurface.AckConfigure(Serials[^1]);
            Surface.Attach(Owner.Color(r, g, b), 0, 0);
            Surface.Commit();
            Owner.Client.Roundtrip();
            return this;
        }
    }

    private ShellSurface ServerSide(WlSurface surface) =>
        (ShellSurface)_compositor.Server.Surfaces.Single(s => s.Resource.Id == surface.Id && s.Resource.Client == ClientOf(surface)).Role!;

    private readonly List<ShellClient> _clients = [];
    private Wayland.Server.Client ClientOf(WlSurface surface) => _clients.Single(c => c.Compositor.Display == surface.Display).Client.ServerClient;

    private static void AssertError(TestClient client, string iface, uint code)
    {
        var error = client.ErrorAfterRoundtrip();
        Assert.True(error is not null, $"expected {iface} error {code}, got none");
        Assert.Equal(iface, error!.Interface);
        Assert.Equal(code, error.Code);
    }

    // ---- the configure handshake and the window policy ----

    [Fact]
    public void InitialCommitIsAnsweredWithConfigureAndAckedBufferMaps()
    {
        var c = new ShellClient(_compositor, _clients);
        var w = new Window(c);
        c.Client.Roundtrip();
        Assert.Empty(w.Serials); // nothing before the initial commit

        w.Surface.Commit();
        c.Client.Roundtrip();
        Assert.Single(w.Serials);
        Assert.Equal((0, 0), (w.Configures[0].W, w.Configures[0].H)); // the client picks its size
        Assert.Equal((640, 480), w.Bounds);
        Assert.Equal([(byte)2, 0, 0, 0, 3, 0, 0, 0], w.Capabilities); // maximize, fullscreen
        Assert.False(ServerSide(w.Surface).IsMapped);

        w.XdgSurface.AckConfigure(w.Serials[0]);
        w.Surface.Attach(c.Color(0, uint.MaxValue, 0), 0, 0);
        w.Surface.Commit();
        c.Client.Roundtrip();
        var server = ServerSide(w.Surface);
        Assert.True(server.IsMapped);
        Assert.Equal((100, 80), (server.Geometry.Width, server.Geometry.Height));
        Assert.Equal(server.Toplevel, _compositor.Server.Shell.Windows.Focused);
        Assert.Equal(server.Surface, _compositor.Server.Seat.Keyboard.Focus);
        // Taking focus is announced with a configure carrying the activated state.
        Assert.Contains(XdgToplevel.State.Activated, w.Configures[^1].States);
        Assert.Equal(1, c.Pings);
    }

    [Fact]
    public void NewWindowsCascadeAndAClickFocusesAndRaises()
    {
        var c = new ShellClient(_compositor, _clients);
        var a = new Window(c).Map();
        var b = new Window(c).Map(0, 0, uint.MaxValue);
        var sa = ServerSide(a.Surface);
        var sb = ServerSide(b.Surface);
        Assert.Equal((32, 32), (sa.WindowX, sa.WindowY));
        Assert.Equal((64, 64), (sb.WindowX, sb.WindowY));
        var stack = _compositor.Server.Scene.Stack;
        Assert.Equal(sb, stack[^1]);
        Assert.Equal(sb.Toplevel, _compositor.Server.Shell.Windows.Focused);

        // (40, 40) is only in the first window: clicking it raises and focuses it.
        _compositor.Click(40, 40);
        c.Client.Roundtrip();
        Assert.Equal(sa, stack[^1]);
        Assert.Equal(sa.Toplevel, _compositor.Server.Shell.Windows.Focused);
        Assert.Equal(sa.Surface, _compositor.Server.Seat.Keyboard.Focus);
        Assert.Contains(XdgToplevel.State.Activated, a.Configures[^1].States);
        Assert.DoesNotContain(XdgToplevel.State.Activated, b.Configures[^1].States);
    }

    [Fact]
    public void LargeWindowsArePlacedToFitTheOutput()
    {
        var c = new ShellClient(_compositor, _clients);
        // 620x460 on the 640x480 output does not fit at 32,32: it moves up and left until it does.
        var wide = new Window(c, 620, 460).Map();
        Assert.Equal((20, 20), (ServerSide(wide.Surface).WindowX, ServerSide(wide.Surface).WindowY));
        // Bigger than the output: its top-left corner is the output's.
        var huge = new Window(c, 1000, 700).Map();
        Assert.Equal((0, 0), (ServerSide(huge.Surface).WindowX, ServerSide(huge.Surface).WindowY));
        // A small window still cascades.
        var small = new Window(c).Map();
        Assert.Equal((96, 96), (ServerSide(small.Surface).WindowX, ServerSide(small.Surface).WindowY));
    }

    [Fact]
    public void FullscreenFillsTheOutputAndUnsetRestoresThePlace()
    {
        var c = new ShellClient(_compositor, _clients);
        var w = new Window(c).Map();
        var s = ServerSide(w.Surface);
        w.Toplevel.SetFullscreen(null);
        c.Client.Roundtrip();
        var (cw, ch, states) = w.Configures[^1];
        Assert.Equal((640, 480), (cw, ch));
        Assert.Contains(XdgToplevel.State.Fullscreen, states);
        // Until the client acks and commits, the window stays where it was.
        Assert.Equal((32, 32), (s.WindowX, s.WindowY));

        w.XdgSurface.AckConfigure(w.Serials[^1]);
        w.Surface.Commit();
        c.Client.Roundtrip();
        // A fullscreen window smaller than the output is centred on it.
        Assert.Equal(((640 - 100) / 2, (480 - 80) / 2), (s.WindowX, s.WindowY));
        Assert.Equal(s, _compositor.Server.Scene.Stack[^1]);

        w.Toplevel.UnsetFullscreen();
        c.Client.Roundtrip();
        Assert.Equal((0, 0), (w.Configures[^1].W, w.Configures[^1].H));
        Assert.DoesNotContain(XdgToplevel.State.Fullscreen, w.Configures[^1].States);
        w.XdgSurface.AckConfigure(w.Serials[^1]);
        w.Surface.Commit();
        c.Client.Roundtrip();
        Assert.Equal((32, 32), (s.WindowX, s.WindowY));
    }

    [Fact]
    public void MaximizeAsksForTheOutputSizeAndPutsTheWindowAtItsOrigin()
    {
        var c = new ShellClient(_compositor, _clients);
        var w = new Window(c);
        w.Toplevel.SetMaximized(); // before the initial commit: part of the first configure
        w.Surface.Commit();
        c.Client.Roundtrip();
        Assert.Equal((640, 480), (w.Configures[0].W, w.Configures[0].H));
        Assert.Contains(XdgToplevel.State.Maximized, w.Configures[0].States);
        w.XdgSurface.AckConfigure(w.Serials[^1]);
        w.Surface.Attach(c.Color(0, 0, uint.MaxValue), 0, 0);
        w.Surface.Commit();
        c.Client.Roundtrip();
        var s = ServerSide(w.Surface);
        Assert.Equal((0, 0), (s.WindowX, s.WindowY));
    }

    [Fact]
    public void AckingALaterConfigureAcksTheEarlierOnesAndAnOldSerialIsThenInvalid()
    {
        var c = new ShellClient(_compositor, _clients);
        var w = new Window(c).Map();
        w.Toplevel.SetMaximized();
        c.Client.Roundtrip();
        w.Toplevel.UnsetMaximized();
        c.Client.Roundtrip();
        Assert.True(w.Serials.Count >= 3);
        w.XdgSurface.AckConfigure(w.Serials[^1]);
        Assert.Null(c.Client.ErrorAfterRoundtrip());
        w.XdgSurface.AckConfigure(w.Serials[^2]);
        AssertError(c.Client, "xdg_surface", (uint)XdgSurface.Error.InvalidSerial);
    }

    [Fact]
    public void NullBufferUnmapsAndTheClientMustStartOver()
    {
        var c = new ShellClient(_compositor, _clients);
        var w = new Window(c).Map();
        var s = ServerSide(w.Surface);
        w.Surface.Attach(null, 0, 0);
        w.Surface.Commit();
        c.Client.Roundtrip();
        Assert.False(s.IsMapped);
        Assert.DoesNotContain(s, _compositor.Server.Scene.Stack);
        Assert.Null(_compositor.Server.Shell.Windows.Focused);
        Assert.Null(_compositor.Server.Seat.Keyboard.Focus);
        // A buffer now, without a new initial commit and ack, is an unconfigured buffer.
        w.Surface.Attach(c.Color(1, 1, 1), 0, 0);
        w.Surface.Commit();
        AssertError(c.Client, "xdg_surface", (uint)XdgSurface.Error.UnconfiguredBuffer);
    }

    [Fact]
    public void UnansweredPingsDoNotStopTheCompositorServingTheClient()
    {
        var client = _compositor.Connect();
        var wm = client.Bind<XdgWmBase>("xdg_wm_base", 6);
        var pings = new List<uint>();
        wm.Ping += (_, serial) => pings.Add(serial); // never pongs
        var compositor = client.Bind<WlCompositor>("wl_compositor", 6);
        var surface = compositor.CreateSurface();
        var xdg = wm.GetXdgSurface(surface);
        uint serial = 0;
        xdg.Configure += (_, s) => serial = s;
        xdg.GetToplevel();
        surface.Commit();
        client.Roundtrip();
        xdg.AckConfigure(serial);
        surface.Attach(client.Bind<WpSinglePixelBufferManagerV1>("wp_single_pixel_buffer_manager_v1", 1).CreateU32RgbaBuffer(0, 0, 0, uint.MaxValue), 0, 0);
        surface.Commit();
        client.Roundtrip();
        Assert.Single(pings);
        var server = _compositor.Server.Surfaces.Single(s => s.Resource.Client == client.ServerClient && s.Resource.Id == surface.Id);
        Assert.True(((ShellSurface)server.Role!).Owner.AwaitingPong);
        Assert.Null(client.ErrorAfterRoundtrip());
    }

    [Fact]
    public void NeverAckingClientKeepsItsWindowUnmappedAndHurtsNobody()
    {
        var lazy = new ShellClient(_compositor, _clients);
        var w = new Window(lazy);
        w.Surface.Commit(); // never acks
        lazy.Client.Roundtrip();
        var other = new ShellClient(_compositor, _clients);
        var o = new Window(other).Map();
        Assert.True(ServerSide(o.Surface).IsMapped);
        Assert.False(ServerSide(w.Surface).IsMapped);
        Assert.Null(lazy.Client.ErrorAfterRoundtrip());
        Assert.Null(other.Client.ErrorAfterRoundtrip());
    }

    [Fact]
    public void MappedSurfacesEnterTheirOutputWithThePreferredScaleAndLeaveWhenUnmapped()
    {
        var c = new ShellClient(_compositor, _clients);
        var output = c.Client.Bind<WlOutput>("wl_output", 4);
        var w = new Window(c);
        var events = new List<string>();
        w.Surface.Enter += (_, o) => events.Add($"enter {o?.Id}");
        w.Surface.Leave += (_, o) => events.Add($"leave {o?.Id}");
        w.Surface.PreferredBufferScale += (_, f) => events.Add($"scale {f}");
        w.Surface.PreferredBufferTransform += (_, t) => events.Add($"transform {t}");
        w.Map();
        Assert.Equal([$"enter {output.Id}", "scale 1", "transform Normal"], events);
        events.Clear();
        w.Surface.Attach(null, 0, 0);
        w.Surface.Commit();
        c.Client.Roundtrip();
        Assert.Equal([$"leave {output.Id}"], events);
    }

    // ---- xdg_wm_base errors ----

    [Fact]
    public void XdgSurfaceOnASurfaceWithAnotherRoleIsARoleError()
    {
        var c = new ShellClient(_compositor, _clients);
        var parent = c.Compositor.CreateSurface();
        var child = c.Compositor.CreateSurface();
        c.Client.Bind<WlSubcompositor>("wl_subcompositor", 1).GetSubsurface(child, parent);
        c.WmBase.GetXdgSurface(child);
        AssertError(c.Client, "xdg_wm_base", (uint)XdgWmBase.Error.Role);
    }

    [Fact]
    public void SecondXdgSurfaceForASurfaceIsARoleError()
    {
        var c = new ShellClient(_compositor, _clients);
        var s = c.Compositor.CreateSurface();
        c.WmBase.GetXdgSurface(s);
        c.WmBase.GetXdgSurface(s);
        AssertError(c.Client, "xdg_wm_base", (uint)XdgWmBase.Error.Role);
    }

    [Fact]
    public void XdgSurfaceOnASurfaceWithABufferIsAnInvalidSurfaceState()
    {
        var c = new ShellClient(_compositor, _clients);
        var s = c.Compositor.CreateSurface();
        s.Attach(c.Color(0, 0, 0), 0, 0);
        s.Commit();
        c.WmBase.GetXdgSurface(s);
        AssertError(c.Client, "xdg_wm_base", (uint)XdgWmBase.Error.InvalidSurfaceState);
    }

    [Fact]
    public void DestroyingWmBaseWithSurfacesLeftIsDefunctSurfaces()
    {
        var c = new ShellClient(_compositor, _clients);
        c.WmBase.GetXdgSurface(c.Compositor.CreateSurface());
        c.WmBase.Destroy();
        AssertError(c.Client, "xdg_wm_base", (uint)XdgWmBase.Error.DefunctSurfaces);
    }

    [Fact]
    public void DestroyingWmBaseAfterItsSurfacesIsFine()
    {
        var c = new ShellClient(_compositor, _clients);
        var xdg = c.WmBase.GetXdgSurface(c.Compositor.CreateSurface());
        xdg.Destroy();
        c.WmBase.Destroy();
        Assert.Null(c.Client.ErrorAfterRoundtrip());
    }

    [Fact]
    public void PopupWithAnIncompletePositionerIsInvalidPositioner()
    {
        var c = new ShellClient(_compositor, _clients);
        var parent = new Window(c).Map();
        var positioner = c.WmBase.CreatePositioner();
        positioner.SetSize(10, 10); // no anchor rectangle
        c.WmBase.GetXdgSurface(c.Compositor.CreateSurface()).GetPopup(parent.XdgSurface, positioner);
        AssertError(c.Client, "xdg_wm_base", (uint)XdgWmBase.Error.InvalidPositioner);
    }

    /// <summary>Found by the protocol fuzzer: xdg_surface A's popup with B as parent, then B's with A
    /// (or A its own parent) made a loop of parents, and the first dismissal recursed until the stack
    /// overflowed and took the compositor down.</summary>
    [Fact]
    public void APopupParentLeadingBackToTheSurfaceIsAnInvalidPopupParent()
    {
        var c = new ShellClient(_compositor, _clients);
        var a = c.WmBase.GetXdgSurface(c.Compositor.CreateSurface());
        a.GetPopup(a, Positioner(c, 10, 10));
        AssertError(c.Client, "xdg_wm_base", (uint)XdgWmBase.Error.InvalidPopupParent);

        c = new ShellClient(_compositor, _clients);
        a = c.WmBase.GetXdgSurface(c.Compositor.CreateSurface());
        var b = c.WmBase.GetXdgSurface(c.Compositor.CreateSurface());
        a.GetPopup(b, Positioner(c, 10, 10));
        Assert.Null(c.Client.ErrorAfterRoundtrip());
        b.GetPopup(a, Positioner(c, 10, 10));
        AssertError(c.Client, "xdg_wm_base", (uint)XdgWmBase.Error.InvalidPopupParent);
    }

    [Fact]
    public void PopupWithoutAParentIsAnInvalidPopupParentAtItsInitialCommit()
    {
        var c = new ShellClient(_compositor, _clients);
        var s = c.Compositor.CreateSurface();
        c.WmBase.GetXdgSurface(s).GetPopup(null, Positioner(c, 10, 10));
        c.Client.Roundtrip();
        s.Commit();
        AssertError(c.Client, "xdg_wm_base", (uint)XdgWmBase.Error.InvalidPopupParent);
    }

    /// <summary>A mapped window that was just clicked: the press serial a popup grab must quote.</summary>
    private (ShellClient Client, WlSeat Seat, Window Window, uint Press) WindowClickedByItsClient()
    {
        var c = new ShellClient(_compositor, _clients);
        var seat = c.Client.Bind<WlSeat>("wl_seat", 9);
        var pointer = seat.GetPointer();
        uint press = 0;
        pointer.Button += (_, serial, _, _, state) => { if (state == WlPointer.ButtonState.Pressed) press = serial; };
        var window = new Window(c).Map();
        _compositor.Click(40, 40);
        c.Client.Roundtrip();
        Assert.NotEqual(0u, press);
        return (c, seat, window, press);
    }

    [Fact]
    public void DestroyingAGrabbingPopupBelowTheTopmostIsNotTheTopmostPopup()
    {
        var (c, seat, parent, press) = WindowClickedByItsClient();

        var first = Popup(c, parent.XdgSurface, grab: (seat, press));
        var second = Popup(c, first.XdgSurface, grab: (seat, press));
        Assert.Null(c.Client.ErrorAfterRoundtrip());
        Assert.False(first.Done || second.Done);
        first.Popup.Destroy();
        AssertError(c.Client, "xdg_wm_base", (uint)XdgWmBase.Error.NotTheTopmostPopup);
    }

    // ---- xdg_surface errors ----

    [Fact]
    public void CommitBeforeARoleIsNotConstructed()
    {
        var c = new ShellClient(_compositor, _clients);
        var s = c.Compositor.CreateSurface();
        c.WmBase.GetXdgSurface(s);
        s.Commit();
        AssertError(c.Client, "xdg_surface", (uint)XdgSurface.Error.NotConstructed);
    }

    [Fact]
    public void SecondRoleObjectIsAlreadyConstructed()
    {
        var c = new ShellClient(_compositor, _clients);
        var xdg = c.WmBase.GetXdgSurface(c.Compositor.CreateSurface());
        xdg.GetToplevel();
        xdg.GetToplevel();
        AssertError(c.Client, "xdg_surface", (uint)XdgSurface.Error.AlreadyConstructed);
    }

    [Fact]
    public void BufferBeforeTheFirstAckIsUnconfiguredBuffer()
    {
        var c = new ShellClient(_compositor, _clients);
        var w = new Window(c);
        w.Surface.Commit();
        c.Client.Roundtrip();
        w.Surface.Attach(c.Color(0, 0, 0), 0, 0);
        w.Surface.Commit();
        AssertError(c.Client, "xdg_surface", (uint)XdgSurface.Error.UnconfiguredBuffer);
    }

    [Fact]
    public void AckOfASerialNeverSentIsInvalidSerial()
    {
        var c = new ShellClient(_compositor, _clients);
        var w = new Window(c);
        w.Surface.Commit();
        c.Client.Roundtrip();
        w.XdgSurface.AckConfigure(w.Serials[0] + 1000);
        AssertError(c.Client, "xdg_surface", (uint)XdgSurface.Error.InvalidSerial);
    }

    [Theory]
    [InlineData(0, 10)]
    [InlineData(10, 0)]
    [InlineData(-5, 10)]
    public void WindowGeometryMustHaveAPositiveSize(int width, int height)
    {
        var c = new ShellClient(_compositor, _clients);
        var w = new Window(c);
        w.XdgSurface.SetWindowGeometry(0, 0, width, height);
        AssertError(c.Client, "xdg_surface", (uint)XdgSurface.Error.InvalidSize);
    }

    [Fact]
    public void WindowGeometryIsAppliedOnCommitAndPlacesTheWindow()
    {
        var c = new ShellClient(_compositor, _clients);
        var w = new Window(c, 120, 100);
        w.XdgSurface.SetWindowGeometry(10, 20, 100, 70); // a 10px "shadow" left, 20px above
        w.Map();
        var s = ServerSide(w.Surface);
        Assert.Equal(new Backends.Rect(10, 20, 100, 70), s.Geometry);
        Assert.Equal((32, 32), (s.WindowX, s.WindowY));
        Assert.Equal((22, 12), (s.X, s.Y)); // the surface origin is the shadow's corner
    }

    [Fact]
    public void DestroyingTheXdgSurfaceBeforeItsRoleIsDefunctRoleObject()
    {
        var c = new ShellClient(_compositor, _clients);
        var w = new Window(c);
        w.XdgSurface.Destroy();
        AssertError(c.Client, "xdg_surface", (uint)XdgSurface.Error.DefunctRoleObject);
    }

    // ---- xdg_toplevel errors ----

    [Theory]
    [InlineData(3u)]
    [InlineData(7u)]
    [InlineData(11u)]
    [InlineData(16u)]
    public void ResizeWithAnEdgeOutsideTheEnumIsInvalidResizeEdge(uint edge)
    {
        var c = new ShellClient(_compositor, _clients);
        var w = new Window(c).Map();
        w.Toplevel.Resize(c.Client.Bind<WlSeat>("wl_seat", 9), 1, (XdgToplevel.ResizeEdge)edge);
        AssertError(c.Client, "xdg_toplevel", (uint)XdgToplevel.Error.InvalidResizeEdge);
    }

    [Fact]
    public void ParentLoopIsInvalidParent()
    {
        var c = new ShellClient(_compositor, _clients);
        var a = new Window(c);
        var b = new Window(c);
        b.Toplevel.SetParent(a.Toplevel);
        c.Client.Roundtrip();
        Assert.Null(c.Client.Display.Error);
        a.Toplevel.SetParent(b.Toplevel);
        AssertError(c.Client, "xdg_toplevel", (uint)XdgToplevel.Error.InvalidParent);
    }

    [Fact]
    public void ParentItselfIsInvalidParent()
    {
        var c = new ShellClient(_compositor, _clients);
        var a = new Window(c);
        a.Toplevel.SetParent(a.Toplevel);
        AssertError(c.Client, "xdg_toplevel", (uint)XdgToplevel.Error.InvalidParent);
    }

    [Fact]
    public void NegativeMinSizeIsInvalidSize()
    {
        var c = new ShellClient(_compositor, _clients);
        new Window(c).Toplevel.SetMinSize(-1, 10);
        AssertError(c.Client, "xdg_toplevel", (uint)XdgToplevel.Error.InvalidSize);
    }

    [Fact]
    public void NegativeMaxSizeIsInvalidSize()
    {
        var c = new ShellClient(_compositor, _clients);
        new Window(c).Toplevel.SetMaxSize(10, -1);
        AssertError(c.Client, "xdg_toplevel", (uint)XdgToplevel.Error.InvalidSize);
    }

    [Fact]
    public void MinAboveMaxIsInvalidSizeAtCommit()
    {
        var c = new ShellClient(_compositor, _clients);
        var w = new Window(c);
        w.Toplevel.SetMinSize(200, 100);
        w.Toplevel.SetMaxSize(100, 100);
        c.Client.Roundtrip();
        Assert.Null(c.Client.Display.Error); // double-buffered: only the commit decides
        w.Surface.Commit();
        AssertError(c.Client, "xdg_toplevel", (uint)XdgToplevel.Error.InvalidSize);
    }

    // ---- xdg_popup and xdg_positioner ----

    private static XdgPositioner Positioner(ShellClient c, int w, int h, int ax = 0, int ay = 0, int aw = 1, int ah = 1,
        XdgPositioner.Anchor anchor = XdgPositioner.Anchor.BottomLeft, XdgPositioner.Gravity gravity = XdgPositioner.Gravity.BottomRight,
        XdgPositioner.ConstraintAdjustment adjust = XdgPositioner.ConstraintAdjustment.None)
    {
        var p = c.WmBase.CreatePositioner();
        p.SetSize(w, h);
        p.SetAnchorRect(ax, ay, aw, ah);
        p.SetAnchor(anchor);
        p.SetGravity(gravity);
        p.SetConstraintAdjustment(adjust);
        return p;
    }

    private sealed class TestPopup
    {
        public required WlSurface Surface;
        public required XdgSurface XdgSurface;
        public required XdgPopup Popup;
        public (int X, int Y, int W, int H) Placement;
        public bool Done;
        public uint Serial;
    }

    private static TestPopup Popup(ShellClient c, XdgSurface parent, XdgPositioner? positioner = null, (WlSeat Seat, uint Serial)? grab = null, bool map = true)
    {
        var (surface, _) = c.Surface(50, 40);
        var xdg = c.WmBase.GetXdgSurface(surface);
        var popup = xdg.GetPopup(parent, positioner ?? Positioner(c, 50, 40, 10, 10, 20, 20));
        var p = new TestPopup { Surface = surface, XdgSurface = xdg, Popup = popup };
        xdg.Configure += (_, serial) => p.Serial = serial;
        popup.Configure += (_, x, y, w, h) => p.Placement = (x, y, w, h);
        popup.PopupDone += _ => p.Done = true;
        if (grab is { } g) popup.Grab(g.Seat, g.Serial);
        surface.Commit();
        c.Client.Roundtrip();
        if (!map || p.Done) return p;
        xdg.AckConfigure(p.Serial);
        surface.Attach(c.Color(0, uint.MaxValue, 0), 0, 0);
        surface.Commit();
        c.Client.Roundtrip();
        return p;
    }

    [Fact]
    public void PopupIsPlacedByItsPositionerRelativeToTheParentGeometryAndStacksAbove()
    {
        var c = new ShellClient(_compositor, _clients);
        var parent = new Window(c).Map();
        var p = Popup(c, parent.XdgSurface, Positioner(c, 50, 40, 10, 10, 20, 20));
        // Anchor bottom-left of (10,10 20x20) is (10,30); gravity bottom-right puts the popup's corner there.
        Assert.Equal((10, 30, 50, 40), p.Placement);
        var s = ServerSide(p.Surface);
        Assert.True(s.IsMapped);
        Assert.Equal((32 + 10, 32 + 30), (s.WindowX, s.WindowY));
        Assert.Equal(s, _compositor.Server.Scene.Stack[^1]);
    }

    [Fact]
    public void PopupThatWouldLeaveTheOutputIsFlippedOrSlidAsAllowed()
    {
        var c = new ShellClient(_compositor, _clients);
        var parent = new Window(c).Map(); // at 32,32 on a 640x480 output
        // Anchored at the parent's x=590 (layout 622): 50 wide does not fit to the right.
        var flip = Popup(c, parent.XdgSurface, Positioner(c, 50, 40, 590, 0, 1, 1, XdgPositioner.Anchor.TopRight,
            XdgPositioner.Gravity.BottomRight, XdgPositioner.ConstraintAdjustment.FlipX));
        Assert.Equal((591 - 1 - 50, 0), (flip.Placement.X, flip.Placement.Y));
        flip.Popup.Destroy();
        var slide = Popup(c, parent.XdgSurface, Positioner(c, 50, 40, 590, 0, 1, 1, XdgPositioner.Anchor.TopRight,
            XdgPositioner.Gravity.BottomRight, XdgPositioner.ConstraintAdjustment.SlideX));
        Assert.Equal(640 - 32 - 50, slide.Placement.X);
        slide.Popup.Destroy();
        var none = Popup(c, parent.XdgSurface, Positioner(c, 50, 40, 590, 0, 1, 1, XdgPositioner.Anchor.TopRight,
            XdgPositioner.Gravity.BottomRight));
        Assert.Equal(591, none.Placement.X);
        Assert.Null(c.Client.ErrorAfterRoundtrip());
    }

    [Fact]
    public void RepositionSendsRepositionedThenANewConfigure()
    {
        var c = new ShellClient(_compositor, _clients);
        var parent = new Window(c).Map();
        var p = Popup(c, parent.XdgSurface);
        uint token = 0;
        p.Popup.Repositioned += (_, t) => token = t;
        p.Popup.Reposition(Positioner(c, 30, 30, 0, 0, 10, 10), 77);
        c.Client.Roundtrip();
        Assert.Equal(77u, token);
        Assert.Equal((0, 10, 30, 30), p.Placement); // below the anchor rectangle's bottom-left corner
    }

    [Fact]
    public void GrabAfterMappingIsInvalidGrab()
    {
        var c = new ShellClient(_compositor, _clients);
        var parent = new Window(c).Map();
        var p = Popup(c, parent.XdgSurface);
        p.Popup.Grab(c.Client.Bind<WlSeat>("wl_seat", 9), 0);
        AssertError(c.Client, "xdg_popup", (uint)XdgPopup.Error.InvalidGrab);
    }

    [Fact]
    public void GrabWithoutAMatchingInputSerialIsRefusedWithPopupDone()
    {
        var c = new ShellClient(_compositor, _clients);
        var parent = new Window(c).Map();
        var p = Popup(c, parent.XdgSurface, grab: (c.Client.Bind<WlSeat>("wl_seat", 9), 12345), map: false);
        Assert.True(p.Done);
        Assert.Null(c.Client.ErrorAfterRoundtrip());
    }

    [Fact]
    public void ClickOutsideTheGrabbingClientDismissesItsPopupsTopmostFirst()
    {
        var (c, seat, parent, press) = WindowClickedByItsClient();
        var order = new List<string>();
        var first = Popup(c, parent.XdgSurface, grab: (seat, press));
        var second = Popup(c, first.XdgSurface, grab: (seat, press));
        first.Popup.PopupDone += _ => order.Add("first");
        second.Popup.PopupDone += _ => order.Add("second");
        // The keyboard goes to the topmost grabbing popup.
        Assert.Equal(ServerSide(second.Surface).Surface, _compositor.Server.Seat.Keyboard.Focus);

        _compositor.Click(600, 450); // the background
        c.Client.Roundtrip();
        Assert.Equal(["second", "first"], order);
        Assert.DoesNotContain(ServerSide(second.Surface), _compositor.Server.Scene.Stack);
        Assert.Equal(ServerSide(parent.Surface).Surface, _compositor.Server.Seat.Keyboard.Focus);
    }

    [Fact]
    public void UnmappingTheParentDismissesItsPopups()
    {
        var c = new ShellClient(_compositor, _clients);
        var parent = new Window(c).Map();
        var p = Popup(c, parent.XdgSurface);
        parent.Surface.Attach(null, 0, 0);
        parent.Surface.Commit();
        c.Client.Roundtrip();
        Assert.True(p.Done);
        Assert.Null(c.Client.Display.Error);
    }

    [Theory]
    [InlineData(0, 10)]
    [InlineData(10, -1)]
    public void PositionerSizeMustBePositive(int w, int h)
    {
        var c = new ShellClient(_compositor, _clients);
        c.WmBase.CreatePositioner().SetSize(w, h);
        AssertError(c.Client, "xdg_positioner", (uint)XdgPositioner.Error.InvalidInput);
    }

    [Fact]
    public void PositionerAnchorRectMustNotBeNegative()
    {
        var c = new ShellClient(_compositor, _clients);
        c.WmBase.CreatePositioner().SetAnchorRect(0, 0, -1, 5);
        AssertError(c.Client, "xdg_positioner", (uint)XdgPositioner.Error.InvalidInput);
    }

    [Fact]
    public void PositionerAnchorOutsideTheEnumIsInvalidInput()
    {
        var c = new ShellClient(_compositor, _clients);
        c.WmBase.CreatePositioner().SetAnchor((XdgPositioner.Anchor)9);
        AssertError(c.Client, "xdg_positioner", (uint)XdgPositioner.Error.InvalidInput);
    }

    [Fact]
    public void PositionerGravityOutsideTheEnumIsInvalidInput()
    {
        var c = new ShellClient(_compositor, _clients);
        c.WmBase.CreatePositioner().SetGravity((XdgPositioner.Gravity)42);
        AssertError(c.Client, "xdg_positioner", (uint)XdgPositioner.Error.InvalidInput);
    }

    // ---- xdg-decoration ----

    [Fact]
    public void DecorationGivesTheModeAskedForServerSideWithoutAPreferenceAndEachAnswerIsAConfigure()
    {
        var c = new ShellClient(_compositor, _clients);
        var manager = c.Client.Bind<ZxdgDecorationManagerV1>("zxdg_decoration_manager_v1", 1);
        var w = new Window(c);
        var decoration = manager.GetToplevelDecoration(w.Toplevel);
        var modes = new List<ZxdgToplevelDecorationV1.Mode>();
        decoration.Configure += (_, m) => modes.Add(m);
        w.Map();
        var toplevel = ServerSide(w.Surface).Toplevel!;
        // No set_mode: the compositor's choice, server-side, came with the first configure.
        Assert.Equal([ZxdgToplevelDecorationV1.Mode.ServerSide], modes);
        Assert.NotNull(toplevel.TitleBar);

        var before = w.Serials.Count;
        decoration.SetMode(ZxdgToplevelDecorationV1.Mode.ClientSide);
        c.Client.Roundtrip();
        Assert.Equal(ZxdgToplevelDecorationV1.Mode.ClientSide, modes[^1]);
        Assert.True(w.Serials.Count > before); // a new xdg_surface.configure to ack
        Assert.Null(toplevel.TitleBar);

        decoration.SetMode(ZxdgToplevelDecorationV1.Mode.ServerSide);
        c.Client.Roundtrip();
        Assert.Equal(ZxdgToplevelDecorationV1.Mode.ServerSide, modes[^1]);
        Assert.NotNull(toplevel.TitleBar);

        decoration.SetMode(ZxdgToplevelDecorationV1.Mode.ClientSide);
        decoration.UnsetMode();
        c.Client.Roundtrip();
        Assert.Equal(ZxdgToplevelDecorationV1.Mode.ServerSide, modes[^1]);

        // Destroying the object goes back to no server-side decorations.
        decoration.Destroy();
        c.Client.Roundtrip();
        Assert.Null(toplevel.TitleBar);
    }

    [Fact]
    public void TheTitleBarSitsAboveTheWindowItsCloseButtonClosesAndTheRestDragsTheWindow()
    {
        var c = new ShellClient(_compositor, _clients);
        var manager = c.Client.Bind<ZxdgDecorationManagerV1>("zxdg_decoration_manager_v1", 1);
        var w = new Window(c, 200, 100);
        manager.GetToplevelDecoration(w.Toplevel).SetMode(ZxdgToplevelDecorationV1.Mode.ServerSide);
        var closes = 0;
        w.Toplevel.Close += _ => closes++;
        w.Map();
        var shell = ServerSide(w.Surface);
        var bar = shell.TitleBar!;
        Assert.Equal(new Rect(32, 32 - TitleBar.Height, 200, TitleBar.Height), bar.Bounds);
        Assert.Equal(new Rect(232 - TitleBar.Height, 32 - TitleBar.Height, TitleBar.Height, TitleBar.Height), bar.CloseButton);
        // The bar is the window's, but no surface of the client's.
        Assert.Null(_compositor.Server.Scene.SurfaceAt(100, 20, out _, out _, out var root));
        Assert.Same(shell, root);

        _compositor.Click(220, 20);
        c.Client.Roundtrip();
        Assert.Equal(1, closes);

        var output = _compositor.Backend.Output!;
        _compositor.Input.PointerMotionAbsolute(0, output, 100, 20);
        _compositor.Input.PointerButton(0, 0x110, true);
        _compositor.Input.PointerMotionAbsolute(0, output, 150, 60);
        _compositor.Input.PointerButton(0, 0x110, false);
        c.Client.Roundtrip();
        Assert.Equal((82, 72), (shell.WindowX, shell.WindowY));
        Assert.Equal(new Rect(82, 72 - TitleBar.Height, 200, TitleBar.Height), bar.Bounds);
        Assert.Equal(1, closes);
    }

    [Fact]
    public void AMaximizedWindowWithATitleBarLeavesItsHeightOnTheOutputAndAFullscreenOneHasNone()
    {
        var c = new ShellClient(_compositor, _clients);
        var manager = c.Client.Bind<ZxdgDecorationManagerV1>("zxdg_decoration_manager_v1", 1);
        var w = new Window(c);
        manager.GetToplevelDecoration(w.Toplevel).SetMode(ZxdgToplevelDecorationV1.Mode.ServerSide);
        w.Map();
        w.Toplevel.SetMaximized();
        c.Client.Roundtrip();
        Assert.Equal((640, 480 - TitleBar.Height), (w.Configures[^1].W, w.Configures[^1].H));
        w.XdgSurface.AckConfigure(w.Serials[^1]);
        w.Surface.Commit();
        c.Client.Roundtrip();
        var shell = ServerSide(w.Surface);
        Assert.Equal((0, TitleBar.Height), (shell.WindowX, shell.WindowY));
        Assert.Equal(new Rect(0, 0, 100, TitleBar.Height), shell.TitleBar!.Bounds);

        w.Toplevel.SetFullscreen(null);
        c.Client.Roundtrip();
        Assert.Equal((640, 480), (w.Configures[^1].W, w.Configures[^1].H));
        w.XdgSurface.AckConfigure(w.Serials[^1]);
        w.Surface.Commit();
        c.Client.Roundtrip();
        Assert.Null(shell.TitleBar);
    }

    [Fact]
    public void SecondDecorationIsAlreadyConstructed()
    {
        var c = new ShellClient(_compositor, _clients);
        var manager = c.Client.Bind<ZxdgDecorationManagerV1>("zxdg_decoration_manager_v1", 1);
        var w = new Window(c);
        manager.GetToplevelDecoration(w.Toplevel);
        manager.GetToplevelDecoration(w.Toplevel);
        AssertError(c.Client, "zxdg_toplevel_decoration_v1", (uint)ZxdgToplevelDecorationV1.Error.AlreadyConstructed);
    }

    [Fact]
    public void DecorationForAToplevelWithABufferIsUnconfiguredBuffer()
    {
        var c = new ShellClient(_compositor, _clients);
        var manager = c.Client.Bind<ZxdgDecorationManagerV1>("zxdg_decoration_manager_v1", 1);
        var w = new Window(c).Map();
        manager.GetToplevelDecoration(w.Toplevel);
        AssertError(c.Client, "zxdg_toplevel_decoration_v1", (uint)ZxdgToplevelDecorationV1.Error.UnconfiguredBuffer);
    }

    [Fact]
    public void DestroyingTheToplevelBeforeItsDecorationIsOrphaned()
    {
        var c = new ShellClient(_compositor, _clients);
        var manager = c.Client.Bind<ZxdgDecorationManagerV1>("zxdg_decoration_manager_v1", 1);
        var w = new Window(c);
        manager.GetToplevelDecoration(w.Toplevel);
        w.Toplevel.Destroy();
        AssertError(c.Client, "zxdg_toplevel_decoration_v1", (uint)ZxdgToplevelDecorationV1.Error.Orphaned);
    }

    [Fact]
    public void DecorationModeOutsideTheEnumIsInvalidMode()
    {
        var c = new ShellClient(_compositor, _clients);
        var manager = c.Client.Bind<ZxdgDecorationManagerV1>("zxdg_decoration_manager_v1", 1);
        var w = new Window(c);
        manager.GetToplevelDecoration(w.Toplevel).SetMode((ZxdgToplevelDecorationV1.Mode)3);
        AssertError(c.Client, "zxdg_toplevel_decoration_v1", (uint)ZxdgToplevelDecorationV1.Error.InvalidMode);
    }
}
