using Compositor.Tests.Harness;
using Tmds.Linux;

namespace Compositor.Tests;

/// <summary>
/// Every way the compositor ends, with clients still connected whose windows are on screen: it
/// shuts down in reverse order of construction (clients first, then the scene, backend and renderer)
/// and exits cleanly. foot is the client because an idle terminal leaves no frame scheduled, so its
/// teardown is what asks the output for a new frame.
/// </summary>
public sealed class ShutdownTests
{
    private static void WaitForWindow(ClientProcess client, string what) =>
        Peers.WaitFor(() => client.Stderr.Contains(".attach(wl_buffer@") || client.HasExited, what);

    private static void AssertCleanExit(int code, string log)
    {
        Assert.DoesNotContain("Unhandled exception", log);
        Assert.True(code == 0, $"exit code {code}\n{log}");
    }

    [Theory]
    [InlineData("SIGTERM")]
    [InlineData("SIGINT")]
    public void ASignalEndsItCleanlyWithWindowsOpen(string name)
    {
        var signal = name == "SIGTERM" ? LibC.SIGTERM : LibC.SIGINT;
        using var compositor = new RunningCompositor();
        var foot = compositor.StartClient("foot", traced: true);
        WaitForWindow(foot, "foot's window");
        Assert.False(foot.HasExited, foot.Stderr);
        Thread.Sleep(500);
        Assert.Equal(0, LibC.kill(compositor.Pid, signal));
        AssertCleanExit(compositor.WaitForExit(), compositor.Log);
        Assert.Contains($"{name}: shutting down", compositor.Log);
    }

    /// <summary>The command given after -- ends while another client still has a window open.</summary>
    [Fact]
    public void TheCommandExitingEndsItCleanlyWithAnotherClientConnected()
    {
        var dir = Peers.RuntimeDir();
        var footLog = Path.Combine(dir, "foot.log");
        var script = $"WAYLAND_DEBUG=1 foot 2>{footLog} & " +
                     $"for i in $(seq 200); do grep -q 'attach(wl_buffer@' {footLog} 2>/dev/null && exit 0; sleep 0.1; done; exit 3";
        var (code, _, stderr) = Peers.Run(Peers.Dotnet, [Peers.CompositorDll, "--backend", "headless", "--", "sh", "-c", script],
            new Dictionary<string, string?> { ["XDG_RUNTIME_DIR"] = dir }, 60_000);
        AssertCleanExit(code, stderr);
        Assert.Contains("sh exited with 0", stderr);
        try { Directory.Delete(dir, true); } catch (IOException) { }
    }
}
