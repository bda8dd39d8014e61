namespace Compositor.Xwayland;

/// <summary>The atoms the window manager speaks (ICCCM, EWMH, Xwayland's own), interned once per connection.</summary>
internal sealed class XAtoms
{
    private static readonly string[] Names =
    [
        "WL_SURFACE_ID", "WM_PROTOCOLS", "WM_DELETE_WINDOW", "WM_TAKE_FOCUS", "WM_STATE", "WM_CHANGE_STATE", "WM_S0",
        "UTF8_STRING", "_NET_WM_NAME", "_NET_WM_PID", "_NET_SUPPORTED", "_NET_SUPPORTING_WM_CHECK", "_NET_ACTIVE_WINDOW",
        "_NET_CLIENT_LIST", "_NET_CLIENT_LIST_STACKING", "_NET_WM_CM_S0", "_NET_WM_MOVERESIZE",
        "_NET_WM_STATE", "_NET_WM_STATE_FULLSCREEN", "_NET_WM_STATE_MAXIMIZED_VERT", "_NET_WM_STATE_MAXIMIZED_HORZ",
        "_NET_WM_STATE_HIDDEN", "_NET_WM_STATE_FOCUSED", "_NET_WM_STATE_MODAL",
        "_NET_WM_WINDOW_TYPE", "_NET_WM_WINDOW_TYPE_NORMAL", "_NET_WM_WINDOW_TYPE_DIALOG", "_NET_WM_WINDOW_TYPE_UTILITY",
        "_NET_WM_WINDOW_TYPE_TOOLBAR", "_NET_WM_WINDOW_TYPE_SPLASH", "_NET_WM_WINDOW_TYPE_MENU", "_NET_WM_WINDOW_TYPE_DROPDOWN_MENU",
        "_NET_WM_WINDOW_TYPE_POPUP_MENU", "_NET_WM_WINDOW_TYPE_TOOLTIP", "_NET_WM_WINDOW_TYPE_NOTIFICATION",
        "_NET_WM_WINDOW_TYPE_COMBO", "_NET_WM_WINDOW_TYPE_DND",
        "CLIPBOARD", "PRIMARY", "TARGETS", "TIMESTAMP", "INCR", "TEXT", "STRING", "DELETE", "_WL_SELECTION", "CLIPBOARD_MANAGER", "_MOTIF_WM_HINTS",
    ];

    private readonly Dictionary<string, uint> _byName = [];
    private readonly Dictionary<uint, string> _byAtom = [];

    public XAtoms(XConnection x)
    {
        var atoms = x.InternAtoms(Names);
        for (var i = 0; i < Names.Length; i++)
        {
            _byName[Names[i]] = atoms[i];
            _byAtom[atoms[i]] = Names[i];
        }
        WlSurfaceId = this["WL_SURFACE_ID"];
        WmProtocols = this["WM_PROTOCOLS"];
        WmDeleteWindow = this["WM_DELETE_WINDOW"];
        WmTakeFocus = this["WM_TAKE_FOCUS"];
        WmState = this["WM_STATE"];
        WmChangeState = this["WM_CHANGE_STATE"];
        Utf8String = this["UTF8_STRING"];
        NetWmName = this["_NET_WM_NAME"];
        NetWmPid = this["_NET_WM_PID"];
        NetActiveWindow = this["_NET_ACTIVE_WINDOW"];
        NetWmState = this["_NET_WM_STATE"];
        NetWmStateFullscreen = this["_NET_WM_STATE_FULLSCREEN"];
        NetWmStateMaximizedVert = this["_NET_WM_STATE_MAXIMIZED_VERT"];
        NetWmStateMaximizedHorz = this["_NET_WM_STATE_MAXIMIZED_HORZ"];
        NetWmStateHidden = this["_NET_WM_STATE_HIDDEN"];
        NetWmStateFocused = this["_NET_WM_STATE_FOCUSED"];
        NetWmWindowType = this["_NET_WM_WINDOW_TYPE"];
        NetWmMoveResize = this["_NET_WM_MOVERESIZE"];
        NetClientList = this["_NET_CLIENT_LIST"];
        NetClientListStacking = this["_NET_CLIENT_LIST_STACKING"];
    }

    public uint this[string name] => _byName[name];

    public string? NameOf(uint atom) => _byAtom.GetValueOrDefault(atom);

    /// <summary>Every EWMH hint this window manager acts on, for _NET_SUPPORTED.</summary>
    public uint[] Supported =>
    [
        NetWmName, NetWmPid, NetActiveWindow, NetWmState, NetWmStateFullscreen, NetWmStateMaximizedVert, NetWmStateMaximizedHorz,
        NetWmStateHidden, NetWmStateFocused, NetWmWindowType, NetWmMoveResize, NetClientList, NetClientListStacking, this["_NET_SUPPORTING_WM_CHECK"],
    ];

    public uint WlSurfaceId { get; }
    public uint WmProtocols { get; }
    public uint WmDeleteWindow { get; }
    public uint WmTakeFocus { get; }
    public uint WmState { get; }
    public uint WmChangeState { get; }
    public uint Utf8String { get; }
    public uint NetWmName { get; }
    public uint NetWmPid { get; }
    public uint NetActiveWindow { get; }
    public uint NetWmState { get; }
    public uint NetWmStateFullscreen { get; }
    public uint NetWmStateMaximizedVert { get; }
    public uint NetWmStateMaximizedHorz { get; }
    public uint NetWmStateHidden { get; }
    public uint NetWmStateFocused { get; }
    public uint NetWmWindowType { get; }
    public uint NetWmMoveResize { get; }
    public uint NetClientList { get; }
    public uint NetClientListStacking { get; }
}
