using System.Runtime.InteropServices;
using Serilog;
using Wayland.Events;
using static Compositor.Backends.Native.LibInput;

namespace Compositor.Backends.Drm;

/// <summary>
/// Keyboards and pointers through libinput's udev backend: every input device of seat0, those
/// plugged in later included (libinput reports them added and removed), read in the compositor's
/// event loop and handed to the seat. Devices are opened with open(2), or through the session's
/// seat (libseat) when the compositor runs as an ordinary user.
/// </summary>
internal sealed unsafe class LibinputInput : IDisposable
{
    private readonly IInputSink _sink;
    private readonly Func<IOutput?> _pointerOutput;
    private readonly ILogger _log;
    private readonly IDeviceOpener? _opener;
    private readonly FdSource _source;
    private readonly List<string> _devices = [];
    private Interface* _interface;
    private nint _libinput, _udev;
    private GCHandle _self;
    private bool _started;

    /// <param name="seat">The seat whose devices to take (libseat's, else seat0).</param>
    public LibinputInput(EventLoop loop, IInputSink sink, Func<IOutput?> pointerOutput, ILogger log, IDeviceOpener? opener = null, string seat = "seat0")
    {
        _sink = sink;
        _pointerOutput = pointerOutput;
        _log = log;
        _opener = opener;
        _udev = Native.LibUdev.New();
        if (_udev == 0) throw new InvalidOperationException("udev_new failed");
        // libinput keeps the pointer to its interface for the context's whole life.
        _interface = (Interface*)NativeMemory.Alloc((nuint)sizeof(Interface));
        _interface->OpenRestricted = &OpenRestricted;
        _interface->CloseRestricted = &CloseRestricted;
        _self = GCHandle.Alloc(this);
        _libinput = UdevCreateContext(_interface, (void*)GCHandle.ToIntPtr(_self), _udev);
        if (_libinput == 0 || UdevAssignSeat(_libinput, seat) != 0)
        {
            Dispose();
            throw new InvalidOperationException($"libinput could not take {seat}'s devices from udev");
        }
        _source = loop.AddFd(GetFd(_libinput), FdEvents.Readable, (_, _) => ReadEvents());
        ReadEvents();
        _started = true;
        log.Information("Input: {Count} devices through libinput{List}", _devices.Count, _devices.Count > 0 ? ": " + string.Join(", ", _devices) : "");
    }

    /// <summary>The input devices libinput has now, "name (sysname)".</summary>
    public IReadOnlyList<string> Devices => _devices;

    /// <summary>Closes the devices while another console has them.</summary>
    public void Suspend()
    {
        Native.LibInput.Suspend(_libinput);
    }

    public void Resume()
    {
        if (Native.LibInput.Resume(_libinput) != 0) return;
        ReadEvents();
    }

    [UnmanagedCallersOnly]
    private static int OpenRestricted(byte* path, int flags, void* userData)
    {
        try
        {
            var self = (LibinputInput)GCHandle.FromIntPtr((nint)userData).Target!;
            if (self._opener is { } opener)
            {
                var fd = opener.OpenDevice(Marshal.PtrToStringUTF8((nint)path)!, out var whyNot);
                if (fd < 0) self._log.Debug("{Why}", whyNot);
                return fd >= 0 ? fd : -1; // EPERM
            }
            var opened = Tmds.Linux.LibC.open(path, flags | Tmds.Linux.LibC.O_CLOEXEC);
            return opened >= 0 ? opened : -Marshal.GetLastSystemError();
        }
        catch (Exception)
        {
            return -5; // EIO: nothing may cross back into libinput's C frames
        }
    }

    [UnmanagedCallersOnly]
    private static void CloseRestricted(int fd, void* userData)
    {
        try
        {
            var self = (LibinputInput)GCHandle.FromIntPtr((nint)userData).Target!;
            if (self._opener is { } opener) opener.CloseDevice(fd);
            else Tmds.Linux.LibC.close(fd);
        }
        catch (Exception)
        {
            Tmds.Linux.LibC.close(fd);
        }
    }

    private int _touchDevices;

    private void ReadEvents()
    {
        Dispatch(_libinput);
        nint ev;
        while ((ev = GetEvent(_libinput)) != 0)
        {
            Handle(ev);
            EventDestroy(ev);
        }
    }

    private void Handle(nint ev)
    {
        switch (EventGetType(ev))
        {
            case EventDeviceAdded or EventDeviceRemoved:
            {
                var device = EventGetDevice(ev);
                var name = $"{Marshal.PtrToStringUTF8((nint)DeviceGetName(device))} ({Marshal.PtrToStringUTF8((nint)DeviceGetSysname(device))})";
                if (EventGetType(ev) == EventDeviceAdded) _devices.Add(name); else _devices.Remove(name);
                if (DeviceHasCapability(device, DeviceCapTouch) != 0)
                {
                    _touchDevices += EventGetType(ev) == EventDeviceAdded ? 1 : -1;
                    _sink.TouchAvailable(_touchDevices > 0);
                }
                // At start the list is logged once; later, each device as it comes or goes.
                if (_started) _log.Information("Input device {Change}: {Device}", EventGetType(ev) == EventDeviceAdded ? "added" : "removed", name);
                break;
            }
            case EventKeyboardKey:
            {
                var kb = EventGetKeyboardEvent(ev);
                _sink.KeyboardKey(KeyboardGetTime(kb), KeyboardGetKey(kb), KeyboardGetKeyState(kb) == 1);
                break;
            }
            case EventPointerMotion:
            {
                var p = EventGetPointerEvent(ev);
                _sink.PointerMotionRelative(PointerGetTimeUsec(p), PointerGetDx(p), PointerGetDy(p),
                    PointerGetDxUnaccelerated(p), PointerGetDyUnaccelerated(p));
                _sink.PointerFrame();
                break;
            }
            case EventPointerMotionAbsolute when _pointerOutput() is { } output:
            {
                var p = EventGetPointerEvent(ev);
                _sink.PointerMotionAbsolute(PointerGetTime(p), output,
                    PointerGetAbsoluteXTransformed(p, (uint)output.Width), PointerGetAbsoluteYTransformed(p, (uint)output.Height));
                _sink.PointerFrame();
                break;
            }
            case EventPointerButton:
            {
                var p = EventGetPointerEvent(ev);
                _sink.PointerButton(PointerGetTime(p), PointerGetButton(p), PointerGetButtonState(p) == 1);
                _sink.PointerFrame();
                break;
            }
            // Touch screens: libinput's seat slot is the point's id; positions map onto the output
            // absolute pointers map to.
            case EventTouchDown or EventTouchMotion when _pointerOutput() is { } output:
            {
                var t = EventGetTouchEvent(ev);
                var (x, y) = (TouchGetXTransformed(t, (uint)output.Width), TouchGetYTransformed(t, (uint)output.Height));
                if (EventGetType(ev) == EventTouchDown) _sink.TouchDown(TouchGetTime(t), TouchGetSeatSlot(t), output, x, y);
                else _sink.TouchMotion(TouchGetTime(t), TouchGetSeatSlot(t), output, x, y);
                break;
            }
            case EventTouchUp:
            {
                var t = EventGetTouchEvent(ev);
                _sink.TouchUp(TouchGetTime(t), TouchGetSeatSlot(t));
                break;
            }
            case EventTouchFrame:
                _sink.TouchFrame();
                break;
            case EventTouchCancel:
                _sink.TouchCancel();
                break;
            // Touchpad gestures: libinput recognised them; the seat hands them to the client under the pointer.
            case >= EventGestureSwipeBegin and <= EventGestureHoldEnd:
            {
                var g = EventGetGestureEvent(ev);
                var time = GestureGetTime(g);
                switch (EventGetType(ev))
                {
                    case EventGestureSwipeBegin: _sink.GestureSwipeBegin(time, (uint)GestureGetFingerCount(g)); break;
                    case EventGestureSwipeUpdate: _sink.GestureSwipeUpdate(time, GestureGetDx(g), GestureGetDy(g)); break;
                    case EventGestureSwipeEnd: _sink.GestureSwipeEnd(time, GestureGetCancelled(g) != 0); break;
                    case EventGesturePinchBegin: _sink.GesturePinchBegin(time, (uint)GestureGetFingerCount(g)); break;
                    case EventGesturePinchUpdate:
                        _sink.GesturePinchUpdate(time, GestureGetDx(g), GestureGetDy(g), GestureGetScale(g), GestureGetAngleDelta(g));
                        break;
                    case EventGesturePinchEnd: _sink.GesturePinchEnd(time, GestureGetCancelled(g) != 0); break;
                    case EventGestureHoldBegin: _sink.GestureHoldBegin(time, (uint)GestureGetFingerCount(g)); break;
                    case EventGestureHoldEnd: _sink.GestureHoldEnd(time, GestureGetCancelled(g) != 0); break;
                }
                break;
            }
            case EventPointerAxis:
            {
                var p = EventGetPointerEvent(ev);
                var time = PointerGetTime(p);
                for (var axis = AxisScrollVertical; axis <= AxisScrollHorizontal; axis++)
                    if (PointerHasAxis(p, axis) != 0)
                        _sink.PointerAxis(time, (uint)axis, PointerGetAxisValue(p, axis), (int)PointerGetAxisValueDiscrete(p, axis));
                _sink.PointerFrame();
                break;
            }
        }
    }

    public void Dispose()
    {
        _source?.Dispose();
        if (_libinput != 0) Unref(_libinput); // closes the devices through CloseRestricted
        _libinput = 0;
        if (_udev != 0) Native.LibUdev.Unref(_udev);
        _udev = 0;
        if (_interface is not null) NativeMemory.Free(_interface);
        _interface = null;
        if (_self.IsAllocated) _self.Free();
    }
}
