using System.Runtime.InteropServices;

namespace Compositor.Backends.Native;

/// <summary>
/// Atomic modesetting (drm.h, drm_mode.h): object properties, property blobs and the atomic commit.
/// One commit sets every plane, CRTC and connector property of a frame at once, and a TEST_ONLY
/// commit asks whether a configuration would work without showing it, which the legacy SetCrtc and
/// PageFlip cannot. Only drivers with DRIVER_ATOMIC accept DRM_CLIENT_CAP_ATOMIC.
/// </summary>
internal static unsafe partial class DrmIoctl
{
    public const nuint IoctlModeGetProperty = 0xC04064AA, IoctlModeObjGetProperties = 0xC02064B9;
    public const nuint IoctlModeAtomic = 0xC03864BC, IoctlModeCreatePropBlob = 0xC01064BD, IoctlModeDestroyPropBlob = 0xC00464BE;

    /// <summary>Also turns on universal planes: the kernel shows atomic clients every plane.</summary>
    public const ulong ClientCapAtomic = 3;

    /// <summary>The client sets a cursor plane's HOTSPOT_X/Y (drm.h, Linux 6.6): without it virtual
    /// GPUs hide their cursor plane from atomic clients.</summary>
    public const ulong ClientCapCursorPlaneHotspot = 6;

    /// <summary>A cursor plane size the hardware takes; where a driver lacks the caps, 64×64 is the
    /// size userspace assumes.</summary>
    public const ulong CapCursorWidth = 0x8, CapCursorHeight = 0x9;

    public const uint ObjectCrtc = 0xcccccccc, ObjectConnector = 0xc0c0c0c0, ObjectPlane = 0xeeeeeeee;

    /// <summary>Atomic commit flags, besides PageFlipEvent. A TEST_ONLY commit may not ask for an
    /// event; a NONBLOCK one fails with EBUSY while an earlier one is still pending.</summary>
    public const uint AtomicTestOnly = 0x100, AtomicNonblock = 0x200, AtomicAllowModeset = 0x400;

    /// <summary>drm_mode_obj_get_properties: 28 bytes of fields, padded to 32 by the u64s' alignment.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ObjGetProperties
    {
        public ulong PropsPtr, PropValuesPtr;
        public uint CountProps, ObjId, ObjType, Pad;
    }

    /// <summary>drm_mode_get_property: with both counts 0 the kernel fills in the name and flags and
    /// copies no values or enum entries.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct GetProperty
    {
        public ulong ValuesPtr, EnumBlobPtr;
        public uint PropId, Flags;
        public fixed byte Name[32];
        public uint CountValues, CountEnumBlobs;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct CreateBlob { public ulong Data; public uint Length, BlobId; }

    [StructLayout(LayoutKind.Sequential)]
    public struct DestroyBlob { public uint BlobId; }

    /// <summary>drm_mode_atomic: the four arrays are grouped by object (see AtomicRequest).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Atomic
    {
        public uint Flags, CountObjs;
        public ulong ObjsPtr, CountPropsPtr, PropsPtr, PropValuesPtr, Reserved, UserData;
    }
}
