using Compositor.Scene;
using Compositor.Surfaces;
using Wayland.Protocols.Server;
using Anchor = Wayland.Protocols.Server.ZwlrLayerSurfaceV1.Anchor;
using KeyboardInteractivity = Wayland.Protocols.Server.ZwlrLayerSurfaceV1.KeyboardInteractivity;

namespace Compositor.LayerShell;

/// <summary>A layer surface's double-buffered state, applied at wl_surface.commit.</summary>
public struct LayerState
{
    public uint Width, Height;
    public Anchor Anchor;
    public int ExclusiveZone;
    public int MarginTop, MarginRight, MarginBottom, MarginLeft;
    public KeyboardInteractivity Keyboard;
    public ZwlrLayerShellV1.Layer Layer;
}

/// <summary>
/// zwlr_layer_surface_v1: the role of a wallpaper, panel or overlay. It maps at the first commit
/// with a buffer after the client acked a configure; a null buffer unmaps it back to its state
/// right after creation (a commit without a buffer then asks for a new configure). Every request
/// of the interface is handled here.
/// </summary>
public sealed class LayerSurface : ISurfaceRole, IPlacedRole, IZwlrLayerSurfaceV1Handler
{
    private readonly LayerShell _shell;
    private readonly ZwlrLayerShellV1 _shellResource;
    /// <summary>Configures sent and not yet acked, oldest first.</summary>
    private readonly List<uint> _unacked = [];
    private bool _acked;
    private (int W, int H)? _configuredSize;

    internal LayerSurface(LayerShell shell, ZwlrLayerShellV1 shellResource, ZwlrLayerSurfaceV1 resource, Surface surface, SceneOutput? output, string nameSpace)
    {
        _shell = shell;
        _shellResource = shellResource;
        Resource = resource;
        Surface = surface;
        Output = output;
        Namespace = nameSpace;
    }

    public ZwlrLayerSurfaceV1 Resource { get; }
    public Surface Surface { get; }
    /// <summary>The output it is on: the one asked for, else the one the pointer was on at its first commit.</summary>
    public SceneOutput? Output { get; private set; }
    /// <summary>What the client says it is ("wallpaper", "panel", …).</summary>
    public string Namespace { get; }
    public LayerState Pending;
    public LayerState Current;
    /// <summary>Made its initial commit: it is arranged and configured.</summary>
    public bool Ready { get; private set; }
    public bool IsMapped { get; private set; }
    /// <summary>Sent closed (its output went): further changes are ignored.</summary>
    public bool Closed { get; private set; }
    public int X { get; private set; }
    public int Y { get; private set; }
    public SceneLayer Layer => Current.Layer switch
    {
        ZwlrLayerShellV1.Layer.Background => SceneLayer.Background,
        ZwlrLayerShellV1.Layer.Bottom => SceneLayer.Bottom,
        ZwlrLayerShellV1.Layer.Top => SceneLayer.Top,
        _ => SceneLayer.Overlay,
    };

    public string Name => "zwlr_layer_surface_v1";
    public bool HasRoleObject => true;

    // ---- requests ----

    public void SetSize(ZwlrLayerSurfaceV1 resource, uint width, uint height) => (Pending.Width, Pending.Height) = (width, height);

    public void SetAnchor(ZwlrLayerSurfaceV1 resource, Anchor anchor)
    {
        if ((uint)anchor > 15)
        {
            resource.PostError(ZwlrLayerSurfaceV1.Error.InvalidAnchor, $"{(uint)anchor} is not a set of edges");
            return;
        }
        Pending.Anchor = anchor;
    }

    public void SetExclusiveZone(ZwlrLayerSurfaceV1 resource, int zone) => Pending.ExclusiveZone = zone;

    public void SetMargin(ZwlrLayerSurfaceV1 resource, int top, int right, int bottom, int left) =>
        (Pending.MarginTop, Pending.MarginRight, Pending.MarginBottom, Pending.MarginLeft) = (top, right, bottom, left);

    public void SetKeyboardInteractivity(ZwlrLayerSurfaceV1 resource, KeyboardInteractivity keyboardInteractivity)
    {
        var last = resource.Version >= 4 ? KeyboardInteractivity.OnDemand : KeyboardInteractivity.Exclusive;
        if ((uint)keyboardInteractivity > (uint)last)
        {
            resource.PostError(ZwlrLayerSurfaceV1.Error.InvalidKeyboardInteractivity,
                $"{(uint)keyboardInteractivity} is not a keyboard interactivity of version {resource.Version}");
            return;
        }
        Pending.Keyboard = keyboardInteractivity;
    }

    /// <summary>Popups of layer surfaces are not placed yet: the popup keeps no parent, and xdg-shell
    /// refuses it at its first commit.</summary>
    public void GetPopup(ZwlrLayerSurfaceV1 resource, XdgPopup popup) =>
        _shell.Server.Log.Information("{Resource} asked for a popup: popups of layer surfaces are not supported", resource);

    public void AckConfigure(ZwlrLayerSurfaceV1 resource, uint serial)
    {
        var i = _unacked.IndexOf(serial);
        if (i < 0)
        {
            resource.PostError(ZwlrLayerSurfaceV1.Error.InvalidSurfaceState, $"{serial} is not the serial of a configure awaiting its ack");
            return;
        }
        _unacked.RemoveRange(0, i + 1);
        _acked = true;
    }

    public void Destroy(ZwlrLayerSurfaceV1 resource) { }

    public void SetLayer(ZwlrLayerSurfaceV1 resource, ZwlrLayerShellV1.Layer layer)
    {
        if ((uint)layer > (uint)ZwlrLayerShellV1.Layer.Overlay)
        {
            _shellResource.PostError(ZwlrLayerShellV1.Error.InvalidLayer, $"{(uint)layer} is not a layer");
            return;
        }
        Pending.Layer = layer;
    }

    // ---- role ----

    public void Attaching(Surface surface)
    {
        if (!_acked && !Closed)
            _shellResource.PostError(ZwlrLayerShellV1.Error.AlreadyConstructed, $"{Resource} attached a buffer before acking its first configure");
    }

    public bool PreCommit(Surface surface)
    {
        var a = Pending.Anchor;
        if (Pending.Width == 0 && (a & (Anchor.Left | Anchor.Right)) != (Anchor.Left | Anchor.Right))
        {
            Resource.PostError(ZwlrLayerSurfaceV1.Error.InvalidSize, "width 0 needs anchors on the left and right edges");
            return false;
        }
        if (Pending.Height == 0 && (a & (Anchor.Top | Anchor.Bottom)) != (Anchor.Top | Anchor.Bottom))
        {
            Resource.PostError(ZwlrLayerSurfaceV1.Error.InvalidSize, "height 0 needs anchors on the top and bottom edges");
            return false;
        }
        return true;
    }

    public void Committed(Surface surface)
    {
        if (Closed) return;
        var layerChanged = Current.Layer != Pending.Layer;
        var keyboardChanged = Current.Keyboard != Pending.Keyboard;
        Current = Pending;
        if (!surface.HasContent)
        {
            if (IsMapped) Unmap();
            else if (!Ready)
            {
                // The initial commit: arranged, which sends the first configure.
                Output ??= _shell.Server.Shell.Windows.PointerOutput;
                if (Output is null)
                {
                    Close();
                    return;
                }
                Ready = true;
                _shell.Arrange();
            }
            else _shell.Arrange(); // configured, no buffer yet: new anchors or size get a new configure
            return;
        }
        if (!IsMapped)
        {
            IsMapped = true;
            _shell.Arrange();
            _shell.Server.Scene.Raise(this);
            _shell.Server.Seat.Pointer.UpdateFocus();
            _shell.UpdateKeyboard(this, mapped: true);
            return;
        }
        if (layerChanged) _shell.Server.Scene.Raise(this);
        if (keyboardChanged) _shell.UpdateKeyboard(this, mapped: Current.Keyboard != KeyboardInteractivity.None);
        _shell.Arrange();
    }

    /// <summary>The arrangement's place and size for it: moved there, and configured when the size is new.</summary>
    internal void Arranged(int x, int y, int w, int h)
    {
        if ((x, y) != (X, Y))
        {
            if (IsMapped) _shell.Server.Scene.DamageSurfaceTree(Surface);
            (X, Y) = (x, y);
            if (IsMapped)
            {
                _shell.Server.Scene.DamageSurfaceTree(Surface);
                _shell.Server.Scene.UpdateOutputs(Surface);
            }
        }
        if (_configuredSize == (w, h)) return;
        _configuredSize = (w, h);
        var serial = _shell.Server.Display.NextSerial();
        _unacked.Add(serial);
        Resource.SendConfigure(serial, (uint)w, (uint)h);
    }

    /// <summary>Off the screen, back to the state right after creation.</summary>
    internal void Unmap()
    {
        Ready = false;
        _acked = false;
        _configuredSize = null;
        _unacked.Clear();
        if (!IsMapped) return;
        IsMapped = false;
        _shell.Server.Scene.Remove(this);
        _shell.Server.Seat.Pointer.UpdateFocus();
        _shell.UpdateKeyboard(this, mapped: false);
        _shell.Arrange();
    }

    internal void Close()
    {
        if (Closed) return;
        Unmap();
        Closed = true;
        Output = null;
        Resource.SendClosed();
    }

    public override string ToString() => $"{Resource} ({Namespace})";
}
