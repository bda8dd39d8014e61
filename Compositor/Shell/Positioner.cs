using Compositor.Backends;
using Wayland.Protocols.Server;
using Anchor = Wayland.Protocols.Server.XdgPositioner.Anchor;
using Gravity = Wayland.Protocols.Server.XdgPositioner.Gravity;
using Adjust = Wayland.Protocols.Server.XdgPositioner.ConstraintAdjustment;

namespace Compositor.Shell;

/// <summary>An xdg_positioner's rules, copied into a popup when it is created or repositioned
/// (later changes to the positioner do not move the popup).</summary>
public readonly record struct PositionerRules(
    int Width, int Height, Rect AnchorRect, Anchor Anchor, Gravity Gravity, Adjust Adjustment,
    int OffsetX, int OffsetY, bool Reactive)
{
    /// <summary>Complete: size and anchor rectangle were set (xdg_wm_base.invalid_positioner otherwise).</summary>
    public bool IsComplete => Width > 0 && Height > 0 && AnchorRect.Width >= 0;

    /// <summary>
    /// Where the popup goes, relative to its parent's window geometry, kept inside
    /// <paramref name="bounds"/> (the output, in the same coordinates) by the adjustments the client
    /// allowed, tried in the protocol's order: flip, then slide, then resize, each axis on its own.
    /// </summary>
    public Rect Place(Rect bounds)
    {
        var box = Unconstrained(Anchor, Gravity);
        if (Fits(box, bounds)) return box;

        var (x, w) = Axis(box.X, box.Width, bounds.X, bounds.Right, horizontal: true, bounds);
        var (y, h) = Axis(box.Y, box.Height, bounds.Y, bounds.Bottom, horizontal: false, bounds);
        return new Rect(x, y, w, h);
    }

    private (int Pos, int Size) Axis(int pos, int size, int min, int max, bool horizontal, Rect bounds)
    {
        if (pos >= min && pos + size <= max) return (pos, size);
        var flip = horizontal ? Adjust.FlipX : Adjust.FlipY;
        var slide = horizontal ? Adjust.SlideX : Adjust.SlideY;
        var resize = horizontal ? Adjust.ResizeX : Adjust.ResizeY;

        if ((Adjustment & flip) != 0)
        {
            var flipped = horizontal
                ? Unconstrained(FlipAnchorX(Anchor), FlipGravityX(Gravity))
                : Unconstrained(FlipAnchorY(Anchor), FlipGravityY(Gravity));
            var (fp, fs) = horizontal ? (flipped.X, flipped.Width) : (flipped.Y, flipped.Height);
            if (fp >= min && fp + fs <= max) return (fp, fs);
        }
        if ((Adjustment & slide) != 0)
        {
            // Slide back in; when wider than the area, keep the start (top or left) visible.
            if (pos + size > max) pos = max - size;
            if (pos < min) pos = min;
            if (pos >= min && pos + size <= max) return (pos, size);
        }
        if ((Adjustment & resize) != 0)
        {
            var start = Math.Max(pos, min);
            var end = Math.Min(pos + size, max);
            if (end > start) return (start, end - start);
        }
        return (pos, size);
    }

    private static bool Fits(Rect box, Rect bounds) =>
        box.X >= bounds.X && box.Y >= bounds.Y && box.Right <= bounds.Right && box.Bottom <= bounds.Bottom;

    private Rect Unconstrained(Anchor anchor, Gravity gravity)
    {
        var a = AnchorRect;
        var ax = anchor switch
        {
            Anchor.Left or Anchor.TopLeft or Anchor.BottomLeft => a.X,
            Anchor.Right or Anchor.TopRight or Anchor.BottomRight => a.X + a.Width,
            _ => a.X + a.Width / 2,
        };
        var ay = anchor switch
        {
            Anchor.Top or Anchor.TopLeft or Anchor.TopRight => a.Y,
            Anchor.Bottom or Anchor.BottomLeft or Anchor.BottomRight => a.Y + a.Height,
            _ => a.Y + a.Height / 2,
        };
        var x = gravity switch
        {
            Gravity.Left or Gravity.TopLeft or Gravity.BottomLeft => ax - Width,
            Gravity.Right or Gravity.TopRight or Gravity.BottomRight => ax,
            _ => ax - Width / 2,
        };
        var y = gravity switch
        {
            Gravity.Top or Gravity.TopLeft or Gravity.TopRight => ay - Height,
            Gravity.Bottom or Gravity.BottomLeft or Gravity.BottomRight => ay,
            _ => ay - Height / 2,
        };
        return new Rect(x + OffsetX, y + OffsetY, Width, Height);
    }

    private static Anchor FlipAnchorX(Anchor a) => a switch
    {
        Anchor.Left => Anchor.Right, Anchor.Right => Anchor.Left,
        Anchor.TopLeft => Anchor.TopRight, Anchor.TopRight => Anchor.TopLeft,
        Anchor.BottomLeft => Anchor.BottomRight, Anchor.BottomRight => Anchor.BottomLeft,
        _ => a,
    };

    private static Anchor FlipAnchorY(Anchor a) => a switch
    {
        Anchor.Top => Anchor.Bottom, Anchor.Bottom => Anchor.Top,
        Anchor.TopLeft => Anchor.BottomLeft, Anchor.BottomLeft => Anchor.TopLeft,
        Anchor.TopRight => Anchor.BottomRight, Anchor.BottomRight => Anchor.TopRight,
        _ => a,
    };

    private static Gravity FlipGravityX(Gravity g) => (Gravity)FlipAnchorX((Anchor)g);
    private static Gravity FlipGravityY(Gravity g) => (Gravity)FlipAnchorY((Anchor)g);
}

/// <summary>xdg_positioner: collects the rules a popup is placed by. Every xdg_positioner request is handled here.</summary>
public sealed class Positioner : IXdgPositionerHandler
{
    private PositionerRules _rules = new(0, 0, new Rect(0, 0, -1, -1), Anchor.None, Gravity.None, Adjust.None, 0, 0, false);

    private Positioner(XdgPositioner resource)
    {
        resource.Handler = this;
        resource.Data = this;
    }

    public PositionerRules Rules => _rules;
    /// <summary>set_parent_size and set_parent_configure: hints for reactive popups, kept for completeness.</summary>
    public (int Width, int Height) ParentSize { get; private set; }
    public uint ParentConfigure { get; private set; }

    public static void Create(XdgPositioner resource) => _ = new Positioner(resource);

    public static Positioner Of(XdgPositioner resource) => (Positioner)resource.Data!;

    public void Destroy(XdgPositioner resource) { }

    public void SetSize(XdgPositioner resource, int width, int height)
    {
        if (width < 1 || height < 1)
        {
            resource.PostError(XdgPositioner.Error.InvalidInput, $"size {width}x{height} must be positive");
            return;
        }
        _rules = _rules with { Width = width, Height = height };
    }

    public void SetAnchorRect(XdgPositioner resource, int x, int y, int width, int height)
    {
        if (width < 0 || height < 0)
        {
            resource.PostError(XdgPositioner.Error.InvalidInput, $"anchor rectangle size {width}x{height} is negative");
            return;
        }
        _rules = _rules with { AnchorRect = new Rect(x, y, width, height) };
    }

    public void SetAnchor(XdgPositioner resource, Anchor anchor)
    {
        if ((uint)anchor > (uint)Anchor.BottomRight)
        {
            resource.PostError(XdgPositioner.Error.InvalidInput, $"anchor {(uint)anchor} is not an xdg_positioner.anchor value");
            return;
        }
        _rules = _rules with { Anchor = anchor };
    }

    public void SetGravity(XdgPositioner resource, Gravity gravity)
    {
        if ((uint)gravity > (uint)Gravity.BottomRight)
        {
            resource.PostError(XdgPositioner.Error.InvalidInput, $"gravity {(uint)gravity} is not an xdg_positioner.gravity value");
            return;
        }
        _rules = _rules with { Gravity = gravity };
    }

    public void SetConstraintAdjustment(XdgPositioner resource, Adjust constraintAdjustment)
    {
        // Unknown bits are ignored, as the protocol allows future adjustments.
        _rules = _rules with { Adjustment = constraintAdjustment & (Adjust)0x3f };
    }

    public void SetOffset(XdgPositioner resource, int x, int y) => _rules = _rules with { OffsetX = x, OffsetY = y };

    public void SetReactive(XdgPositioner resource) => _rules = _rules with { Reactive = true };

    public void SetParentSize(XdgPositioner resource, int parentWidth, int parentHeight) => ParentSize = (parentWidth, parentHeight);

    public void SetParentConfigure(XdgPositioner resource, uint serial) => ParentConfigure = serial;
}
