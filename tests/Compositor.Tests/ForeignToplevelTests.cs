using Compositor.Shell;
using Compositor.Tests.Harness;
using Wayland.Protocols.Client;

namespace Compositor.Tests;

/// <summary>ext_foreign_toplevel_list_v1 and zwlr_foreign_toplevel_manager_v1 against the compositor
/// core (one 640x480 output): what each handle says of a window, when it is closed, the wlr
/// requests carried out by the window manager, and every protocol error.</summary>
public sealed class ForeignToplevelTests : IDisposable
{
    private readonly InProcessCompositor _compositor = new(640, 480);
    public void Dispose() => _compositor.Dispose();

    /// <summary>A client with a window of one colour.</summary>
    private sealed class App
    {
        public App(InProcessCompositor compositor, string title = "", string appId = "")
        {
            Client = compositor.Connect();
            var c = Client.Bind<WlCompositor>("wl_compositor", 6);
            var wm = Client.Bind<XdgWmBase>("xdg_wm_base", 6);
            wm.Ping += (b, serial) => b.Pong(serial);
            Pixels = Client.Bind<WpSinglePixelBufferManagerV1>("wp_single_pixel_buffer_manager_v1", 1);
            Surface = c.CreateSurface();
            Client.Bind<WpViewporter>("wp_viewporter", 1).GetViewport(Surface).SetDestination(100, 80);
            XdgSurface = wm.GetXdgSurface(Surface);
            XdgSurface.Configure += (_, serial) => _serial = serial;
            Toplevel = XdgSurface.GetToplevel();
            Toplevel.Configure += (_, w, h, states) =>
            {
                var list = new List<XdgToplevel.State>();
                for (var i = 0; i + 4 <= states.Length; i += 4) list.Add((XdgToplevel.State)BitConverter.ToUInt32(states[i..]));
                LastStates = list;
            };
            Toplevel.Close += _ => CloseAsked++;
            if (title != "") Toplevel.SetTitle(title);
            if (appId != "") Toplevel.SetAppId(appId);
        }

        private uint _serial;
        public TestClient Client { get; }
        public WpSinglePixelBufferManagerV1 Pixels { get; }
        public WlSurface Surface { get; }
        public XdgSurface XdgSurface { get; }
        public XdgToplevel Toplevel { get; }
        public List<XdgToplevel.State> LastStates { get; private set; } = [];
        public int CloseAsked { get; private set; }

        public App Map()
        {
            Surface.Commit();
            Client.Roundtrip();
            return Show();
        }

        /// <summary>Acks the last configure and commits a buffer.</summary>
        public App Show()
        {
            XdgSurface.AckConfigure(_serial);
            Surface.Attach(Pixels.CreateU32RgbaBuffer(uint.MaxValue, 0, 0, uint.MaxValue), 0, 0);
            Surface.Commit();
            Client.Roundtrip();
            return this;
        }

        public void Unmap()
        {
            Surface.Attach(null, 0, 0);
            Surface.Commit();
            Client.Roundtrip();
        }
    }

    /// <summary>What an ext handle said, applied at each done.</summary>
    private sealed class ExtSeen
    {
        private string? _title, _appId;
        public ExtSeen(ExtForeignToplevelHandleV1 h)
        {
            Handle = h;
            h.Identifier += (_, id) => Identifier = id;
            h.Title += (_, t) => _title = t;
            h.AppId += (_, a) => _appId = a;
            h.Done += _ => { Dones++; (Title, AppId) = (_title, _appId); };
            h.Closed += _ => Closed = true;
        }
        public ExtForeignToplevelHandleV1 Handle { get; }
        public string? Identifier { get; private set; }
        public string? Title { get; private set; }
        public string? AppId { get; private set; }
        public int Dones { get; private set; }
        public bool Closed { get; private set; }
    }

    private sealed class ExtWatcher
    {
        public ExtWatcher(InProcessCompositor compositor)
        {
            Client = compositor.Connect();
            List = Client.Bind<ExtForeignToplevelListV1>("ext_foreign_toplevel_list_v1", 1);
            List.Toplevel += (_, h) => Handles.Add(new ExtSeen(h));
            List.Finished += _ => Finished++;
            Client.Roundtrip();
        }
        public TestClient Client { get; }
        public ExtForeignToplevelListV1 List { get; }
        public List<ExtSeen> Handles { get; } = [];
        public int Finished { get; private set; }
    }

    /// <summary>What a wlr handle said, applied at each done.</summary>
    private sealed class WlrSeen
    {
        private string? _title, _appId;
        private List<ZwlrForeignToplevelHandleV1.State> _states = [];
        private ZwlrForeignToplevelHandleV1? _parent;
        public WlrSeen(ZwlrForeignToplevelHandleV1 h)
        {
            Handle = h;
            h.Title += (_, t) => _title = t;
            h.AppId += (_, a) => _appId = a;
            h.StateEvent += (_, s) =>
            {
                var list = new List<ZwlrForeignToplevelHandleV1.State>();
                for (var i = 0; i + 4 <= s.Length; i += 4) list.Add((ZwlrForeignToplevelHandleV1.State)BitConverter.ToUInt32(s[i..]));
                _states = list;
            };
            h.OutputEnter += (_, o) => Outputs.Add(o!);
            h.OutputLeave += (_, o) => Outputs.Remove(o!);
            h.Parent += (_, p) => { _parent = p; ParentEvents++; };
            h.Done += _ => { Dones++; (Title, AppId, States, Parent) = (_title, _appId, _states, _parent); };
            h.Closed += _ => Closed = true;
        }
        public ZwlrForeignToplevelHandleV1 Handle { get; }
        public string? Title { get; private set; }
        public string? AppId { get; private set; }
        public List<ZwlrForeignToplevelHandleV1.State> States { get; private set; } = [];
        public List<WlOutput> Outputs { get; } = [];
        public ZwlrForeignToplevelHandleV1? Parent { get; private set; }
        public int ParentEvents { get; private set; }
        public int Dones { get; private set; }
        public bool Closed { get; private set; }
    }

    private sealed class WlrWatcher
    {
        public WlrWatcher(InProcessCompositor compositor, uint version = 3, bool bindOutput = true)
        {
            Client = compositor.Connect();
            if (bindOutput) Output = Client.Bind<WlOutput>("wl_output", 4);
            Manager = Client.Bind<ZwlrForeignToplevelManagerV1>("zwlr_foreign_toplevel_manager_v1", version);
            Manager.Toplevel += (_, h) => Handles.Add(new WlrSeen(h));
            Manager.Finished += _ => Finished++;
            Client.Roundtrip();
        }
        public TestClient Client { get; }
        public WlOutput? Output { get; }
        public ZwlrForeignToplevelManagerV1 Manager { get; }
        public List<WlrSeen> Handles { get; } = [];
        public int Finished { get; private set; }
        public void Roundtrip() => Client.Roundtrip();
    }

    private Toplevel ServerSide(App app) =>
        (Shell.Toplevel)_compositor.Server.Shell.Windows.Toplevels.Single(t => t.Client == app.Client.ServerClient);

    private static void AssertError(TestClient client, string iface, uint code)
    {
        var error = client.ErrorAfterRoundtrip();
        Assert.True(error is not null, $"expected {iface} error {code}, got none");
        Assert.Equal(iface, error!.Interface);
        Assert.Equal(code, error.Code);
    }

    // ---- ext_foreign_toplevel_list_v1 ----

    [Fact]
    public void ExtListNamesEveryMappedWindowWithIdentifierTitleAndAppId()
    {
        var first = new App(_compositor, "first", "org.example.first").Map();
        var unmapped = new App(_compositor, "never shown");
        unmapped.Surface.Commit();
        unmapped.Client.Roundtrip();
        var watcher = new ExtWatcher(_compositor);
        var h = Assert.Single(watcher.Handles); // the unmapped window is not listed
        Assert.Equal(("first", "org.example.first", 1), (h.Title, h.AppId, h.Dones));
        Assert.False(string.IsNullOrEmpty(h.Identifier));
        Assert.True(h.Identifier!.Length <= 32 && h.Identifier.All(ch => ch is > ' ' and <= '~'), h.Identifier);

        var second = new App(_compositor, "second").Map();
        watcher.Client.Roundtrip();
        Assert.Equal(2, watcher.Handles.Count);
        var h2 = watcher.Handles[1];
        Assert.Equal(("second", "", 1), (h2.Title, h2.AppId, h2.Dones));
        Assert.NotEqual(h.Identifier, h2.Identifier);

        // A change is sent with done; a title set to what it already was is not.
        first.Toplevel.SetTitle("renamed");
        first.Toplevel.SetAppId("org.example.renamed");
        first.Client.Roundtrip();
        watcher.Client.Roundtrip();
        Assert.Equal(("renamed", "org.example.renamed"), (h.Title, h.AppId));
        var dones = h.Dones;
        first.Toplevel.SetTitle("renamed");
        first.Client.Roundtrip();
        watcher.Client.Roundtrip();
        Assert.Equal(dones, h.Dones);

        // A second list of another client names the same window with the same identifier.
        var other = new ExtWatcher(_compositor);
        Assert.Equal([h.Identifier, h2.Identifier], other.Handles.Select(x => x.Identifier));
    }

    [Fact]
    public void ExtHandleIsClosedWhenItsWindowUnmapsAndARemapGetsANewIdentifier()
    {
        var app = new App(_compositor, "w").Map();
        var watcher = new ExtWatcher(_compositor);
        var h = Assert.Single(watcher.Handles);
        app.Unmap();
        watcher.Client.Roundtrip();
        Assert.True(h.Closed);
        var dones = h.Dones;

        // A changed title of the unmapped window reaches nobody; the remapped window is a new handle.
        app.Toplevel.SetTitle("again");
        app.Surface.Commit();
        app.Client.Roundtrip();
        app.Show();
        watcher.Client.Roundtrip();
        Assert.Equal(dones, h.Dones);
        Assert.Equal(2, watcher.Handles.Count);
        Assert.Equal("again", watcher.Handles[1].Title);
        Assert.NotEqual(h.Identifier, watcher.Handles[1].Identifier);

        // The toplevel destroyed: closed too. The client destroys its closed handles without error.
        app.Toplevel.Destroy();
        app.Client.Roundtrip();
        watcher.Client.Roundtrip();
        Assert.True(watcher.Handles[1].Closed);
        h.Handle.Destroy();
        watcher.Handles[1].Handle.Destroy();
        Assert.Null(watcher.Client.ErrorAfterRoundtrip());
    }

    [Fact]
    public void ExtHandleIsClosedWhenItsClientDisconnects()
    {
        var app = new App(_compositor, "w").Map();
        var watcher = new ExtWatcher(_compositor);
        app.Client.Dispose();
        _compositor.Pump();
        watcher.Client.Roundtrip();
        Assert.True(Assert.Single(watcher.Handles).Closed);
    }

    [Fact]
    public void ExtStopSendsFinishedOnceAndNoMoreToplevels()
    {
        var watcher = new ExtWatcher(_compositor);
        watcher.List.Stop();
        watcher.List.Stop();
        watcher.Client.Roundtrip();
        Assert.Equal(1, watcher.Finished);
        new App(_compositor, "late").Map();
        watcher.Client.Roundtrip();
        Assert.Empty(watcher.Handles);
        watcher.List.Destroy();
        Assert.Null(watcher.Client.ErrorAfterRoundtrip());
    }

    [Fact]
    public void ExtHandleDestroyedByItsClientIsForgotten()
    {
        var app = new App(_compositor, "w").Map();
        var watcher = new ExtWatcher(_compositor);
        var h = Assert.Single(watcher.Handles);
        h.Handle.Destroy();
        watcher.Client.Roundtrip();
        app.Toplevel.SetTitle("changed"); // nothing is sent to the destroyed handle
        app.Client.Roundtrip();
        Assert.Null(watcher.Client.ErrorAfterRoundtrip());
        Assert.Equal("w", h.Title);
    }

    // ---- zwlr_foreign_toplevel_manager_v1 ----

    [Fact]
    public void WlrHandleHasTitleAppIdOutputStateAndParent()
    {
        var parentApp = new App(_compositor, "parent", "org.example.app").Map();
        var watcher = new WlrWatcher(_compositor);
        var p = Assert.Single(watcher.Handles);
        Assert.Equal(("parent", "org.example.app", 1), (p.Title, p.AppId, p.Dones));
        Assert.Equal([ZwlrForeignToplevelHandleV1.State.Activated], p.States);
        Assert.Equal([watcher.Output!], p.Outputs);
        Assert.Null(p.Parent);

        // Another window: the focus moves to it.
        new App(_compositor, "dialog").Map();
        watcher.Roundtrip();
        var d = watcher.Handles[1];
        Assert.Null(d.Parent);
        Assert.Empty(p.States);
        Assert.Equal([ZwlrForeignToplevelHandleV1.State.Activated], d.States);
        // (Parents across clients cannot be named through xdg-shell: a window of the same client is.)
        var sameClientChild = parentApp.Client.Bind<XdgWmBase>("xdg_wm_base", 6);
        var surface = parentApp.Client.Bind<WlCompositor>("wl_compositor", 6).CreateSurface();
        parentApp.Client.Bind<WpViewporter>("wp_viewporter", 1).GetViewport(surface).SetDestination(50, 50);
        var xs = sameClientChild.GetXdgSurface(surface);
        uint serial = 0;
        xs.Configure += (_, s) => serial = s;
        var tl = xs.GetToplevel();
        tl.SetParent(parentApp.Toplevel);
        surface.Commit();
        parentApp.Client.Roundtrip();
        xs.AckConfigure(serial);
        surface.Attach(parentApp.Pixels.CreateU32RgbaBuffer(0, 0, uint.MaxValue, uint.MaxValue), 0, 0);
        surface.Commit();
        parentApp.Client.Roundtrip();
        watcher.Roundtrip();
        var c = watcher.Handles[2];
        Assert.Same(p.Handle, c.Parent);
        Assert.Equal(1, c.ParentEvents);

        // The parent unset: parent(null) follows; the parent unmapped: the same.
        tl.SetParent(null);
        parentApp.Client.Roundtrip();
        watcher.Roundtrip();
        Assert.Null(c.Parent);
        Assert.Equal(2, c.ParentEvents);
        tl.SetParent(parentApp.Toplevel);
        parentApp.Client.Roundtrip();
        watcher.Roundtrip();
        Assert.Same(p.Handle, c.Parent);
        parentApp.Unmap();
        watcher.Roundtrip();
        Assert.True(p.Closed);
        Assert.Null(c.Parent);
        Assert.Equal(4, c.ParentEvents);
    }

    [Fact]
    public void WlrParentEventIsNotSentBelowVersion3NorFullscreenBelowVersion2()
    {
        var app = new App(_compositor, "w").Map();
        var watcher = new WlrWatcher(_compositor, version: 1);
        var h = Assert.Single(watcher.Handles);
        _compositor.Server.Shell.Windows.ToggleFullscreen(); // (set_fullscreen itself is since version 2)
        app.Client.Roundtrip();
        app.Show();
        watcher.Roundtrip();
        Assert.True(ServerSide(app).Current!.Fullscreen);
        Assert.DoesNotContain(ZwlrForeignToplevelHandleV1.State.Fullscreen, h.States);
        Assert.Equal(0, h.ParentEvents);
    }

    [Fact]
    public void WlrMaximizeAndFullscreenAskTheClientAndTheStateFollowsItsAck()
    {
        var app = new App(_compositor, "w").Map();
        var watcher = new WlrWatcher(_compositor);
        var h = Assert.Single(watcher.Handles);

        h.Handle.SetMaximized();
        watcher.Roundtrip();
        app.Client.Roundtrip();
        Assert.Contains(XdgToplevel.State.Maximized, app.LastStates);
        watcher.Roundtrip();
        Assert.DoesNotContain(ZwlrForeignToplevelHandleV1.State.Maximized, h.States); // not acked yet
        app.Show();
        watcher.Roundtrip();
        Assert.Contains(ZwlrForeignToplevelHandleV1.State.Maximized, h.States);

        h.Handle.UnsetMaximized();
        h.Handle.SetFullscreen(watcher.Output);
        watcher.Roundtrip();
        app.Client.Roundtrip();
        Assert.Contains(XdgToplevel.State.Fullscreen, app.LastStates);
        Assert.DoesNotContain(XdgToplevel.State.Maximized, app.LastStates);
        app.Show();
        watcher.Roundtrip();
        Assert.Equal([ZwlrForeignToplevelHandleV1.State.Activated, ZwlrForeignToplevelHandleV1.State.Fullscreen], h.States);

        h.Handle.UnsetFullscreen();
        watcher.Roundtrip();
        app.Client.Roundtrip();
        app.Show();
        watcher.Roundtrip();
        Assert.Equal([ZwlrForeignToplevelHandleV1.State.Activated], h.States);
    }

    [Fact]
    public void WlrActivateFocusesAndCloseAsksTheClientToClose()
    {
        var a = new App(_compositor, "a").Map();
        var b = new App(_compositor, "b").Map();
        var watcher = new WlrWatcher(_compositor);
        var seat = watcher.Client.Bind<WlSeat>("wl_seat", 9);
        var (ha, hb) = (watcher.Handles[0], watcher.Handles[1]);
        Assert.Equal(ServerSide(b), _compositor.Server.Shell.Windows.Focused);
        Assert.Contains(ZwlrForeignToplevelHandleV1.State.Activated, hb.States);

        ha.Handle.Activate(seat);
        watcher.Roundtrip();
        Assert.Equal(ServerSide(a), _compositor.Server.Shell.Windows.Focused);
        Assert.Contains(ZwlrForeignToplevelHandleV1.State.Activated, ha.States);
        Assert.DoesNotContain(ZwlrForeignToplevelHandleV1.State.Activated, hb.States);

        hb.Handle.Close();
        watcher.Roundtrip();
        b.Client.Roundtrip();
        Assert.Equal((0, 1), (a.CloseAsked, b.CloseAsked));
    }

    [Fact]
    public void WlrMinimizeHidesTheWindowAndGivesTheFocusAwayUntilRestored()
    {
        var a = new App(_compositor, "a").Map();
        var b = new App(_compositor, "b").Map();
        var watcher = new WlrWatcher(_compositor);
        var (ha, hb) = (watcher.Handles[0], watcher.Handles[1]);
        var scene = _compositor.Server.Scene;

        hb.Handle.SetMinimized();
        watcher.Roundtrip();
        Assert.DoesNotContain(ServerSide(b).ShellSurface, scene.Stack);
        Assert.Equal(ServerSide(a), _compositor.Server.Shell.Windows.Focused);
        Assert.Equal([ZwlrForeignToplevelHandleV1.State.Minimized], hb.States);
        Assert.Empty(hb.Outputs); // off screen: on no output
        Assert.Contains(ZwlrForeignToplevelHandleV1.State.Activated, ha.States);
        b.Client.Roundtrip();
        Assert.DoesNotContain(XdgToplevel.State.Activated, b.LastStates);
        // Drawing while minimized puts it on no output and nothing on screen.
        b.Show();
        watcher.Roundtrip();
        Assert.Empty(hb.Outputs);
        Assert.Equal(0UL, ServerSide(b).ShellSurface.Surface.Outputs);
        Assert.NotEqual(ServerSide(b).ShellSurface.Surface, scene.SurfaceAt(50, 50, out _, out _, out _));

        hb.Handle.UnsetMinimized();
        watcher.Roundtrip();
        Assert.Equal(ServerSide(b).ShellSurface, scene.Stack[^1]);
        Assert.Equal(ServerSide(b), _compositor.Server.Shell.Windows.Focused);
        Assert.Equal([ZwlrForeignToplevelHandleV1.State.Activated], hb.States);
        Assert.Equal([watcher.Output!], hb.Outputs);

        // Activating a minimized window restores it; the last window minimized leaves no focus.
        ha.Handle.SetMinimized();
        hb.Handle.SetMinimized();
        watcher.Roundtrip();
        Assert.Null(_compositor.Server.Shell.Windows.Focused);
        Assert.Null(_compositor.Server.Seat.Keyboard.Focus);
        ha.Handle.Activate(watcher.Client.Bind<WlSeat>("wl_seat", 9));
        watcher.Roundtrip();
        Assert.Equal(ServerSide(a), _compositor.Server.Shell.Windows.Focused);
        Assert.Equal([ZwlrForeignToplevelHandleV1.State.Activated], ha.States);
        Assert.Contains(ServerSide(a).ShellSurface, scene.Stack);
    }

    [Fact]
    public void WlrHandlesFollowOutputsPluggedAndUnplugged()
    {
        var app = new App(_compositor, "w").Map();
        var watcher = new WlrWatcher(_compositor);
        var h = Assert.Single(watcher.Handles);
        Assert.Single(h.Outputs);
        var second = new InProcessCompositor.TestOutput(800, 600, name: "TEST-2");
        _compositor.Backend.Plug(second);
        watcher.Roundtrip();
        var secondOutput = watcher.Client.Bind<WlOutput>("wl_output", 4); // the newest wl_output global
        watcher.Roundtrip();
        // Moved onto the second output: leave the first, enter the second.
        _compositor.Server.Shell.Windows.Place(ServerSide(app), 700, 100);
        watcher.Roundtrip();
        Assert.Equal([secondOutput], h.Outputs);
        _compositor.Backend.Unplug(second);
        watcher.Roundtrip();
        Assert.Equal([watcher.Output!], h.Outputs); // moved back to the first one
    }

    [Fact]
    public void WlrStopSendsFinishedAndDestroysTheManager()
    {
        var watcher = new WlrWatcher(_compositor);
        watcher.Manager.Stop();
        watcher.Roundtrip();
        Assert.Equal(1, watcher.Finished);
        new App(_compositor, "late").Map();
        watcher.Roundtrip();
        Assert.Empty(watcher.Handles);
        Assert.Null(watcher.Client.ErrorAfterRoundtrip());
    }

    [Fact]
    public void WlrRequestsOnAClosedHandleAreIgnored()
    {
        var app = new App(_compositor, "w").Map();
        var other = new App(_compositor, "other").Map();
        var watcher = new WlrWatcher(_compositor);
        var h = watcher.Handles[0];
        app.Unmap();
        watcher.Roundtrip();
        Assert.True(h.Closed);
        h.Handle.SetMaximized();
        h.Handle.SetMinimized();
        h.Handle.SetFullscreen(null);
        h.Handle.Activate(watcher.Client.Bind<WlSeat>("wl_seat", 9));
        h.Handle.Close();
        h.Handle.Destroy();
        Assert.Null(watcher.Client.ErrorAfterRoundtrip());
        app.Client.Roundtrip();
        Assert.Equal(0, app.CloseAsked);
        Assert.Equal(ServerSide(other), _compositor.Server.Shell.Windows.Focused);
    }

    [Fact]
    public void WlrSetRectangleWithANegativeSizeIsInvalidRectangle()
    {
        new App(_compositor, "w").Map();
        var watcher = new WlrWatcher(_compositor);
        var surface = watcher.Client.Bind<WlCompositor>("wl_compositor", 6).CreateSurface();
        var h = watcher.Handles[0].Handle;
        h.SetRectangle(surface, 0, 0, 10, 10);
        h.SetRectangle(surface, 0, 0, 0, 0); // unsets it
        Assert.Null(watcher.Client.ErrorAfterRoundtrip());
        h.SetRectangle(surface, 0, 0, -1, 10);
        AssertError(watcher.Client, "zwlr_foreign_toplevel_handle_v1", (uint)ZwlrForeignToplevelHandleV1.Error.InvalidRectangle);
    }
}
