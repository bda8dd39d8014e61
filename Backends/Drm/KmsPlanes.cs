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
        var res = new PlaneResources();
        if (Ioctl(fd, IoctlModeGetPlaneResources, ref res) != 0 || res.CountPlanes == 0) return planes;
        var ids = new uint[res.CountPlanes];
        fixed (uint* p = ids)
        {
            res.PlaneIdPtr = (ulong)p;
            if (Ioctl(fd, IoctlModeGetPlaneResources, ref res) != 0) return planes;
        }
        foreach (var id in ids.AsSpan(0, (int)Math.Min(res.CountPlanes, (uint)ids.Length)))
        {
            var plane = new GetPlane { PlaneId = id };
            if (Ioctl(fd, IoctlModeGetPlane, ref plane) != 0 || (plane.PossibleCrtcs & (1u << crtcIndex)) == 0) continue;
            var formats = new uint[plane.CountFormatTypes];
            fixed (uint* f = formats)
            {
                plane.FormatTypePtr = (ulong)f;
                if (Ioctl(fd, IoctlModeGetPlane, ref plane) != 0) continue;
            }
            if (KmsProperties.Read(fd, id, ObjectPlane) is not { } properties) continue;
            planes.Add(new KmsPlane(id, TypeOf(properties), formats[..(int)Math.Min(plane.CountFormatTypes, (uint)formats.Length)], properties));
        }
        return planes;
    }

    /// <summary>The plane's type; a plane without the property is an overlay (what the kernel
    /// lists to clients that have not asked for universal planes).</summary>
    internal static KmsPlaneType TypeOf(KmsProperties properties) =>
        properties.TryGetValue("type", out var type) && type is <= (ulong)KmsPlaneType.Cursor ? (KmsPlaneType)type : KmsPlaneType.Overlay;
}
