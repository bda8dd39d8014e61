using System.Runtime.InteropServices;

namespace Wayland.Interop;

/// <summary>
/// The kernel's DRM synchronization objects (<c>drm.h</c>, <c>DRM_IOCTL_SYNCOBJ_*</c>): the timelines
/// wp_linux_drm_syncobj_v1 hands over as fds. Both ends use them (the compositor imports, waits and
/// signals; a client creates, exports and signals), so they are bound once, here. Every call is on a
/// DRM device fd whose driver has DRIVER_SYNCOBJ_TIMELINE; a syncobj fd itself belongs to no device,
/// any such fd imports it. Calls return 0 or the errno.
/// </summary>
public static unsafe class DrmSyncobj
{
    private const nuint GetCapIoctl = 0xC010640C;     // DRM_IOWR(0x0C, struct drm_get_cap)
    private const nuint CreateIoctl = 0xC00864BF;     // DRM_IOWR(0xBF, struct drm_syncobj_create)
    private const nuint DestroyIoctl = 0xC00864C0;    // DRM_IOWR(0xC0, struct drm_syncobj_destroy)
    private const nuint HandleToFdIoctl = 0xC01064C1; // DRM_IOWR(0xC1, struct drm_syncobj_handle)
    private const nuint FdToHandleIoctl = 0xC01064C2; // DRM_IOWR(0xC2, struct drm_syncobj_handle)
    private const nuint TimelineWaitIoctl = 0xC02864CA; // DRM_IOWR(0xCA, struct drm_syncobj_timeline_wait), without deadline_nsec
    private const nuint QueryIoctl = 0xC01864CB;      // DRM_IOWR(0xCB, struct drm_syncobj_timeline_array)
    private const nuint TimelineSignalIoctl = 0xC01864CD; // DRM_IOWR(0xCD, struct drm_syncobj_timeline_array)
    private const nuint EventfdIoctl = 0xC01864CF;    // DRM_IOWR(0xCF, struct drm_syncobj_eventfd), Linux 6.6

    private const ulong CapSyncobjTimeline = 0x14;
    /// <summary>DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT: a point not submitted yet is waited for, not an error.</summary>
    private const uint WaitForSubmit = 1 << 1;

    [StructLayout(LayoutKind.Sequential)]
    private struct Handle { public uint Syncobj, Flags; public int Fd; public uint Pad; }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimelineArray { public ulong Handles, Points; public uint Count, Flags; }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimelineWait { public ulong Handles, Points; public long TimeoutNs; public uint Count, Flags, FirstSignaled, Pad; }

    [StructLayout(LayoutKind.Sequential)]
    private struct Eventfd { public uint Syncobj, Flags; public ulong Point; public int Fd; public uint Pad; }

    private static int Call(int device, nuint request, void* arg) =>
        Libc.ioctl(device, request, arg) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>Whether the device's driver has timeline syncobjs (DRM_CAP_SYNCOBJ_TIMELINE).</summary>
    public static bool HasTimelines(int device)
    {
        var cap = stackalloc ulong[2] { CapSyncobjTimeline, 0 };
        return Libc.ioctl(device, GetCapIoctl, cap) == 0 && cap[1] != 0;
    }

    /// <summary>A new syncobj on <paramref name="device"/> (unsignalled).</summary>
    public static int Create(int device, out uint handle)
    {
        var create = stackalloc uint[2];
        var error = Call(device, CreateIoctl, create);
        handle = create[0];
        return error;
    }

    public static int Destroy(int device, uint handle)
    {
        var destroy = stackalloc uint[2] { handle, 0 };
        return Call(device, DestroyIoctl, destroy);
    }

    /// <summary>The syncobj as an fd (new, the caller's), to hand to another process.</summary>
    public static int Export(int device, uint handle, out int fd)
    {
        var h = new Handle { Syncobj = handle, Fd = -1 };
        var error = Call(device, HandleToFdIoctl, &h);
        fd = error == 0 ? h.Fd : -1;
        return error;
    }

    /// <summary>A handle on <paramref name="device"/> for the syncobj behind <paramref name="fd"/>
    /// (which stays the caller's, and open).</summary>
    public static int Import(int device, int fd, out uint handle)
    {
        var h = new Handle { Fd = fd };
        var error = Call(device, FdToHandleIoctl, &h);
        handle = error == 0 ? h.Syncobj : 0;
        return error;
    }

    /// <summary>The timeline's last signalled point.</summary>
    public static int Query(int device, uint handle, out ulong point)
    {
        ulong value = 0;
        var array = new TimelineArray { Handles = (ulong)&handle, Points = (ulong)&value, Count = 1 };
        var error = Call(device, QueryIoctl, &array);
        point = value;
        return error;
    }

    /// <summary>Signals <paramref name="point"/> (and with it every point before it) from the CPU.</summary>
    public static int Signal(int device, uint handle, ulong point)
    {
        var array = new TimelineArray { Handles = (ulong)&handle, Points = (ulong)&point, Count = 1 };
        return Call(device, TimelineSignalIoctl, &array);
    }

    /// <summary>Has <paramref name="eventfd"/> become readable once <paramref name="point"/> is
    /// signalled (waiting for it to be submitted first, if it is not yet).</summary>
    public static int SignalEventfd(int device, uint handle, ulong point, int eventfd)
    {
        var e = new Eventfd { Syncobj = handle, Point = point, Fd = eventfd };
        return Call(device, EventfdIoctl, &e);
    }

    /// <summary>Blocks until <paramref name="point"/> is signalled or CLOCK_MONOTONIC passes
    /// <paramref name="deadlineNs"/> (ETIME). For clients; the compositor never blocks.</summary>
    public static int Wait(int device, uint handle, ulong point, long deadlineNs)
    {
        var wait = new TimelineWait { Handles = (ulong)&handle, Points = (ulong)&point, TimeoutNs = deadlineNs, Count = 1, Flags = WaitForSubmit };
        return Call(device, TimelineWaitIoctl, &wait);
    }
}
