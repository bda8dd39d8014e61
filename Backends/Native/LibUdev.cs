using System.Runtime.InteropServices;

namespace Compositor.Backends.Native;

/// <summary>libudev: the udev monitor that reports devices added, removed and changed (hotplug), and
/// the context libinput's udev backend enumerates input devices with.</summary>
internal static partial class LibUdev
{
    private const string Lib = "libudev.so.1";

    [LibraryImport(Lib, EntryPoint = "udev_new")]
    public static partial nint New();

    [LibraryImport(Lib, EntryPoint = "udev_unref")]
    public static partial nint Unref(nint udev);

    [LibraryImport(Lib, EntryPoint = "udev_monitor_new_from_netlink", StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint MonitorNewFromNetlink(nint udev, string name);

    [LibraryImport(Lib, EntryPoint = "udev_monitor_filter_add_match_subsystem_devtype", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int MonitorFilterAddMatchSubsystemDevtype(nint monitor, string subsystem, string? devtype);

    [LibraryImport(Lib, EntryPoint = "udev_monitor_enable_receiving")]
    public static partial int MonitorEnableReceiving(nint monitor);

    [LibraryImport(Lib, EntryPoint = "udev_monitor_get_fd")]
    public static partial int MonitorGetFd(nint monitor);

    [LibraryImport(Lib, EntryPoint = "udev_monitor_receive_device")]
    public static partial nint MonitorReceiveDevice(nint monitor);

    [LibraryImport(Lib, EntryPoint = "udev_monitor_unref")]
    public static partial nint MonitorUnref(nint monitor);

    [LibraryImport(Lib, EntryPoint = "udev_device_get_action")]
    public static partial nint DeviceGetAction(nint device);

    [LibraryImport(Lib, EntryPoint = "udev_device_get_sysname")]
    public static partial nint DeviceGetSysname(nint device);

    [LibraryImport(Lib, EntryPoint = "udev_device_get_devnum")]
    public static partial ulong DeviceGetDevnum(nint device);

    [LibraryImport(Lib, EntryPoint = "udev_device_get_property_value", StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint DeviceGetPropertyValue(nint device, string key);

    [LibraryImport(Lib, EntryPoint = "udev_device_unref")]
    public static partial nint DeviceUnref(nint device);

    public static string? String(nint p) => p == 0 ? null : Marshal.PtrToStringUTF8(p);
}
