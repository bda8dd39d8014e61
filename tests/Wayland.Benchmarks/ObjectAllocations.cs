using System.Diagnostics;
using Compositor;
using Compositor.Backends.Headless;
using Wayland.Client;
using Wayland.Events;
using Wayland.Server;

namespace Wayland.Benchmarks;

/// <summary>
/// Managed bytes the compositor's thread allocates per wl_surface and per wl_region (the real core,
/// headless), and how long its thread spends tearing down a client that leaves with them all.
/// </summary>
internal static class ObjectAllocations
{
    private const int Count = 50_000;

    public static void Run()
    {
        var dir = Path.Combine(Path.GetTempPath(), "wl-objects-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            var socket = Path.Combine(dir, "objects");
            using var loop = new EventLoop();
            using var display = new Display(loop, Serilog.Core.Logger.None);
            using var backend = new HeadlessBackend(loop, [Compositor.Backends.OutputMode.Parse("1280x720@60")], Serilog.Core.Logger.None);
            using var server = new CompositorServer(loop, display, backend, Serilog.Core.Logger.None);
            server.Start();
            display.AddSocket(socket);
            var surface = Measure(loop, server, socket, c => c.CreateSurface(), out var surfaceTeardown);
            var region = Measure(loop, server, socket, c => c.CreateRegion(), out var regionTeardown);
            Console.WriteLine($"objects: {surface:F0} managed bytes per wl_surface, {region:F0} per wl_region; a client leaving with " +
                              $"{Count} of them takes the compositor thread {surfaceTeardown.TotalMilliseconds:F1} ms (surfaces), " +
                              $"{regionTeardown.TotalMilliseconds:F1} ms (regions)");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static double Measure(EventLoop loop, CompositorServer server, string socket,
        Action<Wayland.Protocols.Client.WlCompositor> create, out TimeSpan teardown)
    {
        var phase = 0; // 0 connecting, 1 bound, 2 created, 3 disconnected
        Exception? failure = null;
        var client = new Thread(() =>
        {
            try
            {
                var c = ClientDisplay.Connect(socket);
                var compositor = ObjectsLoad.BindCompositor(c);
                c.Roundtrip();
                Volatile.Write(ref phase, 1);
                while (Volatile.Read(ref phase) == 1) Thread.Sleep(1); // until the server side has counted
                for (var i = 0; i < Count; i++) create(compositor);
                c.Roundtrip();
                Volatile.Write(ref phase, 3);
                while (Volatile.Read(ref phase) == 3) Thread.Sleep(1);
                c.Dispose();
            }
            catch (Exception e) { failure = e; Volatile.Write(ref phase, 5); }
        });
        client.Start();
        while (Volatile.Read(ref phase) == 0) loop.Dispatch(5);
        var clientOfTest = server.Display.Clients[^1];
        var before = GC.GetAllocatedBytesForCurrentThread();
        Volatile.Write(ref phase, 2);
        while (Volatile.Read(ref phase) == 2) loop.Dispatch(5);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Volatile.Write(ref phase, 4);
        var busy = TimeSpan.Zero;
        while (!clientOfTest.IsDestroyed && failure is null)
        {
            var t = Stopwatch.GetTimestamp();
            if (loop.Dispatch(5) > 0) busy += Stopwatch.GetElapsedTime(t);
        }
        client.Join();
        if (failure is not null) throw new InvalidOperationException("object client failed", failure);
        teardown = busy;
        return (double)allocated / Count;
    }
}
