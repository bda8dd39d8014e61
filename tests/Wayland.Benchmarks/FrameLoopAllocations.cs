using Compositor;
using Compositor.Backends.Headless;
using Wayland.Events;
using Wayland.Server;

namespace Wayland.Benchmarks;

/// <summary>
/// Managed bytes the compositor allocates per frame in steady state: the real compositor core with
/// the headless backend and the GLES renderer (llvmpipe), an shm client on another thread drawing
/// frames as fast as frame callbacks allow, and the allocation counter of the compositor's thread.
/// </summary>
internal static class FrameLoopAllocations
{
    public const int Warmup = 60, Measured = 1200;

    public static void Run()
    {
        var dir = Path.Combine(Path.GetTempPath(), "wl-alloc-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var socket = Path.Combine(dir, "alloc");
        try
        {
            foreach (var full in new[] { true, false }) Measure(socket, full);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static void Measure(string socket, bool full)
    {
        using var loop = new EventLoop();
        using var display = new Display(loop, Serilog.Core.Logger.None);
        using var backend = new HeadlessBackend(loop, [Compositor.Backends.OutputMode.Parse("1280x720@60")], Serilog.Core.Logger.None, drawEveryFrame: true);
        using var server = new CompositorServer(loop, display, backend, Serilog.Core.Logger.None);
        server.Start();
        display.AddSocket(socket);

        var phase = 0; // 0 warm-up, 1 measuring, 2 done
        Exception? failure = null;
        var client = new Thread(() =>
        {
            try
            {
                using var c = new ShmClient(socket, 1280, 720);
                for (var i = 0; i < Warmup; i++) c.Frame(i, full);
                Volatile.Write(ref phase, 1);
                for (var i = 0; i < Measured; i++) c.Frame(Warmup + i, full);
                c.Frame(Warmup + Measured, full); // waits for the last measured frame
            }
            catch (Exception e) { failure = e; }
            Volatile.Write(ref phase, 2);
        });
        client.Start();

        long before = 0, frames0 = 0;
        var measuring = false;
        while (Volatile.Read(ref phase) != 2)
        {
            if (!measuring && Volatile.Read(ref phase) == 1)
            {
                measuring = true;
                frames0 = server.SceneRenderer.FramesRendered;
                before = GC.GetAllocatedBytesForCurrentThread();
            }
            loop.Dispatch(5);
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var frames = server.SceneRenderer.FramesRendered - frames0;
        client.Join();
        if (failure is not null) throw new InvalidOperationException("frame client failed", failure);
        Console.WriteLine($"frame loop, {(full ? "full repaint" : "64x64 damage"),-13}: {allocated} bytes allocated by the compositor thread " +
                          $"over {frames} frames ({(double)allocated / Math.Max(1, frames):F1} bytes/frame)");
    }
}
