using System.Runtime.InteropServices;
using Compositor.Tests.Harness;
using Wayland.Protocols.Client;
using static Tmds.Linux.LibC;

namespace Compositor.Tests;

/// <summary>Clients that come and go, some in the middle of a frame: the compositor's fds, memory
/// and state return to where they were, and nothing is sent to the dead.</summary>
public sealed unsafe class ClientLifecycleTests : IDisposable
{
    private readonly InProcessCompositor _compositor = new(640, 480);
    public void Dispose() => _compositor.Dispose();

    /// <summary>A client with a mapped window of shm pixels and a frame callback and presentation
    /// feedback waiting for the next frame.</summary>
    private TestClient WindowClient()
    {
        var client = _compositor.Connect();
        var compositor = client.Bind<WlCompositor>("wl_compositor", 6);
        var shm = client.Bind<WlShm>("wl_shm", 2);
        var wm = client.Bind<XdgWmBase>("xdg_wm_base", 6);
        var presentation = client.Bind<WpPresentation>("wp_presentation", 2);
        wm.Ping += (w, s) => w.Pong(s);
        var surface = compositor.CreateSurface();
        var xdg = wm.GetXdgSurface(surface);
        uint serial = 0;
        xdg.Configure += (_, s) => serial = s;
        xdg.GetToplevel().SetTitle("lifecycle");
        surface.Commit();
        client.Roundtrip();
        xdg.AckConfigure(serial);

        var name = Marshal.StringToHGlobalAnsi("lifecycle");
        var fd = memfd_create((byte*)name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
        Marshal.FreeHGlobal(name);
        ftruncate(fd, 64 * 64 * 4);
        fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK);
        var pool = shm.CreatePool(fd, 64 * 64 * 4);
        surface.Attach(pool.CreateBuffer(0, 64, 64, 256, WlShm.Format.Argb8888), 0, 0);
        surface.Damage(0, 0, 64, 64);
        surface.Frame();
        presentation.Feedback(surface);
        surface.Commit();
        client.Roundtrip();
        close(fd); // the compositor holds its own copy
        return client;
    }

    /// <summary>The harness itself: a round trip the compositor never completes is a failure, not a
    /// silent pass of every "no error after a round trip" assertion.</summary>
    [Fact]
    public void ARoundTripWithoutAnAnswerFailsLoudly()
    {
        using var client = _compositor.Connect();
        client.Roundtrip();
        client.ServerClient.Destroy("cut off by the test");
        Assert.Throws<InvalidOperationException>(client.Roundtrip);
        Assert.Throws<InvalidOperationException>(() => client.ErrorAfterRoundtrip());
    }

    [Fact]
    public void HundredClientsComingAndGoingLeaveFdsMemoryAndStateAtBaseline()
    {
        // Warm up: first-use allocations (JIT, pools) are not leaks.
        for (var i = 0; i < 10; i++) WindowClient().Dispose();
        _compositor.Pump();
        // Every frame is reported, as every backend reports its frames in order: the buffers a frame
        // read go back with its own report.
        _compositor.Frame();
        _compositor.Backend.Output!.RaisePresented(new Backends.PresentationTime(500_000_000, 16_666_666, 0, 0));
        var fds = OpenFds.Snapshot();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var memory = GC.GetTotalMemory(forceFullCollection: true);

        var clients = new List<TestClient>();
        for (var i = 0; i < 100; i++) clients.Add(WindowClient());
        Assert.Equal(100, _compositor.Server.Shell.Windows.Toplevels.Count);
        // Half leave with their frame still pending, half after it was drawn and presented.
        for (var i = 0; i < 50; i++) clients[i].Dispose();
        _compositor.Pump();
        _compositor.Frame();
        _compositor.Backend.Output!.RaisePresented(new Backends.PresentationTime(1_000_000_000, 16_666_666, 1, 0));
        for (var i = 50; i < 100; i++) clients[i].Dispose();
        clients.Clear(); // the client side's buffers are not the compositor's to free
        _compositor.Pump();
        _compositor.Frame();

        Assert.Empty(_compositor.Display.Clients);
        Assert.Empty(_compositor.Server.Surfaces);
        Assert.Empty(_compositor.Server.Scene.Stack);
        Assert.Empty(_compositor.Server.Shell.Windows.Toplevels);
        Assert.Null(_compositor.Server.Seat.Keyboard.Focus);
        OpenFds.AssertNoLeak(fds);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var grown = GC.GetTotalMemory(forceFullCollection: true) - memory;
        Assert.True(grown < 1 << 20, $"managed memory grew by {grown} bytes over 100 clients");
    }

    [Fact]
    public void ClientGoneBeforeItsFrameIsDrawnGetsNothingAndHurtsNobody()
    {
        var dying = WindowClient();
        var living = WindowClient();
        dying.Dispose();
        _compositor.Pump();
        _compositor.Frame();
        _compositor.Backend.Output!.RaisePresented(new Backends.PresentationTime(2_000_000_000, 16_666_666, 2, 0));
        Assert.Null(living.ErrorAfterRoundtrip());
        Assert.Single(_compositor.Display.Clients);
        Assert.Single(_compositor.Server.Shell.Windows.Toplevels);
    }

    [Fact]
    public void SurfacesDestroyedInAnyOrderAndWithTheirClientLeaveExactlyTheOthers()
    {
        var many = _compositor.Connect();
        var few = _compositor.Connect();
        var manyCompositor = many.Bind<WlCompositor>("wl_compositor", 6);
        var fewCompositor = few.Bind<WlCompositor>("wl_compositor", 6);
        var manySurfaces = Enumerable.Range(0, 300).Select(_ => manyCompositor.CreateSurface()).ToList();
        var fewSurfaces = Enumerable.Range(0, 3).Select(_ => fewCompositor.CreateSurface()).ToList();
        many.Roundtrip();
        few.Roundtrip();
        // First, last, and every seventh in between: removals from the front, back and middle.
        var gone = manySurfaces.Where((_, i) => i == 0 || i == 299 || i % 7 == 3).ToList();
        foreach (var s in gone) s.Destroy();
        many.Roundtrip();

        HashSet<(Wayland.Server.Client, uint)> Live() => _compositor.Server.Surfaces.Select(s => (s.Resource.Client, s.Resource.Id)).ToHashSet();
        var expected = manySurfaces.Except(gone).Select(s => (many.ServerClient, s.Id))
            .Concat(fewSurfaces.Select(s => (few.ServerClient, s.Id))).ToHashSet();
        Assert.Equal(expected, Live());
        Assert.Equal(expected.Count, _compositor.Server.Surfaces.Count);

        many.Dispose();
        _compositor.Pump();
        Assert.Equal(fewSurfaces.Select(s => (few.ServerClient, s.Id)).ToHashSet(), Live());
        Assert.Equal(3, _compositor.Server.Surfaces.Count);
    }
}
