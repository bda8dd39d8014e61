using Wayland.Protocols.Server;
using Wayland.Server;
using Wayland.Wire;

namespace Compositor.PointerGestures;

/// <summary>
/// zwp_pointer_gestures_v1 (v3) and its swipe, pinch and hold objects: touchpad gestures as libinput
/// recognises them, delivered to the client with pointer focus when the gesture begins. Like an
/// implicit grab, the rest of a gesture (updates and its end) goes to the objects that were told it
/// began, wherever the pointer moves meanwhile. Dispatch walks preallocated lists: no allocation per
/// event. The protocol defines no errors. Requests of all four interfaces are handled here.
/// </summary>
public sealed class PointerGestures : IZwpPointerGesturesV1Handler
{
    public const uint Version = 3;

    private readonly Seat.Pointer _pointer;
    private readonly Display _display;
    private readonly List<ZwpPointerGestureSwipeV1> _swipes = [], _swipeRecipients = [];
    private readonly List<ZwpPointerGesturePinchV1> _pinches = [], _pinchRecipients = [];
    private readonly List<ZwpPointerGestureHoldV1> _holds = [], _holdRecipients = [];
    private bool _swiping, _pinching, _holding;

    public PointerGestures(Display display, Seat.Pointer pointer)
    {
        _display = display;
        _pointer = pointer;
        display.CreateGlobal<ZwpPointerGesturesV1>(Version, r => r.Handler = this);
    }

    public void GetSwipeGesture(ZwpPointerGesturesV1 resource, ZwpPointerGestureSwipeV1 id, WlPointer pointer)
    {
        id.Handler = Inert.Instance;
        Track(id, _swipes, _swipeRecipients);
    }

    public void GetPinchGesture(ZwpPointerGesturesV1 resource, ZwpPointerGesturePinchV1 id, WlPointer pointer)
    {
        id.Handler = Inert.Instance;
        Track(id, _pinches, _pinchRecipients);
    }

    public void GetHoldGesture(ZwpPointerGesturesV1 resource, ZwpPointerGestureHoldV1 id, WlPointer pointer)
    {
        id.Handler = Inert.Instance;
        Track(id, _holds, _holdRecipients);
    }

    public void Release(ZwpPointerGesturesV1 resource) { }

    private static void Track<T>(T resource, List<T> all, List<T> recipients) where T : Resource
    {
        all.Add(resource);
        resource.Destroyed += r =>
        {
            all.Remove((T)r);
            recipients.Remove((T)r);
        };
    }

    /// <summary>Fills <paramref name="recipients"/> with the objects of the client under the pointer.</summary>
    private Surfaces.Surface? BeginFor<T>(List<T> all, List<T> recipients) where T : Resource
    {
        recipients.Clear();
        var focus = _pointer.Focus;
        if (focus is null || focus.IsDestroyed) return null;
        foreach (var r in all)
            if (r.Client == focus.Resource.Client) recipients.Add(r);
        return recipients.Count > 0 ? focus : null;
    }

    // ---- from the seat (the backend's gestures) ----

    public void SwipeBegin(uint timeMs, uint fingers)
    {
        if (_swiping) SwipeEnd(timeMs, cancelled: true);
        _swiping = true;
        if (BeginFor(_swipes, _swipeRecipients) is not { } focus) return;
        var serial = _display.NextSerial();
        foreach (var r in _swipeRecipients) r.SendBegin(serial, timeMs, focus.Resource, fingers);
    }

    public void SwipeUpdate(uint timeMs, double dx, double dy)
    {
        if (!_swiping) return;
        foreach (var r in _swipeRecipients) r.SendUpdate(timeMs, Fixed.FromDouble(dx), Fixed.FromDouble(dy));
    }

    public void SwipeEnd(uint timeMs, bool cancelled)
    {
        if (!_swiping) return;
        _swiping = false;
        if (_swipeRecipients.Count == 0) return;
        var serial = _display.NextSerial();
        foreach (var r in _swipeRecipients) r.SendEnd(serial, timeMs, cancelled ? 1 : 0);
        _swipeRecipients.Clear();
    }

    public void PinchBegin(uint timeMs, uint fingers)
    {
        if (_pinching) PinchEnd(timeMs, cancelled: true);
        _pinching = true;
        if (BeginFor(_pinches, _pinchRecipients) is not { } focus) return;
        var serial = _display.NextSerial();
        foreach (var r in _pinchRecipients) r.SendBegin(serial, timeMs, focus.Resource, fingers);
    }

    public void PinchUpdate(uint timeMs, double dx, double dy, double scale, double rotation)
    {
        if (!_pinching) return;
        foreach (var r in _pinchRecipients)
            r.SendUpdate(timeMs, Fixed.FromDouble(dx), Fixed.FromDouble(dy), Fixed.FromDouble(scale), Fixed.FromDouble(rotation));
    }

    public void PinchEnd(uint timeMs, bool cancelled)
    {
        if (!_pinching) return;
        _pinching = false;
        if (_pinchRecipients.Count == 0) return;
        var serial = _display.NextSerial();
        foreach (var r in _pinchRecipients) r.SendEnd(serial, timeMs, cancelled ? 1 : 0);
        _pinchRecipients.Clear();
    }

    public void HoldBegin(uint timeMs, uint fingers)
    {
        if (_holding) HoldEnd(timeMs, cancelled: true);
        _holding = true;
        if (BeginFor(_holds, _holdRecipients) is not { } focus) return;
        var serial = _display.NextSerial();
        foreach (var r in _holdRecipients) r.SendBegin(serial, timeMs, focus.Resource, fingers);
    }

    public void HoldEnd(uint timeMs, bool cancelled)
    {
        if (!_holding) return;
        _holding = false;
        if (_holdRecipients.Count == 0) return;
        var serial = _display.NextSerial();
        foreach (var r in _holdRecipients) r.SendEnd(serial, timeMs, cancelled ? 1 : 0);
        _holdRecipients.Clear();
    }

    /// <summary>The gesture objects' only request is destroy.</summary>
    private sealed class Inert : IZwpPointerGestureSwipeV1Handler, IZwpPointerGesturePinchV1Handler, IZwpPointerGestureHoldV1Handler
    {
        public static readonly Inert Instance = new();
        public void Destroy(ZwpPointerGestureSwipeV1 resource) { }
        public void Destroy(ZwpPointerGesturePinchV1 resource) { }
        public void Destroy(ZwpPointerGestureHoldV1 resource) { }
    }
}
