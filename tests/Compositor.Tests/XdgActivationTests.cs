using Compositor.Tests.Harness;
using Wayland.Protocols.Client;

namespace Compositor.Tests;

/// <summary>xdg_activation_v1: a token made from the focused client's input lets another window take
/// the focus once; a token without such a serial, one whose issuer lost the keyboard, a used one or an
/// unknown one moves nothing; a token filled in after commit is already_used.</summary>
public sealed class XdgActivationTests : IDisposable
{
    private readonly InProcessCompositor _compositor = new(640, 480);
    public void Dispose() => _compositor.Dispose();

    private Shell.Toplevel? Focused => _compositor.Server.Shell.Windows.Focused as Shell.Toplevel;

    private static string Token(SeatPeer peer, Action<XdgActivationTokenV1>? fill = null)
    {
        var token = peer.Client.Bind<XdgActivationV1>("xdg_activation_v1", 1).GetActivationToken();
        string? done = null;
        token.Done += (_, t) => done = t;
        fill?.Invoke(token);
        token.Commit();
        peer.Client.Roundtrip();
        Assert.NotNull(done);
        token.Destroy(); // the token stays valid
        return done!;
    }

    /// <summary>Two clients: the activator's window below, the launcher's on top with the keyboard.</summary>
    private (SeatPeer Launcher, SeatPeer Activator, TestToplevel Below) TwoWindows()
    {
        var activator = new SeatPeer(_compositor);
        var below = activator.Window();
        var launcher = new SeatPeer(_compositor);
        launcher.Window();
        activator.Client.Roundtrip();
        Assert.Null(activator.KeyboardFocus);
        return (launcher, activator, below);
    }

    private void Activate(SeatPeer peer, string token, TestToplevel window)
    {
        peer.Client.Bind<XdgActivationV1>("xdg_activation_v1", 1).Activate(token, window.Surface);
        peer.Client.Roundtrip();
        Assert.Null(peer.Client.Display.Error);
    }

    [Fact]
    public void ATokenFromTheFocusedClientsKeyPressFocusesAndRaisesAnotherClientsWindowOnce()
    {
        var (launcher, activator, below) = TwoWindows();
        launcher.TypeKey();
        var token = Token(launcher, t => { t.SetSerial(launcher.KeySerial, launcher.Seat); t.SetAppId("org.example.App"); });
        Assert.True(_compositor.Server.Activation.IsPending(token));

        Activate(activator, token, below);
        Assert.Equal(below.Surface.Id, activator.KeyboardFocus?.Id);
        Assert.Equal(Focused, _compositor.Server.Shell.Windows.Toplevels[^1]); // raised to the top
        Assert.Equal(below.Surface.Id, Focused!.ShellSurface.Surface.Resource.Id);
        Assert.False(_compositor.Server.Activation.IsPending(token));

        // Used once: the launcher takes the focus back with a click, and the same token does nothing.
        _compositor.Click(150, 130); // only the launcher's window (64,64 to 164,144) is there
        activator.Client.Roundtrip();
        Assert.Null(activator.KeyboardFocus);
        Activate(activator, token, below);
        Assert.Null(activator.KeyboardFocus);
    }

    [Fact]
    public void TheEnterSerialOfTheFocusedClientIsEnoughForAToken()
    {
        var (launcher, activator, below) = TwoWindows();
        Activate(activator, Token(launcher, t => t.SetSerial(launcher.EnterSerial, launcher.Seat)), below);
        Assert.Equal(below.Surface.Id, activator.KeyboardFocus?.Id);
    }

    [Fact]
    public void ATokenWithoutASerialOrWithSomeoneElsesDoesNotStealFocus()
    {
        var (launcher, activator, below) = TwoWindows();
        var focused = Focused;
        Activate(activator, Token(launcher), below); // no serial at all
        Assert.Same(focused, Focused);
        // The activator's own token: its serial is from before it lost the keyboard.
        Activate(activator, Token(activator, t => t.SetSerial(activator.EnterSerial, activator.Seat)), below);
        Assert.Same(focused, Focused);
        // A serial not issued yet.
        Activate(activator, Token(launcher, t => t.SetSerial(_compositor.Display.Serial + 10, launcher.Seat)), below);
        Assert.Same(focused, Focused);
        Assert.Null(activator.KeyboardFocus);
    }

    [Fact]
    public void ATokenWhoseIssuerLostTheKeyboardSinceDoesNotMoveFocus()
    {
        var (launcher, activator, below) = TwoWindows();
        launcher.TypeKey();
        var token = Token(launcher, t => t.SetSerial(launcher.KeySerial, launcher.Seat));
        var third = new SeatPeer(_compositor);
        third.Window(); // the user turned to a new window meanwhile
        var focused = Focused;
        Activate(activator, token, below);
        Assert.Same(focused, Focused);
        Assert.Null(activator.KeyboardFocus);
    }

    [Fact]
    public void ALaunchTokenOfTheCompositorFocuses()
    {
        var (_, activator, below) = TwoWindows();
        Activate(activator, _compositor.Server.Activation.CreateLaunchToken(), below);
        Assert.Equal(below.Surface.Id, activator.KeyboardFocus?.Id);
    }

    [Fact]
    public void UnknownTokensAndSurfacesWithoutAToplevelAreIgnoredWithoutAnError()
    {
        var (_, activator, below) = TwoWindows();
        var focused = Focused;
        Activate(activator, "not-a-token", below);
        var bare = activator.Client.Bind<WlCompositor>("wl_compositor", 6).CreateSurface();
        activator.Client.Bind<XdgActivationV1>("xdg_activation_v1", 1).Activate(_compositor.Server.Activation.CreateLaunchToken(), bare);
        activator.Client.Roundtrip();
        Assert.Null(activator.Client.Display.Error);
        Assert.Same(focused, Focused);
    }

    [Theory]
    [InlineData("set_serial")]
    [InlineData("set_app_id")]
    [InlineData("set_surface")]
    [InlineData("commit")]
    public void ARequestAfterCommitIsAlreadyUsed(string request)
    {
        var peer = new SeatPeer(_compositor);
        var window = peer.Window();
        var token = peer.Client.Bind<XdgActivationV1>("xdg_activation_v1", 1).GetActivationToken();
        token.Commit();
        peer.Client.Roundtrip();
        switch (request)
        {
            case "set_serial": token.SetSerial(peer.EnterSerial, peer.Seat); break;
            case "set_app_id": token.SetAppId("again"); break;
            case "set_surface": token.SetSurface(window.Surface); break;
            default: token.Commit(); break;
        }
        peer.AssertError("xdg_activation_token_v1", (uint)XdgActivationTokenV1.Error.AlreadyUsed);
    }
}
