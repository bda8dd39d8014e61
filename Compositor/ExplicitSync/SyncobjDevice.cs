using Serilog;
using Wayland.Interop;
using static Tmds.Linux.LibC;

namespace Compositor.ExplicitSync;

/// <summary>
/// The DRM device explicit sync's timelines are imported into, waited on and signalled through: the
/// render node of the renderer's main device, when its driver has timeline syncobjs and the kernel
/// waits on them through an eventfd (Linux 6.6). Anything else (no DRM device, llvmpipe, an older
/// kernel) offers no wp_linux_drm_syncobj_manager_v1, and says why once.
/// </summary>
internal sealed unsafe class SyncobjDevice : IDisposable
{
    private SyncobjDevice(int fd, string path)
    {
        Fd = fd;
        Path = path;
    }

    /// <summary>The device fd (ours).</summary>
    public int Fd { get; private set; }
    public string Path { get; }

    /// <summary>Opens the render node of <paramref name="mainDevice"/> (a dev_t) if it can do
    /// explicit sync; null, logged, when not.</summary>
    public static SyncobjDevice? Open(ulong? mainDevice, ILogger log)
    {
        if (mainDevice is not { } dev)
        {
            log.Information("Explicit sync (wp_linux_drm_syncobj_manager_v1) not offered: the renderer has no DRM device");
            return null;
        }
        var path = RenderNodeOf(dev);
        if (path is null)
        {
            log.Information("Explicit sync not offered: no render node for device {Major}:{Minor}", dev >> 8, dev & 0xff);
            return null;
        }
        int fd;
        fixed (byte* p = System.Text.Encoding.UTF8.GetBytes(path + "\0")) fd = open(p, O_RDWR | O_CLOEXEC);
        if (fd < 0)
        {
            log.Information("Explicit sync not offered: {Path} cannot be opened (errno {Errno})", path, errno);
            return null;
        }
        var why = !DrmSyncobj.HasTimelines(fd) ? "its driver has no timeline syncobjs" : WaitsThroughEventfd(fd);
        if (why is not null)
        {
            close(fd);
            log.Information("Explicit sync not offered on {Path}: {Why}", path, why);
            return null;
        }
        log.Information("Explicit sync: wp_linux_drm_syncobj_manager_v1, timelines on {Path}", path);
        return new SyncobjDevice(fd, path);
    }

    /// <summary>Null when DRM_IOCTL_SYNCOBJ_EVENTFD works (tried on a syncobj of our own), else why not.</summary>
    private static string? WaitsThroughEventfd(int fd)
    {
        var error = DrmSyncobj.Create(fd, out var handle);
        if (error != 0) return $"a syncobj cannot be created (errno {error})";
        var efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        error = efd < 0 ? errno : DrmSyncobj.SignalEventfd(fd, handle, 1, efd);
        if (efd >= 0) close(efd);
        DrmSyncobj.Destroy(fd, handle);
        return error == 0 ? null : $"the kernel cannot wait on a timeline point through an eventfd (errno {error}; Linux 6.6 can)";
    }

    /// <summary>The render node that is <paramref name="dev"/>, or belongs to the same GPU (a card node).</summary>
    private static string? RenderNodeOf(ulong dev)
    {
        if (!Directory.Exists("/dev/dri")) return null;
        foreach (var path in Directory.EnumerateFiles("/dev/dri", "renderD*"))
        {
            Tmds.Linux.stat st;
            int result;
            fixed (byte* p = System.Text.Encoding.UTF8.GetBytes(path + "\0")) result = stat(p, &st);
            if (result == 0 && (ulong)st.st_rdev == dev) return path;
        }
        var siblings = $"/sys/dev/char/{dev >> 8}:{dev & 0xff}/device/drm";
        return Directory.Exists(siblings)
            ? Directory.EnumerateDirectories(siblings, "renderD*").Select(d => "/dev/dri/" + System.IO.Path.GetFileName(d)).FirstOrDefault(File.Exists)
            : null;
    }

    public void Dispose()
    {
        if (Fd >= 0) close(Fd);
        Fd = -1;
    }
}
