using Compositor.Tests.Harness;
using Wayland.Protocols.Client;
using Wayland.Wire;
using Lifetime = Wayland.Protocols.Client.ZwpPointerConstraintsV1.Lifetime;

namespace Compositor.Tests;

/// <summary>zwp_relative_pointer_v1 and zwp_pointer_constraints_v1: relative motion reaches the
/// client under the pointer, a lock holds the cursor still while relative motion goes on, a
/// confinement keeps it in its region, and neither starts for a window without the keyboard.</summary>
public sealed class PointerConstraintsTests : IDisposable
{
    private readonly InProcessCompositor _compositor = new(640, 480);

    public void Dispose() => _compositor.Dispose();

    private sealed class Client
    {
        public Client(InProcessCompositor compositor)
        {
            Test = compositor.Connect();
            Compositor = Test.Bind<WlCompositor>("wl_compositor", 6);
            Pointer = Test.Bind<WlSeat>("wl_seat", 8).GetPointer();
            Pointer.Motion += (_, _, x, y) => Motions.Add((x.ToDouble(), y.ToDouble()));
            Relative = Test.Bind<ZwpRelativePointerManagerV1>("zwp_relative_pointer_manager_v1", 1).GetRelativePointer(Pointer);
            Relative.RelativeMotion += (_, _, _, dx, dy, ux, uy) => RelativeMotions.Add((dx.ToDouble(), dy.ToDouble(), ux.ToDouble(), uy.ToDouble()));
            Constraints = Test.Bind<ZwpPointerConstraintsV1>("zwp_pointer_constraints_v1", 1);
        }

        public TestClient Test { get; }
        public WlCompositor Compositor { get; }
        public WlPointer Pointer { get; }
        public ZwpRelativePointerV1 Relative { get; }
        public ZwpPointerConstraintsV1 Constraints { get; }
        public List<(double X, double Y)> Motions { get; } = [];
        public List<(double Dx, double Dy, double Ux, double Uy)> RelativeMotions { get; } = [];

        /// <summary>A 200x100 toplevel, mapped (it cascades to 32,32, then 64,64, ...) and focused.</summary>
        public WlSurface MapWindow()
        {
            var surface = Compositor.CreateSurface();
            var window = new TestToplevel(Test, surface);
            Test.Bind<WpViewporter>("wp_viewporter", 1).GetViewport(surface).SetDestination(200, 100);
            window.Show(Test.Bind<WpSinglePixelBufferManagerV1>("wp_single_pixel_buffer_manager_v1", 1).CreateU32RgbaBuffer(0, 0, 0, uint.MaxValue));
            return surface;
        }
    }

    private void MoveTo(double x, double y)
    {
        _compositor.Input.PointerMotionAbsolute(0, _compositor.Backend.Output!, x, y);
        _compositor.Input.PointerFrame();
    }

    private void MoveBy(double dx, double dy)
    {
        _compositor.Input.PointerMotionRelative(5_000_123, dx, dy, dx / 2, dy / 2);
        _compositor.Input.PointerFrame();
    }

    private Seat.Pointer Pointer => _compositor.Server.Seat.Pointer;

    [Fact]
    public void RelativeMotionReachesTheClientUnderThePointerWithBothDeltas()
    {
        var a = new Client(_compositor);
        a.MapWindow();
        var b = new Client(_compositor);
        MoveTo(100, 100);
        MoveBy(3, -2);
        a.Test.Roundtrip();
        b.Test.Roundtrip();
        Assert.Equal([(3.0, -2.0, 1.5, -1.0)], a.RelativeMotions);
        Assert.Empty(b.RelativeMotions);
        Assert.Equal((103.0, 98.0), (Pointer.X, Pointer.Y));
    }

    [Fact]
    public void ALockHoldsTheCursorStillAndRelativeMotionGoesOn()
    {
        var c = new Client(_compositor);
        var surface = c.MapWindow();
        MoveTo(100, 100); // 68,68 in the window at 32,32
        var locked = c.Constraints.LockPointer(surface, c.Pointer, null, Lifetime.Persistent);
        var events = new List<string>();
        locked.Locked += _ => events.Add("locked");
        locked.Unlocked += _ => events.Add("unlocked");
        c.Test.Roundtrip();
        Assert.Equal(["locked"], events);

        c.Motions.Clear();
        MoveBy(40, 10);
        MoveTo(300, 300); // absolute motion is held too
        c.Test.Roundtrip();
        Assert.Equal((100.0, 100.0), (Pointer.X, Pointer.Y));
        Assert.Empty(c.Motions);
        Assert.Equal([(40.0, 10.0, 20.0, 5.0)], c.RelativeMotions);

        // Unlocked by the client: the cursor goes to the hint it set (surface-local), applied at commit.
        locked.SetCursorPositionHint(Fixed.FromDouble(150), Fixed.FromDouble(20));
        surface.Commit();
        locked.Destroy();
        c.Test.Roundtrip();
        Assert.Equal((182.0, 52.0), (Pointer.X, Pointer.Y));
        MoveBy(1, 1);
        c.Test.Roundtrip();
        Assert.Equal((183.0, 53.0), (Pointer.X, Pointer.Y));
        Assert.Equal((151.0, 21.0), c.Motions[^1]);
    }

    [Fact]
    public void AConfinementKeepsTheCursorInsideItsRegion()
    {
        var c = new Client(_compositor);
        var surface = c.MapWindow();
        var region = c.Compositor.CreateRegion();
        region.Add(10, 10, 50, 40); // layout 42..92 x 42..82
        var confined = c.Constraints.ConfinePointer(surface, c.Pointer, region, Lifetime.Persistent);
        var events = new List<string>();
        confined.Confined += _ => events.Add("confined");
        confined.Unconfined += _ => events.Add("unconfined");
        MoveTo(36, 36); // in the window, outside the region: not yet
        c.Test.Roundtrip();
        Assert.Empty(events);
        MoveTo(50, 50);
        c.Test.Roundtrip();
        Assert.Equal(["confined"], events);

        MoveBy(100, 5); // slides along the right edge
        Assert.Equal(92 - 1.0 / 256, Pointer.X, 6);
        Assert.Equal(55.0, Pointer.Y);
        MoveBy(-200, -200);
        Assert.Equal((42.0, 42.0), (Pointer.X, Pointer.Y));
        MoveTo(500, 400); // absolute motion stays inside too
        Assert.Equal((92 - 1.0 / 256, 82 - 1.0 / 256), (Pointer.X, Pointer.Y));

        // A new region applies at commit.
        var bigger = c.Compositor.CreateRegion();
        bigger.Add(0, 0, 200, 100);
        confined.SetRegion(bigger);
        MoveBy(50, 0);
        Assert.Equal(92 - 1.0 / 256, Pointer.X, 6);
        surface.Commit();
        c.Test.Roundtrip();
        MoveBy(50, 0);
        Assert.Equal(142 - 1.0 / 256, Pointer.X, 6);
    }

    [Fact]
    public void AWindowWithoutTheKeyboardCannotTakeThePointerAndOneshotEndsForGood()
    {
        var a = new Client(_compositor);
        var surfaceA = a.MapWindow(); // 32,32 .. 232,132
        var b = new Client(_compositor);
        var surfaceB = b.MapWindow(); // 64,64 .. 264,164, focused
        MoveTo(40, 40); // over a only
        var locked = a.Constraints.LockPointer(surfaceA, a.Pointer, null, Lifetime.Oneshot);
        var events = new List<string>();
        locked.Locked += _ => events.Add("locked");
        locked.Unlocked += _ => events.Add("unlocked");
        a.Test.Roundtrip();
        Assert.Empty(events); // b has the keyboard

        _compositor.Click(40, 40); // a takes the keyboard
        a.Test.Roundtrip();
        Assert.Equal(["locked"], events);

        // The keyboard goes to b: the lock ends, and a oneshot lock never comes back.
        _compositor.Server.Shell.Windows.CycleFocus();
        a.Test.Roundtrip();
        Assert.Equal(["locked", "unlocked"], events);
        _compositor.Click(40, 40);
        a.Test.Roundtrip();
        Assert.Equal(["locked", "unlocked"], events);
        Assert.Null(_compositor.Server.Seat.Pointer.Constraints!.Active);
        GC.KeepAlive(surfaceB);
    }

    [Fact]
    public void APersistentLockComesBackWithTheKeyboardAndEndsWhenItsWindowGoes()
    {
        var c = new Client(_compositor);
        var surface = c.MapWindow();
        var other = new Client(_compositor);
        other.MapWindow();
        _compositor.Click(40, 40);
        var locked = c.Constraints.LockPointer(surface, c.Pointer, null, Lifetime.Persistent);
        var events = new List<string>();
        locked.Locked += _ => events.Add("locked");
        locked.Unlocked += _ => events.Add("unlocked");
        c.Test.Roundtrip();
        _compositor.Server.Shell.Windows.CycleFocus();
        c.Test.Roundtrip();
        _compositor.Server.Shell.Windows.CycleFocus();
        c.Test.Roundtrip();
        Assert.Equal(["locked", "unlocked", "locked"], events);

        // Unmapped: the pointer is no longer over it.
        surface.Attach(null, 0, 0);
        surface.Commit();
        c.Test.Roundtrip();
        Assert.Equal(["locked", "unlocked", "locked", "unlocked"], events);
        Assert.Null(_compositor.Server.Seat.Pointer.Constraints!.Active);
        MoveBy(5, 5);
        Assert.Equal((45.0, 45.0), (Pointer.X, Pointer.Y));
    }

    [Fact]
    public void ASecondConstraintOnASurfaceIsAnError()
    {
        var c = new Client(_compositor);
        var surface = c.MapWindow();
        c.Constraints.ConfinePointer(surface, c.Pointer, null, Lifetime.Persistent);
        c.Constraints.LockPointer(surface, c.Pointer, null, Lifetime.Oneshot);
        var error = c.Test.ErrorAfterRoundtrip();
        Assert.Equal(("zwp_pointer_constraints_v1", (uint)ZwpPointerConstraintsV1.Error.AlreadyConstrained), (error?.Interface, error?.Code));

        // Another client is unhurt and may constrain its own surface.
        var d = new Client(_compositor);
        var its = d.MapWindow();
        d.Constraints.LockPointer(its, d.Pointer, null, Lifetime.Oneshot);
        Assert.Null(d.Test.ErrorAfterRoundtrip());
    }

    [Fact]
    public void AnUnknownLifetimeIsAnError()
    {
        var c = new Client(_compositor);
        var surface = c.MapWindow();
        c.Constraints.LockPointer(surface, c.Pointer, null, (Lifetime)7);
        var error = c.Test.ErrorAfterRoundtrip();
        Assert.Equal(("wl_display", 1u), (error?.Interface, error?.Code)); // invalid_method
    }
}
