using System.Diagnostics;
using System.Security.Cryptography;
using Compositor.Surfaces;
using Wayland.Protocols.Server;
using Wayland.Server;

namespace Compositor.Activation;

/// <summary>
/// xdg_activation_v1 and xdg_activation_token_v1: one client hands another a token, and the other
/// asks with it to have its window focused and raised. Every committed token gets a unique,
/// unguessable string; only some may move focus (<see cref="Token.MayFocus"/>):
/// one made by the compositor for a program it launched, or one whose serial was input the client
/// received while it had the keyboard (as wlroots checks) and whose client still has the keyboard
/// when the token is used, so a program cannot take focus away from whatever the user turned to
/// meanwhile. Any other activation only raises a log line. A token works once, for 30 seconds
/// (wlroots' timeout). Requests of both interfaces are handled here.
/// </summary>
public sealed class XdgActivation : IXdgActivationV1Handler
{
    public const uint Version = 1;
    /// <summary>How long a token may wait to be used.</summary>
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromSeconds(30);
    /// <summary>Tokens kept at most; the oldest give way (a client looping on commit cannot grow this).</summary>
    private const int MaxTokens = 256;

    private readonly CompositorServer _server;
    private readonly Dictionary<string, Token> _tokens = [];
    private readonly Queue<string> _order = new();

    public XdgActivation(CompositorServer server)
    {
        _server = server;
        server.Display.CreateGlobal<XdgActivationV1>(Version, r => r.Handler = this);
    }

    /// <summary>What a committed token was made from.</summary>
    internal sealed record Token(Client? Issuer, bool MayFocus, string? AppId, long IssuedTicks);

    /// <summary>A token for a program the compositor starts (given to it as XDG_ACTIVATION_TOKEN):
    /// its first window may be focused with it.</summary>
    public string CreateLaunchToken(string? appId = null) => Store(new Token(null, true, appId, Stopwatch.GetTimestamp()));

    public void Destroy(XdgActivationV1 resource) { }

    public void GetActivationToken(XdgActivationV1 resource, XdgActivationTokenV1 id) => id.Handler = new TokenRequest(this);

    public void Activate(XdgActivationV1 resource, string token, WlSurface surface)
    {
        var target = surface.Data as Surface;
        if (!_tokens.Remove(token, out var t) || Stopwatch.GetElapsedTime(t.IssuedTicks) > TokenLifetime)
        {
            // Unknown tokens are to be ignored (the protocol says so); no error.
            _server.Log.Debug("Activation of {Surface} by {Client} refused: unknown or expired token", surface, resource.Client);
            return;
        }
        if (target?.Role is not Shell.ShellSurface { Toplevel: { } toplevel })
        {
            _server.Log.Debug("Activation of {Surface} ignored: it is not a toplevel", surface);
            return;
        }
        var issuerStillFocused = t.Issuer is null || _server.Seat.Keyboard.Focus?.Resource.Client == t.Issuer;
        if (!t.MayFocus || !issuerStillFocused)
        {
            _server.Log.Information("{Toplevel} asks for attention; not focused: its token {Why}", toplevel,
                t.MayFocus ? "came from a client that no longer has the keyboard" : "has no serial of the focused client's input");
            return;
        }
        _server.Log.Debug("Activating {Toplevel}", toplevel);
        _server.Shell.Windows.Focus(toplevel);
    }

    private string Store(Token token)
    {
        while (_order.Count >= MaxTokens) _tokens.Remove(_order.Dequeue());
        var name = Util.UnguessableToken.New();
        _tokens[name] = token;
        _order.Enqueue(name);
        return name;
    }

    /// <summary>Whether a token is waiting to be used (tests).</summary>
    internal bool IsPending(string token) => _tokens.ContainsKey(token);

    /// <summary>One xdg_activation_token_v1 being filled in; commit issues the token.</summary>
    private sealed class TokenRequest(XdgActivation owner) : IXdgActivationTokenV1Handler
    {
        private bool _committed;
        private uint? _serial;
        private string? _appId;

        private bool Refuse(XdgActivationTokenV1 resource, string request)
        {
            if (!_committed) return false;
            resource.PostError(XdgActivationTokenV1.Error.AlreadyUsed, $"{request} after commit: {resource} was already used");
            return true;
        }

        public void SetSerial(XdgActivationTokenV1 resource, uint serial, WlSeat seat)
        {
            if (!Refuse(resource, "set_serial")) _serial = serial;
        }

        public void SetAppId(XdgActivationTokenV1 resource, string appId)
        {
            if (!Refuse(resource, "set_app_id")) _appId = appId;
        }

        // The requesting surface adds nothing the serial does not already prove (the client holding
        // the keyboard), so it is accepted and not needed.
        public void SetSurface(XdgActivationTokenV1 resource, WlSurface surface) => Refuse(resource, "set_surface");

        public void Commit(XdgActivationTokenV1 resource)
        {
            if (Refuse(resource, "commit")) return;
            _committed = true;
            var mayFocus = _serial is { } s && owner._server.Seat.IsFocusedInputSerial(resource.Client, s);
            resource.SendDone(owner.Store(new Token(resource.Client, mayFocus, _appId, Stopwatch.GetTimestamp())));
        }

        public void Destroy(XdgActivationTokenV1 resource) { }
    }
}
