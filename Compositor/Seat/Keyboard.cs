using Compositor.Input;
using Compositor.Surfaces;
using Wayland.Protocols.Server;

namespace Compositor.Seat;

/// <summary>
/// The keyboard: one XKB keymap shared by every client as a sealed memfd, the key and modifier
/// state, and the focused surface, which the shell sets. wl_keyboard requests are handled here.
/// </summary>
public sealed class Keyboard : IWlKeyboardHandler, IDisposable
{
    private readonly CompositorServer _server;
    private readonly List<WlKeyboard> _resources = [];
    private readonly Keymap _keymap;
    private readonly KeyboardState _state;
    private readonly byte[] _keysArray = new byte[4 * 256];
    private Surface? _focus;

    private readonly Config.KeyboardConfig _config;

    internal Keyboard(CompositorServer server, Config.KeyboardConfig config)
    {
        _server = server;
        _config = config;
        try
        {
            _keymap = Keymap.From(config);
        }
        catch (ArgumentException e)
        {
            // A layout xkb does not know is the config's mistake: say so and type in "us" rather than not start.
            server.Log.Error("Keyboard: {Message}; using the default layout", e.Message);
            _keymap = Keymap.Default();
        }
        server.Log.Information("Keyboard: {Names}, repeat {Rate}/s after {Delay} ms", _keymap.Names, config.RepeatRate, config.RepeatDelay);
        _state = new KeyboardState(_keymap);
    }

    /// <summary>Key and modifier state, for bindings.</summary>
    internal KeyboardState State => _state;
    internal Keymap Keymap => _keymap;
    internal uint NextSerial() => _server.Display.NextSerial();
    internal Config.KeyboardConfig Config => _config;

    /// <summary>An input method's keyboard grab: while set, keys and modifiers go to it instead of the focused client.</summary>
    internal IKeyboardGrab? Grab { get; set; }

    public Surface? Focus => _focus;
    /// <summary>Serial of the last key press sent, and its client (popup grabs may quote it).</summary>
    public uint LastPressSerial { get; private set; }
    public Wayland.Server.Client? LastPressClient { get; private set; }
    /// <summary>Serial of the enter that gave the current focus its keyboard: every key event since went to it.</summary>
    public uint EnterSerial { get; private set; }

    /// <summary>Raised when the keyboard focus moves (clipboard offers follow it).</summary>
    public event Action<Surface?>? FocusChanged;

    internal void Add(WlKeyboard resource)
    {
        resource.Handler = this;
        _resources.Add(resource);
        resource.Destroyed += r => _resources.Remove((WlKeyboard)r);
        resource.SendKeymap(WlKeyboard.KeymapFormat.XkbV1, _keymap.Fd.Value, _keymap.Size);
        if (resource.Version >= 4) resource.SendRepeatInfo(_config.RepeatRate, _config.RepeatDelay);
        if (_focus is not null && _focus.Resource.Client == resource.Client) SendEnter(resource, _server.Display.NextSerial());
    }

    /// <summary>Gives the keyboard to a surface (or nobody): leave to the old one, enter with the pressed
    /// keys and the modifiers to the new one.</summary>
    public void SetFocus(Surface? surface)
    {
        if (surface == _focus) return;
        // A locked session's keyboard is the lock screen's alone (the shell focusing a new window meanwhile is refused).
        if (!_server.SessionLock.AllowsFocus(surface))
        {
            _server.Log.Debug("Keyboard focus to {Surface} refused: the session is locked", surface);
            return;
        }
        SetFocusLocked(surface);
    }

    /// <summary>Moves the keyboard whatever the session lock allows: the lock itself, taking it from
    /// the windows and handing it between lock surfaces.</summary>
    internal void SetFocusLocked(Surface? surface)
    {
        if (surface == _focus) return;
        if (_focus is not null)
        {
            _focus.Destroyed -= OnFocusDestroyed;
            if (!_focus.IsDestroyed)
            {
                var serial = _server.Display.NextSerial();
                foreach (var r in _resources)
                    if (r.Client == _focus.Resource.Client) r.SendLeave(serial, _focus.Resource);
            }
        }
        _focus = surface;
        if (surface is not null)
        {
            surface.Destroyed += OnFocusDestroyed;
            var serial = EnterSerial = _server.Display.NextSerial();
            foreach (var r in _resources)
                if (r.Client == surface.Resource.Client) SendEnter(r, serial);
        }
        FocusChanged?.Invoke(surface);
    }

    private void SendEnter(WlKeyboard r, uint serial)
    {
        var keys = _state.PressedKeys;
        for (var i = 0; i < keys.Length; i++) BitConverter.TryWriteBytes(_keysArray.AsSpan(i * 4), keys[i]);
        r.SendEnter(serial, _focus!.Resource, _keysArray.AsSpan(0, keys.Length * 4));
        var m = _state.Modifiers;
        r.SendModifiers(serial, m.Depressed, m.Latched, m.Locked, m.Group);
    }

    internal void Key(uint timeMs, uint keycode, bool pressed)
    {
        var modifiersChanged = _state.UpdateKey(keycode, pressed);
        // An input method's grab is not the lock screen's: while locked, keys go only to the lock surface.
        if (Grab is { } grab && !_server.Scene.Locked)
        {
            grab.Key(timeMs, keycode, pressed, modifiersChanged);
            return;
        }
        if (_focus is null || !_server.SessionLock.AllowsFocus(_focus)) return;
        var serial = _server.Display.NextSerial();
        if (pressed) (LastPressSerial, LastPressClient) = (serial, _focus.Resource.Client);
        var m = _state.Modifiers;
        foreach (var r in _resources)
        {
            if (r.Client != _focus.Resource.Client) continue;
            r.SendKey(serial, timeMs, keycode, pressed ? WlKeyboard.KeyState.Pressed : WlKeyboard.KeyState.Released);
            if (modifiersChanged) r.SendModifiers(serial, m.Depressed, m.Latched, m.Locked, m.Group);
        }
    }

    /// <summary>A key as an input method passes it on (input-method v1's context.key): to the focused
    /// client, as though it came from the keyboard, with the state the keyboard already has.</summary>
    internal void SendToFocus(uint timeMs, uint keycode, bool pressed)
    {
        if (_focus is null) return;
        var serial = _server.Display.NextSerial();
        if (pressed) (LastPressSerial, LastPressClient) = (serial, _focus.Resource.Client);
        foreach (var r in _resources)
            if (r.Client == _focus.Resource.Client) r.SendKey(serial, timeMs, keycode, pressed ? WlKeyboard.KeyState.Pressed : WlKeyboard.KeyState.Released);
    }

    /// <summary>Modifiers as an input method passes them on, to the focused client.</summary>
    internal void SendModifiersToFocus(uint depressed, uint latched, uint locked, uint group)
    {
        if (_focus is null) return;
        var serial = _server.Display.NextSerial();
        foreach (var r in _resources)
            if (r.Client == _focus.Resource.Client) r.SendModifiers(serial, depressed, latched, locked, group);
    }

    private void OnFocusDestroyed(Surface s)
    {
        _focus = null;
        FocusChanged?.Invoke(null);
    }

    public void Release(WlKeyboard resource) { }

    public void Dispose()
    {
        _state.Dispose();
        _keymap.Dispose();
    }
}
