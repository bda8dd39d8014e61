using Compositor.Tests.Harness;
using Wayland.Protocols.Client;

namespace Compositor.Tests;

/// <summary>zwp_text_input_v3 with zwp_input_method_v2, both clients in this process: focus, the relay
/// of state and text in both directions, done serials, one input method per seat, the keyboard grab,
/// popup surfaces, and the protocol errors of these interfaces.</summary>
public sealed class TextInputTests : IDisposable
{
    private readonly InProcessCompositor _compositor = new(640, 480);
    public void Dispose() => _compositor.Dispose();

    /// <summary>A client with a mapped window (it takes the keyboard focus) and a text input.</summary>
    private sealed class App
    {
        public App(InProcessCompositor compositor, bool window = true)
        {
            Client = compositor.Connect();
            Compositor = Client.Bind<WlCompositor>("wl_compositor", 6);
            WmBase = Client.Bind<XdgWmBase>("xdg_wm_base", 6);
            WmBase.Ping += (w, s) => w.Pong(s);
            Seat = Client.Bind<WlSeat>("wl_seat", 9);
            Pixels = Client.Bind<WpSinglePixelBufferManagerV1>("wp_single_pixel_buffer_manager_v1", 1);
            Viewporter = Client.Bind<WpViewporter>("wp_viewporter", 1);
            Manager = Client.Bind<ZwpTextInputManagerV3>("zwp_text_input_manager_v3", 1);
            if (window) Window = NewWindow();
            Input = NewTextInput(Events);
            Client.Roundtrip();
        }

        public TestClient Client { get; }
        public WlCompositor Compositor { get; }
        public XdgWmBase WmBase { get; }
        public WlSeat Seat { get; }
        public WpSinglePixelBufferManagerV1 Pixels { get; }
        public WpViewporter Viewporter { get; }
        public ZwpTextInputManagerV3 Manager { get; }
        public WlSurface? Window { get; }
        public ZwpTextInputV3 Input { get; }
        public List<string> Events { get; } = [];

        public ZwpTextInputV3 NewTextInput(List<string> events)
        {
            var t = Manager.GetTextInput(Seat);
            t.Enter += (_, s) => events.Add($"enter {s?.Id}");
            t.Leave += (_, s) => events.Add($"leave {s?.Id}");
            t.PreeditString += (_, text, b, e) => events.Add($"preedit {text} {b} {e}");
            t.CommitString += (_, text) => events.Add($"commit {text}");
            t.DeleteSurroundingText += (_, b, a) => events.Add($"delete {b} {a}");
            t.Done += (_, serial) => events.Add($"done {serial}");
            return t;
        }

        /// <summary>A mapped 100x80 toplevel (a new window takes the keyboard).</summary>
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

        public void EnableAndCommit(string? surrounding = null)
        {
            Input.Enable();
            if (surrounding is not null) Input.SetSurroundingText(surrounding, surrounding.Length, surrounding.Length);
            Input.SetContentType(ZwpTextInputV3.ContentHint.Spellcheck, ZwpTextInputV3.ContentPurpose.Email);
            Input.SetCursorRectangle(10, 20, 2, 16);
            Input.Commit();
            Client.Roundtrip();
        }
    }

    /// <summary>An input method client on seat0; <see cref="Done"/> counts done events for commit's serial.</summary>
    private sealed class Method
    {
        public Method(InProcessCompositor compositor)
        {
            Client = compositor.Connect();
            Compositor = Client.Bind<WlCompositor>("wl_compositor", 6);
            Seat = Client.Bind<WlSeat>("wl_seat", 9);
            Manager = Client.Bind<ZwpInputMethodManagerV2>("zwp_input_method_manager_v2", 1);
            Im = Manager.GetInputMethod(Seat);
            Im.Activate += _ => Events.Add("activate");
            Im.Deactivate += _ => Events.Add("deactivate");
            Im.SurroundingText += (_, text, cursor, anchor) => Events.Add($"surrounding {text} {cursor} {anchor}");
            Im.TextChangeCause += (_, cause) => Events.Add($"cause {cause}");
            Im.ContentType += (_, hint, purpose) => Events.Add($"content {hint} {purpose}");
            Im.Done += _ => { Done++; Events.Add("done"); };
            Im.Unavailable += _ => Events.Add("unavailable");
            Client.Roundtrip();
        }

        public TestClient Client { get; }
        public WlCompositor Compositor { get; }
        public WlSeat Seat { get; }
        public ZwpInputMethodManagerV2 Manager { get; }
        public ZwpInputMethodV2 Im { get; }
        public uint Done { get; private set; }
        public List<string> Events { get; } = [];
    }

    private static void AssertError(TestClient client, string iface, uint code)
    {
        var error = client.ErrorAfterRoundtrip();
        Assert.True(error is not null, $"expected {iface} error {code}, got none");
        Assert.Equal((iface, code), (error!.Interface, error.Code));
    }

    [Fact]
    public void EnabledTextInputsStateReachesTheInputMethodAndItsTextComesBack()
    {
        var im = new Method(_compositor);
        var app = new App(_compositor);
        Assert.Equal([$"enter {app.Window!.Id}"], app.Events);
        app.EnableAndCommit("hello");
        im.Client.Roundtrip();
        Assert.Equal(["activate", "surrounding hello 5 5", "cause InputMethod", "content Spellcheck Email", "done"], im.Events);

        im.Im.SetPreeditString("wor", 0, 3);
        im.Im.Commit(im.Done);
        im.Client.Roundtrip();
        app.Client.Roundtrip();
        im.Im.CommitString("world");
        im.Im.DeleteSurroundingText(1, 0);
        im.Im.Commit(im.Done);
        im.Client.Roundtrip();
        app.Client.Roundtrip();
        Assert.Equal([$"enter {app.Window.Id}", "preedit wor 0 3", "done 1", "delete 1 0", "commit world", "done 1"], app.Events);
        Assert.Null(app.Client.Display.Error);
        Assert.Null(im.Client.Display.Error);
    }

    [Fact]
    public void LaterCommitsAreRelayedAndDoneCarriesTheCommitCount()
    {
        var im = new Method(_compositor);
        var app = new App(_compositor);
        app.EnableAndCommit();
        app.Input.SetSurroundingText("ab", 1, 0);
        app.Input.SetTextChangeCause(ZwpTextInputV3.ChangeCause.Other);
        app.Input.Commit();
        app.Input.Commit(); // the change cause is back to input_method
        app.Client.Roundtrip();
        im.Client.Roundtrip();
        Assert.Equal(["activate", "cause InputMethod", "content Spellcheck Email", "done",
            "surrounding ab 1 0", "cause Other", "content Spellcheck Email", "done",
            "surrounding ab 1 0", "cause InputMethod", "content Spellcheck Email", "done"], im.Events);
        app.Events.Clear();
        im.Im.CommitString("x");
        im.Im.Commit(im.Done);
        im.Client.Roundtrip();
        app.Client.Roundtrip();
        Assert.Equal(["commit x", "done 3"], app.Events);
    }

    [Fact]
    public void ACommitWithAnOldSerialIsDropped()
    {
        var im = new Method(_compositor);
        var app = new App(_compositor);
        app.EnableAndCommit();
        im.Client.Roundtrip();
        app.Events.Clear();
        im.Im.CommitString("stale");
        im.Im.Commit(im.Done - 1);
        im.Client.Roundtrip();
        app.Client.Roundtrip();
        Assert.Empty(app.Events);
        // The pending text went with the dropped commit.
        im.Im.Commit(im.Done);
        im.Client.Roundtrip();
        app.Client.Roundtrip();
        Assert.Equal(["done 1"], app.Events);
    }

    [Fact]
    public void EnterAndLeaveFollowTheKeyboardFocusAndLeavingDeactivates()
    {
        var im = new Method(_compositor);
        var a = new App(_compositor);
        var b = new App(_compositor, window: false);
        Assert.Empty(b.Events); // b has no surface with focus yet
        a.EnableAndCommit();
        im.Client.Roundtrip();
        im.Events.Clear();

        var bWindow = b.NewWindow(); // takes the focus
        a.Client.Roundtrip();
        im.Client.Roundtrip();
        Assert.Equal([$"enter {a.Window!.Id}", $"leave {a.Window.Id}"], a.Events);
        Assert.Equal([$"enter {bWindow.Id}"], b.Events);
        Assert.Equal(["deactivate", "done"], im.Events);

        // What the input method commits now has no active text input to go to.
        im.Im.CommitString("lost");
        im.Im.Commit(im.Done);
        im.Client.Roundtrip();
        a.Client.Roundtrip();
        Assert.Equal([$"enter {a.Window.Id}", $"leave {a.Window.Id}"], a.Events);

        // A's commits after leave are ignored until the next enter.
        im.Events.Clear();
        a.EnableAndCommit();
        im.Client.Roundtrip();
        Assert.Empty(im.Events);
        b.EnableAndCommit();
        im.Client.Roundtrip();
        Assert.Equal(["activate", "cause InputMethod", "content Spellcheck Email", "done"], im.Events);
    }

    [Fact]
    public void DisableDeactivatesAndAnotherTextInputsEnableIsIgnoredMeanwhile()
    {
        var im = new Method(_compositor);
        var app = new App(_compositor);
        var secondEvents = new List<string>();
        var second = app.NewTextInput(secondEvents);
        app.Client.Roundtrip();
        Assert.Equal([$"enter {app.Window!.Id}"], secondEvents);
        app.EnableAndCommit();
        im.Client.Roundtrip();
        im.Events.Clear();

        second.Enable();
        second.Commit();
        app.Client.Roundtrip();
        im.Client.Roundtrip();
        Assert.Empty(im.Events);

        app.Input.Disable();
        app.Input.Commit();
        app.Client.Roundtrip();
        im.Client.Roundtrip();
        Assert.Equal(["deactivate", "done"], im.Events);
        // Now the second one may be enabled.
        im.Events.Clear();
        second.Enable();
        second.Commit();
        app.Client.Roundtrip();
        im.Client.Roundtrip();
        Assert.Equal(["activate", "cause InputMethod", "content None Normal", "done"], im.Events);
        im.Im.CommitString("2");
        im.Im.Commit(im.Done);
        im.Client.Roundtrip();
        app.Client.Roundtrip();
        Assert.Equal([$"enter {app.Window.Id}", "commit 2", "done 2"], secondEvents);
    }

    [Fact]
    public void AnInputMethodBoundLaterIsActivatedForTheActiveTextInputAndGoneOneDeactivatesNothing()
    {
        var app = new App(_compositor);
        app.EnableAndCommit("abc");
        var im = new Method(_compositor);
        Assert.Equal(["activate", "surrounding abc 3 3", "cause InputMethod", "content Spellcheck Email", "done"], im.Events);
        im.Im.Destroy();
        im.Client.Roundtrip();
        // The seat is free again.
        var next = new Method(_compositor);
        Assert.Equal("activate", next.Events[0]);
    }

    [Fact]
    public void ASecondInputMethodOnTheSeatIsUnavailableAndInert()
    {
        var first = new Method(_compositor);
        var second = new Method(_compositor);
        Assert.Equal(["unavailable"], second.Events);
        Assert.Empty(first.Events);
        var app = new App(_compositor);
        app.EnableAndCommit();
        second.Im.CommitString("no");
        second.Im.Commit(0);
        second.Im.GrabKeyboard();
        second.Client.Roundtrip();
        first.Client.Roundtrip();
        app.Client.Roundtrip();
        Assert.Equal(["unavailable"], second.Events);
        Assert.Equal("activate", first.Events[0]);
        Assert.Equal([$"enter {app.Window!.Id}"], app.Events);
        Assert.Null(second.Client.Display.Error);
    }

    [Fact]
    public void KeyboardGrabGetsKeymapKeysAndModifiersInsteadOfTheFocusedClient()
    {
        var im = new Method(_compositor);
        var app = new App(_compositor);
        var appKeys = new List<string>();
        var keyboard = app.Seat.GetKeyboard();
        keyboard.Key += (_, _, _, key, state) => appKeys.Add($"key {key} {state}");
        app.Client.Roundtrip();

        var grab = im.Im.GrabKeyboard();
        var grabbed = new List<string>();
        grab.Keymap += (_, format, _, size) => grabbed.Add($"keymap {format} {size > 0}");
        grab.RepeatInfo += (_, rate, delay) => grabbed.Add($"repeat {rate} {delay}");
        grab.Key += (_, _, _, key, state) => grabbed.Add($"key {key} {state}");
        grab.Modifiers += (_, _, depressed, _, _, _) => grabbed.Add($"mods {depressed}");
        im.Client.Roundtrip();
        _compositor.Input.KeyboardKey(0, 42, true);  // left shift
        _compositor.Input.KeyboardKey(0, 30, true);  // a
        _compositor.Input.KeyboardKey(0, 30, false);
        _compositor.Input.KeyboardKey(0, 42, false);
        im.Client.Roundtrip();
        app.Client.Roundtrip();
        Assert.Equal(["keymap XkbV1 True", "repeat 25 600", "mods 0", "key 42 Pressed", "mods 1", "key 30 Pressed", "key 30 Released", "key 42 Released", "mods 0"], grabbed);
        Assert.Empty(appKeys);

        grab.Release();
        im.Client.Roundtrip();
        _compositor.Input.KeyboardKey(0, 30, true);
        app.Client.Roundtrip();
        Assert.Equal(["key 30 Pressed"], appKeys);
    }

    [Fact]
    public void PopupSurfaceIsShownBelowTheCursorRectangleWhileATextInputIsActive()
    {
        var im = new Method(_compositor);
        var app = new App(_compositor);
        var pixels = im.Client.Bind<WpSinglePixelBufferManagerV1>("wp_single_pixel_buffer_manager_v1", 1);
        var viewporter = im.Client.Bind<WpViewporter>("wp_viewporter", 1);
        var surface = im.Compositor.CreateSurface();
        var popup = im.Im.GetInputPopupSurface(surface);
        var rectangles = new List<string>();
        popup.TextInputRectangle += (_, x, y, w, h) => rectangles.Add($"{x},{y} {w}x{h}");
        viewporter.GetViewport(surface).SetDestination(50, 20);
        surface.Attach(pixels.CreateU32RgbaBuffer(0, 0, uint.MaxValue, uint.MaxValue), 0, 0);
        surface.Commit();
        im.Client.Roundtrip();
        var scene = _compositor.Server.Scene;
        Assert.DoesNotContain(scene.Stack, p => p.IsMapped && p.Name == "zwp_input_popup_surface_v2");

        app.EnableAndCommit(); // the cursor rectangle is 10,20 2x16, the window's origin 32,32
        im.Client.Roundtrip();
        var shown = Assert.Single(scene.Stack, p => p.Name == "zwp_input_popup_surface_v2");
        Assert.True(shown.IsMapped);
        Assert.Equal((42, 68), (shown.X, shown.Y));
        Assert.Same(shown, scene.Stack[^1]);
        Assert.Equal(["0,-16 2x16"], rectangles);

        // A new window takes the focus: hidden; shown again above it once enabled there.
        app.NewWindow();
        Assert.False(shown.IsMapped);
        app.EnableAndCommit();
        Assert.True(shown.IsMapped);
        Assert.Same(shown, scene.Stack[^1]);
        scene.Raise(scene.Stack[0]); // a window raised goes below it
        Assert.Same(shown, scene.Stack[^1]);
        app.Input.Disable();
        app.Input.Commit();
        app.Client.Roundtrip();
        Assert.DoesNotContain(scene.Stack, p => p.Name == "zwp_input_popup_surface_v2");
    }

    [Fact]
    public void ClientsLeavingMidwayEndTheirPartCleanly()
    {
        var im = new Method(_compositor);
        var app = new App(_compositor);
        var appKeys = new List<string>();
        app.Seat.GetKeyboard().Key += (_, _, _, key, state) => appKeys.Add($"key {key} {state}");
        app.EnableAndCommit();
        im.Im.GrabKeyboard();
        var surface = im.Compositor.CreateSurface();
        im.Im.GetInputPopupSurface(surface);
        im.Client.Roundtrip();

        // The input method goes: its grab with it, and the seat takes a new one.
        im.Client.Dispose();
        _compositor.Pump();
        _compositor.Input.KeyboardKey(0, 30, true);
        app.Client.Roundtrip();
        Assert.Equal(["key 30 Pressed"], appKeys);
        var next = new Method(_compositor);
        Assert.Equal(["activate", "cause InputMethod", "content Spellcheck Email", "done"], next.Events);

        // The text input's client goes: the input method is deactivated.
        next.Events.Clear();
        app.Client.Dispose();
        _compositor.Pump();
        next.Client.Roundtrip();
        Assert.Equal(["deactivate", "done"], next.Events);
        Assert.Null(next.Client.Display.Error);
    }

    // ---- protocol errors ----

    [Fact]
    public void PopupOnASurfaceWithAnotherRoleIsARoleError()
    {
        var im = new Method(_compositor);
        var wmBase = im.Client.Bind<XdgWmBase>("xdg_wm_base", 6);
        var surface = im.Compositor.CreateSurface();
        wmBase.GetXdgSurface(surface).GetToplevel();
        im.Im.GetInputPopupSurface(surface);
        AssertError(im.Client, "zwp_input_method_v2", (uint)ZwpInputMethodV2.Error.Role);
    }

    [Fact]
    public void ASecondPopupForOneSurfaceIsARoleError()
    {
        var im = new Method(_compositor);
        var surface = im.Compositor.CreateSurface();
        im.Im.GetInputPopupSurface(surface);
        im.Client.Roundtrip();
        Assert.Null(im.Client.Display.Error);
        im.Im.GetInputPopupSurface(surface);
        AssertError(im.Client, "zwp_input_method_v2", (uint)ZwpInputMethodV2.Error.Role);
    }

    [Fact]
    public void APopupSurfaceMayBecomeOneAgainAfterItsPopupIsDestroyed()
    {
        var im = new Method(_compositor);
        var surface = im.Compositor.CreateSurface();
        im.Im.GetInputPopupSurface(surface).Destroy();
        im.Im.GetInputPopupSurface(surface);
        Assert.Null(im.Client.ErrorAfterRoundtrip());
    }
}
