using Compositor.Tests.Harness;

namespace Compositor.Tests;

/// <summary>The compositor executable headless with <c>--renderer pixman</c>: what our sample
/// clients draw reaches a screencopy capture (grim) pixel for pixel, composited on the CPU.</summary>
public sealed class PixmanRendererTests : IDisposable
{
    private const int X = 32, Y = 32, Size = 256; // the window cascades to 32,32
    private readonly RunningCompositor _compositor = new("640x480@60", "--renderer", "pixman");

    public void Dispose() => _compositor.Dispose();

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

    /// <summary>Frame 0 of the pattern (Clients/Common/Pattern.cs), every pixel, on the background.</summary>
    private static void AssertPattern(Image shot)
    {
        Assert.Null(Clients.Common.PatternCheck.Frame0((x, y) => shot[x, y], X, Y, Size, (255, 255, 255), 0));
        Assert.Equal((51, 51, 51), shot[X + Size, Y + Size]);
        Assert.Equal((51, 51, 51), shot[X - 1, Y - 1]);
    }

    [Theory]
    [InlineData("shm")]
    [InlineData("dmabuf")]
    public void SampleClientIsShownPixelExact(string which)
    {
        var client = which == "shm"
            ? _compositor.StartClient(Peers.Dotnet, Peers.ShmClientDll, "--static")
            : _compositor.StartClient(Peers.Dotnet, Peers.DmabufClientDll, "--format", "xrgb8888", "--static");
        AssertPattern(WaitForPattern());
        Assert.False(client.HasExited, client.Stderr);
        Assert.Contains("Rendering on pixman", _compositor.Log);
        if (which == "dmabuf") Assert.Contains("imported", client.Stderr); // sampled in place, not refused
    }

    /// <summary>
    /// Mesa's weston-simple-egl on llvmpipe shares wl_shm buffers from a pool it does not seal, so they
    /// are read with pread, straight into pixman's texture memory (no scratch copy): its translucent
    /// background (black at alpha 0.5 over the 51-grey one: 25) and its triangle show.
    /// </summary>
    [Fact]
    public void UnsealedShmPoolsAreReadStraightIntoTheTexture()
    {
        var client = _compositor.StartClient("weston-simple-egl");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var shot = _compositor.Screenshot();
            var colored = 0;
            for (var y = 32; y < 282; y++)
                for (var x = 32; x < 282; x++)
                    if (shot[x, y] is var (r, g, b) && Math.Max(r, Math.Max(g, b)) > 100) colored++;
            if (shot.Count(36, 36, 40, 40, (25, 25, 25), 1) == 1600 && colored > 1000) break;
            Assert.False(client.HasExited, client.Stderr);
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"weston-simple-egl never showed\n{_compositor.Log}");
            Thread.Sleep(200);
        }
        Assert.False(client.HasExited, client.Stderr);
    }
}
