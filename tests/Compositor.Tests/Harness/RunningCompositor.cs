using System.Diagnostics;
using System.Text;

namespace Compositor.Tests.Harness;

/// <summary>
/// Our compositor executable running headless in its own private XDG_RUNTIME_DIR, as users run it,
/// with real clients started against it and screenshots taken with Debian's grim.
/// </summary>
internal sealed class RunningCompositor : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly List<Process> _clients = [];

    /// <summary>Without an X display (--no-xwayland): most tests have no X programs, and need no X display number.</summary>
    public RunningCompositor(string output = "640x480@60", params string[] extraArgs) : this(xwayland: false, output, extraArgs) { }

    /// <param name="xwayland">Take an X display and start Xwayland for X clients (<see cref="XDisplay"/>).</param>
    public RunningCompositor(bool xwayland, string output, params string[] extraArgs)
    {
        RuntimeDir = Peers.RuntimeDir();
        TestInputPath = Path.Combine(RuntimeDir, "test-input");
        _process = Peers.Start(Peers.Dotnet,
            [Peers.CompositorDll, "--backend", "headless", "--output", output, "--socket", "wl-test", "--test-input", TestInputPath,
             .. xwayland ? Array.Empty<string>() : ["--no-xwayland"], .. extraArgs],
            new Dictionary<string, string?> { ["XDG_RUNTIME_DIR"] = RuntimeDir });
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine(e.Data); };
        _process.BeginErrorReadLine();
        var line = _process.StandardOutput.ReadLine();
        if (line != "WAYLAND_DISPLAY=wl-test")
            throw new InvalidOperationException($"compositor did not start: '{line}'\n{Log}");
        Socket = "wl-test";
        if (!xwayland) return;
        line = _process.StandardOutput.ReadLine();
        if (line is null || !line.StartsWith("DISPLAY=:", StringComparison.Ordinal))
            throw new InvalidOperationException($"compositor opened no X display: '{line}'\n{Log}");
        XDisplay = line["DISPLAY=".Length..];
    }

    /// <summary>The X display (":N") of the compositor's Xwayland, when started with one.</summary>
    public string? XDisplay { get; }

    public string RuntimeDir { get; }
    public string Socket { get; }
    public string TestInputPath { get; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;

    /// <summary>Waits (bounded) for the compositor to exit and returns its exit code.</summary>
    public int WaitForExit(int timeoutMs = 20_000)
    {
        if (!_process.WaitForExit(timeoutMs)) throw new TimeoutException($"the compositor did not exit in {timeoutMs} ms\n{Log}");
        _process.WaitForExit(); // the rest of stderr
        return _process.ExitCode;
    }

    /// <summary>Everything the compositor logged so far.</summary>
    public string Log { get { lock (_log) return _log.ToString(); } }

    public Dictionary<string, string?> ClientEnvironment => new()
    {
        ["XDG_RUNTIME_DIR"] = RuntimeDir,
        ["WAYLAND_DISPLAY"] = Socket,
        // Mesa's EGL clients find llvmpipe without a GPU.
        ["LIBGL_ALWAYS_SOFTWARE"] = "1",
        ["DISPLAY"] = XDisplay,
    };

    /// <summary>Starts a client that keeps running (killed on dispose); stdout and stderr are collected.</summary>
    public ClientProcess StartClient(string file, params string[] args) => StartClient(file, traced: false, args);

    /// <summary>As above; <paramref name="traced"/> runs it with WAYLAND_DEBUG=1, so its stderr tells what it did.</summary>
    public ClientProcess StartClient(string file, bool traced, params string[] args) =>
        StartClient(file, traced ? new Dictionary<string, string?> { ["WAYLAND_DEBUG"] = "1" } : [], args);

    /// <summary>As above, with <paramref name="extraEnvironment"/> on top of the client environment.</summary>
    public ClientProcess StartClient(string file, Dictionary<string, string?> extraEnvironment, params string[] args)
    {
        var env = ClientEnvironment;
        foreach (var (k, v) in extraEnvironment) env[k] = v;
        var p = Peers.Start(file, args, env);
        _clients.Add(p);
        return new ClientProcess(p);
    }

    /// <summary>Runs a client to completion.</summary>
    public (int Code, string Out, string Err) Run(string file, string[] args, int timeoutMs = 30_000) =>
        Peers.Run(file, args, ClientEnvironment, timeoutMs);

    /// <summary>Takes a screenshot of the first output with grim (through zwlr_screencopy_manager_v1).</summary>
    public Image Screenshot()
    {
        var path = Path.Combine(RuntimeDir, $"shot-{Guid.NewGuid():N}.ppm");
        var (code, _, err) = Run("grim", ["-t", "ppm", path]);
        if (code != 0) throw new InvalidOperationException($"grim failed ({code}): {err}\ncompositor log:\n{Log}");
        var image = Image.ReadPpm(File.ReadAllBytes(path));
        File.Delete(path);
        return image;
    }

    public void Dispose()
    {
        foreach (var c in _clients)
        {
            try { if (!c.HasExited) { c.Kill(entireProcessTree: true); c.WaitForExit(5000); } } catch (InvalidOperationException) { }
            c.Dispose();
        }
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(10_000);
        }
        _process.Dispose();
        try { Directory.Delete(RuntimeDir, recursive: true); } catch (IOException) { }
    }
}

/// <summary>A client process with its output collected as it comes.</summary>
internal sealed class ClientProcess
{
    private readonly StringBuilder _err = new();
    private readonly StringBuilder _out = new();

    public ClientProcess(Process process)
    {
        Process = process;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_out) _out.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_err) _err.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Process Process { get; }
    public string Stdout { get { lock (_out) return _out.ToString(); } }
    public string Stderr { get { lock (_err) return _err.ToString(); } }
    public bool HasExited => Process.HasExited;
}

/// <summary>An RGB screenshot (grim's PPM output).</summary>
internal sealed class Image(int width, int height, byte[] rgb)
{
    public int Width { get; } = width;
    public int Height { get; } = height;

    public (byte R, byte G, byte B) this[int x, int y]
    {
        get
        {
            var i = (y * Width + x) * 3;
            return (rgb[i], rgb[i + 1], rgb[i + 2]);
        }
    }

    /// <summary>How many pixels of a rectangle have a colour within <paramref name="tolerance"/>.</summary>
    public int Count(int x0, int y0, int w, int h, (byte R, byte G, byte B) color, int tolerance = 2)
    {
        var n = 0;
        for (var y = y0; y < y0 + h; y++)
            for (var x = x0; x < x0 + w; x++)
            {
                var p = this[x, y];
                if (Math.Abs(p.R - color.R) <= tolerance && Math.Abs(p.G - color.G) <= tolerance && Math.Abs(p.B - color.B) <= tolerance) n++;
            }
        return n;
    }

    public static Image ReadPpm(byte[] data)
    {
        // "P6\n<w> <h>\n<max>\n" then binary RGB.
        var pos = 0;
        string Token()
        {
            while (char.IsWhiteSpace((char)data[pos])) pos++;
            var start = pos;
            while (!char.IsWhiteSpace((char)data[pos])) pos++;
            return Encoding.ASCII.GetString(data, start, pos - start);
        }
        if (Token() != "P6") throw new FormatException("not a binary PPM");
        var w = int.Parse(Token());
        var h = int.Parse(Token());
        if (Token() != "255") throw new FormatException("PPM max value is not 255");
        pos++; // the single whitespace after the header
        return new Image(w, h, data.AsSpan(pos, w * h * 3).ToArray());
    }

    /// <summary>Writes the image as PPM (for looking at a failed test's screen).</summary>
    public void SavePpm(string path)
    {
        var header = Encoding.ASCII.GetBytes($"P6\n{Width} {Height}\n255\n");
        File.WriteAllBytes(path, [.. header, .. rgb]);
    }
}
