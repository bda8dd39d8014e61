using Compositor.Scene;
using Compositor.Surfaces;
using Wayland.Protocols.Server;

namespace Compositor.SessionLock;

/// <summary>
/// ext_session_lock_manager_v1 and the session's lock state. A lock request locks the session at
/// once: windows leave the screen (<see cref="Scene.Scene.Locked"/>), input goes only to lock
/// surfaces, key bindings stop except console switching. The lock's client hears locked once every
/// output has presented a frame drawn that way. The session unlocks only by unlock_and_destroy of
/// the lock that was told locked: a lock client that dies or destroys its lock leaves the session
/// locked (blank), and a new client may then take over the abandoned lock, as sway allows.
/// </summary>
public sealed class SessionLockManager : IExtSessionLockManagerV1Handler
{
    public const uint Version = 1;

    private readonly CompositorServer _server;
    /// <summary>Outputs that have not yet presented a locked frame, and the frame count (submitted,
    /// before the lock) each must present beyond.</summary>
    private readonly Dictionary<SceneOutput, long> _awaitingLockedFrame = [];
    private readonly List<LockSurface> _surfaces = [];
    // Who had the keyboard before the lock, and which window the shell had focused then.
    private Surface? _focusBefore;
    private Shell.Window? _windowBefore;

    public SessionLockManager(CompositorServer server)
    {
        _server = server;
        server.Display.CreateGlobal<ExtSessionLockManagerV1>(Version, r => r.Handler = this);
        server.Seat.PointerPressed += OnPointerPressed;
    }

    internal CompositorServer Server => _server;

    /// <summary>The session is locked: only lock surfaces are shown and get input.</summary>
    public bool Locked => _server.Scene.Locked;
    /// <summary>The lock responsible for unlocking; null when unlocked or when its client abandoned it.</summary>
    public ClientLock? Owner { get; private set; }
    /// <summary>Every output presented a locked frame since the session locked.</summary>
    public bool LockedFramesShown => Locked && _awaitingLockedFrame.Count == 0;

    public void Destroy(ExtSessionLockManagerV1 resource) { }

    public void Lock(ExtSessionLockManagerV1 resource, ExtSessionLockV1 id)
    {
        var lk = new ClientLock(this, id);
        id.Handler = lk;
        id.Destroyed += _ => Destroyed(lk);
        if (Owner is not null)
        {
            _server.Log.Information("Session lock: {Lock} refused, {Owner} holds the lock", id, Owner.Resource);
            lk.Finish();
            return;
        }
        Owner = lk;
        if (Locked)
        {
            // An abandoned lock taken over: the screen is already blank, or will be once the frames waited for come.
            _server.Log.Information("Session lock: {Lock} takes over the abandoned lock", id);
            if (LockedFramesShown) lk.SendLocked();
            return;
        }
        _server.Log.Information("Session lock: locked by {Lock}", id);
        Engage();
        if (_awaitingLockedFrame.Count == 0) lk.SendLocked();
    }

    /// <summary>Takes the screen and input from the windows.</summary>
    private void Engage()
    {
        var scene = _server.Scene;
        var seat = _server.Seat;
        scene.Locked = true;
        seat.Bindings.Locked = true;
        _focusBefore = seat.Keyboard.Focus;
        _windowBefore = _server.Shell.Windows.Focused;
        seat.Keyboard.SetFocusLocked(null);
        seat.Pointer.EndGrab();
        seat.Pointer.UpdateFocus();
        seat.Touch.Cancel();
        // The next frame of each output is a locked one: locked is sent when all of them are presented.
        foreach (var o in scene.Outputs) _awaitingLockedFrame[o] = o.FramesSubmitted;
        scene.DamageAll();
    }

    /// <summary>The backend reported an output's frame on screen.</summary>
    internal void FramePresented(SceneOutput output)
    {
        if (!_awaitingLockedFrame.TryGetValue(output, out var before) || output.FramesPresented <= before) return;
        _awaitingLockedFrame.Remove(output);
        if (_awaitingLockedFrame.Count == 0) Owner?.SendLocked();
    }

    /// <summary>unlock_and_destroy of the lock told locked: the windows come back.</summary>
    internal void Unlock(ClientLock lk)
    {
        if (lk != Owner) return;
        _server.Log.Information("Session lock: unlocked by {Lock}", lk.Resource);
        Owner = null;
        foreach (var s in _surfaces.ToArray()) s.Hide();
        _awaitingLockedFrame.Clear();
        var scene = _server.Scene;
        var seat = _server.Seat;
        scene.Locked = false;
        seat.Bindings.Locked = false;
        // The focus from before the lock, unless the shell focused something else meanwhile (a new window).
        var windows = _server.Shell.Windows;
        var focus = windows.Focused == _windowBefore && _focusBefore is { IsDestroyed: false } before ? before
            : _server.Layers.ExclusiveKeyboard?.Surface ?? windows.Focused?.Surface;
        (_focusBefore, _windowBefore) = (null, null);
        seat.Keyboard.SetFocus(focus);
        seat.Pointer.UpdateFocus();
        scene.DamageAll();
    }

    private void Destroyed(ClientLock lk)
    {
        foreach (var s in _surfaces.ToArray())
            if (s.Lock == lk) s.Hide();
        if (lk != Owner) return;
        // Not unlocked: the session stays locked with nothing on it but the background colour.
        Owner = null;
        _server.Log.Warning("Session lock: {Lock} went without unlocking; the session stays locked until a new lock client unlocks it", lk.Resource);
        _server.Seat.Keyboard.SetFocusLocked(null);
        _server.Seat.Pointer.UpdateFocus();
    }

    // ---- lock surfaces ----

    internal void Add(LockSurface s) => _surfaces.Add(s);

    internal void Remove(LockSurface s)
    {
        _surfaces.Remove(s);
        s.Hide();
    }

    /// <summary>The lock surface of <paramref name="lk"/> on <paramref name="output"/>, if it made one.</summary>
    internal LockSurface? SurfaceOf(ClientLock lk, SceneOutput output)
    {
        foreach (var s in _surfaces)
            if (s.Lock == lk && s.Output == output) return s;
        return null;
    }

    /// <summary>Whether a lock surface may be on screen now: its lock holds the session.</summary>
    internal bool MayShow(LockSurface s) => Locked && s.Lock == Owner && s.Output is { } o && _server.Scene.IndexOf(o) >= 0;

    /// <summary>A lock surface was mapped: the first one takes the keyboard.</summary>
    internal void Mapped(LockSurface s)
    {
        _server.Seat.Pointer.UpdateFocus();
        if (_server.Seat.Keyboard.Focus?.Role is not LockSurface { IsMapped: true }) _server.Seat.Keyboard.SetFocusLocked(s.Surface);
    }

    /// <summary>A lock surface left the screen: the keyboard goes to another one, or nowhere.</summary>
    internal void Unmapped(LockSurface s)
    {
        _server.Seat.Pointer.UpdateFocus();
        var keyboard = _server.Seat.Keyboard;
        if (!Locked || keyboard.Focus != s.Surface) return;
        LockSurface? next = null;
        foreach (var other in _surfaces)
            if (other != s && other.IsMapped) { next = other; break; }
        keyboard.SetFocusLocked(next?.Surface);
    }

    /// <summary>A click on a lock surface gives it the keyboard (one lock surface per output).</summary>
    private void OnPointerPressed(IPlacedRole? root, Surface? surface, uint button)
    {
        if (Locked && root is LockSurface { IsMapped: true } l) _server.Seat.Keyboard.SetFocusLocked(l.Surface);
    }

    /// <summary>Whether the keyboard may go to <paramref name="surface"/> now: anything while unlocked,
    /// only lock surfaces while locked.</summary>
    public bool AllowsFocus(Surface? surface) => !Locked || surface?.Role is LockSurface { IsMapped: true };

    // ---- outputs (one that appears while locked is blank: the scene shows it no windows, and the
    // lock client, which sees its wl_output, gives it a lock surface) ----

    internal void OutputRemoved(SceneOutput output)
    {
        foreach (var s in _surfaces)
            if (s.Output == output) s.Hide();
        if (_awaitingLockedFrame.Remove(output) && _awaitingLockedFrame.Count == 0 && Locked) Owner?.SendLocked();
    }

    internal void OutputResized(SceneOutput output)
    {
        foreach (var s in _surfaces)
            if (s.Output == output) s.Configure();
    }
}
