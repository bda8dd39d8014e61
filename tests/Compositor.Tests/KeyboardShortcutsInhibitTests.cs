using Compositor.Backends.Headless;
using System.Text.RegularExpressions;
using Compositor.Tests.Harness;
using Wayland.Protocols.Client;

namespace Compositor.Tests;

/// <summary>zwp_keyboard_shortcuts_inhibit_manager_v1: while the focused surface inhibits shortcuts,
/// binding chords reach the client instead of running (console switching excepted); the inhibitor
/// is told active when it takes effect; focus elsewhere or its destruction brings the bindings back;
/// a second inhibitor on one surface is already_inhibited.</summary>
public sealed class KeyboardShortcutsInhibitTests : IDisposable
{
    private const uint KeySuper = 125, KeyEnter = 28, KeyCtrl = 29, KeyAlt = 56, KeyF2 = 60;

    private readonly InProcessCompositor _compositor = new(640, 480);
    private readonly List<string> _launched = [];

    public KeyboardShortcutsInhibitTests() => _compositor.Server.LaunchRequested += _launched.Add;

    public void Dispose() => _compositor.Dispose();

    private static List<string> Keys(SeatPeer peer)
    {
        var keys = new List<string>();
        peer.Keyboard.Key += (_, _, _, key, state) => keys.Add($"{key} {state}");
        return keys;
    }

    private void Tap(params uint[] keys)
    {
        foreach (var k in keys) _compositor.Input.KeyboardKey(0, k, true);
        foreach (var k in keys.Reverse()) _compositor.Input.KeyboardKey(0, k, false);
    }

    private static ZwpKeyboardShortcutsInhibitorV1 Inhibit(SeatPeer peer, WlSurface surface, List<string> events)
    {
        var inhibitor = peer.Client.Bind<ZwpKeyboardShortcutsInhibitManagerV1>("zwp_keyboard_shortcuts_inhibit_manager_v1", 1)
            .InhibitShortcuts(surface, peer.Seat);
        inhibitor.Active += _ => events.Add("active");
        inhibitor.Inactive += _ => events.Add("inactive");
        peer.Client.Roundtrip();
        return inhibitor;
    }

    [Fact]
    public void TheFocusedInhibitorGetsBindingChordsAndTheBindingDoesNotRun()
    {
        var peer = new SeatPeer(_compositor);
        var window = peer.Window();
        var keys = Keys(peer);
        var events = new List<string>();
        var inhibitor = Inhibit(peer, window.Surface, events);
        Assert.Equal(["active"], events);

        Tap(KeySuper, KeyEnter);
        peer.Client.Roundtrip();
        Assert.Empty(_launched);
        Assert.Equal([$"{KeySuper} Pressed", $"{KeyEnter} Pressed", $"{KeyEnter} Released", $"{KeySuper} Released"], keys);

        // Destroyed: the binding is the compositor's again.
        inhibitor.Destroy();
        peer.Client.Roundtrip();
        keys.Clear();
        Tap(KeySuper, KeyEnter);
        peer.Client.Roundtrip();
        Assert.Equal(["foot"], _launched);
        Assert.Equal([$"{KeySuper} Pressed", $"{KeySuper} Released"], keys);
    }

    [Fact]
    public void ConsoleSwitchingStaysTheCompositorsWhileInhibited()
    {
        var peer = new SeatPeer(_compositor);
        var window = peer.Window();
        var keys = Keys(peer);
        Inhibit(peer, window.Surface, []);
        Tap(KeyCtrl, KeyAlt, KeyF2);
        peer.Client.Roundtrip();
        Assert.DoesNotContain($"{KeyF2} Pressed", keys);
        Assert.DoesNotContain($"{KeyF2} Released", keys);
    }

    [Fact]
    public void TheInhibitorWorksOnlyWhileItsSurfaceHasTheKeyboardAndIsToldActiveEachTimeItGetsItBack()
    {
        var peer = new SeatPeer(_compositor);
        var first = peer.Window(); // 32,32
        var events = new List<string>();
        Inhibit(peer, first.Surface, events);
        var other = new SeatPeer(_compositor);
        other.Window(); // 64,64, focused: the inhibitor's surface lost the keyboard, with no event
        peer.Client.Roundtrip();
        Assert.Equal(["active"], events);
        Tap(KeySuper, KeyEnter);
        Assert.Single(_launched);

        _compositor.Click(40, 40); // only the first window is there: focus and inhibition come back
        peer.Client.Roundtrip();
        Assert.Equal(["active", "active"], events);
        Tap(KeySuper, KeyEnter);
        Assert.Single(_launched);
    }

    [Fact]
    public void AnInhibitorMadeForASurfaceWithoutFocusIsActiveOnlyOnceItGetsIt()
    {
        var peer = new SeatPeer(_compositor);
        var surface = peer.Client.Bind<WlCompositor>("wl_compositor", 6).CreateSurface();
        var events = new List<string>();
        Inhibit(peer, surface, events);
        Assert.Empty(events);
        Tap(KeySuper, KeyEnter);
        Assert.Single(_launched);
        // Destroying the surface first leaves an inert inhibitor, and a destroy of that is fine.
        surface.Destroy();
        peer.Client.Roundtrip();
        Assert.Null(peer.Client.Display.Error);
    }

    [Fact]
    public void ASecondInhibitorOnOneSurfaceIsAlreadyInhibited()
    {
        var peer = new SeatPeer(_compositor);
        var window = peer.Window();
        Inhibit(peer, window.Surface, []);
        peer.Client.Bind<ZwpKeyboardShortcutsInhibitManagerV1>("zwp_keyboard_shortcuts_inhibit_manager_v1", 1).InhibitShortcuts(window.Surface, peer.Seat);
        peer.AssertError("zwp_keyboard_shortcuts_inhibit_manager_v1", (uint)ZwpKeyboardShortcutsInhibitManagerV1.Error.AlreadyInhibited);
    }

    [Fact]
    public void AfterDestroyingItsInhibitorASurfaceMayInhibitAgain()
    {
        var peer = new SeatPeer(_compositor);
        var window = peer.Window();
        var events = new List<string>();
        Inhibit(peer, window.Surface, events).Destroy();
        Inhibit(peer, window.Surface, events);
        Assert.Null(peer.Client.Display.Error);
        Assert.Equal(["active", "active"], events);
        Tap(KeySuper, KeyEnter);
        Assert.Empty(_launched);
    }
}

/// <summary>wlroots' keyboard-shortcuts-inhibit example (Debian's /usr/lib/wlroots) against the
/// executable: while its focused window inhibits shortcuts a binding's chord does not run; once a
/// click makes it let go, the chord runs the binding again.</summary>
public sealed partial class KeyboardShortcutsInhibitRealClientTests : IDisposable
{
    private const string Example = "/usr/lib/wlroots/keyboard-shortcuts-inhibit";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"inhibit-{Guid.NewGuid():N}");
    private readonly RunningCompositor _compositor;

    public KeyboardShortcutsInhibitRealClientTests()
    {
        Directory.CreateDirectory(_dir);
        var config = Path.Combine(_dir, "compositor.ini");
        File.WriteAllText(config, $"[bindings]\nSuper+z = launch touch {Path.Combine(_dir, "bound")}\n");
        _compositor = new RunningCompositor("640x480@60", "--config", config);
    }

    public void Dispose()
    {
        _compositor.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void WhileTheExampleInhibitsABindingDoesNotRunAndOnceItLetsGoItDoes()
    {
        Assert.True(File.Exists(Example), $"{Example} is not installed (Debian's wlroots examples)");
        var marker = Path.Combine(_dir, "bound");
        // The example inhibits at start (its window green) and toggles on each left click. It binds
        // no keyboard, so what proves the keys were not taken is the binding not running.
        var client = _compositor.StartClient(Example, traced: true);
        void Wait(Func<bool> what, string description)
        {
            try { Peers.WaitFor(what, description); }
            catch (TimeoutException e) { throw new TimeoutException($"{e.Message}\nclient:\n{client.Stderr}\ncompositor log:\n{_compositor.Log}"); }
        }
        Wait(() => Active().IsMatch(client.Stderr), "the example's inhibitor to be active");
        using var input = new TestInputClient(_compositor.TestInputPath);
        void Send(params string[] lines)
        {
            foreach (var l in lines) Assert.Equal("ok", input.Send(l));
        }
        string[] superZ = ["key 125 press", "key 44 press", "key 44 release", "key 125 release"];

        Send(superZ); // each line is answered once applied: a binding would have launched by now
        Thread.Sleep(500);
        Assert.False(File.Exists(marker), "the binding ran while inhibited");
        Assert.DoesNotContain("Launched touch", _compositor.Log);

        Send("motion 0 100 100", "button left press", "button left release"); // its window is at 32,32
        Wait(() => InhibitorDestroyed().IsMatch(client.Stderr), "the example to destroy its inhibitor");
        // The client's destroy and our keys travel on two sockets: the keys may arrive first, so
        // they are sent again until the compositor has seen the destroy.
        Wait(() =>
        {
            Send(superZ);
            Thread.Sleep(200);
            return File.Exists(marker);
        }, "the binding to run once nothing inhibits");
        Assert.False(client.HasExited, client.Stderr);
    }

    [GeneratedRegex(@"zwp_keyboard_shortcuts_inhibitor_v1@\d+\.active\(\)")]
    private static partial Regex Active();
    [GeneratedRegex(@"zwp_keyboard_shortcuts_inhibitor_v1@\d+\.destroy\(\)")]
    private static partial Regex InhibitorDestroyed();
}
