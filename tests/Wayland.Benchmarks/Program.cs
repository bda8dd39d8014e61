using Wayland.Benchmarks;

// Usage: Wayland.Benchmarks [--socket PATH]        (only measure an already running compositor)
//        Wayland.Benchmarks --frames PATH PID      (frame cost of a running compositor with that pid)
//        Wayland.Benchmarks --xwayland             (X11 through Xwayland: first-client latency, glxgears' compositor CPU; ours vs weston)
//        Wayland.Benchmarks --load [CASE]          (load: 100k objects, connection cycles, 200 animated clients, a flooder, fd hoarders;
//                                                   CASE: objects, cycles, animated, flooder or fds alone)
//        Wayland.Benchmarks                        (start ours and weston headless, measure both, compare)
if (args is ["--socket", var socket])
{
    Report.Print("given", ProtocolBench.Measure(socket, serverPid: null));
    return 0;
}
if (args is ["--dmabuf"])
{
    DmabufBench.Compare();
    return 0;
}
if (args is ["--load", .. var cases] && cases.Length <= 1)
{
    LoadBench.Compare(cases.Length == 1 ? cases[0] : null);
    return 0;
}
if (args is ["--xwayland"])
{
    XwaylandBench.Compare();
    return 0;
}
if (args is ["--objects"])
{
    ObjectAllocations.Run();
    return 0;
}
if (args is ["--allocations"])
{
    DispatchAllocations.Run();
    DispatchAllocations.FrameCallbackBytes();
    FrameLoopAllocations.Run();
    ObjectAllocations.Run();
    return 0;
}
if (args is ["--frames", var frameSocket, var pidText])
{
    var pid = int.Parse(pidText);
    FrameBench.Print("given", FrameBench.Measure(frameSocket, pid, full: true));
    FrameBench.Print("given", FrameBench.Measure(frameSocket, pid, full: false));
    return 0;
}

Console.WriteLine("Wayland protocol benchmark: sync round trip and per-request cost, ours vs weston (libwayland)");
Console.WriteLine($"{Environment.ProcessorCount} CPUs, .NET {Environment.Version}");
const int Runs = 5;
using (var ours = ServerProcess.StartOurs())
using (var weston = ServerProcess.StartWeston())
{
    var oursRuns = new List<Result>();
    var westonRuns = new List<Result>();
    for (var run = 0; run < Runs; run++)
    {
        Console.Error.WriteLine($"run {run + 1}/{Runs}...");
        var a = ProtocolBench.Measure(ours.SocketPath, ours.Pid);
        oursRuns.Add(a);
        // Same stream on both sides: the damage stream only where both servers have wl_compositor.
        westonRuns.Add(ProtocolBench.Measure(weston.SocketPath, weston.Pid, syncStream: a.Stream == "wl_display.sync"));
    }
    Console.WriteLine($"median of {Runs} alternating runs:");
    var oursMedian = Report.Median(oursRuns);
    var westonMedian = Report.Median(westonRuns);
    Report.Print("ours", oursMedian);
    Report.Print("weston", westonMedian);
    Report.Compare(oursMedian, westonMedian);
}

Console.WriteLine();
Console.WriteLine($"Frame benchmark: compositor CPU per frame, fullscreen {FrameBench.Width}x{FrameBench.Height} shm client, ours vs weston headless");
using (var ours = ServerProcess.StartOurs())
using (var oursDrawing = ServerProcess.StartOurs(drawEveryFrame: true))
using (var pixman = ServerProcess.StartWeston(gl: false))
using (var gl = ServerProcess.StartWeston(gl: true))
{
    foreach (var full in new[] { true, false })
    {
        Console.Error.WriteLine($"frames ({(full ? "full" : "damage")})...");
        var a = FrameBench.Measure(ours.SocketPath, ours.Pid, full);
        var d = FrameBench.Measure(oursDrawing.SocketPath, oursDrawing.Pid, full);
        var b = FrameBench.Measure(pixman.SocketPath, pixman.Pid, full);
        var c = FrameBench.Measure(gl.SocketPath, gl.Pid, full);
        FrameBench.Print("ours", a);
        FrameBench.Print("ours, every frame", d);
        FrameBench.Print("weston (pixman)", b);
        FrameBench.Print("weston (gl)", c);
        Console.WriteLine($"  ratio ours/weston-pixman {a.ServerCpuMicrosPerFrame / b.ServerCpuMicrosPerFrame:F2}, ours/weston-gl {a.ServerCpuMicrosPerFrame / c.ServerCpuMicrosPerFrame:F2}; " +
                          $"every frame drawn {d.ServerCpuMicrosPerFrame / b.ServerCpuMicrosPerFrame:F2}, {d.ServerCpuMicrosPerFrame / c.ServerCpuMicrosPerFrame:F2} (below 1: ours is cheaper)");
    }
}

Console.WriteLine();
DmabufBench.Compare();

Console.WriteLine();
LoadBench.Compare();

Console.WriteLine();
DispatchAllocations.Run();
DispatchAllocations.FrameCallbackBytes();
FrameLoopAllocations.Run();
ObjectAllocations.Run();
return 0;
