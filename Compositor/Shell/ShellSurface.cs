using Compositor.Backends;
using Compositor.Scene;
using Compositor.Surfaces;
using Wayland.Protocols.Server;

namespace Compositor.Shell;

/// <summary>
/// xdg_surface: the surface's role in the shell, shared by toplevels and popups. It runs the
/// configure handshake (initial commit → configure → ack → buffer), keeps the window geometry, and
/// maps and unmaps. The kind-specific part lives in <see cref="Toplevel"/> or <see cref="Popup"/>.
/// Every xdg_surface request is handled here.
/// </summary>
public sealed class ShellSurface : IPlacedRole, IXdgSurfaceHandler
{
    private readonly List<(uint Serial, object? State)> _sentConfigures = [];
    private Rect? _pendingGeometry;
    private bool _configureScheduled;

    internal ShellSurface(XdgShell shell, WmBase owner, XdgSurface resource, Surface surface)
    {
        Shell = shell;
        Owner = owner;
        Resource = resource;
        Surface = surface;
        resource.Handler = this;
        resource.Data = this;
        resource.Destroyed += _ => OnDestroyed();
        surface.Destroyed += _ => OnSurfaceDestroyed();
    }

    public XdgShell Shell { get; }
    public WmBase Owner { get; }
    public XdgSurface Resource { get; }
    public Surface Surface { get; }
    /// <summary>The role object once get_toplevel or get_popup was called; null again after it is destroyed.</summary>
    public IShellRole? Role { get; private set; }
    public Toplevel? Toplevel => Role as Toplevel;
    public TitleBar? TitleBar => Toplevel?.TitleBar is { Visible: true } bar ? bar : null;
    Window? IPlacedRole.Window => Toplevel;
    public Popup? Popup => Role as Popup;
    /// <summary>Popups whose parent this is, oldest first.</summary>
    public List<Popup> ChildPopups { get; } = [];

    /// <summary>The initial commit was made: configures may be sent.</summary>
    public bool Initialized { get; private set; }
    /// <summary>The client acked at least one configure since the initial commit: it may attach buffers.</summary>
    public bool Configured { get; private set; }
    public bool IsMapped { get; private set; }
    // On screen, for the scene: a minimized window stays mapped for the shell but is not placed
    // (no drawing, hit-testing or output enter while it commits).
    bool IPlacedRole.IsMapped => IsMapped && Toplevel is not { Minimized: true };
    /// <summary>The state of the configure the client acked last and committed (the role's type).</summary>
    public object? AckedState { get; private set; }

    /// <summary>The part of the surface that is the window (without shadows), in surface coordinates.</summary>
    public Rect Geometry { get; private set; }
    public bool HasExplicitGeometry { get; private set; }

    /// <summary>Layout position of the window geometry's top-left corner.</summary>
    public int WindowX { get; internal set; }
    public int WindowY { get; internal set; }

    public string Name => "xdg_surface";
    public bool HasRoleObject => !Resource.IsDestroyed;
    public int X => WindowX - Geometry.X;
    public int Y => WindowY - Geometry.Y;

    public override string ToString() => Role is null ? Resource.ToString() : $"{Role.Resource} ({Surface.Resource})";

    // ---- requests ----

    public void Destroy(XdgSurface resource)
    {
        if (Role is not null)
            resource.PostError(XdgSurface.Error.DefunctRoleObject, $"{Role.Resource} must be destroyed before its xdg_surface");
    }

    public void GetToplevel(XdgSurface resource, XdgToplevel id)
    {
        if (!CanConstruct(resource, "xdg_toplevel")) return;
        Role = new Toplevel(this, id);
        Shell.Log.Debug("{Toplevel} created for {Surface}", id, Surface);
    }

    public void GetPopup(XdgSurface resource, XdgPopup id, XdgSurface? parent, XdgPositioner positioner)
    {
        if (!CanConstruct(resource, "xdg_popup")) return;
        var rules = Positioner.Of(positioner).Rules;
        if (!rules.IsComplete)
        {
            Owner.Resource.PostError(XdgWmBase.Error.InvalidPositioner, $"{positioner} has no size or no anchor rectangle");
            return;
        }
        var parentSurface = parent?.Data as ShellSurface;
        // A popup's parents form a chain up to a toplevel: one that leads back here would be a loop
        // (dismissing it would never end).
        for (var p = parentSurface; p is not null; p = (p.Role as Popup)?.Parent)
        {
            if (p != this) continue;
            Owner.Resource.PostError(XdgWmBase.Error.InvalidPopupParent, $"{parent} cannot be the parent of {resource}'s popup: it is {resource} or one of its popups");
            return;
        }
        Role = new Popup(this, id, parentSurface, rules);
    }

    private bool CanConstruct(XdgSurface resource, string kind)
    {
        if (Role is not null || (RoleKind is not null && RoleKind != kind))
        {
            resource.PostError(XdgSurface.Error.AlreadyConstructed, $"{resource} already is an {RoleKind}");
            return false;
        }
        RoleKind = kind;
        return true;
    }

    /// <summary>"xdg_toplevel" or "xdg_popup" once constructed; an xdg_surface never changes kind.</summary>
    public string? RoleKind { get; private set; }

    public void SetWindowGeometry(XdgSurface resource, int x, int y, int width, int height)
    {
        if (width <= 0 || height <= 0)
        {
            resource.PostError(XdgSurface.Error.InvalidSize, $"window geometry {width}x{height} must be positive");
            return;
        }
        _pendingGeometry = new Rect(x, y, width, height);
    }

    public void AckConfigure(XdgSurface resource, uint serial)
    {
        var index = _sentConfigures.FindIndex(c => c.Serial == serial);
        if (index < 0)
        {
            resource.PostError(XdgSurface.Error.InvalidSerial, $"serial {serial} was not sent in a configure, or was acked already");
            return;
        }
        // Acking a configure acks the ones sent before it too; they are never answered otherwise.
        var state = _sentConfigures[index].State;
        _sentConfigures.RemoveRange(0, index + 1);
        Configured = true;
        PendingAck = (serial, state);
    }

    /// <summary>The last ack not yet followed by a commit.</summary>
    internal (uint Serial, object? State)? PendingAck { get; private set; }

    // ---- configure ----

    /// <summary>Asks for a configure at the end of this dispatch round, so that several changes
    /// (activated, maximized, decoration mode) reach the client in one.</summary>
    public void ScheduleConfigure()
    {
        if (!Initialized || _configureScheduled || Role is null) return;
        _configureScheduled = true;
        Shell.Server.Loop.AddIdle(() =>
        {
            _configureScheduled = false;
            if (!Resource.IsDestroyed && Role is not null && Initialized) SendConfigure();
        });
    }

    private void SendConfigure()
    {
        var serial = Shell.Server.Display.NextSerial();
        var state = Role!.SendConfigure();
        _sentConfigures.Add((serial, state));
        Resource.SendConfigure(serial);
    }

    // ---- commit ----

    /// <summary>"Any attempts by a client to attach or manipulate a buffer prior to the first
    /// xdg_surface.configure call must also be treated as errors": caught at the attach when no
    /// configure was sent yet, and at the commit when none was acked.</summary>
    public void Attaching(Surface surface)
    {
        if (!Configured && _sentConfigures.Count == 0)
            Resource.PostError(XdgSurface.Error.UnconfiguredBuffer, $"{surface.Resource} got a buffer attached before any configure was sent");
    }

    public bool PreCommit(Surface surface)
    {
        if (Role is null)
        {
            Resource.PostError(XdgSurface.Error.NotConstructed, $"{surface.Resource} was committed before get_toplevel or get_popup");
            return false;
        }
        var attaches = (surface.Cached.Changes & SurfaceChanges.Buffer) != 0 && surface.Cached.Buffer is not null;
        if (attaches && !Configured)
        {
            Resource.PostError(XdgSurface.Error.UnconfiguredBuffer, $"{surface.Resource} got a buffer before its first configure was acked");
            return false;
        }
        return Role.PreCommit();
    }

    public void Committed(Surface surface)
    {
        if (_pendingGeometry is { } g)
        {
            HasExplicitGeometry = true;
            Geometry = g;
            _pendingGeometry = null;
        }
        if (!HasExplicitGeometry) Geometry = new Rect(0, 0, surface.Width, surface.Height);
        if (PendingAck is { } ack)
        {
            AckedState = ack.State;
            PendingAck = null;
        }

        if (!Initialized)
        {
            // The initial commit: the compositor answers with the first configure.
            Initialized = true;
            Role!.InitialCommit();
            SendConfigure();
            return;
        }
        if (surface.HasContent && !IsMapped)
        {
            IsMapped = true;
            Role!.Map();
        }
        else if (!surface.HasContent && IsMapped)
        {
            Unmap();
            return;
        }
        if (IsMapped) Role!.Committed();
    }

    /// <summary>Off screen; the client must make the initial commit again before a new buffer (the protocol's unmap).</summary>
    internal void Unmap()
    {
        // Popups cannot outlive their parent on screen.
        for (var i = ChildPopups.Count - 1; i >= 0; i--) ChildPopups[i].Dismiss();
        var wasMapped = IsMapped;
        IsMapped = false;
        Initialized = false;
        Configured = false;
        _sentConfigures.Clear();
        PendingAck = null;
        AckedState = null;
        if (wasMapped) Role?.Unmap();
    }

    /// <summary>The role object was destroyed: unmap and forget it (the kind stays).</summary>
    internal void RoleDestroyed(IShellRole role)
    {
        if (Role != role) return;
        Unmap();
        Role = null;
        Geometry = default;
        HasExplicitGeometry = false;
    }

    private void OnDestroyed()
    {
        Role?.Orphaned();
        Role = null;
        Surface.ClearRole(this);
        Owner.Remove(this);
    }

    private void OnSurfaceDestroyed()
    {
        for (var i = ChildPopups.Count - 1; i >= 0; i--) ChildPopups[i].Dismiss();
        if (IsMapped) Role?.Unmap();
        IsMapped = false;
    }
}

/// <summary>The kind-specific half of an xdg_surface: a toplevel or a popup.</summary>
public interface IShellRole
{
    Wayland.Server.Resource Resource { get; }
    /// <summary>Checks of the role's own pending state at commit (min/max size, …).</summary>
    bool PreCommit() => true;
    /// <summary>The initial commit was made; the first configure goes out right after.</summary>
    void InitialCommit();
    /// <summary>Sends the role's configure event and returns what it asked for, which comes back when acked.</summary>
    object? SendConfigure();
    void Map();
    void Committed();
    void Unmap();
    /// <summary>The xdg_surface was destroyed under the role object (a protocol error was already posted, or the client is gone).</summary>
    void Orphaned();
}
