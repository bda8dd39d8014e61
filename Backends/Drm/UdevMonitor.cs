using Compositor.Backends.Native;
using Serilog;
using Wayland.Events;

namespace Compositor.Backends.Drm;

/// <summary>
/// DRM hotplug: udev's events for the drm subsystem, read in the event loop. A card's "change"
/// event means its connectors may have changed: a real hotplug carries HOTPLUG=1, a synthetic one
/// (udevadm trigger, a write to the card's uevent) does not, and both are answered the same way,
/// by probing the card's connectors again.
/// </summary>
internal sealed class UdevMonitor : IDisposable
{
    private readonly ILogger _log;
    private nint _udev, _monitor;
    private readonly FdSource? _source;

    private UdevMonitor(EventLoop loop, nint udev, nint monitor, ILogger log)
    {
        _udev = udev;
        _monitor = monitor;
        _log = log;
        _source = loop.AddFd(LibUdev.MonitorGetFd(monitor), FdEvents.Readable, (_, _) => Read());
    }

    /// <summary>A card changed: its device number (dev_t).</summary>
    public event Action<ulong>? CardChanged;

    /// <summary>Null, with a warning, where udev cannot be watched (no libudev, no netlink).</summary>
    public static UdevMonitor? Open(EventLoop loop, ILogger log)
    {
        try
        {
            var udev = LibUdev.New();
            if (udev == 0) return null;
            var monitor = LibUdev.MonitorNewFromNetlink(udev, "udev");
            if (monitor == 0 || LibUdev.MonitorFilterAddMatchSubsystemDevtype(monitor, "drm", null) < 0 || LibUdev.MonitorEnableReceiving(monitor) < 0)
            {
                if (monitor != 0) LibUdev.MonitorUnref(monitor);
                LibUdev.Unref(udev);
                log.Warning("Cannot watch udev for displays plugged in or out");
                return null;
            }
            return new UdevMonitor(loop, udev, monitor, log);
        }
        catch (DllNotFoundException)
        {
            log.Warning("libudev is missing (setup installs libudev1): displays plugged in or out are not seen");
            return null;
        }
    }

    private void Read()
    {
        nint device;
        while ((device = LibUdev.MonitorReceiveDevice(_monitor)) != 0)
        {
            try
            {
                var action = LibUdev.String(LibUdev.DeviceGetAction(device));
                var name = LibUdev.String(LibUdev.DeviceGetSysname(device)) ?? "";
                if (action == "change" && name.StartsWith("card", StringComparison.Ordinal) && !name.Contains('-'))
                {
                    _log.Debug("udev: {Card} changed{Hotplug}", name, LibUdev.String(LibUdev.DeviceGetPropertyValue(device, "HOTPLUG")) == "1" ? " (hotplug)" : "");
                    CardChanged?.Invoke(LibUdev.DeviceGetDevnum(device));
                }
            }
            finally
            {
                LibUdev.DeviceUnref(device);
            }
        }
    }

    public void Dispose()
    {
        _source?.Dispose();
        if (_monitor != 0) LibUdev.MonitorUnref(_monitor);
        if (_udev != 0) LibUdev.Unref(_udev);
        _monitor = _udev = 0;
    }
}
