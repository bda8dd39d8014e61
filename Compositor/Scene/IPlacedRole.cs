using Compositor.Surfaces;

namespace Compositor.Scene;

/// <summary>A role whose surface is placed directly in the layout (toplevels, popups, the cursor),
/// as opposed to subsurfaces, which are placed relative to their parent.</summary>
public interface IPlacedRole : ISurfaceRole
{
    Surface Surface { get; }
    /// <summary>Mapped: has content and is allowed on screen.</summary>
    bool IsMapped { get; }
    /// <summary>Layout position of the surface's origin (top-left of its buffer).</summary>
    int X { get; }
    int Y { get; }
    /// <summary>The compositor's decoration drawn with it (above its window geometry), if shown.</summary>
    Shell.TitleBar? TitleBar => null;
    /// <summary>The window it is (an xdg toplevel's surface, a managed X11 window's), else null.</summary>
    Shell.Window? Window => null;
    /// <summary>Which band of the stack it lives in: raising never lifts it out of its layer.</summary>
    SceneLayer Layer => SceneLayer.Windows;
}

/// <summary>The stack's bands, bottom first: layer-shell surfaces around the windows, the lock screen on top.</summary>
public enum SceneLayer
{
    Background,
    Bottom,
    Windows,
    Top,
    Overlay,
    /// <summary>Input method panels and popups: above everything they type into.</summary>
    InputMethod,
    /// <summary>Session lock surfaces: while the session is locked, the only band shown or given input (<see cref="Scene.Locked"/>).</summary>
    Lock,
}
