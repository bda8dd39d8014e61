using static Compositor.Backends.Native.DrmIoctl;

namespace Compositor.Backends.Drm;

/// <summary>A plane's "type" property (enum drm_plane_type).</summary>
internal enum KmsPlaneType
{
    Overlay = 0,
    Primary = 1,
    Cursor = 2,
}

/// <summary>A plane a CRTC can use: its id, its type, the formats it scans out (the legacy list,
/// without modifiers: those are in its IN_FORMATS blob) and its property ids.</summary>
internal sealed record KmsPlane(uint Id, KmsPlaneType Type, uint[] Formats, KmsProperties Properties);

/// <summary>
/// The planes of a device, as an atomic output picks its primary, cursor and overlay planes from
/// them. Read once at start-up, after DRM_CLIENT_CAP_ATOMIC is set: that is what makes the kernel
/// list primary and cursor planes and show their atomic properties.
/// </summary>
internal static unsafe class KmsPlanes
{
    /// <summary>
    /// The position of <paramref name="crtcId"/> in the device's CRTC list, or -1. Planes and
    /// encoders name the CRTCs they can drive by this index (bit i of possible_crtcs), not by id.
    /// </summary>
    public static int CrtcIndex(int fd, uint crtcId)
    {
        var res = new CardResources();
        if (Ioctl(fd, IoctlModeGetResources, ref res) != 0) return -1;
        // Only the CRTC list: the kernel copies no more of a list than its count asks for.
        var crtcs = new uint[res.CountCrtcs];
        fixed (uint* c = crtcs)
        {
            res = new CardResources { CountCrtcs = (uint)crtcs.Length, CrtcIdPtr = (ulong)c };
            if (Ioctl(fd, IoctlModeGetResources, ref res) != 0) return -1;
        }
        return Array.IndexOf(crtcs, crtcId, 0, (int)Math.Min(res.CountCrtcs, (uint)crtcs.Length));
    }

    /// <summary>The planes that can show on the CRTC at <paramref name="crtcIndex"/>, in the
    /// kernel's order; empty when the kernel does not say.</summary>
    public static List<KmsPlane> For(int fd, int crtcIndex)
    {
        var planes = new List<KmsPlane>();
        if (crtcIndex is < 0 or >= 32) return planes;
        foreach (var id in Ids(fd))
        {
            if (!Read(fd, id, out var plane, out var formats) || (plane.PossibleCrtcs & (1u << crtcIndex)) == 0) continue;
            if (KmsProperties.Read(fd, id, ObjectPlane) is not { } properties) continue;
            planes.Add(new KmsPlane(id, TypeOf(properties), formats, properties));
        }
        return planes;
    }

    /// <summary>The device's plane ids (primary and cursor planes among them only once the client
    /// asked for universal planes); empty when the kernel does not say.</summary>
    public static uint[] Ids(int fd)
    {
        var res = new PlaneResources();
        if (Ioctl(fd, IoctlModeGetPlaneResources, ref res) != 0 || res.CountPlanes == 0) return [];
        var ids = new uint[res.CountPlanes];
        fixed (uint* p = ids)
        {
            res.PlaneIdPtr = (ulong)p;
            if (Ioctl(fd, IoctlModeGetPlaneResources, ref res) != 0) return [];
        }
        return ids[..(int)Math.Min(res.CountPlanes, (uint)ids.Length)];
    }

    /// <summary>What GETPLANE says of a plane (its CRTC, framebuffer, possible CRTCs) and the formats
    /// it scans out; false when the kernel does not say.</summary>
    public static bool Read(int fd, uint id, out GetPlane plane, out uint[] formats)
    {
        plane = new GetPlane { PlaneId = id };
        formats = [];
        if (Ioctl(fd, IoctlModeGetPlane, ref plane) != 0) return false;
        var all = new uint[plane.CountFormatTypes];
        fixed (uint* f = all)
        {
            plane.FormatTypePtr = (ulong)f;
            if (Ioctl(fd, IoctlModeGetPlane, ref plane) != 0) return false;
        }
        formats = all[..(int)Math.Min(plane.CountFormatTypes, (uint)all.Length)];
        return true;
    }

    /// <summary>The plane's type; a plane without the property is an overlay (what the kernel
    /// lists to clients that have not asked for universal planes).</summary>
    internal static KmsPlaneType TypeOf(KmsProperties properties) =>
        properties.TryGetValue("type", out var type) && type is <= (ulong)KmsPlaneType.Cursor ? (KmsPlaneType)type : KmsPlaneType.Overlay;
}
