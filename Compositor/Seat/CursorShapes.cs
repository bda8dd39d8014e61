using Wayland.Protocols.Server;
using Shape = Wayland.Protocols.Server.WpCursorShapeDeviceV1.Shape;

namespace Compositor.Seat;

/// <summary>
/// wp_cursor_shape_manager_v1 and wp_cursor_shape_device_v1: a client names a cursor shape and the
/// compositor draws it from its theme (<see cref="CursorTheme"/>), instead of every client loading
/// cursor themes itself. set_shape follows set_cursor's rules (the focused client, answering its
/// latest enter; anything else is ignored). Every request of both interfaces is handled here.
/// </summary>
public sealed class CursorShapes : IWpCursorShapeManagerV1Handler
{
    public const uint Version = 2;

    /// <summary>The shapes' names as CSS and XCursor themes spell them, by enum value (0 is no shape).</summary>
    private static readonly string[] Names =
    [
        "", "default", "context-menu", "help", "pointer", "progress", "wait", "cell", "crosshair", "text", "vertical-text",
        "alias", "copy", "move", "no-drop", "not-allowed", "grab", "grabbing", "e-resize", "n-resize", "ne-resize",
        "nw-resize", "s-resize", "se-resize", "sw-resize", "w-resize", "ew-resize", "ns-resize", "nesw-resize", "nwse-resize",
        "col-resize", "row-resize", "all-scroll", "zoom-in", "zoom-out", "dnd-ask", "all-resize",
    ];

    /// <summary>The last shape of each protocol version.</summary>
    private static uint LastShape(uint version) => version >= 2 ? (uint)Shape.AllResize : (uint)Shape.ZoomOut;

    private readonly Pointer _pointer;

    public CursorShapes(Wayland.Server.Display display, Pointer pointer)
    {
        _pointer = pointer;
        display.CreateGlobal<WpCursorShapeManagerV1>(Version, r => r.Handler = this);
    }

    public void Destroy(WpCursorShapeManagerV1 resource) { }

    public void GetPointer(WpCursorShapeManagerV1 resource, WpCursorShapeDeviceV1 id, WlPointer pointer) => id.Handler = new Device(_pointer);

    /// <summary>No tablet is offered, so no tablet tool exists to name; the device is inert.</summary>
    public void GetTabletToolV2(WpCursorShapeManagerV1 resource, WpCursorShapeDeviceV1 id, ZwpTabletToolV2 tabletTool) => id.Handler = new Device(null);

    private sealed class Device(Pointer? pointer) : IWpCursorShapeDeviceV1Handler
    {
        public void Destroy(WpCursorShapeDeviceV1 resource) { }

        public void SetShape(WpCursorShapeDeviceV1 resource, uint serial, Shape shape)
        {
            if ((uint)shape == 0 || (uint)shape > LastShape(resource.Version))
            {
                resource.PostError(WpCursorShapeDeviceV1.Error.InvalidShape, $"{(uint)shape} is not a shape of wp_cursor_shape_device_v1 version {resource.Version}");
                return;
            }
            pointer?.SetShape(resource.Client, serial, Names[(int)shape]);
        }
    }
}
