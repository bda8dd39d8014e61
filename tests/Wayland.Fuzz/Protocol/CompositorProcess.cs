using System.Diagnostics;
using Wayland.Fuzz.Harness;

namespace Wayland.Fuzz.Protocol;

/// <summary>The compositor executable, headless, in a private XDG_RUNTIME_DIR, its log watched for
/// errors: "ERR" and "FTL" lines and .NET's "Unhandled exception".</summary>
public sealed class CompositorProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _errors = [];
    private readonly Queue<string> _tail = new();
    private const int TailLines = 60;
    private readonly string _runtimeDir;

    public CompositorProcess(string compositorDll)
    {
        _runtimeDir = Directory.CreateTempSubdirectory("wayland-fuzz-").FullName;
        var start = new ProcessStartInfo(DotnetHost, [compositorDll, "--backend", "headless", "--socket", "fuzz"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["XDG_RUNTIME_DIR"] = _runtimeDir;
        start.Environment.Remove("WAYLAND_DISPLAY");
        start.Environment.Remove("WAYLAND_DEBUG");
        _process = Process.Start(start)!;
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not { } line) return;
            lock (_errors)
            {
                _tail.Enqueue(line);
                if (_tail.Count > TailLines) _tail.Dequeue();
                if ((line.Contains(" ERR]") || line.Contains(" FTL]") || line.Contains("Unhandled exception")) && _errors.Count < 20) _errors.Add(line);
            }
        };
        _process.BeginErrorReadLine();
        var first = _process.StandardOutput.ReadLine();
        if (first != "WAYLAND_DISPLAY=fuzz") throw new FuzzFailure($"the compositor did not start (its first line: '{first}')");
        SocketPath = Path.Combine(_runtimeDir, "fuzz");
    }

    /// <summary>The dotnet host running this process, so the compositor runs on the same runtime.</summary>
    private static string DotnetHost =>
        Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";

    public string SocketPath { get; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;

    /// <summary>For a process that is going: waits (bounded) until it is gone and its stderr read.</summary>
    public void WaitForExit()
    {
        if (_process.WaitForExit(5000)) _process.WaitForExit();
    }
    public int OpenFds => FdCount.Of(Pid);
    public long RssKiB => FdCount.RssKiB(Pid);

    public IReadOnlyList<string> LoggedErrors { get { lock (_errors) return [.. _errors]; } }

    /// <summary>The last lines the compositor wrote to stderr (a crash's exception and stack among them).</summary>
    public string LogTail { get { lock (_errors) return string.Join('\n', _tail); } }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(10_000);
        }
        _process.Dispose();
        try { Directory.Delete(_runtimeDir, recursive: true); } catch (IOException) { }
    }
}
