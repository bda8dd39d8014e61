using System.Diagnostics;
using System.Runtime.InteropServices;
using Compositor.Backends.Native;
using Serilog;
using Wayland.Events;

namespace Compositor.Backends.Drm;

/// <summary>
/// A session through libseat (seatd, or logind): how an ordinary user, without root or setuid,
/// gets the display and input devices. Devices are opened through the seat; when the user
/// switches to another VT the seat is disabled (the compositor stops drawing and reading input,
/// then acknowledges, and the seat daemon revokes the devices and DRM master), and enabled again
/// when they come back. libseat also does what <see cref="VirtualTerminal"/> does for a root
/// compositor: it puts the console in graphics mode and gives it back on exit.
/// </summary>
internal sealed unsafe class SeatSession : IDeviceOpener, IDisposable
{
    private readonly ILogger _log;
    private readonly Dictionary<int, int> _devices = []; // fd → libseat device id
    private LibSeat.Listener* _listener;
    private GCHandle _self;
    private nint _seat;
    private FdSource? _source;
    private bool _opened;

    private SeatSession(ILogger log)
    {
        _log = log;
        _self = GCHandle.Alloc(this);
        _listener = (LibSeat.Listener*)NativeMemory.Alloc((nuint)sizeof(LibSeat.Listener));
        _listener->EnableSeat = &OnEnable;
        _listener->DisableSeat = &OnDisable;
    }

    /// <summary>The seat is ours: devices work. False while another session has it.</summary>
    public bool Active { get; private set; }
    public string Name { get; private set; } = "";

    /// <summary>The seat is being taken away: stop using the devices (the seat is acknowledged after the handlers return).</summary>
    public event Action? Disabling;
    /// <summary>The seat is back.</summary>
    public event Action? Enabled;

    /// <summary>Opens the seat and waits (up to 10 s) until it is ours; null with the reason where no
    /// seat daemon answers or libseat is missing.</summary>
    public static SeatSession? Open(ILogger log, out string whyNot)
    {
        SeatSession? session = null;
        try
        {
            LibSeat.SetLogLevel(LibSeat.LogLevelError);
            session = new SeatSession(log);
            session._seat = LibSeat.OpenSeat(session._listener, (void*)GCHandle.ToIntPtr(session._self));
            if (session._seat == 0)
            {
                whyNot = "libseat could not open a seat (is seatd running, with this user in its group, or logind?)";
                session.Dispose();
                return null;
            }
            var sw = Stopwatch.StartNew();
            while (!session.Active && sw.ElapsedMilliseconds < 10_000)
                if (LibSeat.Dispatch(session._seat, 100) < 0)
                {
                    whyNot = $"libseat dispatch failed: errno {Marshal.GetLastPInvokeError()}";
                    session.Dispose();
                    return null;
                }
            if (!session.Active)
            {
                whyNot = "the seat was not handed over in 10 s (another session holds it?)";
                session.Dispose();
                return null;
            }
            session._opened = true;
            session.Name = Marshal.PtrToStringUTF8(LibSeat.SeatName(session._seat)) ?? "seat0";
            log.Information("Session: seat {Seat} through libseat (backend {Backend})", session.Name,
                Environment.GetEnvironmentVariable("LIBSEAT_BACKEND") ?? "auto");
            whyNot = "";
            return session;
        }
        catch (DllNotFoundException)
        {
            session?.Dispose();
            whyNot = "libseat is missing (setup installs libseat1 and seatd)";
            return null;
        }
    }

    /// <summary>Seat events (disable, enable) from now on arrive through the event loop.</summary>
    public void Watch(EventLoop loop) =>
        _source = loop.AddFd(LibSeat.GetFd(_seat), FdEvents.Readable, (_, _) =>
        {
            if (LibSeat.Dispatch(_seat, 0) < 0) _log.Warning("libseat dispatch failed: errno {Errno}", Marshal.GetLastPInvokeError());
        });

    public int OpenDevice(string path, out string? whyNot)
    {
        var id = LibSeat.OpenDevice(_seat, path, out var fd);
        if (id < 0)
        {
            whyNot = $"the seat refused {path}: errno {Marshal.GetLastPInvokeError()}";
            return -1;
        }
        _devices[fd] = id;
        whyNot = null;
        return fd;
    }

    public void CloseDevice(int fd)
    {
        if (_devices.Remove(fd, out var id)) LibSeat.CloseDevice(_seat, id);
        Tmds.Linux.LibC.close(fd);
    }

    /// <summary>Asks the seat daemon to show VT <paramref name="number"/>.</summary>
    public void SwitchTo(int number)
    {
        if (LibSeat.SwitchSession(_seat, number) != 0) _log.Warning("Cannot switch to console {Number} through the seat", number);
    }

    [UnmanagedCallersOnly]
    private static void OnEnable(nint seat, void* userData)
    {
        var self = (SeatSession)GCHandle.FromIntPtr((nint)userData).Target!;
        self.Active = true;
        if (!self._opened) return; // the first enable, which Open waits for
        self._log.Information("Seat enabled: taking the display and input again");
        // An exception must not cross back into libseat's C frames: that would end the process.
        try
        {
            self.Enabled?.Invoke();
        }
        catch (Exception e)
        {
            self._log.Error(e, "Taking the devices back after the seat was enabled failed");
        }
    }

    [UnmanagedCallersOnly]
    private static void OnDisable(nint seat, void* userData)
    {
        var self = (SeatSession)GCHandle.FromIntPtr((nint)userData).Target!;
        self._log.Information("Seat disabled (another session): letting go of the display and input");
        self.Active = false;
        try
        {
            self.Disabling?.Invoke();
        }
        catch (Exception e)
        {
            self._log.Error(e, "Letting go of the devices for another session failed");
        }
        LibSeat.DisableSeat(seat);
    }

    public void Dispose()
    {
        _source?.Dispose();
        _source = null;
        foreach (var (fd, id) in _devices)
        {
            LibSeat.CloseDevice(_seat, id);
            Tmds.Linux.LibC.close(fd);
        }
        _devices.Clear();
        if (_seat != 0) LibSeat.CloseSeat(_seat);
        _seat = 0;
        if (_listener is not null) NativeMemory.Free(_listener);
        _listener = null;
        if (_self.IsAllocated) _self.Free();
    }
}
