using System.Runtime.InteropServices;

namespace Compositor.Backends.Native;

/// <summary>libinput (libinput.so.10): the udev backend (devices of a seat, plugged in and out), its
/// event queue, and the keyboard and pointer events the DRM backend turns into seat input.</summary>
internal static unsafe partial class LibInput
{
    private const string Lib = "libinput.so.10";

    public const int EventDeviceAdded = 1, EventDeviceRemoved = 2;
    public const int EventKeyboardKey = 300;
    public const int EventPointerMotion = 400, EventPointerMotionAbsolute = 401, EventPointerButton = 402, EventPointerAxis = 403;
    public const int AxisScrollVertical = 0, AxisScrollHorizontal = 1;
    public const int EventTouchDown = 500, EventTouchUp = 501, EventTouchMotion = 502, EventTouchCancel = 503, EventTouchFrame = 504;
    public const int DeviceCapTouch = 2;
    public const int EventGestureSwipeBegin = 800, EventGestureSwipeUpdate = 801, EventGestureSwipeEnd = 802;
    public const int EventGesturePinchBegin = 803, EventGesturePinchUpdate = 804, EventGesturePinchEnd = 805;
    public const int EventGestureHoldBegin = 806, EventGestureHoldEnd = 807;

    /// <summary>struct libinput_interface: how libinput opens and closes device nodes.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Interface
    {
        public delegate* unmanaged<byte*, int, void*, int> OpenRestricted;
        public delegate* unmanaged<int, void*, void> CloseRestricted;
    }

    [LibraryImport(Lib, EntryPoint = "libinput_udev_create_context")]
    public static partial nint UdevCreateContext(Interface* iface, void* userData, nint udev);

    [LibraryImport(Lib, EntryPoint = "libinput_udev_assign_seat", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int UdevAssignSeat(nint libinput, string seat);

    [LibraryImport(Lib, EntryPoint = "libinput_event_get_device")]
    public static partial nint EventGetDevice(nint ev);

    [LibraryImport(Lib, EntryPoint = "libinput_device_get_sysname")]
    public static partial byte* DeviceGetSysname(nint device);

    [LibraryImport(Lib, EntryPoint = "libinput_path_add_device", StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint PathAddDevice(nint libinput, string path);

    [LibraryImport(Lib, EntryPoint = "libinput_unref")]
    public static partial nint Unref(nint libinput);

    [LibraryImport(Lib, EntryPoint = "libinput_suspend")]
    public static partial void Suspend(nint libinput);

    [LibraryImport(Lib, EntryPoint = "libinput_resume")]
    public static partial int Resume(nint libinput);

    [LibraryImport(Lib, EntryPoint = "libinput_get_fd")]
    public static partial int GetFd(nint libinput);

    [LibraryImport(Lib, EntryPoint = "libinput_dispatch")]
    public static partial int Dispatch(nint libinput);

    [LibraryImport(Lib, EntryPoint = "libinput_get_event")]
    public static partial nint GetEvent(nint libinput);

    [LibraryImport(Lib, EntryPoint = "libinput_event_get_type")]
    public static partial int EventGetType(nint ev);

    [LibraryImport(Lib, EntryPoint = "libinput_event_destroy")]
    public static partial void EventDestroy(nint ev);

    [LibraryImport(Lib, EntryPoint = "libinput_device_get_name")]
    public static partial byte* DeviceGetName(nint device);

    [LibraryImport(Lib, EntryPoint = "libinput_event_get_keyboard_event")]
    public static partial nint EventGetKeyboardEvent(nint ev);

    [LibraryImport(Lib, EntryPoint = "libinput_event_keyboard_get_time")]
    public static partial uint KeyboardGetTime(nint kb);

    [LibraryImport(Lib, EntryPoint = "libinput_event_keyboard_get_key")]
    public static partial uint KeyboardGetKey(nint kb);

    [LibraryImport(Lib, EntryPoint = "libinput_event_keyboard_get_key_state")]
    public static partial int KeyboardGetKeyState(nint kb);

    [LibraryImport(Lib, EntryPoint = "libinput_event_get_pointer_event")]
    public static partial nint EventGetPointerEvent(nint ev);

    [LibraryImport(Lib, EntryPoint = "libinput_device_has_capability")]
    public static partial int DeviceHasCapability(nint device, int capability);

    [LibraryImport(Lib, EntryPoint = "libinput_event_get_touch_event")]
    public static partial nint EventGetTouchEvent(nint ev);

    [LibraryImport(Lib, EntryPoint = "libinput_event_touch_get_time")]
    public static partial uint TouchGetTime(nint t);

    [LibraryImport(Lib, EntryPoint = "libinput_event_touch_get_seat_slot")]
    public static partial int TouchGetSeatSlot(nint t);

    [LibraryImport(Lib, EntryPoint = "libinput_event_touch_get_x_transformed")]
    public static partial double TouchGetXTransformed(nint t, uint width);

    [LibraryImport(Lib, EntryPoint = "libinput_event_touch_get_y_transformed")]
    public static partial double TouchGetYTransformed(nint t, uint height);

    [LibraryImport(Lib, EntryPoint = "libinput_event_get_gesture_event")]
    public static partial nint EventGetGestureEvent(nint ev);

    [LibraryImport(Lib, EntryPoint = "libinput_event_gesture_get_time")]
    public static partial uint GestureGetTime(nint g);

    [LibraryImport(Lib, EntryPoint = "libinput_event_gesture_get_finger_count")]
    public static partial int GestureGetFingerCount(nint g);

    [LibraryImport(Lib, EntryPoint = "libinput_event_gesture_get_cancelled")]
    public static partial int GestureGetCancelled(nint g);

    [LibraryImport(Lib, EntryPoint = "libinput_event_gesture_get_dx")]
    public static partial double GestureGetDx(nint g);

    [LibraryImport(Lib, EntryPoint = "libinput_event_gesture_get_dy")]
    public static partial double GestureGetDy(nint g);

    [LibraryImport(Lib, EntryPoint = "libinput_event_gesture_get_scale")]
    public static partial double GestureGetScale(nint g);

    [LibraryImport(Lib, EntryPoint = "libinput_event_gesture_get_angle_delta")]
    public static partial double GestureGetAngleDelta(nint g);

    [LibraryImport(Lib, EntryPoint = "libinput_event_pointer_get_time")]
    public static partial uint PointerGetTime(nint p);

    [LibraryImport(Lib, EntryPoint = "libinput_event_pointer_get_time_usec")]
    public static partial ulong PointerGetTimeUsec(nint p);

    [LibraryImport(Lib, EntryPoint = "libinput_event_pointer_get_dx_unaccelerated")]
    public static partial double PointerGetDxUnaccelerated(nint p);

    [LibraryImport(Lib, EntryPoint = "libinput_event_pointer_get_dy_unaccelerated")]
    public static partial double PointerGetDyUnaccelerated(nint p);

    [LibraryImport(Lib, EntryPoint = "libinput_event_pointer_get_dx")]
    public static partial double PointerGetDx(nint p);

    [LibraryImport(Lib, EntryPoint = "libinput_event_pointer_get_dy")]
    public static partial double PointerGetDy(nint p);

    [LibraryImport(Lib, EntryPoint = "libinput_event_pointer_get_absolute_x_transformed")]
    public static partial double PointerGetAbsoluteXTransformed(nint p, uint width);

    [LibraryImport(Lib, EntryPoint = "libinput_event_pointer_get_absolute_y_transformed")]
    public static partial double PointerGetAbsoluteYTransformed(nint p, uint height);

    [LibraryImport(Lib, EntryPoint = "libinput_event_pointer_get_button")]
    public static partial uint PointerGetButton(nint p);

    [LibraryImport(Lib, EntryPoint = "libinput_event_pointer_get_button_state")]
    public static partial int PointerGetButtonState(nint p);

    [LibraryImport(Lib, EntryPoint = "libinput_event_pointer_has_axis")]
    public static partial int PointerHasAxis(nint p, int axis);

    [LibraryImport(Lib, EntryPoint = "libinput_event_pointer_get_axis_value")]
    public static partial double PointerGetAxisValue(nint p, int axis);

    [LibraryImport(Lib, EntryPoint = "libinput_event_pointer_get_axis_value_discrete")]
    public static partial double PointerGetAxisValueDiscrete(nint p, int axis);
}
