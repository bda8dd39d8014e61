using Compositor.Backends;
using Compositor.Scene;
using Compositor.Surfaces;

namespace Compositor.Xwayland;

/// <summary>Where X windows go, which one has the keyboard, and what their client messages ask.</summary>
public sealed partial class XWindowManager
{
    private const int NetWmStateRemove = 0, NetWmStateAdd = 1, NetWmStateToggle = 2;
    private const uint MoveResizeMove = 8, MoveResizeCancel = 11;

    // ---- placement ----

    /// <summary>A new managed window: a dialog over its parent, one that asks for a position keeps
    /// it, the rest cascade as our Wayland windows do; fullscreen and maximized ones fill their output.</summary>
    private void Place(XWindow w)
    {
        var output = _server.Shell.Windows.PointerOutput;
        if (output is null) return;
        var area = output.UsableArea;
        if (w.TransientFor != Xcb.None && _windows.TryGetValue(w.TransientFor, out var parent) && parent.XMapped)
        {
            w.X = parent.X + (parent.Width - w.Width) / 2;
            w.Y = parent.Y + (parent.Height - w.Height) / 2;
        }
        else if (!w.HasPositionHint || !area.Contains(w.X, w.Y))
        {
            var n = 0;
            foreach (var other in _windows.Values)
                if (other != w && !other.OverrideRedirect && other.XMapped) n++;
            var step = Shell.WindowManager.CascadeStep * (1 + (n + _server.Shell.Windows.Toplevels.Count) % 8);
            w.X = area.X + step;
            w.Y = area.Y + step;
        }
        // Fit on the output where it can, its top-left corner on screen where it cannot.
        w.X = Math.Max(area.X, Math.Min(w.X, area.Right - w.Width));
        w.Y = Math.Max(area.Y, Math.Min(w.Y, area.Bottom - w.Height));
        w.Saved = (w.X, w.Y, w.Width, w.Height);
        if (w.Fullscreen) Fill(w, output.Bounds);
        else if (w.Maximized) Fill(w, area);
    }

    private static void Fill(XWindow w, Rect r) => (w.X, w.Y, w.Width, w.Height) = (r.X, r.Y, r.Width, r.Height);

    private SceneOutput? OutputOf(XWindow w) =>
        _server.Shell.Windows.OutputAt(w.X + w.Width / 2, w.Y + w.Height / 2) ?? _server.Shell.Windows.OutputAt(w.X, w.Y) ?? _server.Shell.Windows.PrimaryOutput;

    private void SetFullscreen(XWindow w, bool on) => SetFilled(w, fullscreen: on, maximized: w.Maximized);

    private void SetMaximized(XWindow w, bool on) => SetFilled(w, fullscreen: w.Fullscreen, maximized: on);

    private void SetFilled(XWindow w, bool fullscreen, bool maximized)
    {
        if (w.Fullscreen == fullscreen && w.Maximized == maximized) return;
        var wasFilled = w.Fullscreen || w.Maximized;
        if (!wasFilled) w.Saved = (w.X, w.Y, w.Width, w.Height);
        w.Surface?.DamageTree();
        (w.Fullscreen, w.Maximized) = (fullscreen, maximized);
        var output = OutputOf(w);
        if (fullscreen && output is not null) Fill(w, output.Bounds);
        else if (maximized && output is not null) Fill(w, output.UsableArea);
        else (w.X, w.Y, w.Width, w.Height) = w.Saved;
        _x.Configure(w.Id, w.X, w.Y, w.Width, w.Height);
        WriteNetWmState(w);
        if (w.Surface is { } s) _server.Scene.UpdateOutputs(s);
        if (w.IsShown) Focus(w);
        WindowChanged(w);
    }

    /// <summary>Title, class, size hints or state changed: what watches windows may want to know.</summary>
    private void WindowChanged(XWindow w) => _log.Verbose("{Window} changed", w);

    // ---- focus ----

    /// <summary>Gives an X window the keyboard and raises it: X's input focus (or WM_TAKE_FOCUS for
    /// windows that take it themselves), _NET_ACTIVE_WINDOW, and the seat's keyboard on its surface,
    /// through which Xwayland gets the keys.</summary>
    internal void Focus(XWindow w)
    {
        if (w.OverrideRedirect || w.Surface is null || !w.IsShown) return;
        Raise(w);
        if (_focused == w && _server.Seat.Keyboard.Focus == w.Surface) return;
        var previous = _focused;
        _focused = w;
        if (previous is not null && previous != w) WriteNetWmState(previous);
        // The Wayland window that had the keyboard is no longer the active one.
        _server.Shell.Windows.Focus(null);
        if (w.AcceptsInput) Xcb.SetInputFocus(_x.Handle, Xcb.InputFocusPointerRoot, w.Id, Xcb.CurrentTime);
        if (w.SupportsTakeFocus) _x.SendClientMessage(w.Id, _atoms.WmProtocols, [_atoms.WmTakeFocus, Xcb.CurrentTime]);
        _x.SetProperty(_x.Root, _atoms.NetActiveWindow, Xcb.AtomWindow, [w.Id]);
        WriteNetWmState(w);
        _server.Seat.Keyboard.SetFocus(w.Surface);
        _log.Debug("Focused {Window}", w);
    }

    private void Raise(XWindow w)
    {
        _x.Restack(w.Id, Xcb.StackAbove);
        if (w.Role is { } role) _server.Scene.Raise(role);
        // Its dialogs and menus stay above it.
        foreach (var other in _windows.Values)
            if (other != w && other.TransientFor == w.Id && other.IsShown && other.Role is { } r)
            {
                _x.Restack(other.Id, Xcb.StackAbove);
                _server.Scene.Raise(r);
            }
    }

    /// <summary>The keyboard went to a Wayland surface: no X window is active any more.</summary>
    private void OnKeyboardFocusChanged(Surface? surface)
    {
        if (_focused is not { } w || surface is not null && surface == w.Surface) return;
        if (surface?.Role is XSurfaceRole) return;
        _focused = null;
        WriteNetWmState(w);
        Xcb.SetInputFocus(_x.Handle, Xcb.InputFocusPointerRoot, Xcb.None, Xcb.CurrentTime);
        _x.SetProperty(_x.Root, _atoms.NetActiveWindow, Xcb.AtomWindow, [Xcb.None]);
    }

    /// <summary>A click on an X window focuses and raises it (override-redirect menus keep the focus where it is).</summary>
    private void OnPointerPressed(IPlacedRole? root, Surface? surface, uint button)
    {
        if (root is XSurfaceRole { Window: { OverrideRedirect: false } w }) Focus(w);
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
        if (!_windows.TryGetValue(window, out var w)) return;
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
            if (p1 == _atoms.NetWmStateFullscreen || p2 == _atoms.NetWmStateFullscreen) SetFullscreen(w, Wants(w.Fullscreen));
            if (p1 == _atoms.NetWmStateMaximizedVert || p1 == _atoms.NetWmStateMaximizedHorz
                || p2 == _atoms.NetWmStateMaximizedVert || p2 == _atoms.NetWmStateMaximizedHorz)
                SetMaximized(w, Wants(w.Maximized));
        }
        else if (type == _atoms.NetActiveWindow) Focus(w);
        else if (type == _atoms.WmChangeState && data0 == IconicState) Minimize(w);
        else if (type == _atoms.NetWmMoveResize) _log.Debug("{Window} asks for an interactive move or resize ({Direction})", w, U32(e, 20));
    }

    private void Minimize(XWindow w)
    {
        if (w.Minimized) return;
        w.Minimized = true;
        SetWmState(w, IconicState);
        WriteNetWmState(w);
        Hide(w);
    }
}
