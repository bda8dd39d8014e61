using Serilog;
using static Compositor.Backends.Native.DrmIoctl;

namespace Compositor.Backends.Drm;

/// <summary>
/// One CRTC driven through atomic commits: its connector, its primary plane and the properties
/// each commit sets, looked up once. A mode set is one blocking commit with ALLOW_MODESET; a frame
/// is a non-blocking commit of the primary plane's framebuffer with a page-flip event; a buffer the
/// display has not shown before is first asked about with TEST_ONLY, so a refusal costs a test,
/// not a failed flip (weston's <c>state-propose.c</c> and Smithay's <c>DrmCompositor</c> do the same
/// for every plane they assign). The request is reused: a frame allocates nothing.
/// </summary>
internal sealed class AtomicCrtc : IDisposable
{
    private readonly int _fd;
    private readonly DrmDisplay _display;
    private readonly AtomicRequest _request = new();
    private readonly uint _crtcActive, _crtcModeId, _connectorCrtcId;
    private readonly PlaneProperties _primary;
    private readonly PlaneProperties? _cursorPlane;
    private readonly uint _cursorFbId, _cursorCrtcId, _hotspotX, _hotspotY;
    private readonly PlaneProperties[] _overlayPlanes;
    private uint _modeBlob;

    /// <summary>What one overlay plane shows with the next commit: a framebuffer (0: off), its size
    /// and where on the CRTC.</summary>
    public struct OverlayState
    {
        public uint Framebuffer;
        public int SourceWidth, SourceHeight;
        public Rect Destination;
    }

    /// <summary>The ids of the properties a plane's state is set through.</summary>
    private readonly record struct PlaneProperties(uint Plane, uint FbId, uint CrtcId, uint SrcX, uint SrcY, uint SrcW, uint SrcH,
        uint CrtcX, uint CrtcY, uint CrtcW, uint CrtcH)
    {
        public static PlaneProperties? Of(KmsPlane plane)
        {
            var p = plane.Properties;
            var props = new PlaneProperties(plane.Id, p["FB_ID"], p["CRTC_ID"], p["SRC_X"], p["SRC_Y"], p["SRC_W"], p["SRC_H"],
                p["CRTC_X"], p["CRTC_Y"], p["CRTC_W"], p["CRTC_H"]);
            return props.FbId == 0 || props.CrtcId == 0 || props.SrcW == 0 || props.CrtcW == 0 ? null : props;
        }
    }

    private AtomicCrtc(int fd, DrmDisplay display, uint active, uint modeId, uint connectorCrtc, PlaneProperties primary, KmsPlane? cursor,
        OverlayAssignment overlays)
    {
        Overlays = overlays;
        // Only overlays with every property a commit sets take part (the assignment's planes, in its order).
        _overlayPlanes = [.. overlays.Planes.Select(p => PlaneProperties.Of(p)!.Value)];
        OverlayStates = new OverlayState[_overlayPlanes.Length];
        _fd = fd;
        _display = display;
        _crtcActive = active;
        _crtcModeId = modeId;
        _connectorCrtcId = connectorCrtc;
        _primary = primary;
        PrimaryPlane = primary.Plane;
        CursorPlane = cursor?.Id ?? 0;
        _cursorFbId = cursor?.Properties["FB_ID"] ?? 0;
        _cursorCrtcId = cursor?.Properties["CRTC_ID"] ?? 0;
        _cursorPlane = cursor is null ? null : PlaneProperties.Of(cursor);
        // Only virtual GPUs have them (with DRM_CLIENT_CAP_CURSOR_PLANE_HOTSPOT), and need them set.
        _hotspotX = cursor?.Properties["HOTSPOT_X"] ?? 0;
        _hotspotY = cursor?.Properties["HOTSPOT_Y"] ?? 0;
    }

    public uint PrimaryPlane { get; }
    /// <summary>The CRTC's cursor plane, 0 when it has none.</summary>
    public uint CursorPlane { get; }
    /// <summary>Whether the cursor plane has every property a commit sets on it.</summary>
    public bool CursorPlaneUsable => _cursorPlane is not null;
    /// <summary>The pointer's plane state, set with every commit once the output uses the cursor
    /// plane; null: the plane is kept off.</summary>
    public KmsCursorPlane? Cursor { get; set; }
    /// <summary>The CRTC's overlay planes (bottom first) and how buffers are put on them.</summary>
    public OverlayAssignment Overlays { get; }
    /// <summary>What each overlay plane (in <see cref="Overlays"/>' order) shows with every commit.</summary>
    public OverlayState[] OverlayStates { get; }

    /// <summary>Atomic KMS for <paramref name="display"/>'s CRTC, or null (with why) when the device
    /// or driver does not offer it: the caller then drives it with the legacy ioctls.</summary>
    public static AtomicCrtc? Create(DrmDevice device, DrmDisplay display, out string whyNot)
    {
        var fd = device.Fd;
        var cap = new GetCap { Capability = ClientCapAtomic, Value = 1 };
        if (Ioctl(fd, IoctlSetClientCap, ref cap) is var error and not 0)
        {
            whyNot = $"the driver has no atomic modesetting (DRM_CLIENT_CAP_ATOMIC errno {error})";
            return null;
        }
        // Virtual GPUs (virtio-gpu, vmwgfx, qxl) hide their cursor plane from atomic clients that do
        // not say they set its hotspot (DRM_CLIENT_CAP_CURSOR_PLANE_HOTSPOT, Linux 6.6): the host's
        // pointer needs it. Older kernels refuse the cap and show the plane anyway.
        var hotspot = new GetCap { Capability = ClientCapCursorPlaneHotspot, Value = 1 };
        Ioctl(fd, IoctlSetClientCap, ref hotspot);
        var index = KmsPlanes.CrtcIndex(fd, display.CrtcId);
        var planes = index < 0 ? [] : KmsPlanes.For(fd, index);
        var crtc = KmsProperties.Read(fd, display.CrtcId, ObjectCrtc);
        var connector = KmsProperties.Read(fd, display.ConnectorId, ObjectConnector);
        var primaryPlane = planes.FirstOrDefault(p => p.Type == KmsPlaneType.Primary);
        if (crtc is null || connector is null || primaryPlane is null || PlaneProperties.Of(primaryPlane) is not { } primary
            || crtc["ACTIVE"] == 0 || crtc["MODE_ID"] == 0 || connector["CRTC_ID"] == 0)
        {
            whyNot = "the CRTC, its connector or its primary plane lacks an atomic property";
            return null;
        }
        whyNot = "";
        return new AtomicCrtc(fd, display, crtc["ACTIVE"], crtc["MODE_ID"], connector["CRTC_ID"], primary,
            planes.FirstOrDefault(p => p.Type == KmsPlaneType.Cursor),
            new OverlayAssignment(OwnOverlays(device, planes)));
    }

    /// <summary>The overlays this CRTC may use: those with every property a commit sets, not yet
    /// claimed by another CRTC of the device (a plane many CRTCs can take goes to the first, so no
    /// output's commits switch off or steal another's).</summary>
    private static List<KmsPlane> OwnOverlays(DrmDevice device, List<KmsPlane> planes)
    {
        var own = new List<KmsPlane>();
        foreach (var p in planes)
            if (p.Type == KmsPlaneType.Overlay && PlaneProperties.Of(p) is not null && device.ClaimedOverlays.Add(p.Id)) own.Add(p);
        return own;
    }

    /// <summary>Lights the display with <paramref name="fb"/> on the primary plane (blocking); 0 or errno.</summary>
    public int Modeset(uint fb)
    {
        if (_modeBlob == 0 && AtomicRequest.CreateModeBlob(_fd, _display.Mode, out _modeBlob) is var blobError and not 0) return blobError;
        _request.Clear();
        _request.Add(_display.ConnectorId, _connectorCrtcId, _display.CrtcId);
        _request.Add(_display.CrtcId, _crtcModeId, _modeBlob);
        _request.Add(_display.CrtcId, _crtcActive, 1);
        AddPrimary(fb);
        // Our pointer and overlays, or none: whatever another master left on this CRTC goes.
        AddCursor();
        AddOverlays();
        return _request.Commit(_fd, AtomicAllowModeset, 0);
    }

    /// <summary>Turns the CRTC off, every plane of ours detached and the connector let go (blocking):
    /// its connector was unplugged, and the CRTC is free for another. 0 or errno.</summary>
    public int Disable()
    {
        _request.Clear();
        _request.Add(_display.ConnectorId, _connectorCrtcId, 0);
        _request.Add(_display.CrtcId, _crtcModeId, 0);
        _request.Add(_display.CrtcId, _crtcActive, 0);
        _request.Add(_primary.Plane, _primary.FbId, 0);
        _request.Add(_primary.Plane, _primary.CrtcId, 0);
        if (_cursorFbId != 0 && _cursorCrtcId != 0)
        {
            _request.Add(CursorPlane, _cursorFbId, 0);
            _request.Add(CursorPlane, _cursorCrtcId, 0);
        }
        foreach (var p in _overlayPlanes)
        {
            _request.Add(p.Plane, p.FbId, 0);
            _request.Add(p.Plane, p.CrtcId, 0);
        }
        return _request.Commit(_fd, AtomicAllowModeset, 0);
    }

    /// <summary>Shows <paramref name="fb"/> at the next vblank (non-blocking, a page-flip event with
    /// the CRTC id); with <paramref name="testOnly"/> only asks whether the display would take it.
    /// 0 or errno (EBUSY: a flip is still pending).</summary>
    public int Flip(uint fb, bool testOnly = false)
    {
        _request.Clear();
        AddPrimary(fb);
        AddCursor();
        AddOverlays();
        return _request.Commit(_fd, testOnly ? AtomicTestOnly : AtomicNonblock | PageFlipEvent, testOnly ? 0 : _display.CrtcId);
    }

    private void AddOverlays()
    {
        for (var i = 0; i < _overlayPlanes.Length; i++)
        {
            var p = _overlayPlanes[i];
            ref readonly var o = ref OverlayStates[i];
            _request.Add(p.Plane, p.FbId, o.Framebuffer);
            _request.Add(p.Plane, p.CrtcId, o.Framebuffer != 0 ? _display.CrtcId : 0);
            if (o.Framebuffer == 0) continue;
            _request.Add(p.Plane, p.SrcX, 0);
            _request.Add(p.Plane, p.SrcY, 0);
            _request.Add(p.Plane, p.SrcW, (ulong)o.SourceWidth << 16);
            _request.Add(p.Plane, p.SrcH, (ulong)o.SourceHeight << 16);
            _request.Add(p.Plane, p.CrtcX, (ulong)(long)o.Destination.X);
            _request.Add(p.Plane, p.CrtcY, (ulong)(long)o.Destination.Y);
            _request.Add(p.Plane, p.CrtcW, (ulong)o.Destination.Width);
            _request.Add(p.Plane, p.CrtcH, (ulong)o.Destination.Height);
        }
    }

    private void AddCursor()
    {
        if (_cursorFbId == 0 || _cursorCrtcId == 0) return;
        if (Cursor is not { Visible: true } c || _cursorPlane is not { } p)
        {
            _request.Add(CursorPlane, _cursorFbId, 0);
            _request.Add(CursorPlane, _cursorCrtcId, 0);
            return;
        }
        var (w, h) = ((ulong)c.Width, (ulong)c.Height);
        _request.Add(p.Plane, p.FbId, c.FramebufferId);
        _request.Add(p.Plane, p.CrtcId, _display.CrtcId);
        _request.Add(p.Plane, p.SrcX, 0);
        _request.Add(p.Plane, p.SrcY, 0);
        _request.Add(p.Plane, p.SrcW, w << 16);
        _request.Add(p.Plane, p.SrcH, h << 16);
        // CRTC_X and CRTC_Y are signed: a pointer at the left or top edge hangs off the screen.
        _request.Add(p.Plane, p.CrtcX, (ulong)(long)c.X);
        _request.Add(p.Plane, p.CrtcY, (ulong)(long)c.Y);
        _request.Add(p.Plane, p.CrtcW, w);
        _request.Add(p.Plane, p.CrtcH, h);
        if (_hotspotX != 0) _request.Add(p.Plane, _hotspotX, (ulong)(long)c.HotspotX);
        if (_hotspotY != 0) _request.Add(p.Plane, _hotspotY, (ulong)(long)c.HotspotY);
    }

    private void AddPrimary(uint fb)
    {
        var (w, h) = ((ulong)_display.Mode.HDisplay, (ulong)_display.Mode.VDisplay);
        var p = _primary;
        _request.Add(p.Plane, p.FbId, fb);
        _request.Add(p.Plane, p.CrtcId, _display.CrtcId);
        // Source rectangle in 16.16 fixed point, destination in pixels: the whole mode.
        _request.Add(p.Plane, p.SrcX, 0);
        _request.Add(p.Plane, p.SrcY, 0);
        _request.Add(p.Plane, p.SrcW, w << 16);
        _request.Add(p.Plane, p.SrcH, h << 16);
        _request.Add(p.Plane, p.CrtcX, 0);
        _request.Add(p.Plane, p.CrtcY, 0);
        _request.Add(p.Plane, p.CrtcW, w);
        _request.Add(p.Plane, p.CrtcH, h);
    }

    public void Dispose()
    {
        if (_modeBlob != 0) AtomicRequest.DestroyBlob(_fd, _modeBlob);
        _modeBlob = 0;
    }
}
