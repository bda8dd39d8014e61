using System.Text;
using Compositor.Config;
using Compositor.Input;
using Compositor.Tests.Harness;
using Wayland.Protocols.Client;
using static Tmds.Linux.LibC;

namespace Compositor.Tests;

/// <summary>The keyboard as the config sets it up (layout, repeat) and the compositor's own
/// bindings: what a client sees, and what it does not.</summary>
public sealed unsafe class KeyBindingTests
{
    private const uint KeySuper = 125, KeyEnter = 28, KeyShift = 42, KeyQ = 16, KeyF = 33, KeyAlt = 56, KeyTab = 15, KeyY = 21, KeyZ = 44;

    private sealed class Client
    {
        public Client(InProcessCompositor compositor)
        {
            Connection = compositor.Connect();
            Compositor = Connection.Bind<WlCompositor>("wl_compositor", 6);
            Seat = Connection.Bind<WlSeat>("wl_seat", 9);
            Pixels = Connection.Bind<WpSinglePixelBufferManagerV1>("wp_single_pixel_buffer_manager_v1", 1);
            Viewporter = Connection.Bind<WpViewporter>("wp_viewporter", 1);
            Keyboard = Seat.GetKeyboard();
            Keyboard.Keymap += (_, _, fd, size) =>
            {
                var bytes = new byte[size];
                fixed (byte* p = bytes) pread(fd.Value, p, size, 0);
                KeymapText = Encoding.UTF8.GetString(bytes).TrimEnd('\0');
            };
            Keyboard.RepeatInfo += (_, rate, delay) => Repeat = (rate, delay);
            Keyboard.Key += (_, _, _, key, state) => Events.Add($"key {key} {state}");
            Keyboard.Enter += (_, _, s, _) => Events.Add($"enter {s?.Id}");
            Connection.Roundtrip();
        }

        public TestClient Connection { get; }
        public WlCompositor Compositor { get; }
        public WlSeat Seat { get; }
        public WpSinglePixelBufferManagerV1 Pixels { get; }
        public WpViewporter Viewporter { get; }
        public WlKeyboard Keyboard { get; }
        public string? KeymapText { get; private set; }
        public (int Rate, int Delay)? Repeat { get; private set; }
        public List<string> Events { get; } = [];

        public TestToplevel Window(List<string>? states = null)
        {
            var surface = Compositor.CreateSurface();
            Viewporter.GetViewport(surface).SetDestination(100, 80);
            var window = new TestToplevel(Connection, surface);
            window.Toplevel.Close += _ => Events.Add("close");
            if (states is not null)
                window.Toplevel.Configure += (_, w, h, st) =>
                {
                    var values = new List<uint>();
                    for (var i = 0; i + 4 <= st.Length; i += 4) values.Add(BitConverter.ToUInt32(st[i..]));
                    states.Add($"{w}x{h} " + string.Join(',', values));
                };
            window.Show(Pixels.CreateU32RgbaBuffer(0, 0, 0, uint.MaxValue));
            return window;
        }
    }

    private static InProcessCompositor WithConfig(string ini) => new(640, 480, config: CompositorConfig.Parse(ini, "test.ini"));

    /// <summary>The keysym a client that compiles the keymap it was sent gets for an evdev key.</summary>
    private static uint KeysymOf(string keymapText, uint evdev)
    {
        var context = Xkb.ContextNew(2);
        var keymap = Xkb.KeymapNewFromString(context, keymapText, Xkb.KeymapFormatTextV1, 0);
        Assert.NotEqual(0, keymap);
        var state = Xkb.StateNew(keymap);
        var sym = Xkb.StateKeyGetOneSym(state, evdev + 8);
        Xkb.StateUnref(state);
        Xkb.KeymapUnref(keymap);
        Xkb.ContextUnref(context);
        return sym;
    }

    private static void Tap(InProcessCompositor c, params uint[] keys)
    {
        foreach (var k in keys) c.Input.KeyboardKey(0, k, true);
        foreach (var k in keys.Reverse()) c.Input.KeyboardKey(0, k, false);
    }

    [Fact]
    public void TheConfiguredLayoutIsTheKeymapClientsGetAndRepeatFollowsTheConfig()
    {
        using (var us = new InProcessCompositor(640, 480))
        {
            var c = new Client(us);
            Assert.Equal('y', (char)KeysymOf(c.KeymapText!, KeyY));
            Assert.Equal((25, 600), c.Repeat);
        }
        using var de = WithConfig("[keyboard]\nlayout = de\nrepeat-rate = 40\nrepeat-delay = 250\n");
        var client = new Client(de);
        // The German layout swaps Y and Z.
        Assert.Equal('z', (char)KeysymOf(client.KeymapText!, KeyY));
        Assert.Equal('y', (char)KeysymOf(client.KeymapText!, KeyZ));
        Assert.Equal((40, 250), client.Repeat);
    }

    [Fact]
    public void ALayoutXkbDoesNotKnowFallsBackToUs()
    {
        using var compositor = WithConfig("[keyboard]\nlayout = klingon\n");
        var c = new Client(compositor);
        Assert.Equal('y', (char)KeysymOf(c.KeymapText!, KeyY));
    }

    [Fact]
    public void ABindingRunsItsActionAndNeitherItsKeyPressNorReleaseReachesTheClient()
    {
        using var compositor = new InProcessCompositor(640, 480);
        var launched = new List<string>();
        compositor.Server.LaunchRequested += launched.Add;
        var c = new Client(compositor);
        var window = c.Window();
        c.Connection.Roundtrip();
        c.Events.Clear();
        Tap(compositor, KeySuper, KeyEnter);
        c.Connection.Roundtrip();
        Assert.Equal(["foot"], launched);
        // Super itself is the client's to see (press and release); Return is not.
        Assert.Equal([$"key {KeySuper} Pressed", $"key {KeySuper} Released"], c.Events);
        // Without Super, Return is typed as usual.
        Tap(compositor, KeyEnter);
        c.Connection.Roundtrip();
        Assert.Equal([$"key {KeyEnter} Pressed", $"key {KeyEnter} Released"], c.Events[2..]);
        Assert.Single(launched);
    }

    [Fact]
    public void BindingsNameKeysymsOfTheConfiguredLayout()
    {
        using var compositor = WithConfig("[keyboard]\nlayout = de\n[bindings]\nSuper+z = launch zed\n");
        var launched = new List<string>();
        compositor.Server.LaunchRequested += launched.Add;
        _ = new Client(compositor);
        Tap(compositor, KeySuper, KeyZ); // y on a German keyboard
        Assert.Empty(launched);
        Tap(compositor, KeySuper, KeyY); // z there
        Assert.Equal(["zed"], launched);
    }

    [Fact]
    public void CloseFullscreenMaximizeAndCycleFocusActOnTheFocusedWindow()
    {
        using var compositor = new InProcessCompositor(640, 480);
        var c = new Client(compositor);
        var states = new List<string>();
        var first = c.Window(states);
        var second = c.Window();
        c.Connection.Roundtrip();
        var windows = compositor.Server.Shell.Windows;
        Assert.Equal(second.Toplevel.Id, ((Shell.Toplevel)windows.Focused!).Resource.Id);

        Tap(compositor, KeyAlt, KeyTab);
        c.Connection.Roundtrip();
        Assert.Equal(first.Toplevel.Id, ((Shell.Toplevel)windows.Focused!).Resource.Id);
        Assert.Equal($"enter {first.Surface.Id}", c.Events.Last(e => e.StartsWith("enter")));

        states.Clear();
        Tap(compositor, KeySuper, KeyF);
        c.Connection.Roundtrip();
        // xdg_toplevel.state fullscreen = 2, activated = 4.
        Assert.Contains("640x480 2,4", states);
        Tap(compositor, KeySuper, KeyF);
        c.Connection.Roundtrip();
        Assert.Equal("0x0 4", states[^1]);

        Tap(compositor, KeySuper, 50); // m
        c.Connection.Roundtrip();
        Assert.Equal("640x480 1,4", states[^1]);

        Tap(compositor, KeySuper, KeyShift, KeyQ);
        c.Connection.Roundtrip();
        Assert.Single(c.Events, "close");
    }

    [Fact]
    public void SuperDragMovesTheWindowUnderThePointerAndTheClientSeesNoButton()
    {
        using var compositor = new InProcessCompositor(640, 480);
        var c = new Client(compositor);
        var pointer = c.Seat.GetPointer();
        var buttons = 0;
        pointer.Button += (_, _, _, _, _) => buttons++;
        c.Window();
        c.Connection.Roundtrip();
        var s = compositor.Server.Shell.Windows.Toplevels.OfType<Shell.Toplevel>().First().ShellSurface;
        Assert.Equal((32, 32), (s.WindowX, s.WindowY));
        var output = compositor.Backend.Output!;
        compositor.Input.PointerMotionAbsolute(0, output, 50, 50);
        compositor.Input.KeyboardKey(0, KeySuper, true);
        compositor.Input.PointerButton(0, 0x110, true);
        compositor.Input.PointerMotionAbsolute(0, output, 150, 100);
        compositor.Input.PointerButton(0, 0x110, false);
        compositor.Input.KeyboardKey(0, KeySuper, false);
        c.Connection.Roundtrip();
        Assert.Equal((132, 82), (s.WindowX, s.WindowY));
        Assert.Equal(0, buttons);

        // Right drag resizes from the nearest corner: the pointer is in the bottom-right quarter.
        compositor.Input.PointerMotionAbsolute(0, output, 200, 150);
        compositor.Input.KeyboardKey(0, KeySuper, true);
        compositor.Input.PointerButton(0, 0x111, true);
        compositor.Input.PointerMotionAbsolute(0, output, 230, 170);
        c.Connection.Roundtrip();
        Assert.Equal((130, 100), compositor.Server.Shell.Windows.Toplevels[0].RequestedSize);
        compositor.Input.PointerButton(0, 0x111, false);
        compositor.Input.KeyboardKey(0, KeySuper, false);
        c.Connection.Roundtrip();
        Assert.Equal(0, buttons);

        // Without Super, the press is the client's.
        compositor.Input.PointerMotionAbsolute(0, output, 150, 100);
        compositor.Input.PointerButton(0, 0x110, true);
        compositor.Input.PointerButton(0, 0x110, false);
        c.Connection.Roundtrip();
        Assert.Equal(2, buttons);
    }
}
