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
/// zwp_linux_dmabuf_v1 and zwp_linux_dmabuf_feedback_v1 requests are handled here.
/// </summary>
public sealed class LinuxDmabuf : IZwpLinuxDmabufV1Handler, IZwpLinuxDmabufFeedbackV1Handler, IDisposable
{
    public const uint MaxVersion = 5, VersionWithoutDevice = 3;

    private readonly HashSet<(uint, ulong)> _advertised = [];
    private readonly IReadOnlyList<DmaBufFormat> _formats;
    private readonly OwnedFd? _table;
    private readonly uint _tableSize;

    public LinuxDmabuf(Display display, IDmaBufImporter importer, ILogger log)
    {
        Importer = importer;
        Log = log;
        _formats = importer.DmaBufFormats;
        foreach (var f in _formats) _advertised.Add((f.Fourcc, f.Modifier));
        Version = importer.MainDevice is null ? VersionWithoutDevice : MaxVersion;
        if (Version >= 4)
        {
            var table = DmabufFormats.Table(_formats);
            _table = Util.SealedMemfd.Create("dmabuf-format-table", table);
            _tableSize = (uint)table.Length;
        }
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
        SendFeedback(id);
    }

    public void GetSurfaceFeedback(ZwpLinuxDmabufV1 resource, ZwpLinuxDmabufFeedbackV1 id, WlSurface surface)
    {
        // Until direct scanout exists every surface gets the renderer's tranche, as default feedback.
        id.Handler = this;
        SendFeedback(id);
    }

    public void Destroy(ZwpLinuxDmabufFeedbackV1 resource) { }

    private void SendFeedback(ZwpLinuxDmabufFeedbackV1 feedback)
    {
        Span<byte> device = stackalloc byte[8];
        BitConverter.TryWriteBytes(device, Importer.MainDevice ?? 0);
        feedback.SendFormatTable(_table!.Value, _tableSize);
        feedback.SendMainDevice(device);
        feedback.SendTrancheTargetDevice(device);
        feedback.SendTrancheFlags(0);
        var indices = new byte[_formats.Count * 2];
        for (var i = 0; i < _formats.Count; i++) BitConverter.TryWriteBytes(indices.AsSpan(i * 2), (ushort)i);
        feedback.SendTrancheFormats(indices);
        feedback.SendTrancheDone();
        feedback.SendDone();
    }

    public void Dispose() => _table?.Dispose();
}
