using System.Diagnostics;
using Compositor;
using Compositor.Backends.Headless;
using Compositor.Backends.Rendering;
using Wayland.Events;
using Wayland.Server;

namespace Wayland.Benchmarks;

/// <summary>
/// The DMA-BUF path under load: dmabuf-client (Clients/DmabufClient) animating a 1280x720 window
/// every frame. Compositor CPU per frame, ours and weston's GL renderer side by side (the difference
/// of a long and a short run, so start-up and the three imports do not count); and, in our
/// compositor run in this process, DMA-BUF imports and CPU-copied client bytes per frame.
/// </summary>
internal static class DmabufBench
{
    public const int Short = 60, Long = 360;
    private static readonly string ClientDll = Path.Combine(AppContext.BaseDirectory, "dmabuf-client.dll");

    /// <summary>Ours and weston GL side by side, then our counters.</summary>
    public static void Compare()
    {
        Console.WriteLine("DMA-BUF benchmark: dmabuf-client animating 1280x720 every frame, ours vs weston headless GL");
        using (var ours = ServerProcess.StartOurs())
        using (var oursDrawing = ServerProcess.StartOurs(drawEveryFrame: true))
        using (var gl = ServerProcess.StartWeston(gl: true))
        {
            Console.Error.WriteLine("dmabuf frames...");
            var a = Measure("ours", ours);
            var b = Measure("ours, every frame drawn", oursDrawing);
            var c = Measure("weston (gl)", gl);
            Console.WriteLine($"  ratio ours/weston-gl {a / c:F2}, every frame drawn {b / c:F2} (below 1: ours is cheaper)");
            Console.WriteLine("  (weston's headless GL output never has llvmpipe rasterize a frame: its rasterizer threads'");
            Console.WriteLine("  CPU above is the proof; ours by default draws only frames a capture waits for, and with");
            Console.WriteLine("  --draw-every-frame pays the pixel work a screen would need, all of it on this CPU)");
        }
        Counters();
    }

    private static double Measure(string who, ServerProcess server)
    {
        var raster0 = ServerProcess.RasterizerCpuTime(server.Pid);
        var us = CpuMicrosPerFrame(server.SocketPath, server.Pid);
        var raster = ServerProcess.RasterizerCpuTime(server.Pid) - raster0;
        Console.WriteLine($"{who,-24} dmabuf 1280x720: server CPU {us,8:F0} us/frame; llvmpipe rasterizer threads {raster.TotalMilliseconds,6:F0} ms over {Short + Long} frames");
        return us;
    }

    public static double CpuMicrosPerFrame(string socketPath, int serverPid)
    {
        var a = RunClient(socketPath, Short, serverPid);
        var b = RunClient(socketPath, Long, serverPid);
        return (b - a).TotalMicroseconds / (Long - Short);
    }

    private static TimeSpan RunClient(string socketPath, int frames, int serverPid)
    {
        var cpu0 = ServerProcess.CpuTime(serverPid);
        using var client = Client(socketPath, frames);
        client.WaitForExit();
        if (client.ExitCode != 0) throw new InvalidOperationException($"dmabuf-client failed: {client.StandardError.ReadToEnd()}");
        return ServerProcess.CpuTime(serverPid) - cpu0;
    }

    private static Process Client(string socketPath, int frames)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { ClientDll, "--size", "1280x720", "--frames", frames.ToString(), "--allocator", "memfd" }) psi.ArgumentList.Add(a);
        psi.Environment["WAYLAND_DISPLAY"] = socketPath;
        psi.Environment.Remove("WAYLAND_DEBUG");
        return Process.Start(psi)!;
    }

    /// <summary>Our compositor in this process with its real renderer, drawing every frame; the client animates
    /// <see cref="Long"/> frames; the renderer's counters say what was imported and copied.</summary>
    public static void Counters()
    {
        var dir = Path.Combine(Path.GetTempPath(), "wl-dmabuf-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            using var loop = new EventLoop();
            using var display = new Display(loop, Serilog.Core.Logger.None);
            using var backend = new HeadlessBackend(loop, [Compositor.Backends.OutputMode.Parse("1280x720@60")], Serilog.Core.Logger.None, drawEveryFrame: true);
            using var server = new CompositorServer(loop, display, backend, Serilog.Core.Logger.None);
            server.Start();
            var socket = Path.Combine(dir, "bench");
            display.AddSocket(socket);
            var renderer = (GlesRenderer)backend.Renderer;
            var (imports0, bytes0, frames0) = (renderer.DmaBufImports, renderer.BytesUploaded, server.SceneRenderer.FramesRendered);
            using var client = Client(socket, Long);
            while (!client.HasExited) loop.Dispatch(5);
            if (client.ExitCode != 0) throw new InvalidOperationException($"dmabuf-client failed: {client.StandardError.ReadToEnd()}");
            var frames = server.SceneRenderer.FramesRendered - frames0;
            var imports = renderer.DmaBufImports - imports0;
            var bytes = renderer.BytesUploaded - bytes0;
            Console.WriteLine($"ours, dmabuf-client 1280x720 for {Long} frames ({frames} drawn): {imports} DMA-BUF imports " +
                              $"({(double)(imports - 3) / frames:F3} per frame after its 3 buffers), {bytes} client bytes copied by the CPU " +
                              $"({(double)bytes / frames:F1} per frame)");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
