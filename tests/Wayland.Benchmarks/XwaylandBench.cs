using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Wayland.Benchmarks;

/// <summary>
/// X11 programs through Xwayland, ours against weston 10 with its xwayland module, both headless
/// and both starting Xwayland on the first X client: how long that first client waits (xprop's run,
/// Xwayland started for it) and a later one (Xwayland running), and the compositor's CPU while
/// glxgears runs through Xwayland beside the same for a native EGL client (es2gears_wayland).
/// </summary>
internal static partial class XwaylandBench
{
    private const int WarmRuns = 5;
    private static readonly TimeSpan Warmup = TimeSpan.FromSeconds(3), Measured = TimeSpan.FromSeconds(10);

    public static void Compare()
    {
        Console.WriteLine("Xwayland benchmark: first X client's wait (Xwayland started for it) and a later one's; compositor CPU with glxgears through Xwayland and with es2gears_wayland, ours vs weston 10 (--xwayland), headless 1280x720");
        var rows = new List<(string Name, Row Row)>();
        foreach (var (name, start) in new (string, Func<ServerProcess>)[]
                 {
                     ("ours", () => ServerProcess.StartOurs(xwayland: true)),
                     ("ours, every frame drawn", () => ServerProcess.StartOurs(drawEveryFrame: true, xwayland: true)),
                     ("weston 10 GL", () => ServerProcess.StartWeston(gl: true, xwayland: true)),
                 })
        {
            Console.Error.WriteLine($"{name}...");
            using var server = start();
            rows.Add((name, Measure(server)));
        }
        Console.WriteLine($"| | {string.Join(" | ", rows.Select(r => r.Name))} |");
        Console.WriteLine($"|---|{string.Concat(rows.Select(_ => "---|"))}");
        Print("first X client (xprop), Xwayland started for it", rows, r => $"{r.FirstClient.TotalMilliseconds:F0} ms");
        Print($"a later X client, median of {WarmRuns}", rows, r => $"{r.WarmClient.TotalMilliseconds:F1} ms");
        Print("glxgears through Xwayland: compositor CPU per second", rows, r => $"{r.GearsX.CompositorMsPerSecond:F1} ms");
        Print("glxgears: Xwayland's CPU per second", rows, r => $"{r.GearsX.XwaylandMsPerSecond:F1} ms");
        Print("es2gears_wayland (native): compositor CPU per second", rows, r => $"{r.GearsNative.CompositorMsPerSecond:F1} ms");
        Print("frames per second, glxgears / es2gears_wayland", rows, r => $"{r.GearsX.Fps:F0} / {r.GearsNative.Fps:F0}");
        Console.WriteLine("(glxgears draws with llvmpipe as fast as it can and Xwayland commits at most once per frame callback, 60 Hz;" +
                          " es2gears_wayland draws at the frame callbacks' pace: compositor CPU per second over 60 is its cost per frame.)");
    }

    private static void Print(string label, List<(string Name, Row Row)> rows, Func<Row, string> cell) =>
        Console.WriteLine($"| {label} | {string.Join(" | ", rows.Select(r => cell(r.Row)))} |");

    private sealed record Row(TimeSpan FirstClient, TimeSpan WarmClient, GearsRun GearsX, GearsRun GearsNative);
    private sealed record GearsRun(double CompositorMsPerSecond, double XwaylandMsPerSecond, double Fps);

    private static Row Measure(ServerProcess server)
    {
        var display = WaitForDisplay(server);
        var env = new Dictionary<string, string> { ["XDG_RUNTIME_DIR"] = server.RuntimeDir, ["WAYLAND_DISPLAY"] = "bench", ["DISPLAY"] = display, ["LIBGL_ALWAYS_SOFTWARE"] = "1" };
        var first = TimeXprop(env);
        var warm = new List<TimeSpan>();
        for (var i = 0; i < WarmRuns; i++) warm.Add(TimeXprop(env));
        warm.Sort();
        var xwayland = XwaylandPid(server.Pid);
        var gearsX = RunGears(server, xwayland, "glxgears", [], env);
        var gearsNative = RunGears(server, null, "es2gears_wayland", [], env);
        return new Row(first, warm[WarmRuns / 2], gearsX, gearsNative);
    }

    /// <summary>Ours prints DISPLAY=:N; weston logs the display its xwayland module listens on.</summary>
    private static string WaitForDisplay(ServerProcess server)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(30))
        {
            var m = DisplayLine().Match(server.Output);
            if (m.Success) return m.Groups[1].Value + m.Groups[2].Value;
            Thread.Sleep(20);
        }
        throw new TimeoutException($"no X display announced:\n{server.Output}");
    }

    [GeneratedRegex(@"(?:^DISPLAY=(:\d+)|xserver listening on display (:\d+))", RegexOptions.Multiline)]
    private static partial Regex DisplayLine();

    private static TimeSpan TimeXprop(Dictionary<string, string> env)
    {
        var sw = Stopwatch.StartNew();
        using var p = Start("xprop", ["-root", "_NET_SUPPORTING_WM_CHECK"], env);
        p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(60_000)) throw new TimeoutException("xprop did not finish");
        if (p.ExitCode != 0) throw new InvalidOperationException($"xprop failed: {p.StandardError.ReadToEnd()}");
        return sw.Elapsed;
    }

    /// <summary>The Xwayland the compositor started (its child), for its own CPU.</summary>
    private static int? XwaylandPid(int compositorPid)
    {
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "comm")).Trim() != "Xwayland") continue;
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var parent = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1]);
                if (parent == compositorPid) return pid;
            }
            catch (IOException) { }
        }
        return null;
    }

    private static GearsRun RunGears(ServerProcess server, int? xwayland, string file, string[] args, Dictionary<string, string> env)
    {
        using var p = Start(file, args, env);
        var output = new System.Text.StringBuilder();
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        Thread.Sleep(Warmup);
        var (c0, x0) = (ServerProcess.CpuTime(server.Pid), xwayland is { } x ? ServerProcess.CpuTime(x) : TimeSpan.Zero);
        var sw = Stopwatch.StartNew();
        Thread.Sleep(Measured);
        var (c1, x1) = (ServerProcess.CpuTime(server.Pid), xwayland is { } y ? ServerProcess.CpuTime(y) : TimeSpan.Zero);
        var seconds = sw.Elapsed.TotalSeconds;
        if (p.HasExited) throw new InvalidOperationException($"{file} exited early: {p.StandardError.ReadToEnd()}");
        p.Kill();
        p.WaitForExit();
        // Both print "N frames in 5.0 seconds = F FPS" every 5 s: the last one is the measured window's.
        string text;
        lock (output) text = output.ToString();
        var fps = FpsLine().Matches(text) is { Count: > 0 } ms ? double.Parse(ms[^1].Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : double.NaN;
        return new GearsRun((c1 - c0).TotalMilliseconds / seconds, (x1 - x0).TotalMilliseconds / seconds, fps);
    }

    [GeneratedRegex(@"= ([\d.]+) FPS")]
    private static partial Regex FpsLine();

    private static Process Start(string file, string[] args, Dictionary<string, string> env)
    {
        var psi = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment.Remove("WAYLAND_DEBUG");
        foreach (var (k, v) in env) psi.Environment[k] = v;
        return Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
    }
}
