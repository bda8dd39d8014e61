using System.Diagnostics;
using Wayland.Fuzz.Protocol;
using Xunit.Abstractions;

namespace Wayland.Fuzz.Tests;

public class ProtocolFuzzTests(ITestOutputHelper output)
{
    private static readonly string CompositorDll = Path.Combine(AppContext.BaseDirectory, "compositor.dll");

    [Fact]
    public void TwoHundredThousandMessagesLeaveTheCompositorHealthy()
    {
        // A fixed seed keeps CI deterministic; `wayland-fuzz protocol` without --seed explores new ones.
        var log = new StringWriter();
        var report = new ProtocolFuzzer(new ProtocolFuzzOptions { Seed = 20251201, Messages = 200_000, CompositorDll = CompositorDll, Out = log }).Run();
        output.WriteLine(log.ToString() + report);
        Assert.Empty(report.Failures);
        Assert.True(report.Messages >= 200_000);
        Assert.True(report.Clients > 100, $"only {report.Clients} clients");
        Assert.True(report.Roundtrips > 0, "the healthy client made no round trip");
    }

    [Fact]
    public void TheHealthyClientNoticesACompositorThatStopsAnswering()
    {
        using var compositor = new CompositorProcess(CompositorDll);
        using var healthy = new HealthyClient(compositor.SocketPath);
        Thread.Sleep(300);
        Assert.Null(healthy.Failure);
        using (Process.Start("kill", ["-STOP", compositor.Pid.ToString()])) { }
        try
        {
            var time = Stopwatch.StartNew();
            while (healthy.Failure is null && time.Elapsed < TimeSpan.FromSeconds(6)) Thread.Sleep(100);
            Assert.NotNull(healthy.Failure);
            Assert.True(time.Elapsed >= TimeSpan.FromSeconds(2.5), $"failed after {time.Elapsed}, before the 3 s limit");
        }
        finally
        {
            using (Process.Start("kill", ["-CONT", compositor.Pid.ToString()])) { }
        }
    }
}
