using Compositor.Backends;
using Compositor.Scene;
using Compositor.Surfaces;
using Wayland.Server;

namespace Compositor.Shell;

/// <summary>
/// A window the <see cref="WindowManager"/> places, stacks, focuses, maximizes and decorates: an
/// xdg_toplevel (<see cref="Toplevel"/>) or a managed X11 window (<see cref="Xwayland.XWindow"/>).
/// What the compositor wants of it (size, states, focus) is set here and sent to its client by
/// <see cref="ScheduleConfigure"/>, in that client's protocol; what the client last applied comes
/// back as <see cref="Current"/>.
/// </summary>
public abstract class Window
{
    /// <summary>The surface its content is drawn into.</summary>
    public abstract Surface Surface { get; }
    /// <summary>What the scene stacks for it.</summary>
    public abstract IPlacedRole Placed { get; }
    public abstract Client Client { get; }
    /// <summary>Mapped for the shell (a minimized window still is; it is only off screen).</summary>
    public abstract bool IsMapped { get; }

    /// <summary>Layout position of the window geometry's top-left corner.</summary>
    public abstract int WindowX { get; set; }
    public abstract int WindowY { get; set; }
    /// <summary>The part of the surface that is the window (without shadows), in surface coordinates.</summary>
    public abstract Rect Geometry { get; }
    /// <summary>What its client acked and applied last (X11 windows apply at once).</summary>
    public abstract ToplevelConfigure? Current { get; }
    /// <summary>Its popups, which stack above it and go when it does.</summary>
    public virtual IReadOnlyList<Popup> ChildPopups => [];
    /// <summary>Its place was chosen before it mapped (an X11 window that asked for a position, or
    /// was placed when it asked to map): the cascade leaves it there.</summary>
    public virtual bool PlacesItself => false;

    public string Title { get; protected internal set; } = "";
    public string AppId { get; protected internal set; } = "";
    public Window? Parent { get; internal set; }
    public int MinWidth { get; protected internal set; }
    public int MinHeight { get; protected internal set; }
    public int MaxWidth { get; protected internal set; }
    public int MaxHeight { get; protected internal set; }

    /// <summary>What the compositor wants the window to be; sent in the next configure.</summary>
    public bool WantsMaximized { get; internal set; }
    public bool WantsFullscreen { get; internal set; }
    public SceneOutput? FullscreenOutput { get; internal set; }
    public bool Activated { get; internal set; }
    /// <summary>Off screen until restored (<see cref="WindowManager.SetMinimized"/>).</summary>
    public bool Minimized { get; internal set; }
    /// <summary>Size the compositor asks for (0: the client decides).</summary>
    public (int Width, int Height) RequestedSize { get; internal set; }
    public bool Resizing { get; internal set; }
    /// <summary>The compositor's title bar, while the window has server-side decorations.</summary>
    public TitleBar? TitleBar { get; private set; }

    /// <summary>Sends what the compositor wants of the window (size, states, focus) at the end of this dispatch round.</summary>
    public abstract void ScheduleConfigure();
    /// <summary>Asks the client to close the window (it decides).</summary>
    public abstract void Close();
    /// <summary>Checks the client still answers (xdg_wm_base.ping); nothing to X11 windows.</summary>
    public virtual void Ping() { }
    /// <summary>It went to the top of the stack (X11 restacks its window to match).</summary>
    internal virtual void Raised() { }

    internal abstract WindowManager Windows { get; }
    internal abstract IRenderer Renderer { get; }

    /// <summary>Server-side decorations on or off.</summary>
    internal void SetServerSide(bool on)
    {
        if (on == TitleBar is not null) return;
        Windows.DamageTitleBar(this);
        if (on) TitleBar = new TitleBar(this, Renderer);
        else
        {
            TitleBar!.Dispose();
            TitleBar = null;
        }
        Windows.DecorationChanged(this);
    }

    /// <summary>The window is gone: its decoration's texture goes too.</summary>
    protected void DisposeTitleBar()
    {
        TitleBar?.Dispose();
        TitleBar = null;
    }
}
