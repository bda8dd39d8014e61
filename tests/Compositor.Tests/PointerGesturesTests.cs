using Compositor.Tests.Harness;
using Wayland.Protocols.Client;

namespace Compositor.Tests;

/// <summary>zwp_pointer_gestures_v1: the backend's touchpad gestures reach the client with pointer
/// focus when they begin, all of a gesture goes to the objects told it began (wherever the pointer
/// goes), other clients hear nothing, and hold objects exist at version 3. No errors are defined.</summary>
public sealed class PointerGesturesTests : IDisposable
{
    private readonly InProcessCompositor _compositor = new(640, 480);
    public void Dispose() => _compositor.Dispose();

    private sealed class GestureClient
    {
        public GestureClient(InProcessCompositor compositor, uint version = 3)
        {
            Peer = new SeatPeer(compositor);
            var pointer = Peer.Seat.GetPointer();
            var gestures = Peer.Client.Bind<ZwpPointerGesturesV1>("zwp_pointer_gestures_v1", version);
            var swipe = gestures.GetSwipeGesture(pointer);
            swipe.Begin += (_, _, _, s, fingers) => Events.Add($"swipe begin {s?.Id} {fingers}");
            swipe.Update += (_, _, dx, dy) => Events.Add($"swipe update {dx.ToDouble()},{dy.ToDouble()}");
            swipe.End += (_, _, _, cancelled) => Events.Add($"swipe end {cancelled}");
            var pinch = gestures.GetPinchGesture(pointer);
            pinch.Begin += (_, _, _, s, fingers) => Events.Add($"pinch begin {s?.Id} {fingers}");
            pinch.Update += (_, _, dx, dy, scale, rotation) => Events.Add($"pinch update {dx.ToDouble()},{dy.ToDouble()} {scale.ToDouble()} {rotation.ToDouble()}");
            pinch.End += (_, _, _, cancelled) => Events.Add($"pinch end {cancelled}");
            if (version >= 3)
            {
                var hold = gestures.GetHoldGesture(pointer);
                hold.Begin += (_, _, _, s, fingers) => Events.Add($"hold begin {s?.Id} {fingers}");
                hold.End += (_, _, _, cancelled) => Events.Add($"hold end {cancelled}");
            }
            Swipe = swipe;
            Peer.Client.Roundtrip();
        }

        public SeatPeer Peer { get; }
        public ZwpPointerGestureSwipeV1 Swipe { get; }
        public List<string> Events { get; } = [];
    }

    private void MoveTo(double x, double y)
    {
        _compositor.Input.PointerMotionAbsolute(0, _compositor.Backend.Output!, x, y);
        _compositor.Input.PointerFrame();
    }

    [Fact]
    public void SwipePinchAndHoldReachTheClientUnderThePointer()
    {
        var c = new GestureClient(_compositor);
        var window = c.Peer.Window(); // 32,32
        MoveTo(50, 50);
        var input = _compositor.Input;
        input.GestureSwipeBegin(1, 3);
        input.GestureSwipeUpdate(2, 4, -2.5);
        input.GestureSwipeEnd(3, false);
        input.GesturePinchBegin(4, 2);
        input.GesturePinchUpdate(5, 1, 1, 1.5, 10);
        input.GesturePinchEnd(6, true);
        input.GestureHoldBegin(7, 4);
        input.GestureHoldEnd(8, false);
        c.Peer.Client.Roundtrip();
        var id = window.Surface.Id;
        Assert.Equal([
            $"swipe begin {id} 3", "swipe update 4,-2.5", "swipe end 0",
            $"pinch begin {id} 2", "pinch update 1,1 1.5 10", "pinch end 1",
            $"hold begin {id} 4", "hold end 0",
        ], c.Events);
    }

    [Fact]
    public void AGestureStaysWithTheClientItBeganOnAndOthersHearNothing()
    {
        var a = new GestureClient(_compositor);
        a.Peer.Window(); // 32,32 .. 132,112
        var b = new GestureClient(_compositor);
        b.Peer.Window(); // 64,64 .. 164,144, on top
        MoveTo(40, 40); // only a's window
        _compositor.Input.GestureSwipeBegin(1, 3);
        MoveTo(150, 130); // over b's window now
        _compositor.Input.GestureSwipeUpdate(2, 1, 0);
        _compositor.Input.GestureSwipeEnd(3, false);
        a.Peer.Client.Roundtrip();
        b.Peer.Client.Roundtrip();
        Assert.Equal(3, a.Events.Count);
        Assert.Empty(b.Events);

        // Over the background nobody hears a gesture.
        MoveTo(500, 400);
        _compositor.Input.GesturePinchBegin(4, 2);
        _compositor.Input.GesturePinchEnd(5, false);
        a.Peer.Client.Roundtrip();
        b.Peer.Client.Roundtrip();
        Assert.Equal(3, a.Events.Count);
        Assert.Empty(b.Events);
    }

    [Fact]
    public void AnObjectDestroyedMidGestureHearsNoMoreAndABeginWithoutEndIsCancelledByTheNext()
    {
        var c = new GestureClient(_compositor);
        c.Peer.Window();
        MoveTo(50, 50);
        _compositor.Input.GestureSwipeBegin(1, 3);
        c.Peer.Client.Roundtrip();
        c.Swipe.Destroy();
        c.Peer.Client.Roundtrip();
        _compositor.Input.GestureSwipeUpdate(2, 1, 1);
        _compositor.Input.GestureSwipeEnd(3, false);
        Assert.Null(c.Peer.Client.ErrorAfterRoundtrip());
        Assert.Single(c.Events);

        _compositor.Input.GestureHoldBegin(4, 2);
        _compositor.Input.GestureHoldBegin(5, 3); // the backend never ended the first
        _compositor.Input.GestureHoldEnd(6, false);
        c.Peer.Client.Roundtrip();
        Assert.Equal(["hold begin", "hold end 1", "hold begin", "hold end 0"], c.Events.Skip(1).Select(e => e.StartsWith("hold begin") ? "hold begin" : e));
    }

    [Fact]
    public void AVersion1ClientGetsSwipeAndPinchAndReleaseIsVersion2()
    {
        var c = new GestureClient(_compositor, version: 1);
        c.Peer.Window();
        MoveTo(50, 50);
        _compositor.Input.GestureHoldBegin(1, 2);
        _compositor.Input.GestureHoldEnd(2, false);
        _compositor.Input.GestureSwipeBegin(3, 3);
        _compositor.Input.GestureSwipeEnd(4, false);
        c.Peer.Client.Roundtrip();
        Assert.Equal(2, c.Events.Count);

        var other = _compositor.Connect();
        other.Bind<ZwpPointerGesturesV1>("zwp_pointer_gestures_v1", 2).Release();
        Assert.Null(other.ErrorAfterRoundtrip());
    }

    [Fact]
    public void GestureUpdatesWithIdleWatchersAllocateNothing()
    {
        var c = new GestureClient(_compositor);
        c.Peer.Window();
        c.Peer.Client.Bind<ExtIdleNotifierV1>("ext_idle_notifier_v1", 2).GetIdleNotification(60_000, c.Peer.Seat);
        c.Peer.Client.Roundtrip();
        MoveTo(50, 50);
        var input = _compositor.Input;
        input.GestureSwipeBegin(1, 3);
        for (var i = 0; i < 1000; i++) input.GestureSwipeUpdate(2, 1, 1); // warm up (the output buffer grows to hold them)
        c.Peer.Client.Roundtrip();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++) input.GestureSwipeUpdate(3, 0.5, -0.5);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        input.GestureSwipeEnd(4, false);
        c.Peer.Client.Roundtrip();
        Assert.Equal(0, allocated);
        Assert.Equal(2000, c.Events.Count(e => e.StartsWith("swipe update", StringComparison.Ordinal)));
    }
}
