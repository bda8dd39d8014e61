using Wayland.Benchmarks;

// Usage: Wayland.Benchmarks [--socket PATH]   (only measure an already running compositor)
//        Wayland.Benchmarks                   (start ours and weston headless, measure both, compare)
if (args is ["--socket", var socket])
{
    Report.Print("given", ProtocolBench.Measure(socket, serverPid: null));
    return 0;
}

Console.WriteLine("Wayland protocol benchmark: sync round trip and per-request cost, ours vs weston (libwayland)");
Console.WriteLine($"{Environment.ProcessorCount} CPUs, .NET {Environment.Version}");
using (var ours = ServerProcess.StartOurs())
using (var weston = ServerProcess.StartWeston())
{
    var a = ProtocolBench.Measure(ours.SocketPath, ours.Pid);
    var b = ProtocolBench.Measure(weston.SocketPath, weston.Pid);
    Report.Print("ours", a);
    Report.Print("weston", b);
    Report.Compare(a, b);
}
DispatchAllocations.Run();
return 0;
