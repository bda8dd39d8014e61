namespace Compositor.Xwayland;

/// <summary>What X windows say of themselves (ICCCM and EWMH properties), and what we write back.</summary>
public sealed partial class XWindowManager
{
    private const uint WithdrawnState = 0, NormalState = 1, IconicState = 3;
    // WM_NORMAL_HINTS flags (ICCCM 4.1.2.3)
    private const uint USPosition = 1, PPosition = 4, PMinSize = 16, PMaxSize = 32;
    private const uint InputHint = 1;

    private void ReadProperties(XWindow w)
    {
        ReadTitle(w);
        ReadClass(w);
        ReadProtocols(w);
        ReadHints(w);
        ReadNormalHints(w);
        w.TransientFor = _x.GetProperty(w.Id, Xcb.AtomWmTransientFor, Xcb.AtomWindow).First;
        w.WindowTypes = _x.GetProperty(w.Id, _atoms.NetWmWindowType, Xcb.AtomAtom).AsUInt32s();
        w.Pid = (int)_x.GetProperty(w.Id, _atoms.NetWmPid, Xcb.AtomCardinal).First;
        var states = _x.GetProperty(w.Id, _atoms.NetWmState, Xcb.AtomAtom).AsUInt32s();
        w.WantsFullscreen = states.Contains(_atoms.NetWmStateFullscreen);
        w.WantsMaximized = states.Contains(_atoms.NetWmStateMaximizedVert) && states.Contains(_atoms.NetWmStateMaximizedHorz);
        ReadMotifHints(w);
    }

    /// <summary>_MOTIF_WM_HINTS: flags, functions, decorations, …; decorations 0 under the decorations flag means none.</summary>
    private void ReadMotifHints(XWindow w)
    {
        const uint DecorationsFlag = 2;
        var hints = _x.GetProperty(w.Id, _atoms["_MOTIF_WM_HINTS"]).AsUInt32s();
        w.NoDecorations = hints.Length >= 3 && (hints[0] & DecorationsFlag) != 0 && hints[2] == 0;
    }

    /// <summary>_NET_WM_NAME (UTF-8) wins over WM_NAME (Latin-1 or compound text, read as it comes).</summary>
    private void ReadTitle(XWindow w)
    {
        var net = _x.GetProperty(w.Id, _atoms.NetWmName, _atoms.Utf8String);
        w.Title = net.Exists ? net.AsString() : Latin1(_x.GetProperty(w.Id, Xcb.AtomWmName));
    }

    private static string Latin1(XProperty p) => p.Exists ? System.Text.Encoding.Latin1.GetString(p.Value).TrimEnd('\0') : "";

    /// <summary>WM_CLASS: two NUL-terminated strings, the instance then the class (our app id).</summary>
    private void ReadClass(XWindow w)
    {
        var parts = Latin1(_x.GetProperty(w.Id, Xcb.AtomWmClass, Xcb.AtomString)).Split('\0');
        w.Instance = parts.Length > 0 ? parts[0] : "";
        w.Class = parts.Length > 1 ? parts[1] : w.Instance;
        w.AppId = w.Class;
    }

    private void ReadProtocols(XWindow w)
    {
        var protocols = _x.GetProperty(w.Id, _atoms.WmProtocols, Xcb.AtomAtom).AsUInt32s();
        w.SupportsDelete = protocols.Contains(_atoms.WmDeleteWindow);
        w.SupportsTakeFocus = protocols.Contains(_atoms.WmTakeFocus);
    }

    private void ReadHints(XWindow w)
    {
        var hints = _x.GetProperty(w.Id, Xcb.AtomWmHints).AsUInt32s();
        // No hint, or no input field: ICCCM says assume it takes input.
        w.AcceptsInput = hints.Length < 2 || (hints[0] & InputHint) == 0 || hints[1] != 0;
    }

    private void ReadNormalHints(XWindow w)
    {
        var h = _x.GetProperty(w.Id, Xcb.AtomWmNormalHints).AsUInt32s();
        if (h.Length < 9) return;
        var flags = h[0];
        var (minW, minH) = (flags & PMinSize) != 0 ? ((int)h[5], (int)h[6]) : (0, 0);
        var (maxW, maxH) = (flags & PMaxSize) != 0 ? ((int)h[7], (int)h[8]) : (0, 0);
        w.SetSizeLimits(minW, minH, maxW, maxH);
        w.HasPositionHint = (flags & (USPosition | PPosition)) != 0;
    }

    private void OnPropertyNotify(uint window, uint atom, bool deleted)
    {
        _selections?.OnPropertyNotify(window, atom, deleted); // INCR transfers' chunks
        if (!_windows.TryGetValue(window, out var w)) return;
        if (atom == _atoms.NetWmName || atom == Xcb.AtomWmName) ReadTitle(w);
        else if (atom == Xcb.AtomWmClass) ReadClass(w);
        else if (atom == _atoms.WmProtocols) ReadProtocols(w);
        else if (atom == Xcb.AtomWmHints) ReadHints(w);
        else if (atom == Xcb.AtomWmNormalHints) ReadNormalHints(w);
        else if (atom == Xcb.AtomWmTransientFor) w.TransientFor = _x.GetProperty(w.Id, Xcb.AtomWmTransientFor, Xcb.AtomWindow).First;
        else if (atom == _atoms.NetWmWindowType) w.WindowTypes = _x.GetProperty(w.Id, _atoms.NetWmWindowType, Xcb.AtomAtom).AsUInt32s();
        else if (atom == _atoms["_MOTIF_WM_HINTS"])
        {
            ReadMotifHints(w);
            if (w.XMapped && w.IsManaged) w.SetServerSide(Decorated(w));
        }
        else return;
        if (w.InWindowManager)
        {
            Shell.DamageTitleBar(w);
            Shell.Changed(w);
        }
    }

    private void SetWmState(XWindow w, uint state) => _x.SetProperty(w.Id, _atoms.WmState, _atoms.WmState, [state, Xcb.None]);

    /// <summary>_NET_WM_STATE as we keep it: the program reads its fullscreen, maximized, hidden and focused state here.</summary>
    private void WriteNetWmState(XWindow w)
    {
        Span<uint> states = stackalloc uint[5];
        var n = 0;
        if (w.Applied is { Fullscreen: true }) states[n++] = _atoms.NetWmStateFullscreen;
        if (w.Applied is { Maximized: true })
        {
            states[n++] = _atoms.NetWmStateMaximizedVert;
            states[n++] = _atoms.NetWmStateMaximizedHorz;
        }
        if (w.Minimized && w.InWindowManager) states[n++] = _atoms.NetWmStateHidden;
        if (_focused == w) states[n++] = _atoms.NetWmStateFocused;
        _x.SetProperty(w.Id, _atoms.NetWmState, Xcb.AtomAtom, states[..n]);
    }
}
