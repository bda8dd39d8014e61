using System.Diagnostics;
using Clients.Common;
using Compositor.Backends.Headless;
using Compositor.Tests.Harness;
using Wayland.Protocols.Client;

namespace Compositor.Tests;

/// <summary>
/// The nested backend: our compositor as a 400x300 window inside a parent compositor. Inside our
/// own headless compositor, what its clients draw is checked pixel by pixel in the parent's
/// screenshots, and the parent's input reaches them; inside weston, its frame callbacks pace ours.
/// </summary>
public sealed class NestedBackendTests : IDisposable
{
    private readonly RunningCompositor _parent = new("640x480@60");

    public void Dispose() => _parent.Dispose();

    /// <summary>Our compositor nested in the parent (socket "nested" beside the parent's), running
    /// <paramref name="command"/> inside.</summary>
    private ClientProcess StartNested(params string[] command) => StartNested([], command);

    private ClientProcess StartNested(string[] options, params string[] command) =>
        _parent.StartClient(Peers.Dotnet, [Peers.CompositorDll, "--backend", "wayland", "--output", "400x300", .. options, "--socket", "nested", "--", .. command]);

    /// <summary>Parent screenshots until frame 0 of the nested client's pattern shows at (x, y), pixel-exact.</summary>
    private Image WaitForNestedPattern(ClientProcess nested, int x, int y)
    {
        string? mismatch = "no screenshot";
        Image? shot = null;
        var sw = Stopwatch.StartNew();
        while (mismatch is not null && sw.Elapsed < TimeSpan.FromSeconds(30))
        {
            Assert.False(nested.HasExited, $"the nested compositor exited: {nested.Stderr}");
            Thread.Sleep(200);
            shot = _parent.Screenshot();
            mismatch = PatternCheck.Frame0((px, py) => shot[px, py], x, y, 256, (255, 255, 255), 0);
        }
        Assert.Null(mismatch);
        return shot!;
    }

    [Fact]
    public void NestedWindowShowsItsClientsPixelExactInTheParent()
    {
        var nested = StartNested(Peers.Dotnet, Peers.DmabufClientDll, "--allocator", "memfd", "--static");
        // The nested window cascades to 32,32 in the parent, and dmabuf-client's to 32,32 in it.
        var shot = WaitForNestedPattern(nested, 64, 64);
        Assert.Equal(((byte)51, (byte)51, (byte)51), shot[40, 40]);   // the nested output's background
        Assert.Equal(((byte)51, (byte)51, (byte)51), shot[500, 400]);  // the parent's, outside the window
        Assert.Equal(400 * 300, shot.Count(32, 32, 400, 300, (51, 51, 51), 255)); // the window is 400x300 (any colour)
        Assert.Equal(0, shot.Count(433, 32, 50, 300, (255, 255, 255), 0));
    }

    /// <summary>
    /// The parent sizes the window (fullscreen, asked with --fullscreen once the 400x300 window is up):
    /// the nested output takes the new size as its mode, its clients hear the mode, and the window
    /// fills the parent's 640x480 output with the nested client still pixel-exact at 32,32 in it.
    /// </summary>
    [Fact]
    public void NestedOutputFollowsTheParentsResize()
    {
        var nested = StartNested(["--fullscreen"], Peers.Dotnet, Peers.DmabufClientDll, "--allocator", "memfd", "--static");
        // Fullscreen in the parent: the nested window at 0,0, its client at 32,32 in it.
        WaitForNestedPattern(nested, 32, 32);
        Assert.Contains("the parent resized the window to 640x480", nested.Stderr);
        Assert.Contains("Output WL-1: now 640x480", nested.Stderr);
        // A client of the nested compositor sees the new mode.
        var env = _parent.ClientEnvironment;
        env["WAYLAND_DISPLAY"] = "nested";
        var (code, info, err) = Peers.Run("wayland-info", [], env);
        Assert.True(code == 0, err);
        Assert.Matches(@"width: 640 px, height: 480 px", info);
    }

    [Fact]
    public void ParentInputReachesClientsOfTheNestedCompositor()
    {
        StartNested("sleep", "60");
        var socket = Path.Combine(_parent.RuntimeDir, "nested");
        Peers.WaitFor(() => File.Exists(socket), "the nested compositor's socket");
        using var probe = new Window("probe", 200, 150, socket);
        var keys = new List<(uint, bool)>();
        var buttons = new List<(uint, bool)>();
        (double X, double Y)? entered = null;
        var seat = probe.Bind<WlSeat>("wl_seat", 5)!;
        var keyboard = seat.GetKeyboard();
        keyboard.Keymap += (_, _, fd, _) => fd.Dispose();
        keyboard.Key += (_, _, _, key, state) => keys.Add((key, state == WlKeyboard.KeyState.Pressed));
        var pointer = seat.GetPointer();
        pointer.Enter += (_, _, _, x, y) => entered = (x.ToDouble(), y.ToDouble());
        pointer.Button += (_, _, _, button, state) => buttons.Add((button, state == WlPointer.ButtonState.Pressed));
        probe.Bind<WpViewporter>("wp_viewporter", 1)!.GetViewport(probe.Surface).SetDestination(200, 150);
        probe.Present(probe.Bind<WpSinglePixelBufferManagerV1>("wp_single_pixel_buffer_manager_v1", 1)!
            .CreateU32RgbaBuffer(0, 0, uint.MaxValue, uint.MaxValue));
        // The probe is at 32,32 in the nested output, which is at 32,32 in the parent: blue at 64,64.
        Peers.WaitFor(() => _parent.Screenshot()[100, 100] == (0, 0, 255), "the probe's window in the parent");

        using var input = new TestInputClient(_parent.TestInputPath);
        Assert.Equal("ok", input.Send("type a"));
        Until(probe, () => keys.Count >= 2, "the key typed into the parent");
        Assert.Equal([(30u, true), (30u, false)], keys);

        Assert.Equal("ok", input.Send("motion 0 100 110"));
        Until(probe, () => entered is not null, "the pointer entering the probe");
        Assert.Equal((36.0, 46.0), entered!.Value);
        Assert.Equal("ok", input.Send("button left press"));
        Assert.Equal("ok", input.Send("button left release"));
        Until(probe, () => buttons.Count >= 2, "the click");
        Assert.Equal([(0x110u, true), (0x110u, false)], buttons);
    }

    [Fact]
    public void IdleNestedCompositorAndItsParentSleep()
    {
        var nested = StartNested("sleep", "60");
        var socket = Path.Combine(_parent.RuntimeDir, "nested");
        Peers.WaitFor(() => File.Exists(socket), "the nested compositor's socket");
        using var probe = new Window("probe", 100, 100, socket);
        probe.Bind<WpViewporter>("wp_viewporter", 1)!.GetViewport(probe.Surface).SetDestination(100, 100);
        probe.Present(probe.Bind<WpSinglePixelBufferManagerV1>("wp_single_pixel_buffer_manager_v1", 1)!
            .CreateU32RgbaBuffer(uint.MaxValue, 0, 0, uint.MaxValue));
        Peers.WaitFor(() => _parent.Screenshot()[100, 100] == (255, 0, 0), "the probe's window in the parent");

        Thread.Sleep(1000); // start-up work (JIT, tiered compilation) settles
        var (nestedBefore, parentBefore) = (Peers.CpuTicks(nested.Process.Id), Peers.CpuTicks(_parent.Pid));
        Thread.Sleep(3000);
        var nestedTicks = Peers.CpuTicks(nested.Process.Id) - nestedBefore;
        var parentTicks = Peers.CpuTicks(_parent.Pid) - parentBefore;
        Assert.True(nestedTicks <= 15, $"the idle nested compositor used {nestedTicks * 10} ms of CPU in 3 s");
        Assert.True(parentTicks <= 15, $"its parent used {parentTicks * 10} ms of CPU in 3 s");
    }

    private static void Until(Window window, Func<bool> condition, string what) =>
        Peers.WaitFor(() =>
        {
            window.Display.Dispatch(50);
            return condition();
        }, what);

    [Fact]
    public void WithoutABackendNamedItRunsNestedWhereWaylandDisplayIsSet()
    {
        var (code, _, err) = Peers.Run(Peers.Dotnet, [Peers.CompositorDll, "--socket", "nested", "--", "true"], _parent.ClientEnvironment, 30_000);
        Assert.True(code == 0, err);
        Assert.Contains("Backend wayland", err);
        Assert.Contains("Nested: a 1280x720 window in the parent compositor", err);
    }

    [Theory]
    [InlineData("dmabuf-client")] // animating: frames are flowing when the parent goes
    [InlineData("foot")]          // idle: its window's teardown is what asks for a frame
    public void LosingTheParentEndsTheNestedCompositorCleanly(string client)
    {
        var nested = client == "foot" ? StartNested("foot") : StartNested(Peers.Dotnet, Peers.DmabufClientDll, "--allocator", "memfd");
        Peers.WaitFor(() => nested.Stderr.Contains("Nested: a 400x300 window"), "the nested compositor's window");
        Thread.Sleep(1500); // the client's window is up
        using (var parent = Process.GetProcessById(_parent.Pid)) parent.Kill();
        Peers.WaitFor(() => nested.HasExited, "the nested compositor to end without its parent");
        Assert.Contains("Lost the parent compositor", nested.Stderr);
        Assert.DoesNotContain("Unhandled exception", nested.Stderr);
    }

    [Fact]
    public void InWestonItsFrameCallbacksPaceTheNestedClients()
    {
        var runtime = Peers.RuntimeDir();
        using var weston = Peers.Start("weston", ["--backend=headless-backend.so", "--socket=parent", "--idle-time=0"],
            new Dictionary<string, string?> { ["XDG_RUNTIME_DIR"] = runtime });
        try
        {
            Peers.WaitFor(() => File.Exists(Path.Combine(runtime, "parent")), "weston's socket");
            // dmabuf-client's 60 frames each wait for a frame callback of the nested compositor, which
            // draws only when weston answers its own: the run ends only if weston paces us.
            var (code, _, err) = Peers.Run(Peers.Dotnet,
                [Peers.CompositorDll, "--backend", "wayland", "--output", "320x240", "--socket", "nested", "--",
                 Peers.Dotnet, Peers.DmabufClientDll, "--allocator", "memfd", "--frames", "60"],
                new Dictionary<string, string?> { ["XDG_RUNTIME_DIR"] = runtime, ["WAYLAND_DISPLAY"] = "parent" }, 60_000);
            Assert.True(code == 0, err);
            Assert.Contains("Nested: a 320x240 window in the parent compositor", err);
            Assert.DoesNotContain("ERR", err);
        }
        finally
        {
            if (!weston.HasExited) weston.Kill();
            weston.WaitForExit();
            Directory.Delete(runtime, recursive: true);
        }
    }
}
