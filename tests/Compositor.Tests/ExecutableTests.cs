using System.Text.RegularExpressions;

namespace Compositor.Tests;

/// <summary>The compositor executable as users run it.</summary>
public sealed class ExecutableTests
{
    private static Dictionary<string, string?> Env(string runtimeDir, string? debug = null) =>
        new() { ["XDG_RUNTIME_DIR"] = runtimeDir, ["WAYLAND_DEBUG"] = debug };

    [Fact]
    public void RunsAClientAndExitsWithItsExitCode()
    {
        var dir = Peers.RuntimeDir();
        var (code, stdout, stderr) = Peers.Run(Peers.Dotnet, [Peers.CompositorDll, "--socket", "wl-exe", "--", "wayland-info"], Env(dir));
        Assert.True(code == 0, $"exit {code}: {stderr}");
        Assert.StartsWith("WAYLAND_DISPLAY=wl-exe", stdout);
        Assert.False(File.Exists(Path.Combine(dir, "wl-exe")), "socket left behind");
        Assert.False(File.Exists(Path.Combine(dir, "wl-exe.lock")), "lock file left behind");

        (code, _, _) = Peers.Run(Peers.Dotnet, [Peers.CompositorDll, "--", "sh", "-c", "exit 7"], Env(dir));
        Assert.Equal(7, code);
        Directory.Delete(dir, true);
    }

    /// <summary>The runtime raises our soft fd limit to the hard one; the command we start gets back the
    /// one we were started with (programs using select() break above 1024).</summary>
    [Fact]
    public void TheCommandGetsTheFdLimitWeWereStartedWith()
    {
        var dir = Peers.RuntimeDir();
        var hard = File.ReadLines("/proc/self/limits").First(l => l.StartsWith("Max open files")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[4];
        Assert.True(int.Parse(hard) > 512, $"the hard limit ({hard}) leaves nothing to test");
        var (code, stdout, stderr) = Peers.Run("sh", ["-c", $"ulimit -Sn 512; \"$0\" {Peers.CompositorDll} --backend headless -- sh -c 'echo child-soft-limit $(ulimit -Sn)'", Peers.Dotnet], Env(dir));
        Assert.True(code == 0, stderr);
        Assert.Contains("child-soft-limit 512", stdout);
        Directory.Delete(dir, true);
    }

    [Fact]
    public void ChildSeesOurSocket()
    {
        var dir = Peers.RuntimeDir();
        var (code, stdout, _) = Peers.Run(Peers.Dotnet,
            [Peers.CompositorDll, "--", "sh", "-c", "echo child:$WAYLAND_DISPLAY; test -S \"$XDG_RUNTIME_DIR/$WAYLAND_DISPLAY\""], Env(dir));
        Assert.Equal(0, code);
        var name = Regex.Match(stdout, "^WAYLAND_DISPLAY=(\\S+)", RegexOptions.Multiline).Groups[1].Value;
        Assert.Equal("wayland-0", name);
        Assert.Contains($"child:{name}", stdout);
        Directory.Delete(dir, true);
    }

    [Fact]
    public void WaylandDebugTracesTheSessionInLibwaylandFormat()
    {
        var dir = Peers.RuntimeDir();
        var (code, _, stderr) = Peers.Run(Peers.Dotnet, [Peers.CompositorDll, "--", "wayland-info"], Env(dir, "server"));
        Assert.Equal(0, code);
        Assert.Matches(@"(?m)^\[ *\d+\.\d{3}\] wl_display@1\.get_registry\(new id wl_registry@2\)$", stderr);
        Assert.Matches(@"(?m)^\[ *\d+\.\d{3}\]  -> wl_callback@\d+\.done\(\d+\)$", stderr);
        Directory.Delete(dir, true);
    }

    [Fact]
    public void RefusesToStartWithoutXdgRuntimeDir()
    {
        var (code, stdout, stderr) = Peers.Run(Peers.Dotnet, [Peers.CompositorDll], new Dictionary<string, string?> { ["XDG_RUNTIME_DIR"] = null });
        Assert.Equal(1, code);
        Assert.DoesNotContain("WAYLAND_DISPLAY=", stdout);
        Assert.Contains("XDG_RUNTIME_DIR", stderr);
    }

    [Fact]
    public void RefusesASocketNameInUse()
    {
        var dir = Peers.RuntimeDir();
        using var first = Peers.Start(Peers.Dotnet, [Peers.CompositorDll, "--socket", "taken"], Env(dir));
        var line = first.StandardOutput.ReadLine();
        Assert.Equal("WAYLAND_DISPLAY=taken", line);
        var (code, _, stderr) = Peers.Run(Peers.Dotnet, [Peers.CompositorDll, "--socket", "taken"], Env(dir));
        Assert.Equal(1, code);
        Assert.Contains("in use", stderr);
        first.Kill();
        first.WaitForExit();
        Directory.Delete(dir, true);
    }

    /// <summary>Without a GPU (this machine has no /dev/dri) the renderer says it fell back to EGL
    /// surfaceless; a --render-node that is not a DRM device is a clear error, not a crash.</summary>
    [Fact]
    public void TheRenderDeviceIsChosenAndSaidInTheLog()
    {
        var dir = Peers.RuntimeDir();
        var (code, _, stderr) = Peers.Run(Peers.Dotnet, [Peers.CompositorDll, "--backend", "headless", "--", "true"], Env(dir));
        Assert.True(code == 0, stderr);
        Assert.Contains(Directory.Exists("/dev/dri") ? "Rendering on" : "No render node renders here: EGL surfaceless", stderr);
        (code, _, stderr) = Peers.Run(Peers.Dotnet, [Peers.CompositorDll, "--backend", "headless", "--render-node", "/dev/null", "--", "true"], Env(dir));
        Assert.Equal(1, code);
        Assert.Contains("cannot render on /dev/null: not a DRM device", stderr);
        Directory.Delete(dir, true);
    }

    [Fact]
    public void HelpAndBadOptions()
    {
        var (code, stdout, _) = Peers.Run(Peers.Dotnet, [Peers.CompositorDll, "--help"], new Dictionary<string, string?>());
        Assert.Equal(0, code);
        Assert.Contains("--socket NAME", stdout);
        (code, _, var stderr) = Peers.Run(Peers.Dotnet, [Peers.CompositorDll, "--frobnicate"], new Dictionary<string, string?>());
        Assert.Equal(2, code);
        Assert.Contains("unknown option '--frobnicate'", stderr);
    }

    [Fact]
    public void RendererOptionIsCheckedAndDocumented()
    {
        var none = new Dictionary<string, string?>();
        var (code, stdout, _) = Peers.Run(Peers.Dotnet, [Peers.CompositorDll, "--help"], none);
        Assert.Equal(0, code);
        Assert.Contains("--renderer NAME", stdout);
        (code, _, var stderr) = Peers.Run(Peers.Dotnet, [Peers.CompositorDll, "--renderer", "vulkan"], none);
        Assert.Equal(2, code);
        Assert.Contains("unknown renderer 'vulkan' (auto, gl or pixman)", stderr);
        (code, _, stderr) = Peers.Run(Peers.Dotnet, [Peers.CompositorDll, "--renderer", "pixman", "--render-node", "/dev/dri/renderD128"], none);
        Assert.Equal(2, code);
        Assert.Contains("pixman renders on the CPU", stderr);
    }
}
