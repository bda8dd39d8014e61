using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Clients.Common;
using DmabufClient.Allocators;
using static Tmds.Linux.LibC;

namespace VmChecks;

/// <summary>
/// Checks for the GPU guest (scripts/vm/run-in-vm.sh --gpu, tests/vm/gpu-checks.sh): a virtio-gpu
/// with virgl 3D, whose render node Mesa drives with its virtio_gpu driver.
/// </summary>
internal static partial class Program
{
    // drm.h / virtgpu_drm.h: DRM_IOWR('d', 0x00, struct drm_version) and
    // DRM_IOWR('d', DRM_COMMAND_BASE + DRM_VIRTGPU_GETPARAM, struct drm_virtgpu_getparam).
    private const nuint IoctlVersion = 0xC0406400, IoctlVirtgpuGetParam = 0xC0106443;
    private const ulong VirtgpuParam3dFeatures = 1;

    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct DrmVersion
    {
        public int Major, Minor, Patch;
        public nuint NameLength;
        public byte* Name;
        public nuint DateLength;
        public byte* Date;
        public nuint DescriptionLength;
        public byte* Description;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct VirtgpuGetParam { public ulong Param, Value; }

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static unsafe partial int DriverIoctl(int fd, nuint request, void* arg);

    /// <summary>
    /// The devices a GPU compositor would use: a render node of the virtio_gpu kernel driver with
    /// virgl 3D switched on (the 2D device answers 0 here), the display card of the same driver,
    /// Mesa's EGL on the surfaceless platform (what our renderer opens) loading its virtio_gpu
    /// driver rather than a software one, and a GBM buffer allocated on the render node, written
    /// through gbm_bo_map and exported as a DMA-BUF of virtio-gpu.
    /// </summary>
    private static string GpuDevices()
    {
        var kms = KmsDevice;
        var nodes = Directory.GetFiles("/dev/dri", "renderD*").Order(StringComparer.Ordinal)
            .Select(n => (Node: n, Driver: DriverName(n))).ToList();
        var seen = string.Join(", ", nodes.Select(n => $"{n.Node} {n.Driver}"));
        var render = nodes.FirstOrDefault(n => n.Driver == "virtio_gpu").Node
                     ?? throw new InvalidOperationException($"no render node of virtio_gpu ({seen})");
        Check(DriverName(kms) == "virtio_gpu", $"{kms} is {DriverName(kms)}, not virtio_gpu");
        var features = Virgl3dFeatures(render);
        Check(features == 1, $"{render}: VIRTGPU_PARAM_3D_FEATURES is {features}: virgl is off (a 2D device)");

        var egl = SurfacelessEglDriver();
        Check(egl == "virtio_gpu", $"EGL on the surfaceless platform loads '{egl}', not Mesa's virtio_gpu driver");

        using var gbm = new GbmAllocator(render, []);
        using var buffer = gbm.Allocate(256, 256, Formats.Xrgb8888);
        unsafe
        {
            var stride = (int)buffer.Planes[0].Stride;
            buffer.Write((p, _) => Pattern.FillArgb(p, stride, 256, 256, 0));
        }
        var exporter = Exporter(buffer.Planes[0].Fd);
        Check(exporter == "virtio_gpu", $"the GBM buffer's DMA-BUF comes from '{exporter}', not virtio_gpu");
        return $"render nodes {seen}; {render}: virgl 3D on, EGL (surfaceless) driver {egl}; {gbm.Name}: 256x256 XRGB8888, " +
               $"stride {buffer.Planes[0].Stride}, modifier 0x{buffer.Modifier:x}, written through gbm_bo_map, DMA-BUF of {exporter}";
    }

    /// <summary>
    /// Our compositor on the DRM backend lights the virgl device's display: a wl_shm client's frame 0
    /// shows exactly in a screenshot, the harness saves what the QEMU window shows (VM-SCREENDUMP
    /// gpu-drm-screen, checked on the host), and presentation feedback comes from page flips.
    /// </summary>
    private static string GpuDrmScreen()
    {
        var dir = AppContext.BaseDirectory;
        var (runtime, env) = CheckEnvironment();
        return WithCompositor(["--backend", "drm", "--drm-device", KmsDevice], env, (compositor, log) =>
        {
            using var client = Start("dotnet", [Path.Combine(dir, "shm-client.dll"), "--static"], env);
            try
            {
                WaitForFrame0(runtime, env, client);
                Screendump("gpu-drm-screen");
                var presented = PresentationOnFlips(env);
                Check(!compositor.HasExited, "the compositor exited");
                var renderer = log().Split('\n').FirstOrDefault(l => l.Contains("renderer", StringComparison.Ordinal))?.Trim() ?? "no renderer line logged";
                var path = ScanoutPath(log);
                Check(path.Contains("the GPU draws straight into 2 GBM scanout buffers", StringComparison.Ordinal),
                    $"the output does not draw on the GPU into GBM buffers: '{path}'");
                var totals = StopAndReadTotals(compositor, log);
                Check(totals.ScanoutCopied == 0 && totals.Frames > 0,
                    $"{totals.Frames} frames drawn, {totals.ScanoutCopied} bytes copied into scanout buffers (the GPU path copies none)");
                return $"shm frame 0 exact in the screenshot; {presented}; compositor: {renderer}; {path}; " +
                       $"{totals.Frames} frames drawn, {totals.ScanoutCopied} bytes copied into scanout buffers";
            }
            finally
            {
                if (!client.HasExited) client.Kill();
                client.WaitForExit();
            }
        });
    }

    /// <summary>The kernel driver behind a DRM node (DRM_IOCTL_VERSION's name).</summary>
    private static unsafe string DriverName(string node)
    {
        var fd = Open(node);
        try
        {
            var name = stackalloc byte[64];
            var version = new DrmVersion { NameLength = 64, Name = name };
            Check(DriverIoctl(fd, IoctlVersion, &version) == 0, $"DRM_IOCTL_VERSION on {node} failed: errno {Marshal.GetLastPInvokeError()}");
            return Encoding.ASCII.GetString(name, (int)Math.Min(version.NameLength, 64));
        }
        finally
        {
            close(fd);
        }
    }

    private static unsafe int Virgl3dFeatures(string node)
    {
        var fd = Open(node);
        try
        {
            int value = -1;
            var param = new VirtgpuGetParam { Param = VirtgpuParam3dFeatures, Value = (ulong)&value };
            Check(DriverIoctl(fd, IoctlVirtgpuGetParam, &param) == 0, $"VIRTGPU_GETPARAM on {node} failed: errno {Marshal.GetLastPInvokeError()}");
            return value;
        }
        finally
        {
            close(fd);
        }
    }

    /// <summary>"EGL driver name" in the surfaceless platform's part of eglinfo's report (mesa-utils;
    /// Mesa's EGL_MESA_query_driver).</summary>
    private static string SurfacelessEglDriver()
    {
        using var eglinfo = Start("eglinfo", [], new Dictionary<string, string> { ["XDG_RUNTIME_DIR"] = "/tmp" });
        _ = eglinfo.StandardError.ReadToEndAsync();
        var report = eglinfo.StandardOutput.ReadToEnd();
        eglinfo.WaitForExit();
        var section = report.Split("Surfaceless platform:");
        Check(section.Length == 2, "eglinfo reports no surfaceless platform");
        var line = section[1].Split('\n').FirstOrDefault(l => l.StartsWith("EGL driver name:", StringComparison.Ordinal));
        Check(line is not null, "eglinfo names no EGL driver for the surfaceless platform");
        return line!["EGL driver name:".Length..].Trim();
    }

    /// <summary>The exporting driver of a DMA-BUF fd (exp_name in its fdinfo).</summary>
    private static string Exporter(int fd) =>
        File.ReadLines($"/proc/self/fdinfo/{fd}").FirstOrDefault(l => l.StartsWith("exp_name:", StringComparison.Ordinal))?["exp_name:".Length..].Trim()
        ?? "no exporter (not a DMA-BUF)";
}
