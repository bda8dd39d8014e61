using Compositor.Backends;
using Wayland.Protocols.Server;

namespace Compositor.Shell;

/// <summary>
/// xdg_popup: a menu or tooltip placed next to its parent by positioner rules, kept on the parent's
/// output, stacked above it, and dismissed (popup_done) when its grab ends or its parent goes away.
/// Every xdg_popup request is handled here.
/// </summary>
public sealed class Popup : IShellRole, IXdgPopupHandler
{
    private PositionerRules _rules;
    private uint? _repositionToken;

    internal Popup(ShellSurface shellSurface, XdgPopup resource, ShellSurface? parent, PositionerRules rules)
    {
        ShellSurface = shellSurface;
        Resource = resource;
        Parent = parent;
        _rules = rules;
        resource.Handler = this;
        resource.Data = this;
        resource.Destroyed += _ => OnDestroyed();
        parent?.ChildPopups.Add(this);
    }

    public ShellSurface ShellSurface { get; }
    public XdgPopup Resource { get; }
    Wayland.Server.Resource IShellRole.Resource => Resource;
    /// <summary>Null when created without one (no other protocol here can give it one), or once dismissed.</summary>
    public ShellSurface? Parent { get; private set; }
    /// <summary>Where the popup is, relative to its parent's window geometry (the last configure).</summary>
    public Rect Placement { get; private set; }
    public bool HasGrab { get; internal set; }
    public bool Dismissed { get; private set; }
    private WindowManager Windows => ShellSurface.Shell.Windows;

    // ---- requests ----

    public void Destroy(XdgPopup resource)
    {
        if (Windows.IsGrabbedBelowTop(this))
            ShellSurface.Owner.Resource.PostError(XdgWmBase.Error.NotTheTopmostPopup, $"{resource} was destroyed while a popup above it still grabs");
    }

    public void Grab(XdgPopup resource, WlSeat seat, uint serial)
    {
        if (ShellSurface.IsMapped)
        {
            resource.PostError(XdgPopup.Error.InvalidGrab, $"{resource} asked for a grab after it was mapped");
            return;
        }
        Windows.Grab(this, serial);
    }

    public void Reposition(XdgPopup resource, XdgPositioner positioner, uint token)
    {
        var rules = Positioner.Of(positioner).Rules;
        if (!rules.IsComplete)
        {
            ShellSurface.Owner.Resource.PostError(XdgWmBase.Error.InvalidPositioner, $"{positioner} has no size or no anchor rectangle");
            return;
        }
        _rules = rules;
        _repositionToken = token;
        ShellSurface.ScheduleConfigure();
    }

    // ---- role ----

    public void InitialCommit()
    {
        if (Parent is null && !Dismissed)
            ShellSurface.Owner.Resource.PostError(XdgWmBase.Error.InvalidPopupParent, $"{Resource} has no parent surface");
    }

    public object? SendConfigure()
    {
        Placement = Parent is null ? new Rect(0, 0, _rules.Width, _rules.Height) : _rules.Place(ConstraintArea(Parent));
        if (_repositionToken is { } token)
        {
            Resource.SendRepositioned(token);
            _repositionToken = null;
        }
        Resource.SendConfigure(Placement.X, Placement.Y, Placement.Width, Placement.Height);
        return Placement;
    }

    /// <summary>The output the parent is on, in coordinates relative to the parent's window geometry.</summary>
    private Rect ConstraintArea(ShellSurface parent)
    {
        var px = parent.WindowX;
        var py = parent.WindowY;
        var output = Windows.OutputAt(px, py) ?? Windows.PrimaryOutput;
        if (output is null) return new Rect(-px, -py, int.MaxValue / 2, int.MaxValue / 2);
        var b = output.Bounds;
        return new Rect(b.X - px, b.Y - py, b.Width, b.Height);
    }

    public void Map()
    {
        if (Parent is null || !Parent.IsMapped)
        {
            // A popup of an unmapped parent cannot be shown; it is dismissed at once.
            Dismiss();
            return;
        }
        UpdatePosition();
        Windows.MapPopup(this);
    }

    public void Committed() => UpdatePosition();

    /// <summary>Follows the parent (the acked placement, relative to the parent's window geometry).</summary>
    internal void UpdatePosition()
    {
        if (Parent is null) return;
        var placement = ShellSurface.AckedState is Rect acked ? acked : Placement;
        var x = Parent.WindowX + placement.X;
        var y = Parent.WindowY + placement.Y;
        if (x == ShellSurface.WindowX && y == ShellSurface.WindowY) return;
        ShellSurface.Surface.DamageTree();
        ShellSurface.WindowX = x;
        ShellSurface.WindowY = y;
        ShellSurface.Surface.DamageTree();
        Windows.SurfaceMoved(ShellSurface.Surface);
        foreach (var child in ShellSurface.ChildPopups) child.UpdatePosition();
    }

    public void Unmap() => Windows.UnmapPopup(this);

    public void Orphaned() => Windows.UnmapPopup(this);

    /// <summary>Closes the popup for the client (popup_done) and its children first; it stays
    /// unmapped until the client destroys it.</summary>
    public void Dismiss()
    {
        if (Dismissed) return;
        Dismissed = true;
        for (var i = ShellSurface.ChildPopups.Count - 1; i >= 0; i--) ShellSurface.ChildPopups[i].Dismiss();
        Windows.UnmapPopup(this);
        if (!Resource.IsDestroyed) Resource.SendPopupDone();
        Parent?.ChildPopups.Remove(this);
        Parent = null;
    }

    private void OnDestroyed()
    {
        foreach (var child in ShellSurface.ChildPopups.ToArray()) child.Dismiss();
        Parent?.ChildPopups.Remove(this);
        Parent = null;
        ShellSurface.RoleDestroyed(this);
        Windows.UnmapPopup(this);
    }
}
