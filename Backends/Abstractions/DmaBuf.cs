using Wayland.Wire;

namespace Compositor.Backends;

/// <summary>One plane of a DMA-BUF as a client described it; its fd is owned by the
/// <see cref="DmaBufAttributes"/> that holds the plane.</summary>
public readonly record struct DmaBufPlane(OwnedFd Fd, uint Offset, uint Stride);

/// <summary>
/// A client's DMA-BUF, checked and ready to import: size, DRM fourcc, modifier, planes, and the
/// planes' fds, which it owns (one owner from the params that collected them to the buffer that
/// outlives every import): disposing it closes them.
/// </summary>
public sealed class DmaBufAttributes : IDisposable
{
    public const int MaxPlanes = 4;
    /// <summary>DRM_FORMAT_MOD_LINEAR and DRM_FORMAT_MOD_INVALID (the driver picks: "implicit").</summary>
    public const ulong ModifierLinear = 0, ModifierInvalid = 0x00ffffffffffffff;

    public int Width { get; init; }
    public int Height { get; init; }
    public uint Fourcc { get; init; }
    public ulong Modifier { get; init; }
    /// <summary>The first row in memory is the bottom of the picture (zwp_linux_buffer_params_v1's y_invert).</summary>
    public bool YInverted { get; init; }
    public DmaBufPlane[] Planes { get; init; } = [];

    public void Dispose()
    {
        foreach (var plane in Planes) plane.Fd.Dispose();
    }
}

/// <summary>What the kernel says of a client's fd.</summary>
public static class DmaBufFd
{
    /// <summary>The exporter of a DMA-BUF ("exp_name" in /proc/self/fdinfo: "drm", "udmabuf",
    /// "system", a driver's name); null when the fd is not a DMA-BUF (a memfd).</summary>
    public static string? ExporterOf(int fd)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/self/fdinfo/{fd}"))
                if (line.StartsWith("exp_name:", StringComparison.Ordinal)) return line["exp_name:".Length..].Trim();
        }
        catch (IOException) { }
        return null;
    }
}

/// <summary>A format and modifier the renderer can import; external-only ones are sampled through
/// GL_TEXTURE_EXTERNAL_OES (YUV formats usually).</summary>
public readonly record struct DmaBufFormat(uint Fourcc, ulong Modifier, bool ExternalOnly);

/// <summary>A display plane that can show a client's DMA-BUF directly (direct scanout, no
/// composition): the DRM device (dev_t) it belongs to and the format/modifier pairs it takes.</summary>
public sealed record ScanoutPlane(ulong Device, IReadOnlyList<DmaBufFormat> Formats);

/// <summary>A client buffer a display plane could show directly: its DMA-BUF, and a hold that keeps
/// it from going back to the client (wl_buffer.release) while it is on screen.</summary>
public interface IScanoutSource
{
    DmaBufAttributes Attributes { get; }
    /// <summary>The buffer is (about to be) on screen: keep it from the client.</summary>
    void Lock();
    /// <summary>The buffer left the screen: the client gets it back if nothing else holds it.</summary>
    void Unlock();
    /// <summary>Raised once, when the buffer is gone for good (its client destroyed it and nothing
    /// holds it): what a display made of it (a framebuffer) goes with it.</summary>
    event Action<IScanoutSource>? Freed;
}

/// <summary>What a renderer offers for zero-copy client buffers.</summary>
public interface IDmaBufImporter
{
    /// <summary>Every (format, modifier) pair <see cref="ImportDmaBuf"/> accepts, as the driver reports them.</summary>
    IReadOnlyList<DmaBufFormat> DmaBufFormats { get; }

    /// <summary>The dev_t of the DRM device the renderer imports with, if it has one (llvmpipe on
    /// the surfaceless platform has none).</summary>
    ulong? MainDevice { get; }

    /// <summary>Imports the buffer for sampling without copying (an EGLImage). Null when the driver
    /// refuses it: the client gets "failed", never a crash.</summary>
    ITexture? ImportDmaBuf(DmaBufAttributes attributes);
}
