namespace Compositor.Tests;

/// <summary>How people start it as their session: session/compositor-session (what the display
/// manager's session/compositor.desktop runs) and --version.</summary>
public sealed class SessionLauncherTests : IDisposable
{
    private readonly string _runtimeDir = Peers.RuntimeDir();

    public void Dispose() => Directory.Delete(_runtimeDir, recursive: true);

    private static string Launcher => Path.Combine(Peers.RepoRoot, "session", "compositor-session");

    private (int Code, string Out, string Err) Session(Dictionary<string, string?> env, params string[] args)
    {
        env.TryAdd("XDG_RUNTIME_DIR", _runtimeDir);
        env["COMPOSITOR_DLL"] = Peers.CompositorDll;
        env["PATH"] = $"{Path.GetDirectoryName(Peers.Dotnet)}:{Environment.GetEnvironmentVariable("PATH")}";
        return Peers.Run(Launcher, args, env, 60_000);
    }

    [Fact]
    public void TheLauncherSetsTheSessionEnvironmentForWhatRunsInIt()
    {
        var output = Path.Combine(_runtimeDir, "env");
        // The desktop the session was started from must not leak into it. (The command lives a second:
        // the launcher, which polls for the socket, sees it listen.)
        var (code, _, err) = Session(new() { ["WAYLAND_DISPLAY"] = "parent-0", ["DISPLAY"] = ":9", ["XDG_CURRENT_DESKTOP"] = null },
            "--backend", "headless", "--",
            "sh", "-c", $"echo \"$XDG_CURRENT_DESKTOP $XDG_SESSION_TYPE $WAYLAND_DISPLAY $QT_QPA_PLATFORM ${{DISPLAY:-no-x}}\" > {output}; wayland-info >/dev/null; sleep 1");
        // Its stderr is no terminal (as under a display manager): the log goes to the runtime dir.
        var log = File.ReadAllText(Path.Combine(_runtimeDir, "compositor.log"));
        Assert.True(code == 0, $"compositor-session failed ({code}): {err}\n{log}");
        // DISPLAY is the session's own Xwayland's, never the parent's :9.
        Assert.Matches(@"^compositor wayland wayland-0 wayland;xcb :\d+\n$", File.ReadAllText(output));
        Assert.DoesNotContain(":9", File.ReadAllText(output));
        Assert.Contains("compositor-session: running on wayland-0", log);
        Assert.Contains("WAYLAND_DISPLAY=wayland-0", log);
    }

    [Fact]
    public void TheLauncherRefusesAMissingOrOpenRuntimeDir()
    {
        var (code, _, err) = Session(new() { ["XDG_RUNTIME_DIR"] = null }, "--backend", "headless");
        Assert.Equal(1, code);
        Assert.Contains("XDG_RUNTIME_DIR is not set", err);

        File.SetUnixFileMode(_runtimeDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        (code, _, err) = Session([], "--backend", "headless");
        Assert.Equal(1, code);
        Assert.Contains("has mode 755, not 700", err);
    }

    [Fact]
    public void TheSessionFileIsAValidDesktopEntryThatRunsTheLauncher()
    {
        var file = Path.Combine(Peers.RepoRoot, "session", "compositor.desktop");
        var (code, _, err) = Peers.Run("desktop-file-validate", [file], new Dictionary<string, string?>());
        Assert.True(code == 0, err);
        Assert.Contains("Exec=compositor-session", File.ReadAllText(file));
    }

    [Fact]
    public void VersionPrintsTheVersionAndExits()
    {
        var (code, stdout, _) = Peers.Run(Peers.Dotnet, [Peers.CompositorDll, "--version"], new Dictionary<string, string?>());
        Assert.Equal(0, code);
        Assert.Matches(@"^compositor \d+\.\d+\.\d+", stdout);
    }

    [Fact]
    public void InstallSessionPutsTheProgramLauncherAndSessionFileWhereTheyAreFound()
    {
        var prefix = Path.Combine(_runtimeDir, "prefix");
        var sessions = Path.Combine(prefix, "share", "wayland-sessions");
        var env = new Dictionary<string, string?>
        {
            ["PREFIX"] = prefix,
            ["SESSIONS"] = sessions,
            ["PATH"] = $"{Path.GetDirectoryName(Peers.Dotnet)}:{Environment.GetEnvironmentVariable("PATH")}",
        };
        var (code, _, err) = Peers.Run(Path.Combine(Peers.RepoRoot, "scripts", "install-session.sh"), [], env, 300_000);
        Assert.True(code == 0, err);
        var desktop = File.ReadAllText(Path.Combine(sessions, "compositor.desktop"));
        Assert.Contains($"Exec={prefix}/bin/compositor-session", desktop);
        // The installed launcher finds the installed program (no COMPOSITOR_DLL).
        env["XDG_RUNTIME_DIR"] = _runtimeDir;
        (code, var stdout, err) = Peers.Run(Path.Combine(prefix, "bin", "compositor-session"), ["--version"], env, 60_000);
        Assert.True(code == 0, err);
        Assert.Contains("compositor 0.", File.ReadAllText(Path.Combine(_runtimeDir, "compositor.log")) + stdout);
    }
}
