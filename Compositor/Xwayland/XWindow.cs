using Compositor.Backends;
using Compositor.Scene;
using Compositor.Shell;
using Compositor.Surfaces;

namespace Compositor.Xwayland;

/// <summary>
/// One X11 window the window manager knows of (a child of the root): its X geometry, which is also
/// its place in our layout (the X screen and the layout share coordinates, so override-redirect
/// menus land where their program put them), what its properties say, and the wl_surface Xwayland
/// draws it into once <c>WL_SURFACE_ID</c> paired them. A managed one (not override-redirect) is a
/// <see cref="Window"/> of the <see cref="WindowManager"/>, like an xdg toplevel; what the window
/// manager asks of it reaches X through <see cref="XWindowManager.Apply"/>.
/// </summary>
internal sealed class XWindow(XWindowManager wm, uint id, int x, int y, int width, int height, bool overrideRedirect) : Window
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
    public Surface? Paired { get; set; }
    public XSurfaceRole? Role { get; set; }
    /// <summary>Mapped in the window manager (not override-redirect, shown at least once since it mapped).</summary>
    public bool InWindowManager { get; set; }

    public string Class { get; set; } = "";
    /// <summary>Fullscreen and maximized as last applied (what _NET_WM_STATE says).</summary>
    public bool Fullscreen => Applied?.Fullscreen ?? false;
    public bool Maximized => Applied?.Maximized ?? false;
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
    /// <summary>_MOTIF_WM_HINTS asks for no decorations (client-side decorated toolkits, GTK's).</summary>
    public bool NoDecorations { get; set; }
    /// <summary>What was applied last: X has no acks, so what we configure is what it is.</summary>
    public ToplevelConfigure? Applied { get; set; }
    /// <summary>Size to return to from fullscreen or maximized.</summary>
    public (int Width, int Height) SavedSize { get; set; }
    public bool ConfigureScheduled { get; set; }

    /// <summary>On screen: mapped by X and drawn into a surface that has content (and not minimized).</summary>
    public bool IsShown => XMapped && Paired is { HasContent: true } && !(InWindowManager && Minimized);
    public bool IsManaged => !OverrideRedirect;

    // ---- Window ----

    public override Surface Surface => Paired ?? throw new InvalidOperationException($"{this} has no surface");
    public override IPlacedRole Placed => Role ?? throw new InvalidOperationException($"{this} has no surface");
    public override Wayland.Server.Client Client => Paired!.Resource.Client;
    public override bool IsMapped => IsManaged && XMapped && Paired is { HasContent: true };
    public override int WindowX
    {
        get => X;
        set
        {
            if (X == value) return;
            X = value;
            ScheduleConfigure();
        }
    }
    public override int WindowY
    {
        get => Y;
        set
        {
            if (Y == value) return;
            Y = value;
            ScheduleConfigure();
        }
    }
    public override Rect Geometry => new(0, 0, Width, Height);
    public override ToplevelConfigure? Current => Applied;
    public override bool PlacesItself => HasPositionHint || TransientFor != Xcb.None;
    public override void ScheduleConfigure() => wm.ScheduleApply(this);
    public override void Close() => wm.Close(this);
    internal override void Raised() => wm.Restack(this);
    internal override WindowManager Windows => wm.Shell;
    internal override IRenderer Renderer => wm.Renderer;

    internal void SetSizeLimits(int minW, int minH, int maxW, int maxH) => (MinWidth, MinHeight, MaxWidth, MaxHeight) = (minW, minH, maxW, maxH);
    internal void Forget() => DisposeTitleBar();

    public override string ToString() => $"X window 0x{Id:x} \"{Title}\"";
}
