using Compositor.Backends;
using Compositor.Scene;
using Wayland.Protocols.Server;

namespace Compositor.Shell;

/// <summary>What a toplevel configure asked for; the client's ack brings it back.</summary>
public sealed record ToplevelConfigure(int Width, int Height, bool Maximized, bool Fullscreen, bool Activated, bool Resizing);

/// <summary>
/// xdg_toplevel: a window. Its wishes (maximized, fullscreen, size limits, title) and the
/// compositor's answers go through configure; the window manager decides where it is.
/// Every xdg_toplevel request is handled here.
/// </summary>
public sealed class Toplevel : Window, IShellRole, IXdgToplevelHandler
{
    private int _pendingMinW, _pendingMinH, _pendingMaxW, _pendingMaxH;
    private readonly byte[] _states = new byte[4 * 4];

    internal Toplevel(ShellSurface shellSurface, XdgToplevel resource)
    {
        ShellSurface = shellSurface;
        Resource = resource;
        resource.Handler = this;
        resource.Data = this;
        resource.Destroyed += _ => OnDestroyed();
    }

    public ShellSurface ShellSurface { get; }
    public XdgToplevel Resource { get; }
    Wayland.Server.Resource IShellRole.Resource => Resource;
    internal override WindowManager Windows => ShellSurface.Shell.Windows;
    internal override IRenderer Renderer => ShellSurface.Shell.Server.Renderer;

    public override Surfaces.Surface Surface => ShellSurface.Surface;
    public override IPlacedRole Placed => ShellSurface;
    public override Wayland.Server.Client Client => Resource.Client;
    public override int WindowX { get => ShellSurface.WindowX; set => ShellSurface.WindowX = value; }
    public override int WindowY { get => ShellSurface.WindowY; set => ShellSurface.WindowY = value; }
    public override Rect Geometry => ShellSurface.Geometry;
    public override IReadOnlyList<Popup> ChildPopups => ShellSurface.ChildPopups;
    /// <summary>The zxdg_toplevel_decoration_v1 of this toplevel, if any.</summary>
    public Decoration? Decoration { get; internal set; }

    /// <summary>What the client acked and committed last.</summary>
    public override ToplevelConfigure? Current => ShellSurface.AckedState as ToplevelConfigure;
    public override bool IsMapped => ShellSurface.IsMapped;

    public override void ScheduleConfigure() => ShellSurface.ScheduleConfigure();
    public override void Close() => Resource.SendClose();
    public override void Ping() => ShellSurface.Owner.Ping();

    public override string ToString() => $"{Resource} \"{Title}\"";

    // ---- requests ----

    public void Destroy(XdgToplevel resource) { }

    public void SetParent(XdgToplevel resource, XdgToplevel? parent)
    {
        var p = parent?.Data as Toplevel;
        for (Window? t = p; t is not null; t = t.Parent)
        {
            if (t != this) continue;
            resource.PostError(XdgToplevel.Error.InvalidParent, $"{parent} is {resource} or one of its children");
            return;
        }
        Parent = p;
        Windows.Changed(this);
    }

    public void SetTitle(XdgToplevel resource, string title)
    {
        if (title == Title) return;
        Title = title;
        Windows.DamageTitleBar(this);
        Windows.Changed(this);
    }

    public void SetAppId(XdgToplevel resource, string appId)
    {
        AppId = appId;
        Windows.Changed(this);
    }

    public void ShowWindowMenu(XdgToplevel resource, WlSeat seat, uint serial, int x, int y)
    {
        // No window menu: wm_capabilities does not list one, so clients do not offer it.
    }

    public void Move(XdgToplevel resource, WlSeat seat, uint serial) => Windows.BeginMove(this, serial);

    public void Resize(XdgToplevel resource, WlSeat seat, uint serial, XdgToplevel.ResizeEdge edges)
    {
        if (!IsValidEdge(edges))
        {
            resource.PostError(XdgToplevel.Error.InvalidResizeEdge, $"{(uint)edges} is not an xdg_toplevel.resize_edge value");
            return;
        }
        Windows.BeginResize(this, serial, edges);
    }

    private static bool IsValidEdge(XdgToplevel.ResizeEdge e) => e switch
    {
        XdgToplevel.ResizeEdge.None or XdgToplevel.ResizeEdge.Top or XdgToplevel.ResizeEdge.Bottom or XdgToplevel.ResizeEdge.Left
            or XdgToplevel.ResizeEdge.TopLeft or XdgToplevel.ResizeEdge.BottomLeft or XdgToplevel.ResizeEdge.Right
            or XdgToplevel.ResizeEdge.TopRight or XdgToplevel.ResizeEdge.BottomRight => true,
        _ => false,
    };

    public void SetMaxSize(XdgToplevel resource, int width, int height)
    {
        if (width < 0 || height < 0)
        {
            resource.PostError(XdgToplevel.Error.InvalidSize, $"maximum size {width}x{height} is negative");
            return;
        }
        (_pendingMaxW, _pendingMaxH) = (width, height);
    }

    public void SetMinSize(XdgToplevel resource, int width, int height)
    {
        if (width < 0 || height < 0)
        {
            resource.PostError(XdgToplevel.Error.InvalidSize, $"minimum size {width}x{height} is negative");
            return;
        }
        (_pendingMinW, _pendingMinH) = (width, height);
    }

    public void SetMaximized(XdgToplevel resource) => Windows.SetMaximized(this, true);
    public void UnsetMaximized(XdgToplevel resource) => Windows.SetMaximized(this, false);

    public void SetFullscreen(XdgToplevel resource, WlOutput? output) => Windows.SetFullscreen(this, true, output?.Data as SceneOutput);
    public void UnsetFullscreen(XdgToplevel resource) => Windows.SetFullscreen(this, false, null);

    public void SetMinimized(XdgToplevel resource)
    {
        // Nothing to restore a minimized window from (no task bar): the capability is not advertised.
    }

    // ---- role ----

    public bool PreCommit()
    {
        // Min and max are double-buffered and checked together: a max below the min is an error.
        if (_pendingMaxW > 0 && _pendingMinW > _pendingMaxW || _pendingMaxH > 0 && _pendingMinH > _pendingMaxH)
        {
            Resource.PostError(XdgToplevel.Error.InvalidSize,
                $"minimum size {_pendingMinW}x{_pendingMinH} is larger than maximum size {_pendingMaxW}x{_pendingMaxH}");
            return false;
        }
        (MinWidth, MinHeight, MaxWidth, MaxHeight) = (_pendingMinW, _pendingMinH, _pendingMaxW, _pendingMaxH);
        return true;
    }

    public void InitialCommit()
    {
        // Both events are dropped by the generated senders for clients below their version.
        if (Windows.PointerOutput is { } o) Resource.SendConfigureBounds(o.Bounds.Width, o.Bounds.Height);
        Span<byte> caps = stackalloc byte[8];
        BitConverter.TryWriteBytes(caps, (uint)XdgToplevel.WmCapabilities.Maximize);
        BitConverter.TryWriteBytes(caps[4..], (uint)XdgToplevel.WmCapabilities.Fullscreen);
        Resource.SendWmCapabilities(caps);
        Decoration?.SendConfigure();
    }

    public object? SendConfigure()
    {
        var (w, h) = RequestedSize;
        var n = 0;
        if (WantsMaximized) Put(ref n, XdgToplevel.State.Maximized);
        if (WantsFullscreen) Put(ref n, XdgToplevel.State.Fullscreen);
        if (Resizing) Put(ref n, XdgToplevel.State.Resizing);
        if (Activated) Put(ref n, XdgToplevel.State.Activated);
        Resource.SendConfigure(w, h, _states.AsSpan(0, n * 4));
        return new ToplevelConfigure(w, h, WantsMaximized, WantsFullscreen, Activated, Resizing);
    }

    private void Put(ref int n, XdgToplevel.State state) => BitConverter.TryWriteBytes(_states.AsSpan(4 * n++), (uint)state);

    public void Map() => Windows.Map(this);
    public void Committed() => Windows.Committed(this);
    public void Unmap() => Windows.Unmap(this);

    public void Orphaned() => Windows.Unmap(this);

    private void OnDestroyed()
    {
        if (Decoration is { } d)
            d.Resource.PostError(ZxdgToplevelDecorationV1.Error.Orphaned, $"{Resource} was destroyed before its decoration object");
        ShellSurface.RoleDestroyed(this);
        Windows.Forget(this);
        DisposeTitleBar();
    }
}
