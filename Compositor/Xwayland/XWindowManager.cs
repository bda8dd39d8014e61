using System.Buffers.Binary;
using Compositor.Surfaces;
using Serilog;
using Wayland.Events;

namespace Compositor.Xwayland;

/// <summary>
/// The X11 window manager inside the compositor, over XCB: it redirects the root's children, so
/// Xwayland asks us before mapping or moving a window, pairs each X window with the wl_surface
/// Xwayland draws it into (the <c>WL_SURFACE_ID</c> client message, the only pairing Xwayland 22
/// knows), and answers ICCCM and EWMH: map and configure requests, focus (<c>WM_TAKE_FOCUS</c>,
/// <c>_NET_ACTIVE_WINDOW</c>), titles and classes, size hints, <c>_NET_WM_STATE</c>, closing
/// through <c>WM_DELETE_WINDOW</c>. Every X event is handled in <see cref="Dispatch"/>.
/// </summary>
public sealed partial class XWindowManager : IDisposable
{
    private readonly CompositorServer _server;
    private readonly XwaylandServer _xserver;
    private readonly XConnection _x;
    private readonly XAtoms _atoms;
    private readonly ILogger _log;
    private readonly FdSource _watch;
    private readonly Dictionary<uint, XWindow> _windows = [];
    /// <summary>Windows whose WL_SURFACE_ID named a surface we have not seen yet (the two connections race).</summary>
    private readonly Dictionary<uint, XWindow> _unpaired = [];
    private readonly uint _wmWindow;
    private readonly int _xfixesFirstEvent;
    private readonly byte[] _event = new byte[32];
    private XWindow? _focused;
    private XSelectionBridge? _selections;
    private bool _disposed;

    internal XWindowManager(CompositorServer server, XwaylandServer xserver, XConnection x)
    {
        _server = server;
        _xserver = xserver;
        _x = x;
        _log = server.Log.ForContext<XWindowManager>();
        try
        {
            _atoms = new XAtoms(x);
            _xfixesFirstEvent = QueryExtensions();
            _wmWindow = TakeRoot();
            _selections = new XSelectionBridge(server, x, _atoms, _log);
        }
        catch
        {
            x.Dispose();
            throw;
        }
        _watch = server.Loop.AddFd(x.Fd, FdEvents.Readable, (_, events) => OnReadable(events));
        server.Loop.BeforeSleep += OnBeforeSleep;
        server.SurfaceCreated += OnSurfaceCreated;
        server.Seat.Keyboard.FocusChanged += OnKeyboardFocusChanged;
        _x.Flush();
        _log.Information("X11 window manager running on {Display}", xserver.DisplayName);
    }

    internal IReadOnlyCollection<XWindow> Windows => _windows.Values;
    /// <summary>The compositor's window manager, which places, stacks and focuses managed X windows with the rest.</summary>
    internal Shell.WindowManager Shell => _server.Shell.Windows;
    internal Backends.IRenderer Renderer => _server.Renderer;

    private unsafe int QueryExtensions()
    {
        var composite = Xcb.CompositeQueryVersionReply(_x.Handle, Xcb.CompositeQueryVersion(_x.Handle, 0, 4), null);
        if (composite is null) throw new IOException("Xwayland has no Composite extension");
        Xcb.Free(composite);
        var xfixes = Xcb.XfixesQueryVersionReply(_x.Handle, Xcb.XfixesQueryVersion(_x.Handle, 5, 0), null);
        if (xfixes is null) throw new IOException("Xwayland has no XFixes extension");
        Xcb.Free(xfixes);
        var data = Xcb.GetExtensionData(_x.Handle, Xcb.XfixesId);
        return data is null ? -1 : data[10]; // xcb_query_extension_reply_t.first_event
    }

    /// <summary>Becomes the window manager: substructure redirect on the root (refused if another
    /// WM has it), Composite's manual redirect, and the EWMH check window with our name on it.</summary>
    private unsafe uint TakeRoot()
    {
        var root = _x.Root;
        var mask = Xcb.EventMaskSubstructureNotify | Xcb.EventMaskSubstructureRedirect | Xcb.EventMaskPropertyChange;
        if (!_x.Check(Xcb.ChangeWindowAttributesChecked(_x.Handle, root, Xcb.CwEventMask, &mask), out var error))
            throw new IOException($"another X11 window manager runs on this display (X error {error})");
        if (!_x.Check(Xcb.CompositeRedirectSubwindowsChecked(_x.Handle, root, Xcb.CompositeRedirectManual), out error))
            throw new IOException($"Composite redirection of the root window failed (X error {error})");

        var wm = _x.GenerateId();
        Xcb.CreateWindow(_x.Handle, 0, wm, root, 0, 0, 10, 10, 0, Xcb.WindowClassInputOutput, _x.Screen->RootVisual, 0, null);
        _x.SetProperty(wm, _atoms.NetWmName, _atoms.Utf8String, "compositor"u8);
        _x.SetProperty(wm, _atoms["_NET_SUPPORTING_WM_CHECK"], Xcb.AtomWindow, [wm]);
        _x.SetProperty(root, _atoms["_NET_SUPPORTING_WM_CHECK"], Xcb.AtomWindow, [wm]);
        _x.SetProperty(root, _atoms["_NET_SUPPORTED"], Xcb.AtomAtom, _atoms.Supported);
        _x.SetProperty(root, _atoms.NetActiveWindow, Xcb.AtomWindow, [Xcb.None]);
        _x.SetProperty(root, _atoms.NetClientList, Xcb.AtomWindow, ReadOnlySpan<uint>.Empty);
        Xcb.SetSelectionOwner(_x.Handle, wm, _atoms["WM_S0"], Xcb.CurrentTime);
        Xcb.SetSelectionOwner(_x.Handle, wm, _atoms["_NET_WM_CM_S0"], Xcb.CurrentTime);
        SetRootCursor();
        return wm;
    }

    /// <summary>The theme's arrow on the root, instead of X's own cross, where no X window sets one.</summary>
    private unsafe void SetRootCursor()
    {
        nint ctx;
        try
        {
            if (Xcb.CursorContextNew(_x.Handle, _x.Screen, &ctx) < 0) return;
        }
        catch (DllNotFoundException)
        {
            return;
        }
        var cursor = Xcb.CursorLoadCursor(ctx, "left_ptr");
        if (cursor != Xcb.None) Xcb.ChangeWindowAttributes(_x.Handle, _x.Root, Xcb.CwCursor, &cursor);
        Xcb.CursorContextFree(ctx);
    }

    // ---- the event loop ----

    private void OnReadable(FdEvents events)
    {
        DrainEvents();
        if ((events & (FdEvents.Hangup | FdEvents.Error)) != 0 || _x.HasError)
        {
            _log.Warning("The X11 window manager lost its connection to Xwayland");
            _watch.Dispose();
        }
    }

    // Replies read during round trips can leave events queued in libxcb with the fd drained.
    private void OnBeforeSleep()
    {
        if (_disposed) return;
        DrainEvents();
        _x.Flush();
    }

    private void DrainEvents()
    {
        while (!_disposed && _x.TryPollEvent(_event))
        {
            try
            {
                Dispatch(_event);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A window that went away mid-way through its handling, or a malformed property: that window's problem only.
                _log.Warning(e, "X event {Code} not handled", _event[0] & 0x7f);
            }
        }
        _x.Flush();
    }

    private static uint U32(ReadOnlySpan<byte> e, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(e[offset..]);
    private static short I16(ReadOnlySpan<byte> e, int offset) => BinaryPrimitives.ReadInt16LittleEndian(e[offset..]);
    private static ushort U16(ReadOnlySpan<byte> e, int offset) => BinaryPrimitives.ReadUInt16LittleEndian(e[offset..]);

    private void Dispatch(ReadOnlySpan<byte> e)
    {
        var code = e[0] & 0x7f;
        switch (code)
        {
            case 0:
                _log.Debug("X error {Error} on request {Major}.{Minor} (resource 0x{Resource:x})", e[1], e[10], U16(e, 8), U32(e, 4));
                break;
            case Xcb.CreateNotify: OnCreate(U32(e, 8), I16(e, 12), I16(e, 14), U16(e, 16), U16(e, 18), e[22] != 0); break;
            case Xcb.DestroyNotify: OnDestroy(U32(e, 8)); break;
            case Xcb.MapRequest: OnMapRequest(U32(e, 8)); break;
            case Xcb.MapNotify: OnMapNotify(U32(e, 8), e[12] != 0); break;
            case Xcb.UnmapNotify: OnUnmapNotify(U32(e, 8)); break;
            case Xcb.ConfigureRequest: OnConfigureRequest(e); break;
            case Xcb.ConfigureNotify: OnConfigureNotify(U32(e, 8), I16(e, 16), I16(e, 18), U16(e, 20), U16(e, 22), e[26] != 0); break;
            case Xcb.PropertyNotify: OnPropertyNotify(U32(e, 4), U32(e, 8), e[16] == Xcb.PropertyDelete); break;
            case Xcb.ClientMessage: OnClientMessage(e); break;
            case Xcb.FocusIn: OnFocusIn(U32(e, 4), e[8]); break;
            case Xcb.SelectionRequest or Xcb.SelectionNotify or Xcb.SelectionClear:
                _selections?.Dispatch(e);
                break;
            default:
                if (_xfixesFirstEvent > 0 && code == _xfixesFirstEvent) _selections?.OnOwnerChanged(e);
                break;
        }
    }

    // ---- window lifecycle ----

    private unsafe void OnCreate(uint id, int x, int y, int width, int height, bool overrideRedirect)
    {
        if (id == _wmWindow || _selections?.Owns(id) == true) return;
        var w = new XWindow(this, id, x, y, width, height, overrideRedirect);
        _windows[id] = w;
        var mask = Xcb.EventMaskPropertyChange | Xcb.EventMaskFocusChange;
        Xcb.ChangeWindowAttributes(_x.Handle, id, Xcb.CwEventMask, &mask);
        _log.Debug("Created {Window} at {X},{Y} {W}x{H}{Override}", w, x, y, width, height, overrideRedirect ? " (override-redirect)" : "");
    }

    private void OnDestroy(uint id)
    {
        if (!_windows.Remove(id, out var w)) return;
        _unpaired.Remove(w.SurfaceId);
        Hide(w);
        Unpair(w);
        if (w.IsManaged) Shell.Forget(w);
        w.Forget();
        if (_focused == w) _focused = null;
        UpdateClientList();
        _log.Debug("Destroyed {Window}", w);
    }

    /// <summary>A program asks to map a top-level window: we read what it says of itself, place it,
    /// and map it; it is drawn once its surface has content.</summary>
    private void OnMapRequest(uint id)
    {
        if (!_windows.TryGetValue(id, out var w)) return;
        ReadProperties(w);
        Place(w);
        w.SetServerSide(Decorated(w));
        _x.Configure(w.Id, w.X, w.Y, w.Width, w.Height);
        SetWmState(w, NormalState);
        WriteNetWmState(w);
        Xcb.MapWindow(_x.Handle, id);
        UpdateClientList();
    }

    private void OnMapNotify(uint id, bool overrideRedirect)
    {
        if (!_windows.TryGetValue(id, out var w)) return;
        w.OverrideRedirect = overrideRedirect;
        if (overrideRedirect) ReadProperties(w);
        w.XMapped = true;
        Show(w);
    }

    private void OnUnmapNotify(uint id)
    {
        if (!_windows.TryGetValue(id, out var w)) return;
        w.XMapped = false;
        Hide(w);
        if (!w.OverrideRedirect) SetWmState(w, WithdrawnState);
        UpdateClientList();
    }

    private void OnConfigureRequest(ReadOnlySpan<byte> e)
    {
        if (!_windows.TryGetValue(U32(e, 8), out var w)) return;
        var mask = U16(e, 26);
        if (w.Current is { Fullscreen: true } or { Maximized: true })
        {
            // It fills its output; it learns its size again (ICCCM: a refused request gets a ConfigureNotify).
            _x.Configure(w.Id, w.X, w.Y, w.Width, w.Height);
            return;
        }
        var (x, y) = (w.X, w.Y);
        if ((mask & Xcb.ConfigX) != 0) x = I16(e, 16);
        if ((mask & Xcb.ConfigY) != 0) y = I16(e, 18);
        if ((mask & Xcb.ConfigWidth) != 0) w.Width = U16(e, 20);
        if ((mask & Xcb.ConfigHeight) != 0) w.Height = U16(e, 22);
        if (w.InWindowManager) Shell.MoveWindow(w, x, y); // the window manager keeps where it is, title bar included
        else (w.X, w.Y) = (x, y);
        _x.Configure(w.Id, w.X, w.Y, w.Width, w.Height);
        if (w.Paired is { } s) _server.Scene.UpdateOutputs(s);
    }

    /// <summary>Override-redirect windows move themselves; the rest move because we said so, and
    /// this is the X server confirming it.</summary>
    private void OnConfigureNotify(uint id, int x, int y, int width, int height, bool overrideRedirect)
    {
        if (!_windows.TryGetValue(id, out var w)) return;
        if (!overrideRedirect && !w.OverrideRedirect) return;
        if (w.X == x && w.Y == y && w.Width == width && w.Height == height) return;
        w.Paired?.DamageTree();
        (w.X, w.Y, w.Width, w.Height) = (x, y, width, height);
        if (w.Paired is { } s)
        {
            s.DamageTree();
            _server.Scene.UpdateOutputs(s);
            _server.Seat.Pointer.UpdateFocus();
        }
    }

    // ---- pairing with wl_surfaces ----

    private void Pair(XWindow w, uint surfaceId)
    {
        Unpair(w);
        w.SurfaceId = surfaceId;
        if (_xserver.Client?.GetResource(surfaceId)?.Data is Surface surface) Pair(w, surface);
        else _unpaired[surfaceId] = w; // Xwayland's wl_surface.create is still in its connection
    }

    private void Pair(XWindow w, Surface surface)
    {
        _unpaired.Remove(w.SurfaceId);
        var role = new XSurfaceRole(this, w, surface);
        // Xwayland names its own surfaces; one with another role is its bug, not worth killing X for.
        if (surface.RoleName is not null || !surface.TrySetRole(role, surface.Resource, 0))
        {
            _log.Warning("{Surface} of {Window} already has the role {Role}", surface, w, surface.RoleName);
            return;
        }
        w.Paired = surface;
        w.Role = role;
        surface.Destroyed += _ =>
        {
            if (w.Paired != surface) return;
            Hide(w);
            Unpair(w);
        };
        _log.Debug("{Window} draws into {Surface}", w, surface);
        Show(w);
    }

    private void Unpair(XWindow w)
    {
        if (w.Role is { } role) role.Surface.ClearRole(role);
        w.Role = null;
        w.Paired = null;
    }

    private void OnSurfaceCreated(Surface surface)
    {
        if (surface.Resource.Client != _xserver.Client || !_unpaired.Remove(surface.Resource.Id, out var w)) return;
        Pair(w, surface);
    }

    internal void SurfaceCommitted(XWindow w)
    {
        var onScreen = w.InWindowManager || w.Role is { } r && _server.Scene.Stack.Contains(r);
        if (w.IsShown && !onScreen) Show(w);
        else if (!(w.XMapped && w.Paired is { HasContent: true }) && onScreen) Hide(w);
        else if (w.InWindowManager) Shell.Committed(w);
    }

    // ---- on screen ----

    /// <summary>Mapped and drawn: a managed window joins the window manager's (placed, raised,
    /// focused as any new window); an override-redirect one goes on top where it put itself.</summary>
    private void Show(XWindow w)
    {
        if (!w.IsShown || w.Role is not { } role) return;
        if (w.IsManaged)
        {
            if (w.InWindowManager) return;
            w.InWindowManager = true;
            Shell.Map(w);
            if (w.WantsFullscreen) Shell.SetFullscreen(w, true, null);
            else if (w.WantsMaximized) Shell.SetMaximized(w, true);
            _log.Debug("Showing {Window} at {X},{Y}", w, w.X, w.Y);
            return;
        }
        if (_server.Scene.Stack.Contains(role)) return;
        _server.Scene.Raise(role);
        _server.Scene.UpdateOutputs(role.Surface);
        _server.Seat.Pointer.UpdateFocus();
        _log.Debug("Showing {Window} at {X},{Y}", w, w.X, w.Y);
    }

    private void Hide(XWindow w)
    {
        if (w.InWindowManager)
        {
            w.InWindowManager = false;
            Shell.Unmap(w);
        }
        else if (w.Role is { } role && _server.Scene.Stack.Contains(role))
        {
            _server.Scene.Remove(role);
            _server.Seat.Pointer.UpdateFocus();
        }
    }

    private void UpdateClientList()
    {
        Span<uint> ids = stackalloc uint[Math.Min(_windows.Count, 1024)];
        var n = 0;
        foreach (var w in _windows.Values)
            if (w.IsManaged && w.XMapped && n < ids.Length) ids[n++] = w.Id;
        _x.SetProperty(_x.Root, _atoms.NetClientList, Xcb.AtomWindow, ids[..n]);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _server.Loop.BeforeSleep -= OnBeforeSleep;
        _server.SurfaceCreated -= OnSurfaceCreated;
        _server.Seat.Keyboard.FocusChanged -= OnKeyboardFocusChanged;
        _selections?.Dispose();
        foreach (var w in _windows.Values)
        {
            Hide(w);
            Unpair(w);
            if (w.IsManaged) Shell.Forget(w);
            w.Forget();
        }
        _windows.Clear();
        _watch.Dispose();
        _x.Dispose();
    }
}
