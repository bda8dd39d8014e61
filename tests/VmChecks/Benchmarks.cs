using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using static Tmds.Linux.LibC;

namespace VmChecks;

/// <summary>
/// Benchmarks, not checks: our compositor and weston 10 on the same DRM device in the same boot,
/// through the same clients, one after the other. Compositor CPU per frame (its process's CPU ticks
/// over a 10 s window after a 5 s warm-up, divided by the frames the client drew meanwhile), the
/// client's own frame rate, and commit-to-present latency (median, p99) seen through wp_presentation
/// by a small shm-client window beside it. Under QEMU's TCG only the ratios mean something.
/// </summary>
internal static partial class Program
{
    private const int WarmUpSeconds = 5, WindowSeconds = 10;

    private sealed record BenchCompositor(string Name, Func<string, Dictionary<string, string>, Process> Start);

    private readonly record struct BenchResult(double CpuMsPerFrame, double Fps, string Latency);

    private static readonly (string Name, string[] Command)[] GlClients =
    [
        ("weston-simple-egl windowed", ["weston-simple-egl"]),
        ("weston-simple-egl fullscreen", ["weston-simple-egl", "-f"]),
        ("glmark2-es2-wayland build", ["glmark2-es2-wayland", "-b", $"build:duration={WarmUpSeconds + WindowSeconds + 10}"]),
    ];

    /// <summary>In the virgl guest: ours (GLES on virgl) against weston's GL renderer; "ours" alone
    /// (for trying a change) with <paramref name="only"/>.</summary>
    private static string BenchGpu(string? only = null) =>
        only == "ours" ? Bench([Ours()], GlClients) : Bench([Ours(), Weston("GL", [])], GlClients);

    /// <summary>
    /// In the virgl guest: a fullscreen GPU client (dmabuf-client's GBM buffers, 1280x800, a new
    /// frame every refresh) on ours scanning it out directly, on ours compositing it
    /// (--no-direct-scanout), and on weston 10's GL renderer, which never scans such implicit-modifier
    /// buffers out. The client measures its own commit-to-present latency: a probe window beside it
    /// would cover part of the screen and stop the direct scanout being measured.
    /// </summary>
    private static string BenchScanout()
    {
        BenchCompositor[] compositors = [Ours(), Ours("ours composited", "--no-direct-scanout"), Weston("GL", [])];
        string[] client = [Path.Combine(AppContext.BaseDirectory, "dmabuf-client.dll"), "--allocator", "gbm", "--device", "/dev/dri/renderD128",
                           "--size", "1280x800", "--fullscreen", "--latency"];
        var results = new List<(string Name, BenchResult Result, string ZeroCopy)>();
        foreach (var c in compositors)
        {
            var (runtime, env) = CheckEnvironment();
            using var compositor = c.Start(runtime, env);
            try
            {
                MeasureSelfTimed(compositor, env, client); // unmeasured: start-up work
                var (result, zeroCopy) = MeasureSelfTimed(compositor, env, client);
                Console.WriteLine($"VM-BENCH {c.Name}, fullscreen GBM client: {Format(result)}, {zeroCopy}");
                results.Add((c.Name, result, zeroCopy));
            }
            finally
            {
                if (!compositor.HasExited) kill(compositor.Id, SIGTERM);
                if (!compositor.WaitForExit(15000)) compositor.Kill();
                compositor.WaitForExit();
            }
        }
        var ours = results[0].Result;
        var line = string.Join("; ", results.Select(r => $"{r.Name} {Format(r.Result)}, {r.ZeroCopy}")) +
                   string.Create(CultureInfo.InvariantCulture, $"; CPU per frame scanout/composited {ours.CpuMsPerFrame / results[1].Result.CpuMsPerFrame:F2}, scanout/weston {ours.CpuMsPerFrame / results[2].Result.CpuMsPerFrame:F2}");
        Console.WriteLine($"VM-BENCH {line}");
        return line;
    }

    /// <summary>Compositor CPU per frame over the window, with the client's own frame count and
    /// latency summary (it prints them when stopped with SIGTERM).</summary>
    private static (BenchResult, string ZeroCopy) MeasureSelfTimed(Process compositor, Dictionary<string, string> env, string[] command)
    {
        using var client = Start("dotnet", command, env);
        var err = client.StandardError.ReadToEndAsync();
        try
        {
            var total = Stopwatch.StartNew();
            Thread.Sleep(WarmUpSeconds * 1000);
            Check(!client.HasExited && !compositor.HasExited, "dmabuf-client or the compositor exited");
            var before = CpuTicks(compositor.Id);
            Thread.Sleep(WindowSeconds * 1000);
            var ticks = CpuTicks(compositor.Id) - before;
            kill(client.Id, SIGTERM);
            Check(client.WaitForExit(30000), "dmabuf-client did not stop");
            var seconds = total.Elapsed.TotalSeconds;
            var m = Regex.Match(err.Result, @"commit-to-present latency: (\d+) presented, (median [\d.]+ ms, p99 [\d.]+ ms), \d+ discarded, (\d+) zero-copy");
            Check(m.Success, $"dmabuf-client printed no latency: {err.Result}");
            var presented = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            var fps = presented / seconds;
            var frames = fps * WindowSeconds;
            return (new BenchResult(frames > 0 ? ticks * 10.0 / frames : double.NaN, fps, m.Groups[2].Value), $"{m.Groups[3].Value} of {presented} zero-copy");
        }
        finally
        {
            if (!client.HasExited) client.Kill();
            client.WaitForExit();
        }
    }

    /// <summary>In the 2D guest: ours (pixman into the dumb buffers) against weston's pixman and GL
    /// (llvmpipe) renderers, with a fullscreen weston-simple-egl.</summary>
    private static string BenchCpu() =>
        Bench([Ours(), Weston("pixman", ["--use-pixman"]), Weston("GL", [])], [GlClients[1]]);

    private static string Bench(BenchCompositor[] compositors, (string Name, string[] Command)[] clients)
    {
        var results = new BenchResult[clients.Length, compositors.Length];
        for (var c = 0; c < compositors.Length; c++)
        {
            var (runtime, env) = CheckEnvironment();
            using var compositor = compositors[c].Start(runtime, env);
            try
            {
                // Unmeasured: the first client's run pays for start-up work (our JIT's tiering, caches) that
                // the steady state never sees again.
                Measure(compositor, env, clients[0].Command);
                for (var s = 0; s < clients.Length; s++)
                {
                    results[s, c] = Measure(compositor, env, clients[s].Command);
                    Console.WriteLine($"VM-BENCH {compositors[c].Name}, {clients[s].Name}: {Format(results[s, c])}");
                }
            }
            finally
            {
                if (!compositor.HasExited) kill(compositor.Id, SIGTERM);
                if (!compositor.WaitForExit(15000)) compositor.Kill();
                compositor.WaitForExit();
            }
        }
        var summary = new StringBuilder();
        for (var s = 0; s < clients.Length; s++)
        {
            var ours = results[s, 0];
            var line = new StringBuilder($"{clients[s].Name}: ours {Format(ours)}");
            for (var c = 1; c < compositors.Length; c++)
            {
                var other = results[s, c];
                line.Append(CultureInfo.InvariantCulture,
                    $"; {compositors[c].Name} {Format(other)}; CPU per frame ours/{compositors[c].Name} {ours.CpuMsPerFrame / other.CpuMsPerFrame:F2}, fps ours/{compositors[c].Name} {ours.Fps / other.Fps:F2}");
            }
            Console.WriteLine($"VM-BENCH {line}");
            summary.Append(line).Append(s + 1 < clients.Length ? " | " : "");
        }
        return summary.ToString();
    }

    private static string Format(BenchResult r) =>
        string.Create(CultureInfo.InvariantCulture, $"CPU {r.CpuMsPerFrame:F2} ms/frame, {r.Fps:F1} fps, latency {r.Latency}");

    private static BenchCompositor Ours(string name = "ours", params string[] args) => new(name, (runtime, env) =>
    {
        var p = Start("dotnet", [Path.Combine(AppContext.BaseDirectory, "compositor.dll"), "--socket", "vm-check", "--backend", "drm", "--drm-device", KmsDevice, "--log-level", "warning", .. args], env);
        _ = p.StandardError.ReadToEndAsync();
        Check(p.StandardOutput.ReadLine() == "WAYLAND_DISPLAY=vm-check", "our compositor did not start");
        return p;
    });

    /// <summary>weston 10's DRM backend on the same card, on VT 2 (it needs a console), with the
    /// socket name our clients use.</summary>
    private static BenchCompositor Weston(string renderer, string[] args) => new($"weston {renderer}", (runtime, env) =>
    {
        var ini = Path.Combine(runtime, "weston.ini");
        File.WriteAllText(ini, "[core]\nidle-time=0\nrequire-input=false\n[shell]\npanel-position=none\n");
        var p = Start("weston", ["--backend=drm-backend.so", "--tty=2", "--socket=vm-check", "-c", ini,
            $"--log={Path.Combine(runtime, "weston.log")}", .. args], env);
        _ = p.StandardError.ReadToEndAsync();
        _ = p.StandardOutput.ReadToEndAsync();
        WaitUntil(() => File.Exists(Path.Combine(runtime, "vm-check")) || p.HasExited, "weston's socket");
        Check(!p.HasExited, $"weston {renderer} did not start: {File.ReadAllText(Path.Combine(runtime, "weston.log"))}");
        Thread.Sleep(2000); // its shell client starts after the socket
        return p;
    });

    private static BenchResult Measure(Process compositor, Dictionary<string, string> env, string[] command)
    {
        using var probe = Start("dotnet", [Path.Combine(AppContext.BaseDirectory, "shm-client.dll"), "--latency", "--size", "64x64"], env);
        var probeErr = probe.StandardError.ReadToEndAsync();
        using var client = Start(command[0], command[1..], env);
        var output = new StringBuilder();
        client.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        client.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        client.BeginOutputReadLine();
        client.BeginErrorReadLine();
        string Output() { lock (output) return output.ToString(); }
        try
        {
            Thread.Sleep(WarmUpSeconds * 1000);
            Check(!client.HasExited && !compositor.HasExited, $"{command[0]} or the compositor exited: {Output()}");
            var before = CpuTicks(compositor.Id);
            var sw = Stopwatch.StartNew();
            Thread.Sleep(WindowSeconds * 1000);
            var ticks = CpuTicks(compositor.Id) - before;
            var seconds = sw.Elapsed.TotalSeconds;
            double fps;
            if (command[0].StartsWith("glmark2", StringComparison.Ordinal))
            {
                // Its figure comes at the end of the scene.
                Check(client.WaitForExit(60000), "glmark2 did not finish its scene");
                client.WaitForExit();
                var m = Regex.Match(Output(), @"FPS: (\d+)");
                Check(m.Success, $"glmark2 printed no FPS: {Output()}");
                fps = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            }
            else
            {
                kill(client.Id, SIGINT);
                if (client.WaitForExit(5000)) client.WaitForExit(); // and its output read to the end
                // "N frames in 5 seconds: F fps", every 5 s: the ones after the warm-up.
                var rates = Regex.Matches(Output(), @"frames in \d+ seconds: ([\d.]+) fps").Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToArray();
                // A client too slow to finish its first 5 s report (weston GL on llvmpipe under TCG) has no figure.
                if (rates.Length == 0) Console.WriteLine($"VM-BENCH {command[0]} printed no frame rate: {Output().Trim()}");
                fps = rates.Length == 0 ? double.NaN : rates.Skip(1).DefaultIfEmpty(rates[^1]).Average();
            }
            var frames = fps * seconds;
            kill(probe.Id, SIGINT);
            Check(probe.WaitForExit(15000), "shm-client did not stop");
            var latency = Regex.Match(probeErr.Result, @"commit-to-present latency: \d+ presented, (median [\d.]+ ms, p99 [\d.]+ ms)");
            return new BenchResult(frames > 0 ? ticks * 10.0 / frames : double.NaN, fps, latency.Success ? latency.Groups[1].Value : "n/a");
        }
        finally
        {
            if (!client.HasExited) client.Kill();
            if (!probe.HasExited) probe.Kill();
            client.WaitForExit();
            probe.WaitForExit();
        }
    }
}
