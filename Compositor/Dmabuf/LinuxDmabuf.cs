using Compositor.Backends;
using Compositor.Surfaces;
using Serilog;
using Wayland.Protocols.Server;
using Wayland.Server;
using Wayland.Wire;

namespace Compositor.Dmabuf;

/// <summary>
/// zwp_linux_dmabuf_v1: clients share GPU buffers as DMA-BUF fds. Advertises exactly the formats
/// and modifiers the renderer's driver imports. Version 4+ feedback needs the dev_t of the device
/// we import with; a renderer without a DRM device (llvmpipe on the surfaceless platform) gets
/// version 3, as wlroots does: formats and modifiers as events, no made-up device.
/// Surface feedback puts a scanout tranche (the output plane's formats that the renderer can also
/// import) before the renderer's while the surface is its output's direct-scanout candidate, and is
/// sent again whenever that changes.
/// zwp_linux_dmabuf_v1 and zwp_linux_dmabuf_feedback_v1 requests are handled here.
/// </summary>
public sealed class LinuxDmabuf : IZwpLinuxDmabufV1Handler, IZwpLinuxDmabufFeedbackV1Handler, IDisposable
{
    public const uint MaxVersion = 5, VersionWithoutDevice = 3;

    private readonly HashSet<(uint, ulong)> _advertised = [];
    private readonly IReadOnlyList<DmaBufFormat> _formats;
    private readonly OwnedFd? _table;
    private readonly uint _tableSize;
    private readonly byte[] _rendererIndices;
    private readonly Scene.Scene _scene;
    private readonly Dictionary<Surface, List<ZwpLinuxDmabufFeedbackV1>> _surfaceFeedback = [];
    private readonly Dictionary<ScanoutPlane, byte[]> _scanoutIndices = [];

    public LinuxDmabuf(Display display, IDmaBufImporter importer, Scene.Scene scene, ILogger log)
    {
        Importer = importer;
        Log = log;
        _scene = scene;
        scene.ScanoutCandidateChanged += OnScanoutCandidateChanged;
        _formats = importer.DmaBufFormats;
        foreach (var f in _formats) _advertised.Add((f.Fourcc, f.Modifier));
        Version = importer.MainDevice is null ? VersionWithoutDevice : MaxVersion;
        if (Version >= 4)
        {
            var table = DmabufFormats.Table(_formats);
            _table = Util.SealedMemfd.Create("dmabuf-format-table", table);
            _tableSize = (uint)table.Length;
        }
        _rendererIndices = new byte[_formats.Count * 2];
        for (var i = 0; i < _formats.Count; i++) BitConverter.TryWriteBytes(_rendererIndices.AsSpan(i * 2), (ushort)i);
        Global = display.CreateGlobal<ZwpLinuxDmabufV1>(Version, Bind);
        log.Information("linux-dmabuf v{Version}: {Count} format/modifier pairs{Device}", Version, _formats.Count,
            importer.MainDevice is { } dev ? $", main device {dev >> 8}:{dev & 0xff}" : ", no DRM device");
    }

    public IDmaBufImporter Importer { get; }
    /// <summary>Formats the renderer can upload from memory, for buffers it will not import.</summary>
    public IReadOnlyList<uint> UploadFormats => (Importer as IRenderer)?.ShmFormats ?? [];
    public ILogger Log { get; }
    public uint Version { get; }
    public Global<ZwpLinuxDmabufV1> Global { get; }

    /// <summary>Surfaces with live surface feedback objects (for tests: destroyed ones are forgotten).</summary>
    public int SurfacesWithFeedback => _surfaceFeedback.Count;

    internal bool IsAdvertised(uint fourcc, ulong modifier) => _advertised.Contains((fourcc, modifier));

    private void Bind(ZwpLinuxDmabufV1 resource)
    {
        resource.Handler = this;
        if (resource.Version >= 4) return; // formats come through feedback
        foreach (var f in _formats)
        {
            // Version 1-2 clients only learn formats usable with the implicit modifier.
            if (resource.Version < 3)
            {
                if (f.Modifier == DmaBufAttributes.ModifierInvalid) resource.SendFormat(f.Fourcc);
            }
            else resource.SendModifier(f.Fourcc, (uint)(f.Modifier >> 32), (uint)f.Modifier);
        }
    }

    public void Destroy(ZwpLinuxDmabufV1 resource) { }

    public void CreateParams(ZwpLinuxDmabufV1 resource, ZwpLinuxBufferParamsV1 paramsId) => _ = new BufferParams(this, paramsId);

    public void GetDefaultFeedback(ZwpLinuxDmabufV1 resource, ZwpLinuxDmabufFeedbackV1 id)
    {
        id.Handler = this;
        SendFeedback(id, scanout: null);
    }

    public void GetSurfaceFeedback(ZwpLinuxDmabufV1 resource, ZwpLinuxDmabufFeedbackV1 id, WlSurface surface)
    {
        id.Handler = this;
        var s = (Surface)surface.Data!;
        if (!_surfaceFeedback.TryGetValue(s, out var list))
        {
            _surfaceFeedback[s] = list = [];
            // The spec makes feedback objects of a destroyed surface inert: they are forgotten.
            surface.Destroyed += _ => _surfaceFeedback.Remove(s);
        }
        list.Add(id);
        id.Destroyed += r => list.Remove((ZwpLinuxDmabufFeedbackV1)r);
        SendFeedback(id, _scene.ScanoutPlaneOf(s));
    }

    public void Destroy(ZwpLinuxDmabufFeedbackV1 resource) { }

    private void OnScanoutCandidateChanged(Scene.SceneOutput output, Surface? previous, Surface? current)
    {
        if (previous is not null) Resend(previous);
        if (current is not null) Resend(current);
    }

    private void Resend(Surface surface)
    {
        if (!_surfaceFeedback.TryGetValue(surface, out var list)) return;
        var plane = _scene.ScanoutPlaneOf(surface);
        Log.Debug("{Surface} {Change} a direct-scanout candidate: sending its dmabuf feedback again", surface.Resource,
            plane is null ? "is no longer" : "became");
        foreach (var feedback in list) SendFeedback(feedback, plane);
    }

    /// <summary>All of a feedback's events, from the table to done: the first time, and again
    /// whenever the surface's situation changes.</summary>
    private void SendFeedback(ZwpLinuxDmabufFeedbackV1 feedback, ScanoutPlane? scanout)
    {
        Span<byte> device = stackalloc byte[8];
        feedback.SendFormatTable(_table!.Value, _tableSize);
        BitConverter.TryWriteBytes(device, Importer.MainDevice ?? 0);
        feedback.SendMainDevice(device);
        if (scanout is not null && ScanoutIndices(scanout) is { Length: > 0 } scanoutIndices)
        {
            Span<byte> planeDevice = stackalloc byte[8];
            BitConverter.TryWriteBytes(planeDevice, scanout.Device);
            feedback.SendTrancheTargetDevice(planeDevice);
            feedback.SendTrancheFlags(ZwpLinuxDmabufFeedbackV1.TrancheFlags.Scanout);
            feedback.SendTrancheFormats(scanoutIndices);
            feedback.SendTrancheDone();
        }
        feedback.SendTrancheTargetDevice(device);
        feedback.SendTrancheFlags(0);
        feedback.SendTrancheFormats(_rendererIndices);
        feedback.SendTrancheDone();
        feedback.SendDone();
    }

    /// <summary>Table indices of the plane's pairs the renderer imports too: a buffer allocated for
    /// the plane must still be composited when scanout is not possible.</summary>
    private byte[] ScanoutIndices(ScanoutPlane plane)
    {
        if (_scanoutIndices.TryGetValue(plane, out var cached)) return cached;
        var indices = new List<byte>();
        for (var i = 0; i < _formats.Count; i++)
        {
            var f = _formats[i];
            foreach (var p in plane.Formats)
            {
                if (p.Fourcc != f.Fourcc || p.Modifier != f.Modifier) continue;
                indices.Add((byte)i);
                indices.Add((byte)(i >> 8));
                break;
            }
        }
        return _scanoutIndices[plane] = [.. indices];
    }

    public void Dispose() => _table?.Dispose();
}
