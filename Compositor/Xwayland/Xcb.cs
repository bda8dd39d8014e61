using System.Runtime.InteropServices;

namespace Compositor.Xwayland;

/// <summary>
/// libxcb and the extensions the X11 window manager needs (Composite, XFixes, xcb-cursor), the
/// calls as C declares them. Requests return a cookie (its sequence number, one uint); replies and
/// events are malloc'd by libxcb and freed with <see cref="Free"/>.
/// </summary>
internal static unsafe partial class Xcb
{
    private const string Lib = "libxcb.so.1";
    private const string CompositeLib = "libxcb-composite.so.0";
    private const string XfixesLib = "libxcb-xfixes.so.0";
    private const string CursorLib = "libxcb-cursor.so.0";

    // ---- connection ----

    [LibraryImport(Lib, EntryPoint = "xcb_connect_to_fd")]
    public static partial nint ConnectToFd(int fd, nint authInfo);

    [LibraryImport(Lib, EntryPoint = "xcb_connection_has_error")]
    public static partial int ConnectionHasError(nint c);

    [LibraryImport(Lib, EntryPoint = "xcb_disconnect")]
    public static partial void Disconnect(nint c);

    [LibraryImport(Lib, EntryPoint = "xcb_get_file_descriptor")]
    public static partial int GetFileDescriptor(nint c);

    [LibraryImport(Lib, EntryPoint = "xcb_get_setup")]
    public static partial nint GetSetup(nint c);

    [StructLayout(LayoutKind.Sequential)]
    public struct ScreenIterator
    {
        public Screen* Data;
        public int Rem;
        public int Index;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Screen
    {
        public uint Root, DefaultColormap, WhitePixel, BlackPixel, CurrentInputMasks;
        public ushort WidthInPixels, HeightInPixels, WidthInMillimeters, HeightInMillimeters, MinInstalledMaps, MaxInstalledMaps;
        public uint RootVisual;
        public byte BackingStores, SaveUnders, RootDepth, AllowedDepthsLen;
    }

    [LibraryImport(Lib, EntryPoint = "xcb_setup_roots_iterator")]
    public static partial ScreenIterator SetupRootsIterator(nint setup);

    [LibraryImport(Lib, EntryPoint = "xcb_flush")]
    public static partial int Flush(nint c);

    [LibraryImport(Lib, EntryPoint = "xcb_poll_for_event")]
    public static partial byte* PollForEvent(nint c);

    [LibraryImport(Lib, EntryPoint = "xcb_generate_id")]
    public static partial uint GenerateId(nint c);

    [LibraryImport(Lib, EntryPoint = "xcb_request_check")]
    public static partial byte* RequestCheck(nint c, uint cookie);

    [LibraryImport(Lib, EntryPoint = "xcb_get_extension_data")]
    public static partial byte* GetExtensionData(nint c, nint extension);

    [LibraryImport("libc", EntryPoint = "free")]
    public static partial void Free(void* p);

    // ---- atoms and properties ----

    [LibraryImport(Lib, EntryPoint = "xcb_intern_atom")]
    public static partial uint InternAtom(nint c, byte onlyIfExists, ushort nameLen, byte* name);

    [LibraryImport(Lib, EntryPoint = "xcb_intern_atom_reply")]
    public static partial byte* InternAtomReply(nint c, uint cookie, byte** error);

    [LibraryImport(Lib, EntryPoint = "xcb_get_atom_name")]
    public static partial uint GetAtomName(nint c, uint atom);

    [LibraryImport(Lib, EntryPoint = "xcb_get_atom_name_reply")]
    public static partial byte* GetAtomNameReply(nint c, uint cookie, byte** error);

    [LibraryImport(Lib, EntryPoint = "xcb_change_property")]
    public static partial uint ChangeProperty(nint c, byte mode, uint window, uint property, uint type, byte format, uint dataLen, void* data);

    [LibraryImport(Lib, EntryPoint = "xcb_delete_property")]
    public static partial uint DeleteProperty(nint c, uint window, uint property);

    [LibraryImport(Lib, EntryPoint = "xcb_get_property")]
    public static partial uint GetProperty(nint c, byte delete, uint window, uint property, uint type, uint longOffset, uint longLength);

    [LibraryImport(Lib, EntryPoint = "xcb_get_property_reply")]
    public static partial byte* GetPropertyReply(nint c, uint cookie, byte** error);

    // ---- windows ----

    [LibraryImport(Lib, EntryPoint = "xcb_create_window")]
    public static partial uint CreateWindow(nint c, byte depth, uint wid, uint parent, short x, short y, ushort width, ushort height,
        ushort borderWidth, ushort windowClass, uint visual, uint valueMask, uint* valueList);

    [LibraryImport(Lib, EntryPoint = "xcb_destroy_window")]
    public static partial uint DestroyWindow(nint c, uint window);

    [LibraryImport(Lib, EntryPoint = "xcb_change_window_attributes_checked")]
    public static partial uint ChangeWindowAttributesChecked(nint c, uint window, uint valueMask, uint* valueList);

    [LibraryImport(Lib, EntryPoint = "xcb_change_window_attributes")]
    public static partial uint ChangeWindowAttributes(nint c, uint window, uint valueMask, uint* valueList);

    [LibraryImport(Lib, EntryPoint = "xcb_configure_window")]
    public static partial uint ConfigureWindow(nint c, uint window, ushort valueMask, uint* valueList);

    [LibraryImport(Lib, EntryPoint = "xcb_map_window")]
    public static partial uint MapWindow(nint c, uint window);

    [LibraryImport(Lib, EntryPoint = "xcb_set_input_focus")]
    public static partial uint SetInputFocus(nint c, byte revertTo, uint focus, uint time);

    [LibraryImport(Lib, EntryPoint = "xcb_kill_client")]
    public static partial uint KillClient(nint c, uint resource);

    [LibraryImport(Lib, EntryPoint = "xcb_send_event")]
    public static partial uint SendEvent(nint c, byte propagate, uint destination, uint eventMask, byte* eventData);

    // ---- selections ----

    [LibraryImport(Lib, EntryPoint = "xcb_set_selection_owner")]
    public static partial uint SetSelectionOwner(nint c, uint owner, uint selection, uint time);

    [LibraryImport(Lib, EntryPoint = "xcb_get_selection_owner")]
    public static partial uint GetSelectionOwner(nint c, uint selection);

    [LibraryImport(Lib, EntryPoint = "xcb_get_selection_owner_reply")]
    public static partial byte* GetSelectionOwnerReply(nint c, uint cookie, byte** error);

    [LibraryImport(Lib, EntryPoint = "xcb_convert_selection")]
    public static partial uint ConvertSelection(nint c, uint requestor, uint selection, uint target, uint property, uint time);

    // ---- Composite: the X server draws top-level windows only into their own buffers (Xwayland's surfaces) ----

    [LibraryImport(CompositeLib, EntryPoint = "xcb_composite_query_version")]
    public static partial uint CompositeQueryVersion(nint c, uint major, uint minor);

    [LibraryImport(CompositeLib, EntryPoint = "xcb_composite_query_version_reply")]
    public static partial byte* CompositeQueryVersionReply(nint c, uint cookie, byte** error);

    [LibraryImport(CompositeLib, EntryPoint = "xcb_composite_redirect_subwindows_checked")]
    public static partial uint CompositeRedirectSubwindowsChecked(nint c, uint window, byte update);

    // ---- XFixes: selection owner changes ----

    [LibraryImport(XfixesLib, EntryPoint = "xcb_xfixes_query_version")]
    public static partial uint XfixesQueryVersion(nint c, uint major, uint minor);

    [LibraryImport(XfixesLib, EntryPoint = "xcb_xfixes_query_version_reply")]
    public static partial byte* XfixesQueryVersionReply(nint c, uint cookie, byte** error);

    [LibraryImport(XfixesLib, EntryPoint = "xcb_xfixes_select_selection_input")]
    public static partial uint XfixesSelectSelectionInput(nint c, uint window, uint selection, uint eventMask);

    /// <summary>The address of libxcb-xfixes' <c>xcb_xfixes_id</c>, its extension's key for <see cref="GetExtensionData"/>.</summary>
    public static nint XfixesId => NativeLibrary.GetExport(NativeLibrary.Load(XfixesLib), "xcb_xfixes_id");

    // ---- xcb-cursor: the root window's pointer from the cursor theme ----

    [LibraryImport(CursorLib, EntryPoint = "xcb_cursor_context_new")]
    public static partial int CursorContextNew(nint c, Screen* screen, nint* ctx);

    [LibraryImport(CursorLib, EntryPoint = "xcb_cursor_load_cursor", StringMarshalling = StringMarshalling.Utf8)]
    public static partial uint CursorLoadCursor(nint ctx, string name);

    [LibraryImport(CursorLib, EntryPoint = "xcb_cursor_context_free")]
    public static partial void CursorContextFree(nint ctx);

    // ---- constants (xproto.h) ----

    public const uint None = 0, CurrentTime = 0;
    public const uint AtomAtom = 4, AtomCardinal = 6, AtomString = 31, AtomWindow = 33, AtomWmName = 39, AtomWmNormalHints = 40,
        AtomWmHints = 35, AtomWmClass = 67, AtomWmTransientFor = 68, AtomAny = 0;
    public const byte PropModeReplace = 0;
    public const uint CwBackPixel = 2, CwOverrideRedirect = 512, CwEventMask = 2048, CwCursor = 16384;
    public const uint EventMaskKeyPress = 1, EventMaskFocusChange = 1 << 21, EventMaskPropertyChange = 1 << 22,
        EventMaskStructureNotify = 1 << 17, EventMaskSubstructureNotify = 1 << 19, EventMaskSubstructureRedirect = 1 << 20;
    public const ushort ConfigX = 1, ConfigY = 2, ConfigWidth = 4, ConfigHeight = 8, ConfigBorderWidth = 16, ConfigSibling = 32, ConfigStackMode = 64;
    public const uint StackAbove = 0, StackBelow = 1;
    public const ushort WindowClassInputOutput = 1, WindowClassInputOnly = 2;
    public const byte InputFocusPointerRoot = 1;
    public const byte CompositeRedirectManual = 1;
    public const uint XfixesSetSelectionOwnerMask = 1, XfixesSelectionWindowDestroyMask = 2, XfixesSelectionClientCloseMask = 4;

    // Event codes (response_type & 0x7f)
    public const int FocusIn = 9, CreateNotify = 16, DestroyNotify = 17, UnmapNotify = 18, MapNotify = 19, MapRequest = 20,
        ReparentNotify = 21, ConfigureNotify = 22, ConfigureRequest = 23, PropertyNotify = 28, SelectionClear = 29,
        SelectionRequest = 30, SelectionNotify = 31, ClientMessage = 33;
    public const byte PropertyNewValue = 0, PropertyDelete = 1;
}
