using System.Runtime.InteropServices;
using Serilog;
using Wayland.Events;
using static Compositor.Backends.Native.LibInput;

namespace Compositor.Backends.Drm;

/// <summary>
/// Keyboards and pointers through libinput's path backend: every /dev/input/event* node libinput
/// takes, read in the compositor's event loop and handed to the seat. (libinput reads each device's
/// properties from the udev database, so only devices udev has initialized are taken; devices
/// plugged in later are not seen yet.)
/// </summary>
internal sealed unsafe class LibinputInput : IDisposable
{
    private readonly IInputSink _sink;
    private readonly Func<IOutput?> _pointerOutput;
    private readonly FdSource _source;
    private Interface* _interface;
    private nint _libinput;

    public LibinputInput(EventLoop loop, IInputSink sink, Func<IOutput?> pointerOutput, ILogger log)
    {
        _sink = sink;
        _pointerOutput = pointerOutput;
        // libinput keeps the pointer to its interface for the context's whole life.
        _interface = (Interface*)NativeMemory.Alloc((nuint)sizeof(Interface));
        _interface->OpenRestricted = &OpenRestricted;
        _interface->CloseRestricted = &CloseRestricted;
        _libinput = PathCreateContext(_interface, null);
        if (_libinput == 0)
        {
            NativeMemory.Free(_interface);
            _interface = null;
            throw new InvalidOperationException("libinput_path_create_context failed");
        }
        var names = new List<string>();
        if (Directory.Exists("/dev/input"))
            foreach (var path in Directory.GetFiles("/dev/input", "event*").Order())
            {
                var device = PathAddDevice(_libinput, path);
                if (device != 0) names.Add($"{Marshal.PtrToStringUTF8((nint)DeviceGetName(device))} ({path})");
            }
        Devices = names;
        log.Information("Input: {Count} devices through libinput{List}", names.Count, names.Count > 0 ? ": " + string.Join(", ", names) : "");
        _source = loop.AddFd(GetFd(_libinput), FdEvents.Readable, (_, _) => ReadEvents());
        ReadEvents();
    }

    public IReadOnlyList<string> Devices { get; }

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
        var fd = Tmds.Linux.LibC.open(path, flags | Tmds.Linux.LibC.O_CLOEXEC);
        return fd >= 0 ? fd : -Marshal.GetLastSystemError();
    }

    [UnmanagedCallersOnly]
    private static void CloseRestricted(int fd, void* userData) => Tmds.Linux.LibC.close(fd);

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
            case EventKeyboardKey:
            {
                var kb = EventGetKeyboardEvent(ev);
                _sink.KeyboardKey(KeyboardGetTime(kb), KeyboardGetKey(kb), KeyboardGetKeyState(kb) == 1);
                break;
            }
            case EventPointerMotion:
            {
                var p = EventGetPointerEvent(ev);
                _sink.PointerMotion(PointerGetTime(p), PointerGetDx(p), PointerGetDy(p));
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
        _source.Dispose();
        if (_libinput != 0) Unref(_libinput); // closes the devices through CloseRestricted
        _libinput = 0;
        if (_interface is not null) NativeMemory.Free(_interface);
        _interface = null;
    }
}
