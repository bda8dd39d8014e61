using System.Diagnostics;
using Compositor.Tests.Harness;
using Tmds.Linux;

namespace Compositor.Tests;

/// <summary>
/// Our sample clients (Clients/) against the compositor executable, checked pixel by pixel through
/// grim, and against weston. On this machine (no DRM device, no udmabuf) the DMA-BUF client's
/// allocator is the sealed memfd that Mesa's llvmpipe imports; the VM runs the real DMA-BUF paths.
/// </summary>
public sealed class SampleClientTests : IDisposable
{
    private const int X = 32, Y = 32, Size = 256; // the window cascades to 32,32
    private readonly RunningCompositor _compositor = new("640x480@60");

    public void Dispose() => _compositor.Dispose();

    private ClientProcess Start(string dll, params string[] args) => _compositor.StartClient(Peers.Dotnet, [dll, .. args]);

    /// <summary>The pattern of frame 0 (see Clients/Common/Pattern.cs), exactly, pixel for pixel.</summary>
    /// <summary>The window shows frame 0 of the pattern (Clients/Common/Pattern.cs), every pixel;
    /// nothing is drawn outside it.</summary>
    /// <param name="tolerance">0 for RGB buffers; YUV buffers are off by the rounding of 8-bit BT.601.</param>
    private static void AssertPattern(Image shot, (byte, byte, byte) bottomRight, int tolerance = 0)
    {
        Assert.Null(Clients.Common.PatternCheck.Frame0((x, y) => shot[x, y], X, Y, Size, bottomRight, tolerance));
        Assert.Equal((51, 51, 51), shot[X + Size, Y + Size]);
        Assert.Equal((51, 51, 51), shot[X - 1, Y - 1]);
    }

    private Image WaitForPattern()
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var shot = _compositor.Screenshot();
            if (shot.Count(X + 1, Y + 1, 1, 1, (255, 0, 0), 2) == 1 && shot.Count(X + 10, Y + Size / 2, 1, 1, (255, 255, 0), 2) == 1) return shot;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"the pattern never appeared\n{_compositor.Log}");
            Thread.Sleep(200);
        }
    }

    [Fact]
    public void DmabufClientXrgbFramesArePixelExact()
    {
        var client = Start(Peers.DmabufClientDll, "--format", "xrgb8888", "--static");
        AssertPattern(WaitForPattern(), (255, 255, 255));
        Assert.False(client.HasExited, client.Stderr);
        Assert.Contains("allocator: memfd", client.Stderr);
        Assert.Contains("3 256x256 XRGB8888 buffers, modifier 0x0000000000000000, imported", client.Stderr);
    }

    [Fact]
    public void DmabufClientArgbIsBlendedWithItsAlpha()
    {
        var client = Start(Peers.DmabufClientDll, "--format", "argb8888", "--static");
        // White at 50% (premultiplied 0x80808080) over the 51-grey background: 128 + 51 * 127 / 255 = 153.
        AssertPattern(WaitForPattern(), (153, 153, 153));
        Assert.False(client.HasExited, client.Stderr);
    }

    /// <summary>NV12 (a Y plane and a half-resolution CbCr plane in one buffer): llvmpipe cannot
    /// import the second plane of a multi-planar image, so the compositor imports each plane as an
    /// image of its own and converts in its shader.</summary>
    [Fact]
    public void DmabufClientNv12IsConvertedWithinRounding()
    {
        var client = Start(Peers.DmabufClientDll, "--format", "nv12", "--static");
        AssertPattern(WaitForPattern(), (255, 255, 255), tolerance: 2);
        Assert.False(client.HasExited, client.Stderr);
        Assert.Contains("3 256x256 NV12 buffers", client.Stderr);
    }

    [Fact]
    public void ShmClientShowsTheSamePicture()
    {
        var client = Start(Peers.ShmClientDll, "--static");
        AssertPattern(WaitForPattern(), (255, 255, 255));
        Assert.False(client.HasExited, client.Stderr);
    }

    [Fact]
    public void DmabufClientAnimatesTripleBufferedAndExitsCleanly()
    {
        var (code, _, err) = _compositor.Run(Peers.Dotnet, [Peers.DmabufClientDll, "--frames", "120"], 60_000);
        Assert.True(code == 0, err);
        Assert.Contains("120 frames shown", err);
        // Three buffers imported once each: the compositor logs no further imports, and no failure.
        Assert.DoesNotContain("failed", _compositor.Log);
    }

    /// <summary>SIGTERM ends an animating client promptly even when the compositor stopped answering
    /// (here: stopped with SIGSTOP), so no script waiting for it can hang.</summary>
    [Theory]
    [InlineData("dmabuf")]
    [InlineData("shm")]
    public void SigtermEndsAClientWhoseCompositorStoppedAnswering(string which)
    {
        var client = Start(which == "dmabuf" ? Peers.DmabufClientDll : Peers.ShmClientDll);
        WaitForPattern();
        Assert.Equal(0, LibC.kill(_compositor.Pid, LibC.SIGSTOP));
        try
        {
            Thread.Sleep(300); // the client now waits for a frame callback that cannot come
            Assert.Equal(0, LibC.kill(client.Process.Id, LibC.SIGTERM));
            Assert.True(client.Process.WaitForExit(5000), $"{which}-client still running 5 s after SIGTERM\n{client.Stderr}");
            client.Process.WaitForExit(); // and its output read to the end
            Assert.True(client.Process.ExitCode == 0, client.Stderr);
            Assert.Contains("frames shown", client.Stderr);
        }
        finally
        {
            LibC.kill(_compositor.Pid, LibC.SIGCONT);
        }
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public void HelpDescribesTheOptions(string flag)
    {
        foreach (var dll in new[] { Peers.DmabufClientDll, Peers.ShmClientDll })
        {
            var (code, output, _) = Peers.Run(Peers.Dotnet, [dll, flag], new Dictionary<string, string?>());
            Assert.Equal(0, code);
            Assert.Contains("Usage:", output);
            Assert.Contains("--frames", output);
        }
    }

    [Fact]
    public void UnknownAllocatorOrMissingDeviceIsAClearError()
    {
        var (code, _, err) = _compositor.Run(Peers.Dotnet, [Peers.DmabufClientDll, "--allocator", "udmabuf"]);
        Assert.Equal(1, code);
        Assert.Contains("/dev/udmabuf", err);
        (code, _, err) = _compositor.Run(Peers.Dotnet, [Peers.DmabufClientDll, "--allocator", "nonsense"]);
        Assert.Equal(1, code);
        Assert.Contains("unknown allocator", err);
    }

    /// <summary>The same binary against weston 10 headless with its GL renderer (zwp_linux_dmabuf_v1 v3, llvmpipe).</summary>
    [Fact]
    public void DmabufClientRunsOnWestonGl()
    {
        var dir = Peers.RuntimeDir();
        using var weston = Peers.Start("weston", ["--backend=headless-backend.so", "--use-gl", "--socket=wl-weston", "--idle-time=0"],
            new Dictionary<string, string?> { ["XDG_RUNTIME_DIR"] = dir });
        weston.OutputDataReceived += (_, _) => { };
        weston.ErrorDataReceived += (_, _) => { };
        weston.BeginOutputReadLine();
        weston.BeginErrorReadLine();
        try
        {
            Peers.WaitFor(() => File.Exists(Path.Combine(dir, "wl-weston")) || weston.HasExited, "weston's socket");
            var env = new Dictionary<string, string?> { ["XDG_RUNTIME_DIR"] = dir, ["WAYLAND_DISPLAY"] = "wl-weston" };
            foreach (var format in new[] { "xrgb8888", "argb8888" })
            {
                var (code, _, err) = Peers.Run(Peers.Dotnet, [Peers.DmabufClientDll, "--format", format, "--frames", "60"], env, 60_000);
                Assert.True(code == 0, err);
                Assert.Contains("zwp_linux_dmabuf_v1 version 3", err);
                Assert.Contains("60 frames shown", err);
            }
        }
        finally
        {
            if (!weston.HasExited) { weston.Kill(); weston.WaitForExit(); }
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }
}
