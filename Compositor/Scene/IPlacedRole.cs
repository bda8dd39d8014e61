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
    /// <summary>Kept above every other placed surface (input method panels): raising a window puts it below them.</summary>
    bool AlwaysOnTop => false;
}
