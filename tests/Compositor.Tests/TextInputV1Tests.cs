using Compositor.Tests.Harness;
using Wayland.Protocols.Client;

namespace Compositor.Tests;

/// <summary>zwp_text_input_v1 with zwp_input_method_v1 and zwp_input_panel_v1, both clients in this
/// process (the input method one adopted as the compositor's own, as though it had started it): who
/// sees the input method globals, activation and contexts, the relay both ways, focus, panels, the
/// grab, and the errors weston also raises.</summary>
public sealed class TextInputV1Tests : IDisposable
{
    private readonly InProcessCompositor _compositor = new(640, 480);
    public void Dispose() => _compositor.Dispose();

    private sealed class App
    {
        public App(InProcessCompositor compositor)
        {
            Client = compositor.Connect();
            Compositor = Client.Bind<WlCompositor>("wl_compositor", 6);
            WmBase = Client.Bind<XdgWmBase>("xdg_wm_base", 6);
            WmBase.Ping += (w, s) => w.Pong(s);
            Seat = Client.Bind<WlSeat>("wl_seat", 9);
            Pixels = Client.Bind<WpSinglePixelBufferManagerV1>("wp_single_pixel_buffer_manager_v1", 1);
            Viewporter = Client.Bind<WpViewporter>("wp_viewporter", 1);
            Window = NewWindow();
            Input = Client.Bind<ZwpTextInputManagerV1>("zwp_text_input_manager_v1", 1).CreateTextInput();
            Input.Enter += (_, s) => Events.Add($"enter {s?.Id}");
            Input.Leave += _ => Events.Add("leave");
            Input.CommitString += (_, serial, text) => Events.Add($"commit {serial} {text}");
            Input.PreeditString += (_, serial, text, commit) => Events.Add($"preedit {serial} {text} {commit}");
            Input.DeleteSurroundingText += (_, index, length) => Events.Add($"delete {index} {length}");
            Input.Keysym += (_, _, _, sym, state, _) => Events.Add($"keysym {sym} {state}");
            Client.Roundtrip();
        }

        public TestClient Client { get; }
        public WlCompositor Compositor { get; }
        public XdgWmBase WmBase { get; }
        public WlSeat Seat { get; }
        public WpSinglePixelBufferManagerV1 Pixels { get; }
        public WpViewporter Viewporter { get; }
        public WlSurface Window { get; }
        public ZwpTextInputV1 Input { get; }
        public List<string> Events { get; } = [];

        public WlSurface NewWindow()
        {
            var surface = Compositor.CreateSurface();
            Viewporter.GetViewport(surface).SetDestination(100, 80);
            var xdg = WmBase.GetXdgSurface(surface);
            uint serial = 0;
            xdg.Configure += (_, s) => serial = s;
            xdg.GetToplevel();
            surface.Commit();
            Client.Roundtrip();
            xdg.AckConfigure(serial);
            surface.Attach(Pixels.CreateU32RgbaBuffer(0, 0, 0, uint.MaxValue), 0, 0);
            surface.Commit();
            Client.Roundtrip();
            return surface;
        }

        public void Activate(bool panel = true)
        {
            if (panel) Input.ShowInputPanel();
            Input.Activate(Seat, Window);
            Client.Roundtrip();
        }
    }

    /// <summary>The input method, adopted before it reads the registry.</summary>
    private sealed class Method
    {
        public Method(InProcessCompositor compositor)
        {
            Client = compositor.Connect();
            compositor.Server.TextInputV1.AdoptInputMethodClient(Client.ServerClient);
            Compositor = Client.Bind<WlCompositor>("wl_compositor", 6);
            Im = Client.Bind<ZwpInputMethodV1>("zwp_input_method_v1", 1);
            Im.Activate += (_, context) =>
            {
                Context = context;
                Events.Add("activate");
                context.SurroundingText += (_, text, cursor, anchor) => Events.Add($"surrounding {text} {cursor} {anchor}");
                context.ContentType += (_, hint, purpose) => Events.Add($"content {hint} {purpose}");
                context.CommitState += (_, serial) => Events.Add($"commit_state {serial}");
                context.Reset += _ => Events.Add("reset");
                context.InvokeAction += (_, button, index) => Events.Add($"action {button} {index}");
                context.PreferredLanguage += (_, language) => Events.Add($"language {language}");
            };
            Im.Deactivate += (_, context) => Events.Add($"deactivate {(context == Context ? "current" : "other")}");
            Client.Roundtrip();
        }

        public TestClient Client { get; }
        public WlCompositor Compositor { get; }
        public ZwpInputMethodV1 Im { get; }
        public ZwpInputMethodContextV1? Context { get; private set; }
        public List<string> Events { get; } = [];
    }

    private static HashSet<string> Globals(TestClient client)
    {
        var registry = client.Display.GetRegistry();
        var names = new HashSet<string>();
        registry.Global += (_, _, iface, _) => names.Add(iface);
        client.Roundtrip();
        return names;
    }

    [Fact]
    public void OnlyTheStartedInputMethodSeesTheInputMethodAndPanelGlobals()
    {
        var other = _compositor.Connect();
        var names = Globals(other);
        Assert.Contains("zwp_text_input_manager_v1", names);
        Assert.DoesNotContain("zwp_input_method_v1", names);
        Assert.DoesNotContain("zwp_input_panel_v1", names);

        var method = _compositor.Connect();
        _compositor.Server.TextInputV1.AdoptInputMethodClient(method.ServerClient);
        names = Globals(method);
        Assert.Contains("zwp_input_method_v1", names);
        Assert.Contains("zwp_input_panel_v1", names);
    }

    [Fact]
    public void AnActivatedTextInputGetsAContextWhoseTextComesBack()
    {
        var im = new Method(_compositor);
        var app = new App(_compositor);
        app.Activate();
        im.Client.Roundtrip();
        Assert.Equal(["activate"], im.Events);
        Assert.Equal([$"enter {app.Window.Id}"], app.Events);

        app.Input.SetSurroundingText("Entry", 5, 5);
        app.Input.SetContentType(ZwpTextInputV1.ContentHint.Lowercase, ZwpTextInputV1.ContentPurpose.Email);
        app.Input.SetPreferredLanguage("en");
        app.Input.InvokeAction(0x110, 2);
        app.Input.Reset();
        app.Input.CommitState(7);
        app.Client.Roundtrip();
        im.Client.Roundtrip();
        Assert.Equal(["activate", "surrounding Entry 5 5", $"content {(uint)ZwpTextInputV1.ContentHint.Lowercase} {(uint)ZwpTextInputV1.ContentPurpose.Email}",
            "language en", "action 272 2", "reset", "commit_state 7"], im.Events);

        im.Context!.PreeditString(7, "w", "w");
        im.Context.DeleteSurroundingText(-1, 1);
        im.Context.CommitString(7, "w ");
        im.Context.Keysym(7, 0, 0xff0d, 1, 0);
        im.Client.Roundtrip();
        app.Client.Roundtrip();
        Assert.Equal([$"enter {app.Window.Id}", "preedit 7 w w", "delete -1 1", "commit 7 w ", "keysym 65293 1"], app.Events);
        Assert.Null(im.Client.Display.Error);
        Assert.Null(app.Client.Display.Error);
    }

    [Fact]
    public void DeactivateAndTheFocusLeavingEndTheContext()
    {
        var im = new Method(_compositor);
        var app = new App(_compositor);
        app.Activate();
        app.Input.Deactivate(app.Seat);
        app.Client.Roundtrip();
        im.Client.Roundtrip();
        Assert.Equal(["activate", "deactivate current"], im.Events);
        Assert.Equal([$"enter {app.Window.Id}", "leave"], app.Events);
        // The old context is inert: nothing reaches the text input.
        im.Context!.CommitString(1, "late");
        im.Client.Roundtrip();
        app.Client.Roundtrip();
        Assert.Equal([$"enter {app.Window.Id}", "leave"], app.Events);

        app.Activate();
        im.Client.Roundtrip();
        app.NewWindow(); // takes the keyboard focus from the text input's surface
        im.Client.Roundtrip();
        Assert.Equal(["activate", "deactivate current", "activate", "deactivate current"], im.Events);
        Assert.Equal([$"enter {app.Window.Id}", "leave", $"enter {app.Window.Id}", "leave"], app.Events);
    }

    [Fact]
    public void PanelsAreShownWhileTheActiveTextInputAskedForThem()
    {
        var im = new Method(_compositor);
        var panel = im.Client.Bind<ZwpInputPanelV1>("zwp_input_panel_v1", 1);
        var output = im.Client.Bind<WlOutput>("wl_output", 4);
        var pixels = im.Client.Bind<WpSinglePixelBufferManagerV1>("wp_single_pixel_buffer_manager_v1", 1);
        var viewporter = im.Client.Bind<WpViewporter>("wp_viewporter", 1);
        WlSurface Panel(int w, int h)
        {
            var s = im.Compositor.CreateSurface();
            viewporter.GetViewport(s).SetDestination(w, h);
            s.Attach(pixels.CreateU32RgbaBuffer(0, 0, uint.MaxValue, uint.MaxValue), 0, 0);
            return s;
        }
        var keyboard = Panel(200, 100);
        panel.GetInputPanelSurface(keyboard).SetToplevel(output, (uint)ZwpInputPanelSurfaceV1.Position.CenterBottom);
        keyboard.Commit();
        var overlay = Panel(30, 10);
        panel.GetInputPanelSurface(overlay).SetOverlayPanel();
        overlay.Commit();
        im.Client.Roundtrip();
        var scene = _compositor.Server.Scene;
        Assert.DoesNotContain(scene.Stack, p => p.Name == "zwp_input_panel_surface_v1");

        var app = new App(_compositor);
        app.Activate(panel: false); // active, but no panel asked for
        Assert.DoesNotContain(scene.Stack, p => p.Name == "zwp_input_panel_surface_v1");
        app.Input.SetCursorRectangle(10, 20, 0, 16);
        app.Input.ShowInputPanel();
        app.Client.Roundtrip();
        var shown = scene.Stack.Where(p => p.Name == "zwp_input_panel_surface_v1").ToList();
        Assert.Equal(2, shown.Count);
        Assert.All(shown, p => Assert.True(p.IsMapped));
        var bottom = shown.Single(p => p.Surface.Width == 200);
        Assert.Equal((220, 380), (bottom.X, bottom.Y)); // centred at the bottom of 640x480
        var atCursor = shown.Single(p => p.Surface.Width == 30);
        Assert.Equal((32 + 10, 32 + 36), (atCursor.X, atCursor.Y)); // below the cursor rectangle of the window at 32,32
        Assert.True(scene.Stack[^1].Name == "zwp_input_panel_surface_v1" && scene.Stack[^2].Name == "zwp_input_panel_surface_v1");

        app.Input.HideInputPanel();
        app.Client.Roundtrip();
        Assert.DoesNotContain(scene.Stack, p => p.Name == "zwp_input_panel_surface_v1");
        app.Input.ShowInputPanel();
        app.Input.Deactivate(app.Seat);
        app.Client.Roundtrip();
        Assert.DoesNotContain(scene.Stack, p => p.Name == "zwp_input_panel_surface_v1");
    }

    [Fact]
    public void TheContextsKeyboardGrabTakesKeysAndItsKeysGoToTheFocusedClient()
    {
        var im = new Method(_compositor);
        var app = new App(_compositor);
        var appKeys = new List<string>();
        var appKeyboard = app.Seat.GetKeyboard();
        appKeyboard.Key += (_, _, _, key, state) => appKeys.Add($"key {key} {state}");
        appKeyboard.Modifiers += (_, _, depressed, _, _, _) => appKeys.Add($"mods {depressed}");
        app.Client.Roundtrip();
        app.Activate();
        im.Client.Roundtrip();
        appKeys.Clear();

        var grabbed = new List<string>();
        var grab = im.Context!.GrabKeyboard();
        grab.Keymap += (_, format, _, size) => grabbed.Add($"keymap {format}");
        grab.Key += (_, _, _, key, state) => grabbed.Add($"key {key} {state}");
        im.Client.Roundtrip();
        _compositor.Input.KeyboardKey(0, 30, true);
        _compositor.Input.KeyboardKey(0, 30, false);
        im.Client.Roundtrip();
        app.Client.Roundtrip();
        Assert.Equal(["keymap XkbV1", "key 30 Pressed", "key 30 Released"], grabbed);
        Assert.Empty(appKeys);

        // What the input method does not handle it passes on.
        im.Context.Key(1, 0, 30, (uint)WlKeyboard.KeyState.Pressed);
        im.Context.Modifiers(2, 1, 0, 0, 0);
        im.Client.Roundtrip();
        app.Client.Roundtrip();
        Assert.Equal(["key 30 Pressed", "mods 1"], appKeys);

        // Deactivation ends the grab.
        app.Input.Deactivate(app.Seat);
        app.Client.Roundtrip();
        _compositor.Input.KeyboardKey(0, 31, true);
        app.Client.Roundtrip();
        im.Client.Roundtrip();
        Assert.Equal(["key 30 Pressed", "mods 1", "key 31 Pressed"], appKeys);
        Assert.Equal(3, grabbed.Count);
    }

    [Fact]
    public void ClientsLeavingMidwayEndTheirPartCleanly()
    {
        var im = new Method(_compositor);
        var app = new App(_compositor);
        app.Activate();
        im.Client.Roundtrip();
        im.Context!.GrabKeyboard();
        im.Client.Roundtrip();
        // The text input's client goes (zwp_text_input_v1 has no destructor): the input method's
        // context is deactivated, its grab ends.
        app.Client.Dispose();
        _compositor.Pump();
        im.Client.Roundtrip();
        Assert.Equal(["activate", "deactivate current"], im.Events);
        Assert.Null(_compositor.Server.Seat.Keyboard.Grab);

        // The input method goes while a text input is active: the text input stays, without a context.
        var second = new App(_compositor);
        second.Activate();
        im.Client.Dispose();
        _compositor.Pump();
        second.Input.CommitState(1);
        second.Input.Deactivate(second.Seat);
        second.Client.Roundtrip();
        Assert.Equal([$"enter {second.Window.Id}", "leave"], second.Events);
        Assert.Null(_compositor.Server.TextInputV1.MethodClient);
    }

    // ---- errors (the XMLs define none; weston's) ----

    [Fact]
    public void ASecondBindingOfTheInputMethodIsAnInvalidObject()
    {
        var im = new Method(_compositor);
        im.Client.Bind<ZwpInputMethodV1>("zwp_input_method_v1", 1);
        var error = im.Client.ErrorAfterRoundtrip();
        Assert.NotNull(error);
        Assert.Equal(("zwp_input_method_v1", (uint)WlDisplay.Error.InvalidObject), (error!.Interface, error.Code));
    }

    [Fact]
    public void APanelOnASurfaceWithAnotherRoleIsAnInvalidObject()
    {
        var im = new Method(_compositor);
        var panel = im.Client.Bind<ZwpInputPanelV1>("zwp_input_panel_v1", 1);
        var wmBase = im.Client.Bind<XdgWmBase>("xdg_wm_base", 6);
        var surface = im.Compositor.CreateSurface();
        wmBase.GetXdgSurface(surface).GetToplevel();
        panel.GetInputPanelSurface(surface);
        var error = im.Client.ErrorAfterRoundtrip();
        Assert.NotNull(error);
        Assert.Equal(("zwp_input_panel_v1", (uint)WlDisplay.Error.InvalidObject), (error!.Interface, error.Code));
    }
}
