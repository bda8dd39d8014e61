using Compositor.Backends;
using Compositor.Surfaces;
using Compositor.Tests.Harness;
using Wayland.Protocols.Client;
using static Tmds.Linux.LibC;

namespace Compositor.Tests;

/// <summary>
/// Implicit sync in the compositor core: a commit whose DMA-BUF is still being written waits until
/// it is, later commits of that surface queue behind it, and nothing else waits. The host has no
/// DMA-BUF with a real fence (the VM check <c>implicit-sync</c> uses vgem's), so here each test
/// buffer (a memfd, as llvmpipe imports them) gets an eventfd standing for its write fence, handed
/// to the same wait in the event loop as an exported sync_file.
/// </summary>
public sealed unsafe class ImplicitSyncTests : IDisposable
{
    private readonly InProcessCompositor _compositor = new(640, 480);
    private readonly List<int> _fds = [];
    private readonly Dictionary<ulong, Fence> _fences = []; // by the memfd's inode: the server's fd is another number

    private sealed class Fence
    {
        public int EventFd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        public bool Signalled;

        public void Signal()
        {
            ulong one = 1;
            Signalled = true;
            Assert.Equal(8, (int)write(EventFd, &one, 8));
        }
    }

    public ImplicitSyncTests()
    {
        _compositor.Server.Readiness.FenceOf = fd =>
            _fences.TryGetValue(Inode(fd), out var f) && !f.Signalled ? fcntl(f.EventFd, F_DUPFD_CLOEXEC, 0) : -1;
    }

    public void Dispose()
    {
        _compositor.Dispose();
        foreach (var fd in _fds) close(fd);
        foreach (var f in _fences.Values) close(f.EventFd);
    }

    private static ulong Inode(int fd)
    {
        Tmds.Linux.stat st;
        return fstat(fd, &st) == 0 ? (ulong)st.st_ino : 0;
    }

    /// <summary>A 100x100 XRGB DMA-BUF (a memfd); with <paramref name="fence"/>, one still being written.</summary>
    private WlBuffer Buffer(ZwpLinuxDmabufV1 dmabuf, out Fence? fence, bool fenced = true)
    {
        var name = System.Runtime.InteropServices.Marshal.StringToHGlobalAnsi("dmabuf");
        var fd = memfd_create((byte*)name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
        System.Runtime.InteropServices.Marshal.FreeHGlobal(name);
        _fds.Add(fd);
        Assert.Equal(0, ftruncate(fd, 100 * 100 * 4));
        Assert.Equal(0, fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK));
        fence = fenced ? new Fence() : null;
        if (fence is not null) _fences[Inode(fd)] = fence;
        var p = dmabuf.CreateParams();
        p.Add(fd, 0, 0, 400, 0, 0);
        return p.CreateImmed(100, 100, Fourcc.Xrgb8888, 0);
    }

    private WlBuffer Ready(ZwpLinuxDmabufV1 dmabuf) => Buffer(dmabuf, out _, fenced: false);

    private Surface ServerSide(TestClient client, WlSurface surface) =>
        _compositor.Server.Surfaces.Single(s => s.Resource.Client == client.ServerClient && s.Resource.Id == surface.Id);

    private static bool Shows(Surface surface, WlBuffer buffer) => surface.HeldBuffer?.Resource.Id == buffer.Id;

    /// <summary>A client's toplevel with a synchronized subsurface (the mode a new one starts in).</summary>
    private (TestClient, ZwpLinuxDmabufV1, TestToplevel Parent, WlSurface Child) WithSynchronizedChild()
    {
        var client = _compositor.Connect();
        var dmabuf = client.Bind<ZwpLinuxDmabufV1>("zwp_linux_dmabuf_v1", 5);
        var compositor = client.Bind<WlCompositor>("wl_compositor", 6);
        var parent = new TestToplevel(client, compositor.CreateSurface());
        var child = compositor.CreateSurface();
        client.Bind<WlSubcompositor>("wl_subcompositor", 1).GetSubsurface(child, parent.Surface);
        return (client, dmabuf, parent, child);
    }

    private void Settle(TestClient client)
    {
        _compositor.Pump();
        client.Roundtrip();
    }

    [Fact]
    public void ACommitWaitsForItsBufferThenLaterCommitsFollowInOrder()
    {
        var client = _compositor.Connect();
        var dmabuf = client.Bind<ZwpLinuxDmabufV1>("zwp_linux_dmabuf_v1", 5);
        var window = new TestToplevel(client, client.Bind<WlCompositor>("wl_compositor", 6).CreateSurface());
        var server = ServerSide(client, window.Surface);
        var a = Ready(dmabuf);
        var b = Buffer(dmabuf, out var fenceB);
        var c = Ready(dmabuf);
        var released = new List<uint>();
        foreach (var w in new[] { a, b, c }) w.Release += r => released.Add(r.Id);
        var doneB = false;

        window.Show(a);
        Assert.True(Shows(server, a));
        window.Surface.Frame().Done += (_, _) => doneB = true;
        window.Show(b);
        window.Show(c); // behind B, though C itself is readable
        _compositor.Frame();
        _compositor.Backend.Output!.RaisePresented(new PresentationTime(1_000_000, 16_666_667, 1, 1));
        Settle(client);

        Assert.True(Shows(server, a), "a buffer still being written became current");
        Assert.Empty(released); // A stays on screen, so it stays the compositor's
        Assert.False(doneB, "the frame callback of a waiting commit was answered");
        Assert.Equal(1, _compositor.Server.Readiness.Waiting);

        fenceB!.Signal();
        Settle(client);
        Assert.True(Shows(server, c));
        Assert.Equal([a.Id, b.Id], released); // B became current, then C replaced it
        _compositor.Frame();
        Settle(client);
        Assert.True(doneB);
        Assert.Equal(0, _compositor.Server.Readiness.Waiting);
    }

    [Fact]
    public void AWaitingSurfaceHoldsUpNoOtherSurfaceOrClient()
    {
        var client = _compositor.Connect();
        var other = _compositor.Connect();
        var dmabuf = client.Bind<ZwpLinuxDmabufV1>("zwp_linux_dmabuf_v1", 5);
        var otherDmabuf = other.Bind<ZwpLinuxDmabufV1>("zwp_linux_dmabuf_v1", 5);
        var compositor = client.Bind<WlCompositor>("wl_compositor", 6);
        var blocked = new TestToplevel(client, compositor.CreateSurface());
        var sibling = new TestToplevel(client, compositor.CreateSurface());
        var foreign = new TestToplevel(other, other.Bind<WlCompositor>("wl_compositor", 6).CreateSurface());

        var stuck = Buffer(dmabuf, out _); // never signalled
        blocked.Show(stuck);
        var (s1, s2, f1) = (Ready(dmabuf), Ready(dmabuf), Ready(otherDmabuf));
        sibling.Show(s1);
        foreign.Show(f1);
        sibling.Show(s2);

        Assert.False(ServerSide(client, blocked.Surface).HasContent);
        Assert.True(Shows(ServerSide(client, sibling.Surface), s2));
        Assert.True(Shows(ServerSide(other, foreign.Surface), f1));
    }

    [Fact]
    public void AParentCommitWaitsForTheBufferOfASynchronizedChild()
    {
        var (client, dmabuf, parent, childSurface) = WithSynchronizedChild();
        var (p1, p2) = (Ready(dmabuf), Ready(dmabuf));
        var c1 = Buffer(dmabuf, out var fence);
        parent.Show(p1);

        childSurface.Attach(c1, 0, 0);
        childSurface.Commit();
        parent.Show(p2); // applies the child's cached state: both wait for the child's buffer
        var serverParent = ServerSide(client, parent.Surface);
        var serverChild = ServerSide(client, childSurface);
        Assert.True(Shows(serverParent, p1));
        Assert.False(serverChild.HasContent);

        fence!.Signal();
        Settle(client);
        Assert.True(Shows(serverParent, p2));
        Assert.True(Shows(serverChild, c1));
    }

    [Fact]
    public void ABufferDestroyedWhileItsCommitWaitsIsStillShownWhenItIsWritten()
    {
        var client = _compositor.Connect();
        var dmabuf = client.Bind<ZwpLinuxDmabufV1>("zwp_linux_dmabuf_v1", 5);
        var window = new TestToplevel(client, client.Bind<WlCompositor>("wl_compositor", 6).CreateSurface());
        var server = ServerSide(client, window.Surface);
        window.Show(Ready(dmabuf));
        var b = Buffer(dmabuf, out var fence);
        window.Show(b);
        b.Destroy(); // allowed: its storage is not reused
        Settle(client);

        fence!.Signal();
        Settle(client);
        Assert.True(server.HasContent, "the window lost its content");
        Assert.Equal(b.Id, server.HeldBuffer?.Resource.Id);
        Assert.False(server.HeldBuffer!.IsFreed);
    }

    [Fact]
    public void ASynchronizedChildsLaterCommitWaitsForTheParentsNextCommit()
    {
        var (client, dmabuf, parent, childSurface) = WithSynchronizedChild();
        parent.Show(Ready(dmabuf));
        var (x, y) = (Buffer(dmabuf, out var fence), Ready(dmabuf));
        var released = new List<uint>();
        x.Release += r => released.Add(r.Id);
        y.Release += r => released.Add(r.Id);
        var serverChild = ServerSide(client, childSurface);

        childSurface.Attach(x, 0, 0);
        childSurface.Commit();
        parent.Show(Ready(dmabuf)); // parent commit 1, waiting for X
        childSurface.Attach(y, 0, 0);
        childSurface.Commit(); // belongs to parent commit 2
        client.Roundtrip();
        fence!.Signal();
        Settle(client);
        Assert.True(Shows(serverChild, x), "the child's later buffer overtook its parent's waiting commit");

        parent.Show(Ready(dmabuf)); // parent commit 2 applies Y
        Settle(client);
        Assert.True(Shows(serverChild, y));
        Assert.Equal([x.Id], released);
    }

    [Fact]
    public void ASynchronizedChildsBufferReplacedBeforeItsParentCommitsGoesBack()
    {
        var (client, dmabuf, parent, childSurface) = WithSynchronizedChild();
        parent.Show(Ready(dmabuf));
        var (x, y) = (Ready(dmabuf), Ready(dmabuf));
        var released = new List<uint>();
        x.Release += r => released.Add(r.Id);
        childSurface.Attach(x, 0, 0);
        childSurface.Commit();
        childSurface.Attach(y, 0, 0);
        childSurface.Commit(); // X is never shown
        client.Roundtrip();
        Assert.Equal([x.Id], released);
    }

    [Fact]
    public void CommitsBehindAFenceThatNeverSignalsMergeBeyondALimit()
    {
        var client = _compositor.Connect();
        var dmabuf = client.Bind<ZwpLinuxDmabufV1>("zwp_linux_dmabuf_v1", 5);
        var window = new TestToplevel(client, client.Bind<WlCompositor>("wl_compositor", 6).CreateSurface());
        var server = ServerSide(client, window.Surface);
        window.Show(Buffer(dmabuf, out var fence));
        var buffers = Enumerable.Range(0, 40).Select(_ => Ready(dmabuf)).ToList();
        var released = new HashSet<uint>();
        foreach (var b in buffers) b.Release += r => released.Add(r.Id);
        foreach (var b in buffers) window.Show(b);
        client.Roundtrip();
        // The queue keeps 16 commits apart (the waiting one and 15 after it); the rest merged into
        // its newest, whose buffers but the last were replaced unseen.
        Assert.Equal(40 - (Surfaces.CommitQueue.MaxWaiting - 1), released.Count);
        Assert.DoesNotContain(buffers[^1].Id, released);

        fence!.Signal();
        Settle(client);
        Assert.True(Shows(server, buffers[^1]));
        Assert.Equal(39, released.Count); // every buffer but the one shown
    }

    [Fact]
    public void AClientLeavingWhileItsCommitsWaitLeavesNothingBehind()
    {
        // Warm up: the first client's allocations (JIT, pools) are not leaks.
        using (var warm = _compositor.Connect())
        {
            var w = new TestToplevel(warm, warm.Bind<WlCompositor>("wl_compositor", 6).CreateSurface());
            var d = warm.Bind<ZwpLinuxDmabufV1>("zwp_linux_dmabuf_v1", 5);
            w.Show(Ready(d)); // mapped and focused: the window manager's timers exist from here on
            w.Show(Buffer(d, out _));
        }
        _compositor.Pump();
        var baseline = OpenFds.Snapshot();

        var client = _compositor.Connect();
        var dmabuf = client.Bind<ZwpLinuxDmabufV1>("zwp_linux_dmabuf_v1", 5);
        var window = new TestToplevel(client, client.Bind<WlCompositor>("wl_compositor", 6).CreateSurface());
        window.Show(Ready(dmabuf));
        window.Surface.Frame();
        window.Show(Buffer(dmabuf, out _));
        window.Show(Ready(dmabuf));
        Assert.Equal(1, _compositor.Server.Readiness.Waiting);
        client.Dispose();
        _compositor.Pump();

        Assert.Equal(0, _compositor.Server.Readiness.Waiting);
        Assert.Empty(_compositor.Server.Surfaces);
        // The test's own memfds and fences go now; the compositor's copies of them must be gone already.
        foreach (var fd in _fds) close(fd);
        foreach (var f in _fences.Values) close(f.EventFd);
        _fds.Clear();
        _fences.Clear();
        OpenFds.AssertNoLeak(baseline);
    }
}
