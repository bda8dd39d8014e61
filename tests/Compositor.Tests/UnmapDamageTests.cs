using System.Runtime.InteropServices;
using Compositor.Backends;
using Compositor.Tests.Harness;
using Wayland.Protocols.Client;
using static Tmds.Linux.LibC;

namespace Compositor.Tests;

/// <summary>
/// What leaves the screen is painted over: the next frame's damage covers the area a window or a
/// subsurface had, however it went (role objects destroyed one by one, as foot does on SIGTERM, or
/// the whole client gone at once). Each frame is checked by the clip the renderer was given.
/// </summary>
public sealed unsafe class UnmapDamageTests : IDisposable
{
    private readonly InProcessCompositor _compositor = new(640, 480);
    private readonly List<int> _fds = [];
    private static readonly Rect Window = new(32, 32, 64, 64); // new windows cascade from 32,32

    public void Dispose()
    {
        foreach (var fd in _fds) close(fd);
        _compositor.Dispose();
    }

    private WlBuffer Buffer(TestClient client, int width, int height)
    {
        var name = Marshal.StringToHGlobalAnsi("unmap");
        var fd = memfd_create((byte*)name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
        Marshal.FreeHGlobal(name);
        ftruncate(fd, width * height * 4);
        fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK);
        _fds.Add(fd);
        return client.Bind<WlShm>("wl_shm", 1).CreatePool(fd, width * height * 4)
            .CreateBuffer(0, width, height, width * 4, WlShm.Format.Xrgb8888);
    }

    /// <summary>Draws a frame and returns the area it repainted.</summary>
    private Clip NextFrameClip()
    {
        var before = _compositor.Renderer.Frames.Count;
        _compositor.Frame();
        return new Clip(_compositor.Renderer.Frames.Count > before ? _compositor.Renderer.Frames[^1] : []);
    }

    private sealed record Clip(Rect[] Rects)
    {
        /// <summary>Every pixel of <paramref name="area"/> is in some rectangle of the clip.</summary>
        public bool ContainsRect(Rect area)
        {
            for (var y = area.Y; y < area.Bottom; y++)
                for (var x = area.X; x < area.Right; x++)
                    if (!Rects.Any(r => r.Contains(x, y))) return false;
            return true;
        }
    }

    private (TestClient Client, TestToplevel Window, WlSurface Child, WlSubsurface Sub) MappedWindowWithSubsurface()
    {
        var client = _compositor.Connect();
        var compositor = client.Bind<WlCompositor>("wl_compositor", 6);
        var window = new TestToplevel(client, compositor.CreateSurface());
        var child = compositor.CreateSurface();
        var sub = client.Bind<WlSubcompositor>("wl_subcompositor", 1).GetSubsurface(child, window.Surface);
        sub.SetPosition(100, 0);
        child.Attach(Buffer(client, 16, 16), 0, 0);
        child.Commit();
        window.Show(Buffer(client, 64, 64));
        Assert.True(NextFrameClip().ContainsRect(Window));
        NextFrameClip(); // nothing new
        return (client, window, child, sub);
    }

    [Fact]
    public void ARoleDestroyedPiecePiecePaintsOverTheWindow()
    {
        var (client, window, child, sub) = MappedWindowWithSubsurface();
        sub.Destroy();
        child.Destroy();
        client.Roundtrip();
        Assert.True(NextFrameClip().ContainsRect(new Rect(Window.X + 100, Window.Y, 16, 16)), "the subsurface's area was not repainted");

        window.Toplevel.Destroy();
        window.XdgSurface.Destroy();
        window.Surface.Destroy();
        client.Roundtrip();
        Assert.True(NextFrameClip().ContainsRect(Window), "the window's area was not repainted");
        Assert.Empty(_compositor.Server.Scene.Stack);
    }

    [Fact]
    public void UnmappingByANullBufferPaintsOverTheWindowAndItsSubsurfaces()
    {
        var (client, window, _, _) = MappedWindowWithSubsurface();
        window.Surface.Attach(null, 0, 0);
        window.Surface.Commit();
        client.Roundtrip();
        var clip = NextFrameClip();
        Assert.True(clip.ContainsRect(Window) && clip.ContainsRect(new Rect(Window.X + 100, Window.Y, 16, 16)));
    }

    [Fact]
    public void AWindowThatShrinksPaintsOverWhatItNoLongerCovers()
    {
        var (client, window, _, _) = MappedWindowWithSubsurface();
        window.Show(Buffer(client, 32, 32));
        Assert.True(NextFrameClip().ContainsRect(Window), "the area the window left was not repainted");
    }

    [Fact]
    public void AClientGoneAtOncePaintsOverItsWindow()
    {
        var (client, _, _, _) = MappedWindowWithSubsurface();
        client.Dispose();
        _compositor.Pump();
        var clip = NextFrameClip();
        Assert.True(clip.ContainsRect(Window) && clip.ContainsRect(new Rect(Window.X + 100, Window.Y, 16, 16)));
    }
}
