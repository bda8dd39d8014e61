using System.Diagnostics;
using Clients.Common;
using DmabufClient.Allocators;
using Wayland.Client;
using Wayland.Interop;
using Wayland.Protocols.Client;
using static Tmds.Linux.LibC;

namespace VmChecks;

internal static partial class Program
{
    private const string RenderNode = "/dev/dri/renderD128";

    /// <summary>
    /// Explicit sync (wp_linux_drm_syncobj_v1) with real timelines of virtio_gpu's render node in
    /// the GPU VM: a frame whose acquire point is unsignalled is not shown (grim capture) while
    /// another client animates, and is shown once the point is signalled from the CPU; the buffer it
    /// replaced gets its release point signalled, the one on screen does not; a client that leaves
    /// while a commit waits on a point that never comes frees everything (fds, and its release points
    /// are signalled). Then each of the protocol's errors, each from a client of its own, with the
    /// compositor and other clients going on.
    /// </summary>
    private static string ExplicitSync()
    {
        var (runtime, env) = CheckEnvironment();
        Environment.SetEnvironmentVariable("XDG_RUNTIME_DIR", runtime);
        return WithCompositor(["--backend", "drm", "--drm-device", KmsDevice], env, (compositor, log) =>
        {
            Check(log().Contains($"Explicit sync: wp_linux_drm_syncobj_manager_v1, timelines on {RenderNode}", StringComparison.Ordinal),
                $"explicit sync is not offered on {RenderNode}: {log().Split('\n').FirstOrDefault(l => l.Contains("xplicit sync", StringComparison.Ordinal))}");
            using var gbm = new GbmAllocator(RenderNode, []);
            var baseline = FdsAfterWarmUp(compositor, gbm);
            var drm = Open(RenderNode); // the client's own timelines, on the same kind of device
            try
            {
                var result = WaitAndRelease(runtime, env, compositor, gbm, drm, baseline);
                var errors = ProtocolErrors(gbm, drm);
                Check(!compositor.HasExited, "the compositor died");
                Check(!log().Contains("[ERR]", StringComparison.Ordinal), "the compositor logged an error");
                return $"{result}; protocol errors: {errors}";
            }
            finally
            {
                close(drm);
            }
        });
    }

    private static string WaitAndRelease(string runtime, Dictionary<string, string> env, Process compositor, GbmAllocator gbm, int drm, HashSet<string> baseline)
    {
        var window = new Window("explicit-sync", 128, 128, "vm-check");
        var manager = window.Bind<WpLinuxDrmSyncobjManagerV1>("wp_linux_drm_syncobj_manager_v1", 1)
                      ?? throw new InvalidOperationException("no wp_linux_drm_syncobj_manager_v1 advertised");
        var sync = manager.GetSurface(window.Surface);
        var (acquireHandle, acquire) = NewTimeline(drm, manager);
        var (redRelease, redReleaseTimeline) = NewTimeline(drm, manager);
        var (blueRelease, blueReleaseTimeline) = NewTimeline(drm, manager);
        using var red = gbm.Allocate(128, 128, Formats.Xrgb8888);
        using var blue = gbm.Allocate(128, 128, Formats.Xrgb8888);
        Fill(red, 128, 128, 0x00ff0000);
        Fill(blue, 128, 128, 0x000000ff);
        var redBuffer = ImportBuffer(window, red, 128, 128);
        var blueBuffer = ImportBuffer(window, blue, 128, 128);

        // Red, its acquire point signalled before the commit: shown at once.
        Check(DrmSyncobj.Signal(drm, acquireHandle, 1) == 0, "the client could not signal its own timeline");
        sync.SetAcquirePoint(acquire, 0, 1);
        sync.SetReleasePoint(redReleaseTimeline, 0, 1);
        window.Present(redBuffer);
        WaitForColour(runtime, env, (255, 0, 0), "the red frame (its acquire point signalled)");

        using var other = new OtherClient(gbm);
        // Blue under acquire point 2, which nothing has signalled yet.
        sync.SetAcquirePoint(acquire, 0, 2);
        sync.SetReleasePoint(blueReleaseTimeline, 0, 1);
        window.Present(blueBuffer);
        var otherFrames = Animate(other.Window, other.Buffers, TimeSpan.FromSeconds(2));
        var shot = Screenshot(runtime, env) ?? throw new InvalidOperationException("grim failed");
        Check(shot.Pixel(Probe, Probe) == (255, 0, 0), $"a frame under an unsignalled acquire point was shown: {shot.Pixel(Probe, Probe)} at {Probe},{Probe}");
        Check(otherFrames >= 20, $"another client showed only {otherFrames} frames in 2 s while an acquire point was unsignalled");
        Check(Signalled(drm, redRelease) == 0, "red's release point was signalled while red was still on screen");

        Check(DrmSyncobj.Signal(drm, acquireHandle, 2) == 0, "the client could not signal its own timeline");
        var signalled = Stopwatch.StartNew();
        WaitForColour(runtime, env, (0, 0, 255), "the blue frame after its acquire point signalled");
        var shownAfter = signalled.ElapsedMilliseconds;
        // Red is off screen (grim saw the frame that replaced it): its release point comes.
        var waited = DrmSyncobj.Wait(drm, redRelease, 1, Deadline(TimeSpan.FromSeconds(5)));
        Check(waited == 0, $"red's release point was not signalled within 5 s of blue showing (errno {waited})");
        Check(Signalled(drm, blueRelease) == 0, "blue's release point was signalled while blue is on screen");

        // Leaving while red waits on acquire point 3, which never comes.
        sync.SetAcquirePoint(acquire, 0, 3);
        sync.SetReleasePoint(redReleaseTimeline, 0, 2);
        window.Present(redBuffer);
        window.Display.Roundtrip();
        window.Dispose();
        other.Dispose();
        var fds = FdsBackTo(compositor, baseline);
        // What the client left behind is given back as its release points: blue (it was on screen) and red (never shown).
        Check(DrmSyncobj.Wait(drm, blueRelease, 1, Deadline(TimeSpan.FromSeconds(3))) == 0, "blue's release point was not signalled after its client left");
        Check(DrmSyncobj.Wait(drm, redRelease, 2, Deadline(TimeSpan.FromSeconds(3))) == 0, "the waiting commit's release point was not signalled after its client left");
        Check(Signalled(drm, acquireHandle) == 2, "the acquire timeline moved: the compositor signalled a point that was the client's to signal");
        foreach (var h in new[] { acquireHandle, redRelease, blueRelease }) DrmSyncobj.Destroy(drm, h);
        return $"not shown for 2 s under an unsignalled acquire point, while another client showed {otherFrames} frames; shown {shownAfter} ms after the " +
               $"point was signalled (grim capture); the replaced buffer's release point signalled, the shown one's not; fds back to {fds} after a client left mid-wait";
    }

    /// <summary>Each error of wp_linux_drm_syncobj_v1, from a client of its own.</summary>
    private static string ProtocolErrors(GbmAllocator gbm, int drm)
    {
        var seen = new List<string>();
        void Expect(string what, string iface, uint code, Action<Window, WpLinuxDrmSyncobjManagerV1, WlBuffer> misuse)
        {
            using var window = new Window($"error-{what}", 64, 64, "vm-check");
            using var buffer = gbm.Allocate(64, 64, Formats.Xrgb8888);
            var wl = ImportBuffer(window, buffer, 64, 64);
            var manager = window.Bind<WpLinuxDrmSyncobjManagerV1>("wp_linux_drm_syncobj_manager_v1", 1)!;
            try
            {
                misuse(window, manager, wl);
                window.Display.Roundtrip(5000);
            }
            catch (WaylandProtocolException)
            {
                // The error under test ends the connection; it is checked below.
            }
            var e = window.Display.Error;
            Check(e is not null && e.Interface == iface && e.Code == code, $"{what}: expected {iface} error {code}, got {e?.ToString() ?? "no error"}");
            seen.Add($"{what} ({e!.Code})");
        }

        Expect("surface_exists", "wp_linux_drm_syncobj_manager_v1", 0, (w, m, _) =>
        {
            m.GetSurface(w.Surface);
            m.GetSurface(w.Surface);
        });
        Expect("invalid_timeline", "wp_linux_drm_syncobj_manager_v1", 1, (_, m, _) =>
        {
            var notASyncobj = eventfd(0, EFD_CLOEXEC);
            m.ImportTimeline(notASyncobj);
            close(notASyncobj);
        });
        Expect("no_buffer", "wp_linux_drm_syncobj_surface_v1", 3, (w, m, _) =>
        {
            var s = m.GetSurface(w.Surface);
            var t = NewTimeline(drm, m).Timeline;
            s.SetAcquirePoint(t, 0, 1);
            s.SetReleasePoint(t, 0, 2);
            w.Surface.Commit();
        });
        Expect("no_acquire_point", "wp_linux_drm_syncobj_surface_v1", 4, (w, m, b) =>
        {
            var s = m.GetSurface(w.Surface);
            s.SetReleasePoint(NewTimeline(drm, m).Timeline, 0, 1);
            w.Present(b);
        });
        Expect("no_release_point", "wp_linux_drm_syncobj_surface_v1", 5, (w, m, b) =>
        {
            var s = m.GetSurface(w.Surface);
            s.SetAcquirePoint(NewTimeline(drm, m).Timeline, 0, 1);
            w.Present(b);
        });
        Expect("conflicting_points", "wp_linux_drm_syncobj_surface_v1", 6, (w, m, b) =>
        {
            var s = m.GetSurface(w.Surface);
            var t = NewTimeline(drm, m).Timeline;
            s.SetAcquirePoint(t, 0, 2);
            s.SetReleasePoint(t, 0, 2);
            w.Present(b);
        });
        Expect("unsupported_buffer", "wp_linux_drm_syncobj_surface_v1", 2, (w, m, _) =>
        {
            var s = m.GetSurface(w.Surface);
            var t = NewTimeline(drm, m).Timeline;
            s.SetAcquirePoint(t, 0, 1);
            s.SetReleasePoint(t, 0, 2);
            w.Present(ShmBuffer(w, 64, 64, 0xff000000));
        });
        Expect("no_surface", "wp_linux_drm_syncobj_surface_v1", 1, (w, m, _) =>
        {
            var s = m.GetSurface(w.Surface);
            w.Toplevel.Destroy();
            w.XdgSurface.Destroy();
            w.Surface.Destroy();
            s.SetAcquirePoint(NewTimeline(drm, m).Timeline, 0, 1);
        });
        return string.Join(", ", seen);
    }

    /// <summary>A timeline syncobj of the client's on <paramref name="drm"/>, handed to the compositor.</summary>
    private static (uint Handle, WpLinuxDrmSyncobjTimelineV1 Timeline) NewTimeline(int drm, WpLinuxDrmSyncobjManagerV1 manager)
    {
        Check(DrmSyncobj.Create(drm, out var handle) == 0, "DRM_IOCTL_SYNCOBJ_CREATE failed");
        Check(DrmSyncobj.Export(drm, handle, out var fd) == 0, "DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD failed");
        var timeline = manager.ImportTimeline(fd); // (queues a dup of the fd)
        close(fd);
        return (handle, timeline);
    }

    private static ulong Signalled(int drm, uint handle)
    {
        Check(DrmSyncobj.Query(drm, handle, out var point) == 0, "DRM_IOCTL_SYNCOBJ_QUERY failed");
        return point;
    }

    /// <summary>An absolute CLOCK_MONOTONIC time, as DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT takes it.</summary>
    private static long Deadline(TimeSpan from) => (long)(Stopwatch.GetTimestamp() * (1e9 / Stopwatch.Frequency)) + (long)from.TotalNanoseconds;
}
