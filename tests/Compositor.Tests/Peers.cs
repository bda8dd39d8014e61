using System.Diagnostics;

namespace Compositor.Tests;

/// <summary>Starting and reading real programs: weston, wayland-info, our compositor executable.</summary>
internal static class Peers
{
    /// <summary>A fresh private XDG_RUNTIME_DIR (mode 0700, as weston insists).</summary>
    public static string RuntimeDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "wl-test-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return dir;
    }

    public static Process Start(string file, IEnumerable<string> args, IDictionary<string, string?> env)
    {
        var psi = new ProcessStartInfo(file)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment.Remove("WAYLAND_DISPLAY");
        psi.Environment.Remove("WAYLAND_SOCKET");
        psi.Environment.Remove("WAYLAND_DEBUG");
        psi.Environment.Remove("DISPLAY");
        foreach (var (k, v) in env)
            if (v is null) psi.Environment.Remove(k); else psi.Environment[k] = v;
        return Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
    }

    /// <summary>Runs a program to completion (bounded), returning exit code, stdout and stderr.</summary>
    public static (int Code, string Out, string Err) Run(string file, IEnumerable<string> args,
        IDictionary<string, string?> env, int timeoutMs = 30_000)
    {
        using var p = Start(file, args, env);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutMs))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} did not finish in {timeoutMs} ms; stderr: {stderr.Result}");
        }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>CPU time of a process so far, in clock ticks (100 a second): utime + stime.</summary>
    public static long CpuTicks(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture)
               + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
    }

    public static void WaitFor(Func<bool> condition, string what, int timeoutMs = 20_000)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.ElapsedMilliseconds > timeoutMs) throw new TimeoutException($"timed out waiting for {what}");
            Thread.Sleep(20);
        }
    }

    /// <summary>The compositor executable, built beside these tests.</summary>
    public static string CompositorDll => Path.Combine(AppContext.BaseDirectory, "compositor.dll");

    /// <summary>The sample clients, built beside these tests (run with <see cref="Dotnet"/>).</summary>
    public static string DmabufClientDll => Path.Combine(AppContext.BaseDirectory, "dmabuf-client.dll");
    public static string ShmClientDll => Path.Combine(AppContext.BaseDirectory, "shm-client.dll");

    /// <summary>The checkout these tests were built from (where Compositor.sln is).</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Compositor.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no Compositor.sln above {AppContext.BaseDirectory}");
    }

    public static string Dotnet => Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet"
        ? p : "dotnet";
}
