using System.Diagnostics;

namespace Wayland.Benchmarks;

/// <summary>A compositor under test, in its own private XDG_RUNTIME_DIR.</summary>
internal sealed class ServerProcess : IDisposable
{
    private readonly Process _process;
    private readonly string _dir;
    private readonly System.Text.StringBuilder _output = new();

    private ServerProcess(Process process, string dir, string socket, bool wait)
    {
        _process = process;
        _dir = dir;
        SocketPath = Path.Combine(dir, socket);
        if (wait) WaitForSocket();
    }

    private void WaitForSocket()
    {
        var sw = Stopwatch.StartNew();
        while (!File.Exists(SocketPath))
        {
            if (_process.HasExited) throw new InvalidOperationException($"{_process.StartInfo.FileName} exited with {_process.ExitCode}");
            if (sw.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException("server socket did not appear");
            Thread.Sleep(20);
        }
    }

    public string SocketPath { get; }
    public int Pid => _process.Id;
    public string RuntimeDir => _dir;
    /// <summary>Everything it printed so far (stdout and stderr).</summary>
    public string Output { get { lock (_output) return _output.ToString(); } }

    /// <summary>Our executable; <paramref name="drawEveryFrame"/> makes it draw frames no capture waits
    /// for, as a screen would need (by default a headless output draws only captured frames).</summary>
    public static ServerProcess StartOurs(bool drawEveryFrame = false, bool xwayland = false)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "compositor.dll");
        return Start("dotnet", [dll, "--socket", "bench", "--log-level", xwayland ? "information" : "warning",
            .. drawEveryFrame ? new[] { "--draw-every-frame" } : [], .. xwayland ? Array.Empty<string>() : ["--no-xwayland"]]);
    }

    /// <summary>weston's headless backend at the size our frame benchmark uses, with pixman (its
    /// default) or its GL renderer (llvmpipe, like ours).</summary>
    public static ServerProcess StartWeston(bool gl = false, bool xwayland = false) =>
        Start("weston", ["--backend=headless-backend.so", "--socket=bench", "--idle-time=0", "--width=1280", "--height=720",
            .. gl ? new[] { "--use-gl" } : [], .. xwayland ? new[] { "--xwayland" } : []]);

    private static ServerProcess Start(string file, string[] args)
    {
        var dir = Path.Combine(Path.GetTempPath(), "wl-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var psi = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["XDG_RUNTIME_DIR"] = dir;
        psi.Environment.Remove("WAYLAND_DEBUG");
        psi.Environment.Remove("WAYLAND_DISPLAY");
        var p = Process.Start(psi)!;
        var server = new ServerProcess(p, dir, "bench", wait: false);
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (server._output) server._output.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (server._output) server._output.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        server.WaitForSocket();
        return server;
    }

    /// <summary>User+system CPU time the server has used so far, from /proc.</summary>
    public static TimeSpan CpuTime(int pid) => StatCpuTime($"/proc/{pid}/stat");

    /// <summary>CPU time of the process's llvmpipe rasterizer threads: the pixel work of its frames.</summary>
    public static TimeSpan RasterizerCpuTime(int pid)
    {
        var total = TimeSpan.Zero;
        foreach (var task in Directory.GetDirectories($"/proc/{pid}/task"))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(task, "comm")).StartsWith("llvmpipe-", StringComparison.Ordinal))
                    total += StatCpuTime(Path.Combine(task, "stat"));
            }
            catch (IOException) { } // the thread ended
        }
        return total;
    }

    private static TimeSpan StatCpuTime(string statPath)
    {
        var stat = File.ReadAllText(statPath);
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11]) + long.Parse(fields[12]); // utime, stime (fields 14, 15)
        return TimeSpan.FromSeconds(ticks / 100.0);
    }

    public void Dispose()
    {
        if (!_process.HasExited) { _process.Kill(); _process.WaitForExit(); }
        _process.Dispose();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
