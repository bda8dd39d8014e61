using Compositor.Shell;
using Compositor.Surfaces;

namespace Compositor.Xwayland;

/// <summary>What the compositor's window manager asks of X windows, said in X (configure, focus,
/// _NET_WM_STATE), and what X windows' client messages ask of it.</summary>
public sealed partial class XWindowManager
{
    private const int NetWmStateRemove = 0, NetWmStateAdd = 1, NetWmStateToggle = 2;

    // ---- placement and decoration ----

    /// <summary>A new managed window: a dialog goes over its parent; one that asked for a position
    /// keeps it; the rest the window manager cascades when it maps (as it does Wayland windows).</summary>
    private void Place(XWindow w)
    {
        if (w.TransientFor != Xcb.None && _windows.TryGetValue(w.TransientFor, out var parent) && parent.XMapped)
        {
            w.X = parent.X + (parent.Width - w.Width) / 2;
            w.Y = parent.Y + (parent.Height - w.Height) / 2;
            w.Parent = parent.IsManaged ? parent : null;
        }
        w.SavedSize = (w.Width, w.Height);
    }

    /// <summary>Our title bar for normal windows and dialogs, unless _MOTIF_WM_HINTS says the
    /// program draws its own (GTK's client-side decorations do).</summary>
    private bool Decorated(XWindow w)
    {
        if (w.NoDecorations) return false;
        if (w.WindowTypes.Length == 0) return true;
        foreach (var type in w.WindowTypes)
            if (type == _atoms["_NET_WM_WINDOW_TYPE_NORMAL"] || type == _atoms["_NET_WM_WINDOW_TYPE_DIALOG"] || type == _atoms["_NET_WM_WINDOW_TYPE_UTILITY"])
                return true;
        return false;
    }

    // ---- what the window manager asks ----

    internal void ScheduleApply(XWindow w)
    {
        if (w.ConfigureScheduled || _disposed) return;
        w.ConfigureScheduled = true;
        _server.Loop.AddIdle(() =>
        {
            w.ConfigureScheduled = false;
            if (!_disposed && _windows.ContainsKey(w.Id)) Apply(w);
        });
    }

    /// <summary>The window manager's wishes in X: the size it asks (or the one from before it filled
    /// its output), the place, _NET_WM_STATE and the input focus. X applies at once, so what we
    /// sent becomes <see cref="Window.Current"/> and the window manager places it as it would an
    /// acked xdg configure.</summary>
    internal void Apply(XWindow w)
    {
        var filled = w.WantsFullscreen || w.WantsMaximized;
        var wasFilled = w.Applied is { Fullscreen: true } or { Maximized: true };
        var (rw, rh) = w.RequestedSize;
        if (filled && !wasFilled) w.SavedSize = (w.Width, w.Height);
        if (rw > 0 && rh > 0) (w.Width, w.Height) = (rw, rh);
        else if (wasFilled && !filled) (w.Width, w.Height) = w.SavedSize;
        w.Paired?.DamageTree();
        _x.Configure(w.Id, w.X, w.Y, w.Width, w.Height);
        var wasActive = w.Applied?.Activated ?? false;
        w.Applied = new ToplevelConfigure(w.Width, w.Height, w.WantsMaximized, w.WantsFullscreen, w.Activated, w.Resizing);
        if (w.Activated && (!wasActive || _focused != w)) TakeFocus(w);
        else if (!w.Activated && _focused == w) DropFocus();
        WriteNetWmState(w);
        if (w.InWindowManager && (filled || wasFilled)) Shell.Committed(w);
        if (w.Paired is { } s) _server.Scene.UpdateOutputs(s);
        _x.Flush();
    }

    internal void Restack(XWindow w) => _x.Restack(w.Id, Xcb.StackAbove);

    /// <summary>X's input focus (or WM_TAKE_FOCUS for windows that take it themselves) and
    /// _NET_ACTIVE_WINDOW; the seat's keyboard is already on its surface (the window manager put
    /// it there), through which Xwayland gets the keys.</summary>
    private void TakeFocus(XWindow w)
    {
        var previous = _focused;
        _focused = w;
        if (previous is not null && previous != w) WriteNetWmState(previous);
        if (w.AcceptsInput) Xcb.SetInputFocus(_x.Handle, Xcb.InputFocusPointerRoot, w.Id, Xcb.CurrentTime);
        if (w.SupportsTakeFocus) _x.SendClientMessage(w.Id, _atoms.WmProtocols, [_atoms.WmTakeFocus, Xcb.CurrentTime]);
        _x.SetProperty(_x.Root, _atoms.NetActiveWindow, Xcb.AtomWindow, [w.Id]);
        _log.Debug("Focused {Window}", w);
    }

    private void DropFocus()
    {
        if (_focused is { } old)
        {
            _focused = null;
            WriteNetWmState(old);
        }
        Xcb.SetInputFocus(_x.Handle, Xcb.InputFocusPointerRoot, Xcb.None, Xcb.CurrentTime);
        _x.SetProperty(_x.Root, _atoms.NetActiveWindow, Xcb.AtomWindow, [Xcb.None]);
    }

    /// <summary>The keyboard went somewhere that is no X window (a panel, a lock screen): none is active in X.</summary>
    private void OnKeyboardFocusChanged(Surface? surface)
    {
        if (_focused is null || surface?.Role is XSurfaceRole) return;
        DropFocus();
        _x.Flush();
    }

    /// <summary>An X client moved the focus itself (a program focusing its own dialog is fine; another
    /// program taking it from the window we chose is not, and it goes back).</summary>
    private void OnFocusIn(uint window, byte mode)
    {
        const byte NotifyGrab = 1, NotifyUngrab = 2;
        if (mode is NotifyGrab or NotifyUngrab || _focused is not { } f || window == f.Id) return;
        if (_windows.TryGetValue(window, out var w) && w.Pid != 0 && w.Pid == f.Pid) return;
        Xcb.SetInputFocus(_x.Handle, Xcb.InputFocusPointerRoot, f.Id, Xcb.CurrentTime);
    }

    /// <summary>Closes a window the ICCCM way: WM_DELETE_WINDOW when it takes it, else its client is killed.</summary>
    internal void Close(XWindow w)
    {
        if (w.SupportsDelete) _x.SendClientMessage(w.Id, _atoms.WmProtocols, [_atoms.WmDeleteWindow, Xcb.CurrentTime]);
        else Xcb.KillClient(_x.Handle, w.Id);
        _x.Flush();
    }

    // ---- client messages ----

    private void OnClientMessage(ReadOnlySpan<byte> e)
    {
        var window = U32(e, 4);
        var type = U32(e, 8);
        var data0 = U32(e, 12);
        if (type == _atoms.WlSurfaceId)
        {
            if (_windows.TryGetValue(window, out var paired)) Pair(paired, data0);
            return;
        }
        if (!_windows.TryGetValue(window, out var w) || !w.IsManaged) return;
        if (type == _atoms.NetWmState)
        {
            var (p1, p2) = (U32(e, 16), U32(e, 20));
            bool Wants(bool current) => data0 switch
            {
                NetWmStateAdd => true,
                NetWmStateRemove => false,
                NetWmStateToggle => !current,
                _ => current,
            };
            bool Names(uint atom) => p1 == atom || p2 == atom;
            if (Names(_atoms.NetWmStateFullscreen)) SetFullscreen(w, Wants(w.WantsFullscreen));
            if (Names(_atoms.NetWmStateMaximizedVert) || Names(_atoms.NetWmStateMaximizedHorz)) SetMaximized(w, Wants(w.WantsMaximized));
        }
        else if (type == _atoms.NetActiveWindow)
        {
            if (w.InWindowManager) Shell.Focus(w);
        }
        else if (type == _atoms.WmChangeState && data0 == IconicState)
        {
            if (w.InWindowManager) Shell.SetMinimized(w, true);
        }
        else if (type == _atoms.NetWmMoveResize) _log.Debug("{Window} asks for an interactive move or resize ({Direction})", w, U32(e, 20));
    }

    private void SetFullscreen(XWindow w, bool on)
    {
        if (w.InWindowManager) Shell.SetFullscreen(w, on, null);
        else w.WantsFullscreen = on; // applied when it shows
    }

    private void SetMaximized(XWindow w, bool on)
    {
        if (w.InWindowManager) Shell.SetMaximized(w, on);
        else w.WantsMaximized = on;
    }
}
