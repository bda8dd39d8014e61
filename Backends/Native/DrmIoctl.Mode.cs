using System.Runtime.InteropServices;

namespace Compositor.Backends.Native;

/// <summary>Kernel modesetting (drm_mode.h): resources, connectors, CRTCs, dumb buffers,
/// framebuffers and page flips, as the DRM backend uses them (the legacy, non-atomic interface,
/// which every KMS driver has).</summary>
internal static unsafe partial class DrmIoctl
{
    public const nuint IoctlSetMaster = 0x641E, IoctlDropMaster = 0x641F, IoctlGetCap = 0xC010640C;
    public const nuint IoctlModeGetResources = 0xC04064A0, IoctlModeGetCrtc = 0xC06864A1, IoctlModeSetCrtc = 0xC06864A2;
    public const nuint IoctlModeGetEncoder = 0xC01464A6, IoctlModeGetConnector = 0xC05064A7;
    public const nuint IoctlModeRmFb = 0xC00464AF, IoctlModePageFlip = 0xC01864B0;
    public const nuint IoctlModeCreateDumb = 0xC02064B2, IoctlModeMapDumb = 0xC01064B3, IoctlModeDestroyDumb = 0xC00464B4;
    public const nuint IoctlModeAddFb2 = 0xC06864B8;
    public const nuint IoctlSetClientCap = 0x4010640D, IoctlModeGetPlaneResources = 0xC01064B5, IoctlModeGetPlane = 0xC02064B6;
    public const ulong ClientCapUniversalPlanes = 2;

    public const ulong CapDumbBuffer = 0x1, CapTimestampMonotonic = 0x6, CapAddFb2Modifiers = 0x10;
    public const uint ConnectorConnected = 1, ModeTypePreferred = 1 << 3, PageFlipEvent = 1;
    public const uint EventFlipComplete = 2;

    [StructLayout(LayoutKind.Sequential)]
    public struct GetCap { public ulong Capability, Value; }

    [StructLayout(LayoutKind.Sequential)]
    public struct PlaneResources { public ulong PlaneIdPtr; public uint CountPlanes, Pad; }

    [StructLayout(LayoutKind.Sequential)]
    public struct GetPlane
    {
        public uint PlaneId, CrtcId, FbId, PossibleCrtcs, GammaSize, CountFormatTypes;
        public ulong FormatTypePtr;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct CardResources
    {
        public ulong FbIdPtr, CrtcIdPtr, ConnectorIdPtr, EncoderIdPtr;
        public uint CountFbs, CountCrtcs, CountConnectors, CountEncoders;
        public uint MinWidth, MaxWidth, MinHeight, MaxHeight;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct GetConnector
    {
        public ulong EncodersPtr, ModesPtr, PropsPtr, PropValuesPtr;
        public uint CountModes, CountProps, CountEncoders, EncoderId, ConnectorId, ConnectorType, ConnectorTypeId;
        public uint Connection, MmWidth, MmHeight, Subpixel, Pad;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct GetEncoder { public uint EncoderId, EncoderType, CrtcId, PossibleCrtcs, PossibleClones; }

    /// <summary>drm_mode_modeinfo: 68 bytes, the name a NUL-padded 32-byte string.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ModeInfo
    {
        public uint Clock;
        public ushort HDisplay, HSyncStart, HSyncEnd, HTotal, HSkew;
        public ushort VDisplay, VSyncStart, VSyncEnd, VTotal, VScan;
        public uint VRefresh, Flags, Type;
        public fixed byte Name[32];

        /// <summary>Refresh in mHz from the timings (vrefresh is rounded to whole Hz).</summary>
        public readonly int RefreshMilliHz => HTotal == 0 || VTotal == 0
            ? (int)VRefresh * 1000
            : (int)((Clock * 1_000_000L + (long)HTotal * VTotal / 2) / ((long)HTotal * VTotal));
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Crtc
    {
        public ulong SetConnectorsPtr;
        public uint CountConnectors, CrtcId, FbId, X, Y, GammaSize, ModeValid;
        public ModeInfo Mode;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct CreateDumb { public uint Height, Width, Bpp, Flags, Handle, Pitch; public ulong Size; }

    [StructLayout(LayoutKind.Sequential)]
    public struct MapDumb { public uint Handle, Pad; public ulong Offset; }

    [StructLayout(LayoutKind.Sequential)]
    public struct DestroyDumb { public uint Handle; }

    [StructLayout(LayoutKind.Sequential)]
    public struct FbCmd2
    {
        public uint FbId, Width, Height, PixelFormat, Flags;
        public fixed uint Handles[4];
        public fixed uint Pitches[4];
        public fixed uint Offsets[4];
        public fixed ulong Modifier[4];
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct PageFlip { public uint CrtcId, FbId, Flags, Reserved; public ulong UserData; }

    /// <summary>drm_event followed by drm_event_vblank: what a page flip completion reads as.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct VblankEvent { public uint Type, Length; public ulong UserData; public uint Seconds, Microseconds, Sequence, CrtcId; }

    /// <summary>An ioctl that takes a plain integer argument by pointer (RMFB, SET_MASTER's null).</summary>
    public static int Ioctl(int fd, nuint request, uint value) => Ioctl(fd, request, ref value);
}
