using Compositor.Tests.Harness;
using Wayland.Protocols.Client;

namespace Compositor.Tests;

/// <summary>wl_touch: the seat's touch capability follows the backend's touch devices, a point
/// belongs to the surface it went down on until it is up, events come in frames, and a surface
/// that goes away takes its points with it.</summary>
public sealed class TouchTests : IDisposable
{
    private readonly InProcessCompositor _compositor = new(640, 480);

    public void Dispose() => _compositor.Dispose();

    private (TestClient Client, WlSeat Seat, List<WlSeat.Capability> Capabilities) Connect()
    {
        var client = _compositor.Connect();
        var seat = client.Bind<WlSeat>("wl_seat", 8);
        var capabilities = new List<WlSeat.Capability>();
        seat.Capabilities += (_, c) => capabilities.Add(c);
        client.Roundtrip();
        return (client, seat, capabilities);
    }

    private static WlSurface MapWindow(TestClient client, int width, int height)
    {
        var surface = client.Bind<WlCompositor>("wl_compositor", 6).CreateSurface();
        var window = new TestToplevel(client, surface);
        client.Bind<WpViewporter>("wp_viewporter", 1).GetViewport(surface).SetDestination(width, height);
        window.Show(client.Bind<WpSinglePixelBufferManagerV1>("wp_single_pixel_buffer_manager_v1", 1).CreateU32RgbaBuffer(0, 0, 0, uint.MaxValue));
        return surface;
    }

    [Fact]
    public void ASeatWithoutTouchRefusesGetTouchAndOneWithTouchSaysSo()
    {
        var (client, seat, capabilities) = Connect();
        Assert.Equal([WlSeat.Capability.Pointer | WlSeat.Capability.Keyboard], capabilities);

        _compositor.Input.TouchAvailable(true);
        client.Roundtrip();
        Assert.Equal(WlSeat.Capability.Pointer | WlSeat.Capability.Keyboard | WlSeat.Capability.Touch, capabilities[^1]);
        seat.GetTouch();
        Assert.Null(client.ErrorAfterRoundtrip());

        // Gone again: the capability goes, but a seat that had touch still hands out wl_touch.
        _compositor.Input.TouchAvailable(false);
        client.Roundtrip();
        Assert.Equal(WlSeat.Capability.Pointer | WlSeat.Capability.Keyboard, capabilities[^1]);
        seat.GetTouch();
        Assert.Null(client.ErrorAfterRoundtrip());

        // A seat that never had touch refuses it.
        using var fresh = new InProcessCompositor(640, 480);
        var neverClient = fresh.Connect();
        neverClient.Bind<WlSeat>("wl_seat", 8).GetTouch();
        var error = neverClient.ErrorAfterRoundtrip();
        Assert.Equal(("wl_seat", (uint)WlSeat.Error.MissingCapability), (error?.Interface, error?.Code));
    }

    [Fact]
    public void APointBelongsToItsSurfaceFromDownToUpAndComesInFrames()
    {
        _compositor.Input.TouchAvailable(true);
        var (client, seat, _) = Connect();
        var touch = seat.GetTouch();
        var events = new List<string>();
        touch.Down += (_, _, _, s, id, x, y) => events.Add($"down {id} {x.ToDouble()},{y.ToDouble()}");
        touch.Motion += (_, _, id, x, y) => events.Add($"motion {id} {x.ToDouble()},{y.ToDouble()}");
        touch.Up += (_, _, _, id) => events.Add($"up {id}");
        touch.Frame += _ => events.Add("frame");
        MapWindow(client, 100, 80); // at 32,32
        var output = _compositor.Backend.Output!;

        _compositor.Input.TouchDown(0, 7, output, 42, 52);
        _compositor.Input.TouchFrame();
        // Outside the surface now: still its point, in its coordinates.
        _compositor.Input.TouchMotion(1, 7, output, 200, 20);
        _compositor.Input.TouchFrame();
        _compositor.Input.TouchUp(2, 7);
        _compositor.Input.TouchFrame();
        // Over the background: no surface, no events.
        _compositor.Input.TouchDown(3, 8, output, 500, 400);
        _compositor.Input.TouchFrame();
        client.Roundtrip();
        Assert.Equal(["down 7 10,20", "frame", "motion 7 168,-12", "frame", "up 7", "frame"], events);

        // The device takes the session back in the middle of a frame: one cancel, no frame.
        touch.Cancel += _ => events.Add("cancel");
        events.Clear();
        _compositor.Input.TouchDown(4, 9, output, 50, 50);
        _compositor.Input.TouchCancel();
        _compositor.Input.TouchFrame();
        client.Roundtrip();
        Assert.Equal(["down 9 18,18", "cancel"], events);
        Assert.Equal(0, _compositor.Server.Seat.Touch.PointsDown);
    }

    [Fact]
    public void ASurfaceThatGoesTakesItsPointsWithIt()
    {
        _compositor.Input.TouchAvailable(true);
        var (client, seat, _) = Connect();
        var touch = seat.GetTouch();
        var events = new List<string>();
        touch.Down += (_, _, _, _, id, _, _) => events.Add($"down {id}");
        touch.Motion += (_, _, id, _, _) => events.Add($"motion {id}");
        touch.Up += (_, _, _, id) => events.Add($"up {id}");
        var surface = MapWindow(client, 100, 80);
        var output = _compositor.Backend.Output!;
        _compositor.Input.TouchDown(0, 1, output, 50, 50);
        _compositor.Input.TouchFrame();
        client.Roundtrip();
        surface.Destroy();
        client.Roundtrip();
        _compositor.Input.TouchMotion(1, 1, output, 60, 60);
        _compositor.Input.TouchUp(2, 1);
        _compositor.Input.TouchFrame();
        client.Roundtrip();
        Assert.Equal(["down 1"], events);
        Assert.Equal(0, _compositor.Server.Seat.Touch.PointsDown);
    }
}
