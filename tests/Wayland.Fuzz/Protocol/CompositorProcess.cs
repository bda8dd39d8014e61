using System.Diagnostics;
using Wayland.Fuzz.Harness;

namespace Wayland.Fuzz.Protocol;

/// <summary>The compositor executable, headless, in a private XDG_RUNTIME_DIR, its log watched for
/// errors: "ERR" and "FTL" lines and .NET's "Unhandled exception".</summary>
public sealed class CompositorProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _errors = [];
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
            if (e.Data is { } line && (line.Contains(" ERR]") || line.Contains(" FTL]") || line.Contains("Unhandled exception")))
                lock (_errors) if (_errors.Count < 20) _errors.Add(line);
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
    public int OpenFds => FdCount.Of(Pid);
    public long RssKiB => FdCount.RssKiB(Pid);

    public IReadOnlyList<string> LoggedErrors { get { lock (_errors) return [.. _errors]; } }

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
