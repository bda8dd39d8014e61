using Compositor.Scene;
using Compositor.Surfaces;

namespace Compositor.Xwayland;

/// <summary>The role of a wl_surface of Xwayland's that draws an X11 window: placed where the X
/// window is, on screen while X has it mapped and the surface has content.</summary>
internal sealed class XSurfaceRole(XWindowManager wm, XWindow window, Surface surface) : IPlacedRole
{
    public const string RoleName = "xwayland_surface";

    public XWindow Window => window;
    public Surface Surface => surface;
    public string Name => RoleName;
    public bool IsMapped => window.IsShown;
    public int X => window.X;
    public int Y => window.Y;
    public Shell.TitleBar? TitleBar => window.TitleBar is { Visible: true } bar ? bar : null;
    Shell.Window? IPlacedRole.Window => window.IsManaged ? window : null;

    public void Committed(Surface s) => wm.SurfaceCommitted(window);
}
