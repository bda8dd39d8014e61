using System.Runtime.InteropServices;
using System.Text;
using Compositor.Backends.Native;
using static Compositor.Backends.Native.DrmIoctl;

namespace Compositor.Backends.Drm;

/// <summary>A connected connector, the CRTC chosen to drive it, and the mode to drive it with.</summary>
internal sealed record DrmDisplay(uint ConnectorId, string Name, uint CrtcId, DrmIoctl.ModeInfo Mode, int PhysicalWidthMm, int PhysicalHeightMm);

/// <summary>
/// An open KMS device (/dev/dri/cardN): its fd, owned here and closed on dispose, and what it can
/// show: connected connectors, each paired with a free CRTC and its preferred mode.
/// </summary>
internal sealed unsafe class DrmDevice : IDisposable
{
    private int _fd;
    private readonly Action<int>? _close;

    private DrmDevice(string path, int fd, Action<int>? close = null)
    {
        Path = path;
        _fd = fd;
        _close = close;
    }

    public string Path { get; }
    public int Fd => _fd >= 0 ? _fd : throw new ObjectDisposedException(nameof(DrmDevice));

    /// <summary>Opens a card; null with the reason when it is not a KMS device we can drive.</summary>
    /// <param name="session">Opens it through the seat (libseat) rather than with open(2); null: open(2).</param>
    public static DrmDevice? Open(string path, out string? whyNot, IDeviceOpener? session = null)
    {
        int fd;
        Action<int>? close = null;
        if (session is not null)
        {
            fd = session.OpenDevice(path, out whyNot);
            if (fd < 0) return null;
            close = session.CloseDevice;
        }
        else
        {
            var bytes = Encoding.UTF8.GetBytes(path + "\0");
            fixed (byte* p = bytes) fd = Tmds.Linux.LibC.open(p, (int)(Rdwr | Cloexec));
            if (fd < 0)
            {
                whyNot = $"cannot open {path}: errno {Marshal.GetLastPInvokeError()}";
                return null;
            }
        }
        var device = new DrmDevice(path, fd, close);
        var cap = new GetCap { Capability = CapDumbBuffer };
        if (Ioctl(fd, IoctlGetCap, ref cap) != 0 || cap.Value == 0)
        {
            device.Dispose();
            whyNot = $"{path} has no dumb buffers (not a KMS device)";
            return null;
        }
        whyNot = null;
        return device;
    }

    /// <summary>The first card under /dev/dri that has a connected display, or null.</summary>
    public static DrmDevice? OpenFirstWithDisplay(Serilog.ILogger log, IDeviceOpener? session = null)
    {
        if (!Directory.Exists("/dev/dri")) return null;
        foreach (var path in Directory.GetFiles("/dev/dri", "card*").Order())
        {
            var device = Open(path, out var whyNot, session);
            if (device is null)
            {
                log.Debug("{Why}", whyNot);
                continue;
            }
            if (device.Displays().Count > 0) return device;
            log.Debug("{Path} has no connected display", path);
            device.Dispose();
        }
        return null;
    }

    /// <summary>Overlay planes an output of this device has taken (each goes to one CRTC).</summary>
    public HashSet<uint> ClaimedOverlays { get; } = [];

    /// <summary>Whether framebuffers can say their buffers' modifiers (DRM_CAP_ADDFB2_MODIFIERS).
    /// Without it the display takes buffers in the driver's implicit layout only.</summary>
    public bool TakesModifiers
    {
        get
        {
            var cap = new GetCap { Capability = CapAddFb2Modifiers };
            return Ioctl(Fd, IoctlGetCap, ref cap) == 0 && cap.Value == 1;
        }
    }

    /// <summary>Whether the kernel timestamps page flips with CLOCK_MONOTONIC (the clock
    /// wp_presentation uses).</summary>
    public bool MonotonicTimestamps
    {
        get
        {
            var cap = new GetCap { Capability = CapTimestampMonotonic };
            return Ioctl(Fd, IoctlGetCap, ref cap) == 0 && cap.Value == 1;
        }
    }

    /// <summary>Connected connectors with a CRTC each (no CRTC used twice) and their preferred mode
    /// (or the one <paramref name="modeFor"/> names, where the connector has it).</summary>
    /// <param name="assigned">Connectors already driven, and their CRTCs: they keep them (hotplug).</param>
    public List<DrmDisplay> Displays(IReadOnlyDictionary<uint, uint>? assigned = null, Func<string, OutputMode?>? modeFor = null)
    {
        var res = new CardResources();
        if (Ioctl(Fd, IoctlModeGetResources, ref res) != 0) return [];
        var crtcs = new uint[res.CountCrtcs];
        var connectors = new uint[res.CountConnectors];
        var encoders = new uint[res.CountEncoders];
        var fbs = new uint[res.CountFbs];
        fixed (uint* c = crtcs, k = connectors, e = encoders, f = fbs)
        {
            res.CrtcIdPtr = (ulong)c;
            res.ConnectorIdPtr = (ulong)k;
            res.EncoderIdPtr = (ulong)e;
            res.FbIdPtr = (ulong)f;
            if (Ioctl(Fd, IoctlModeGetResources, ref res) != 0) return [];
        }
        var displays = new List<DrmDisplay>();
        var used = new HashSet<uint>(assigned?.Values ?? []);
        foreach (var id in connectors.AsSpan(0, (int)Math.Min(res.CountConnectors, (uint)connectors.Length)))
        {
            if (Connector(id) is not { } info || info.Connection != ConnectorConnected || info.Modes.Length == 0) continue;
            var crtc = assigned is not null && assigned.TryGetValue(id, out var kept) ? kept : PickCrtc(info, crtcs, used);
            if (crtc == 0) continue;
            used.Add(crtc);
            var mode = Array.Find(info.Modes, m => (m.Type & ModeTypePreferred) != 0);
            if (mode.Clock == 0) mode = info.Modes[0];
            if (modeFor?.Invoke(info.Name) is { } wanted)
            {
                var match = Array.FindIndex(info.Modes, m => m.HDisplay == wanted.Width && m.VDisplay == wanted.Height
                                                             && Math.Abs(m.RefreshMilliHz - wanted.RefreshMilliHz) < 1000);
                if (match >= 0) mode = info.Modes[match];
                else Serilog.Log.Warning("{Connector} has no mode {Mode}: using {Width}x{Height}", info.Name, wanted, mode.HDisplay, mode.VDisplay);
            }
            displays.Add(new DrmDisplay(id, info.Name, crtc, mode, (int)info.MmWidth, (int)info.MmHeight));
        }
        return displays;
    }

    private sealed record ConnectorInfo(uint Connection, uint EncoderId, uint[] Encoders, ModeInfo[] Modes, uint MmWidth, uint MmHeight, string Name);

    private ConnectorInfo? Connector(uint id)
    {
        // Sizes first, then the arrays; a hotplug between the two calls changes the counts: retry.
        for (var attempt = 0; attempt < 4; attempt++)
        {
            var c = new GetConnector { ConnectorId = id };
            if (Ioctl(Fd, IoctlModeGetConnector, ref c) != 0) return null;
            var modes = new ModeInfo[c.CountModes];
            var encoders = new uint[c.CountEncoders];
            var props = new uint[c.CountProps];
            var values = new ulong[c.CountProps];
            var (countModes, countEncoders, countProps) = (c.CountModes, c.CountEncoders, c.CountProps);
            fixed (ModeInfo* m = modes)
            fixed (uint* e = encoders, p = props)
            fixed (ulong* v = values)
            {
                c.ModesPtr = (ulong)m;
                c.EncodersPtr = (ulong)e;
                c.PropsPtr = (ulong)p;
                c.PropValuesPtr = (ulong)v;
                if (Ioctl(Fd, IoctlModeGetConnector, ref c) != 0) return null;
            }
            if (c.CountModes != countModes || c.CountEncoders != countEncoders || c.CountProps != countProps) continue;
            return new ConnectorInfo(c.Connection, c.EncoderId, encoders, modes, c.MmWidth, c.MmHeight,
                $"{ConnectorTypeName(c.ConnectorType)}-{c.ConnectorTypeId}");
        }
        return null;
    }

    /// <summary>The CRTC the connector's current encoder drives if free, else the first free one
    /// any of its encoders can drive.</summary>
    private uint PickCrtc(ConnectorInfo connector, uint[] crtcs, HashSet<uint> used)
    {
        if (connector.EncoderId != 0 && Encoder(connector.EncoderId) is { CrtcId: not 0 } current && !used.Contains(current.CrtcId))
            return current.CrtcId;
        foreach (var encoderId in connector.Encoders)
        {
            if (Encoder(encoderId) is not { } encoder) continue;
            for (var i = 0; i < crtcs.Length && i < 32; i++)
                if ((encoder.PossibleCrtcs & (1u << i)) != 0 && !used.Contains(crtcs[i])) return crtcs[i];
        }
        return 0;
    }

    private GetEncoder? Encoder(uint id)
    {
        var e = new GetEncoder { EncoderId = id };
        return Ioctl(Fd, IoctlModeGetEncoder, ref e) == 0 ? e : null;
    }

    /// <summary>The device number (dev_t) of the card, as linux-dmabuf feedback names devices.</summary>
    public ulong DeviceNumber
    {
        get
        {
            Tmds.Linux.stat st;
            return Tmds.Linux.LibC.fstat(Fd, &st) == 0 ? (ulong)st.st_rdev : 0;
        }
    }

    /// <summary>Becomes the device's master (may set modes and flip) again; 0 or errno.</summary>
    public int SetMaster() => Ioctl(Fd, IoctlSetMaster, 0u);

    /// <summary>Lets another process drive the device (the console switched away); 0 or errno.</summary>
    public int DropMaster() => Ioctl(Fd, IoctlDropMaster, 0u);

    /// <summary>What the CRTC shows now, to put back on exit.</summary>
    public Crtc? GetCrtc(uint crtcId)
    {
        var crtc = new Crtc { CrtcId = crtcId };
        return Ioctl(Fd, IoctlModeGetCrtc, ref crtc) == 0 ? crtc : null;
    }

    /// <summary>
    /// The formats of the plane that shows <paramref name="fbId"/> on <paramref name="crtcId"/>: after
    /// a mode set, the CRTC's primary plane (universal planes make it visible to GETPLANE). Drivers'
    /// primary planes differ (virtio-gpu's takes XRGB8888 only), and a scanout tranche must offer
    /// only what the plane takes. Null when the kernel does not say.
    /// </summary>
    public uint[]? PlaneFormats(uint crtcId, uint fbId)
    {
        var universal = new GetCap { Capability = ClientCapUniversalPlanes, Value = 1 };
        if (Ioctl(Fd, IoctlSetClientCap, ref universal) != 0) return null;
        foreach (var id in KmsPlanes.Ids(Fd))
            if (KmsPlanes.Read(Fd, id, out var plane, out var formats) && plane.CrtcId == crtcId && plane.FbId == fbId && formats.Length > 0)
                return formats;
        return null;
    }

    /// <summary>Turns a CRTC off (its connector is gone): no framebuffer, no connector, no mode; 0 or errno.</summary>
    public int DisableCrtc(uint crtcId)
    {
        var crtc = new Crtc { CrtcId = crtcId };
        return Ioctl(Fd, IoctlModeSetCrtc, ref crtc);
    }

    /// <summary>Drives <paramref name="crtcId"/> with a framebuffer and mode on one connector; 0 or errno.</summary>
    public int SetCrtc(uint crtcId, uint fbId, uint connectorId, ModeInfo mode)
    {
        var crtc = new Crtc { CrtcId = crtcId, FbId = fbId, CountConnectors = 1, ModeValid = 1, Mode = mode };
        crtc.SetConnectorsPtr = (ulong)&connectorId;
        return Ioctl(Fd, IoctlModeSetCrtc, ref crtc);
    }

    private static string ConnectorTypeName(uint type) => type switch
    {
        1 => "VGA", 2 => "DVI-I", 3 => "DVI-D", 4 => "DVI-A", 5 => "Composite", 6 => "SVIDEO", 7 => "LVDS",
        8 => "Component", 9 => "DIN", 10 => "DP", 11 => "HDMI-A", 12 => "HDMI-B", 13 => "TV", 14 => "eDP",
        15 => "Virtual", 16 => "DSI", 17 => "DPI", 18 => "Writeback", 19 => "SPI", 20 => "USB",
        _ => "Unknown",
    };

    public void Dispose()
    {
        if (_fd < 0) return;
        if (_close is not null) _close(_fd);
        else Tmds.Linux.LibC.close(_fd);
        _fd = -1;
    }
}
