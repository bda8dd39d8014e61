using Compositor.Surfaces;

namespace Compositor.Xwayland;

/// <summary>
/// One X11 window the window manager knows of (a child of the root): its X geometry, which is also
/// its place in our layout (the X screen and the layout share coordinates, so override-redirect
/// menus land where their program put them), what its properties say, and the wl_surface Xwayland
/// draws it into once <c>WL_SURFACE_ID</c> paired them.
/// </summary>
internal sealed class XWindow(uint id, int x, int y, int width, int height, bool overrideRedirect)
{
    public uint Id { get; } = id;
    public int X { get; set; } = x;
    public int Y { get; set; } = y;
    public int Width { get; set; } = width;
    public int Height { get; set; } = height;
    /// <summary>Placed by its program (menus, tooltips, drag icons): never managed, moved or focused by us.</summary>
    public bool OverrideRedirect { get; set; } = overrideRedirect;
    /// <summary>The X server has it mapped (MapNotify seen, no UnmapNotify since).</summary>
    public bool XMapped { get; set; }
    /// <summary>The object id of its wl_surface in Xwayland's connection, from WL_SURFACE_ID.</summary>
    public uint SurfaceId { get; set; }
    public Surface? Surface { get; set; }
    public XSurfaceRole? Role { get; set; }

    public string Title { get; set; } = "";
    public string Class { get; set; } = "";
    public string Instance { get; set; } = "";
    public int Pid { get; set; }
    /// <summary>WM_TRANSIENT_FOR: the window this dialog belongs to.</summary>
    public uint TransientFor { get; set; }
    public bool SupportsDelete { get; set; }
    public bool SupportsTakeFocus { get; set; }
    /// <summary>WM_HINTS' input field: false for windows that never take the keyboard themselves (globally active input).</summary>
    public bool AcceptsInput { get; set; } = true;
    public uint[] WindowTypes { get; set; } = [];
    /// <summary>WM_NORMAL_HINTS has a position the user or program chose: we leave it there.</summary>
    public bool HasPositionHint { get; set; }
    public int MinWidth { get; set; }
    public int MinHeight { get; set; }
    public int MaxWidth { get; set; }
    public int MaxHeight { get; set; }
    public bool Fullscreen { get; set; }
    public bool Maximized { get; set; }
    public bool Minimized { get; set; }
    /// <summary>Geometry to return to from fullscreen or maximized.</summary>
    public (int X, int Y, int Width, int Height) Saved { get; set; }

    /// <summary>On screen: mapped by X and drawn into a surface that has content.</summary>
    public bool IsShown => XMapped && Surface is { HasContent: true } && !Minimized;

    public override string ToString() => $"X window 0x{Id:x} \"{Title}\"";
}
