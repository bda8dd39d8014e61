using Compositor.Backends;
using Compositor.Scene;
using Compositor.Surfaces;
using Wayland.Protocols.Server;
using Anchor = Wayland.Protocols.Server.ZwlrLayerSurfaceV1.Anchor;

namespace Compositor.LayerShell;

/// <summary>
/// zwlr_layer_shell_v1: wallpapers, panels, docks, launchers and notifications as surfaces in layers
/// below and above the windows, placed by anchors and margins on one output. Panels' exclusive zones
/// shrink the output's usable area (<see cref="SceneOutput.UsableArea"/>), where maximized windows
/// go and new ones open. The shell's requests are handled here, the layer surface's in
/// <see cref="LayerSurface"/>; <see cref="Arrange"/> places them all.
/// </summary>
public sealed class LayerShell : IZwlrLayerShellV1Handler
{
    public const uint Version = 4;

    private readonly CompositorServer _server;
    /// <summary>Every layer surface, in creation order (the order they claim exclusive zones).</summary>
    private readonly List<LayerSurface> _surfaces = [];

    public LayerShell(CompositorServer server)
    {
        _server = server;
        server.Display.CreateGlobal<ZwlrLayerShellV1>(Version, r => r.Handler = this);
        server.Seat.PointerPressed += OnPointerPressed;
        server.Shell.Windows.KeyboardHeldElsewhere = () => ExclusiveKeyboard is not null;
    }

    internal CompositorServer Server => _server;

    /// <summary>The mapped layer surface on the top or overlay layer that takes the keyboard
    /// exclusively, topmost first; windows cannot take it back while it is there.</summary>
    public LayerSurface? ExclusiveKeyboard
    {
        get
        {
            LayerSurface? best = null;
            foreach (var l in _surfaces)
                if (l.IsMapped && l.Current.Keyboard == ZwlrLayerSurfaceV1.KeyboardInteractivity.Exclusive
                    && l.Layer >= SceneLayer.Top && (best is null || l.Layer >= best.Layer))
                    best = l;
            return best;
        }
    }

    public void Destroy(ZwlrLayerShellV1 resource) { }

    public void GetLayerSurface(ZwlrLayerShellV1 resource, ZwlrLayerSurfaceV1 id, WlSurface surface, WlOutput? output, ZwlrLayerShellV1.Layer layer, string @namespace)
    {
        var s = (Surface)surface.Data!;
        var layerSurface = new LayerSurface(this, resource, id, s, output?.Data as SceneOutput, @namespace);
        id.Handler = layerSurface;
        if ((uint)layer > (uint)ZwlrLayerShellV1.Layer.Overlay)
        {
            resource.PostError(ZwlrLayerShellV1.Error.InvalidLayer, $"{(uint)layer} is not a layer");
            return;
        }
        if (s.HasContent || s.Pending.Buffer is not null)
        {
            resource.PostError(ZwlrLayerShellV1.Error.AlreadyConstructed, $"{surface} already has a buffer");
            return;
        }
        if (!s.TrySetRole(layerSurface, resource, (uint)ZwlrLayerShellV1.Error.Role)) return;
        layerSurface.Pending.Layer = layerSurface.Current.Layer = layer;
        _surfaces.Add(layerSurface);
        id.Destroyed += _ => Forget(layerSurface);
    }

    private void Forget(LayerSurface l)
    {
        l.Unmap();
        _surfaces.Remove(l);
        l.Surface.ClearRole(l);
        Arrange();
    }

    /// <summary>An output went away: its layer surfaces are closed (the protocol's closed event).</summary>
    internal void OutputRemoved(SceneOutput output)
    {
        foreach (var l in _surfaces)
            if (l.Output == output) l.Close();
        Arrange();
    }

    /// <summary>Places every layer surface on its output and recomputes each output's usable area;
    /// surfaces whose size changed are configured, windows that fill the usable area follow it.</summary>
    public void Arrange()
    {
        foreach (var output in _server.Scene.Outputs)
        {
            var full = output.Bounds;
            var usable = full;
            // Exclusive zones first, top layers before bottom ones, so panels claim their edges before
            // anything is placed against them.
            for (var pass = 0; pass < 2; pass++)
                for (var layer = SceneLayer.Overlay; layer >= SceneLayer.Background; layer--)
                    foreach (var l in _surfaces)
                    {
                        if (l.Output != output || l.Closed || !l.Ready || l.Layer != layer) continue;
                        if ((pass == 0) != (l.Current.ExclusiveZone > 0)) continue;
                        Place(l, l.Current.ExclusiveZone == -1 ? full : usable, ref usable);
                    }
            if (output.UsableArea != usable)
            {
                output.UsableArea = usable;
                _server.Shell.Windows.OutputResized(output);
            }
        }
    }

    private static void Place(LayerSurface l, Rect bounds, ref Rect usable)
    {
        var st = l.Current;
        var a = st.Anchor;
        bool left = (a & Anchor.Left) != 0, right = (a & Anchor.Right) != 0, top = (a & Anchor.Top) != 0, bottom = (a & Anchor.Bottom) != 0;
        var w = st.Width != 0 ? (int)Math.Min(st.Width, int.MaxValue) : Math.Max(0, bounds.Width - st.MarginLeft - st.MarginRight);
        var h = st.Height != 0 ? (int)Math.Min(st.Height, int.MaxValue) : Math.Max(0, bounds.Height - st.MarginTop - st.MarginBottom);
        var x = left && !right ? bounds.X + st.MarginLeft
            : right && !left ? bounds.Right - st.MarginRight - w
            : left && right ? bounds.X + st.MarginLeft + (bounds.Width - st.MarginLeft - st.MarginRight - w) / 2
            : bounds.X + (bounds.Width - w) / 2;
        var y = top && !bottom ? bounds.Y + st.MarginTop
            : bottom && !top ? bounds.Bottom - st.MarginBottom - h
            : top && bottom ? bounds.Y + st.MarginTop + (bounds.Height - st.MarginTop - st.MarginBottom - h) / 2
            : bounds.Y + (bounds.Height - h) / 2;
        l.Arranged(x, y, w, h);

        // A positive zone counts only on one edge, or on an edge and both its neighbours (a panel).
        var zone = st.ExclusiveZone;
        if (zone <= 0) return;
        if (top && !bottom && (left == right)) Cut(ref usable, top: zone + st.MarginTop);
        else if (bottom && !top && (left == right)) Cut(ref usable, bottom: zone + st.MarginBottom);
        else if (left && !right && (top == bottom)) Cut(ref usable, left: zone + st.MarginLeft);
        else if (right && !left && (top == bottom)) Cut(ref usable, right: zone + st.MarginRight);
    }

    private static void Cut(ref Rect r, int top = 0, int bottom = 0, int left = 0, int right = 0)
    {
        top = Math.Min(top, r.Height);
        bottom = Math.Min(bottom, r.Height - top);
        left = Math.Min(left, r.Width);
        right = Math.Min(right, r.Width - left);
        r = new Rect(r.X + left, r.Y + top, r.Width - left - right, r.Height - top - bottom);
    }

    /// <summary>A click on a layer surface that accepts the keyboard gives it the keyboard.</summary>
    private void OnPointerPressed(IPlacedRole? root, Surface? surface, uint button)
    {
        if (root is not LayerSurface l || l.Current.Keyboard == ZwlrLayerSurfaceV1.KeyboardInteractivity.None) return;
        _server.Seat.Keyboard.SetFocus(l.Surface);
    }

    /// <summary>Keyboard focus after a layer surface mapped or unmapped: an exclusive one takes it;
    /// when none is left, the focused window gets it back.</summary>
    internal void UpdateKeyboard(LayerSurface changed, bool mapped)
    {
        var keyboard = _server.Seat.Keyboard;
        if (ExclusiveKeyboard is { } exclusive)
        {
            if (keyboard.Focus != exclusive.Surface) keyboard.SetFocus(exclusive.Surface);
            return;
        }
        // An on-demand surface above the windows (a launcher, a search bar) starts with the keyboard,
        // as a new window does; a click elsewhere takes it away.
        if (mapped && changed.IsMapped && changed.Layer >= SceneLayer.Top
            && changed.Current.Keyboard == ZwlrLayerSurfaceV1.KeyboardInteractivity.OnDemand)
        {
            keyboard.SetFocus(changed.Surface);
            return;
        }
        if (!mapped && keyboard.Focus == changed.Surface)
            keyboard.SetFocus(_server.Shell.Windows.Focused?.Surface);
    }
}
