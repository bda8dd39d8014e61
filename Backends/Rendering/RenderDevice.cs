using Compositor.Backends.Native;
using Serilog;
using static Tmds.Linux.LibC;

namespace Compositor.Backends.Rendering;

/// <summary>
/// The DRM render node the GLES renderer is bound to (EGL on GBM), or none (EGL surfaceless, Mesa's
/// llvmpipe on a machine without a GPU). A node counts only if its EGL driver really renders: in a VM
/// with a 2D virtio-gpu or with vgem, GBM and EGL initialise on kms_swrast and then cannot allocate,
/// so each candidate must make a context whose renderer is not a software rasterizer, allocate a
/// buffer, import it and draw into it (<see cref="GlesRenderer"/> does that test).
/// </summary>
public sealed class RenderDevice : IDisposable
{
    private const ulong DrmMajor = 226;

    private RenderDevice(string path, int fd, nint gbm, ulong deviceNumber)
    {
        Path = path;
        Fd = fd;
        Gbm = gbm;
        DeviceNumber = deviceNumber;
    }

    public string Path { get; }
    public int Fd { get; private set; }
    /// <summary>The gbm_device, EGL's native display on the GBM platform.</summary>
    public nint Gbm { get; private set; }
    /// <summary>st_rdev of the node: linux-dmabuf's main_device.</summary>
    public ulong DeviceNumber { get; }
    public string GbmBackend => Native.Gbm.BackendName(Gbm);

    /// <summary>Opens a node for rendering (GBM device only; EGL's test comes after). Null with the reason.</summary>
    public static unsafe RenderDevice? Open(string path, out string whyNot)
    {
        whyNot = "";
        int fd;
        fixed (byte* p = System.Text.Encoding.UTF8.GetBytes(path + "\0")) fd = open(p, O_RDWR | O_CLOEXEC);
        if (fd < 0) { whyNot = $"cannot open it (errno {errno})"; return null; }
        Tmds.Linux.stat st;
        if (fstat(fd, &st) != 0 || (st.st_mode & S_IFMT) != S_IFCHR || ((ulong)st.st_rdev >> 8 & 0xfff) != DrmMajor)
        {
            close(fd);
            whyNot = "not a DRM device";
            return null;
        }
        nint gbm;
        try { gbm = Native.Gbm.CreateDevice(fd); }
        catch (DllNotFoundException) { close(fd); whyNot = "libgbm.so.1 is not installed"; return null; }
        if (gbm == 0) { close(fd); whyNot = "gbm_create_device failed"; return null; }
        return new RenderDevice(path, fd, gbm, (ulong)st.st_rdev);
    }

    /// <summary>The render nodes to try, best first: <paramref name="preferred"/> (the display card's own
    /// node, so frames need not cross devices), then every other /dev/dri/renderD*.</summary>
    public static IEnumerable<string> Candidates(string? preferred)
    {
        if (preferred is not null) yield return preferred;
        if (!Directory.Exists("/dev/dri")) yield break;
        foreach (var node in Directory.GetFiles("/dev/dri", "renderD*").Order(StringComparer.Ordinal))
            if (node != preferred) yield return node;
    }

    /// <summary>The render node of a card (/dev/dri/cardN → its renderD sibling in sysfs), if it has one.</summary>
    public static string? RenderNodeOf(string cardPath)
    {
        var sys = $"/sys/class/drm/{System.IO.Path.GetFileName(cardPath)}/device/drm";
        if (!Directory.Exists(sys)) return null;
        foreach (var entry in Directory.GetDirectories(sys, "renderD*"))
            return "/dev/dri/" + System.IO.Path.GetFileName(entry);
        return null;
    }

    public void Dispose()
    {
        if (Gbm != 0) { Native.Gbm.DeviceDestroy(Gbm); Gbm = 0; }
        if (Fd >= 0) { close(Fd); Fd = -1; }
    }
}
