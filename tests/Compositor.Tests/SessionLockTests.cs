using Compositor.Tests.Harness;
using Wayland.Protocols.Client;
using LockError = Wayland.Protocols.Client.ExtSessionLockV1.Error;
using SurfaceError = Wayland.Protocols.Client.ExtSessionLockSurfaceV1.Error;

namespace Compositor.Tests;

/// <summary>ext_session_lock_v1: a lock hides every window at once and tells its client locked only
/// once each output presented a locked frame; lock surfaces are configured to their output and are
/// all that is drawn or gets input; a second lock is finished; the session stays locked when the
/// lock client dies until a new one unlocks it; unlocking gives back the windows and the focus; and
/// every error of the protocol.</summary>
public sealed class SessionLockTests : IDisposable
{
    private const uint KeyA = 30, KeySuper = 125, KeyZ = 44;

    private readonly InProcessCompositor _compositor = new(640, 480,
        config: Config.CompositorConfig.Parse("[bindings]\nSuper+z = launch zed\n", "test.ini"));

    public void Dispose() => _compositor.Dispose();

    /// <summary>A client that locks: a seat with keyboard and pointer whose events it records.</summary>
    private sealed class Locker
    {
        public Locker(InProcessCompositor compositor)
        {
            Peer = new SeatPeer(compositor);
            Peer.Keyboard.Key += (_, _, _, key, _) => Keys.Add(key);
            var pointer = Peer.Seat.GetPointer();
            pointer.Enter += (_, _, s, _, _) => PointerFocus = s;
            pointer.Leave += (_, _, _) => PointerFocus = null;
            pointer.Button += (_, _, _, b, _) => Buttons.Add(b);
            Compositor = Test.Bind<WlCompositor>("wl_compositor", 6);
            Manager = Test.Bind<ExtSessionLockManagerV1>("ext_session_lock_manager_v1", 1);
            Output = Test.Bind<WlOutput>("wl_output", 4);
            Test.Roundtrip();
        }

        public SeatPeer Peer { get; }
        public TestClient Test => Peer.Client;
        public WlCompositor Compositor { get; }
        public ExtSessionLockManagerV1 Manager { get; }
        public WlOutput Output { get; }
        public List<uint> Keys { get; } = [];
        public List<uint> Buttons { get; } = [];
        public WlSurface? PointerFocus { get; private set; }

        public Lock NewLock() => new(this);

        /// <summary>A buffer of one colour, <paramref name="width"/>x<paramref name="height"/> on the surface.</summary>
        public WlBuffer Color(WlSurface surface, int width, int height)
        {
            Test.Bind<WpViewporter>("wp_viewporter", 1).GetViewport(surface).SetDestination(width, height);
            return Test.Bind<WpSinglePixelBufferManagerV1>("wp_single_pixel_buffer_manager_v1", 1).CreateU32RgbaBuffer(uint.MaxValue, 0, 0, uint.MaxValue);
        }
    }

    private sealed class Lock
    {
        public Lock(Locker owner)
        {
            Owner = owner;
            Resource = owner.Manager.Lock();
            Resource.Locked += _ => Events.Add("locked");
            Resource.Finished += _ => Events.Add("finished");
            owner.Test.Roundtrip();
        }

        public Locker Owner { get; }
        public ExtSessionLockV1 Resource { get; }
        public List<string> Events { get; } = [];

        public LockScreen Surface(WlOutput? output = null) => new(this, output ?? Owner.Output);
    }

    private sealed class LockScreen
    {
        public LockScreen(Lock lk, WlOutput output)
        {
            Owner = lk.Owner;
            Surface = Owner.Compositor.CreateSurface();
            Role = lk.Resource.GetLockSurface(Surface, output);
            Role.Configure += (_, serial, w, h) => Configures.Add((serial, w, h));
            Owner.Test.Roundtrip();
        }

        public Locker Owner { get; }
        public WlSurface Surface { get; }
        public ExtSessionLockSurfaceV1 Role { get; }
        public List<(uint Serial, uint W, uint H)> Configures { get; } = [];

        /// <summary>Acks the last configure and commits a buffer of its size.</summary>
        public LockScreen Map()
        {
            var (serial, w, h) = Configures[^1];
            Role.AckConfigure(serial);
            Surface.Attach(Owner.Color(Surface, (int)w, (int)h), 0, 0);
            Surface.Commit();
            Owner.Test.Roundtrip();
            return this;
        }
    }

    /// <summary>One refresh of the output, reported on screen: what the lock waits for.</summary>
    private void FramePresented()
    {
        _compositor.Frame();
        _compositor.Backend.Output!.RaisePresented(new Backends.PresentationTime(1, 16_666_667, 1, 0));
    }

    /// <summary>What the last frame drew, besides background (which a full clear leaves out of the record).</summary>
    private List<Backends.Rect> Drawn() => [.. _compositor.Renderer.Draws.Select(d => d.Destination)];

    private Shell.ShellSurface ServerSide(TestToplevel w) =>
        (Shell.ShellSurface)_compositor.Server.Surfaces.Single(s => s.Resource.Id == w.Surface.Id && s.Role is Shell.ShellSurface).Role!;

    private static void AssertError(TestClient client, string iface, uint code)
    {
        var error = client.ErrorAfterRoundtrip();
        Assert.Equal((iface, code), (error?.Interface, error?.Code));
    }

    private Backends.Rect WindowRect(TestToplevel w)
    {
        var s = ServerSide(w);
        return new Backends.Rect(s.X, s.Y, s.Surface.Width, s.Surface.Height);
    }

    [Fact]
    public void ALockHidesTheWindowsAtOnceAndIsToldLockedOnlyOnceTheOutputPresentedALockedFrame()
    {
        var app = new SeatPeer(_compositor);
        var window = app.Window();
        FramePresented();
        Assert.Contains(WindowRect(window), Drawn());

        var locker = new Locker(_compositor);
        var lk = locker.NewLock();
        Assert.True(_compositor.Server.SessionLock.Locked);
        Assert.Empty(lk.Events); // no frame yet: the window may still be on screen
        _compositor.Frame();
        locker.Test.Roundtrip();
        Assert.Empty(lk.Events); // drawn, not yet presented
        Assert.Empty(Drawn()); // the whole output was cleared to the lock colour: no window
        _compositor.Backend.Output!.RaisePresented(new Backends.PresentationTime(1, 16_666_667, 1, 0));
        locker.Test.Roundtrip();
        Assert.Equal(["locked"], lk.Events);
    }

    [Fact]
    public void ALockSurfaceIsConfiguredToTheOutputAndIsAllThatIsDrawnAndItTakesTheKeyboard()
    {
        var app = new SeatPeer(_compositor);
        var window = app.Window();
        var locker = new Locker(_compositor);
        var lk = locker.NewLock();
        var screen = lk.Surface();
        Assert.Equal([(640u, 480u)], screen.Configures.Select(c => (c.W, c.H)));
        screen.Map();
        FramePresented();
        locker.Test.Roundtrip();
        Assert.Equal(["locked"], lk.Events);
        Assert.Equal([new Backends.Rect(0, 0, 640, 480)], Drawn());
        Assert.DoesNotContain(WindowRect(window), Drawn());
        Assert.Equal(screen.Surface.Id, locker.Peer.KeyboardFocus?.Id);
        app.Client.Roundtrip();
        Assert.Null(app.KeyboardFocus);
        // The lock surface is on top of everything, in its own band.
        Assert.Equal(Scene.SceneLayer.Lock, _compositor.Server.Scene.Stack[^1].Layer);
    }

    [Fact]
    public void ASecondLockIsFinishedWhileTheFirstHoldsTheSession()
    {
        var first = new Locker(_compositor);
        var lk = first.NewLock();
        FramePresented();
        first.Test.Roundtrip();
        var second = new Locker(_compositor);
        var refused = second.NewLock();
        Assert.Equal(["finished"], refused.Events);
        // Its lock surfaces are never shown.
        refused.Surface().Map();
        Assert.DoesNotContain(_compositor.Server.Scene.Stack, p => p.Surface.Resource.Client == second.Test.ServerClient);
        // Refused before being told locked: destroy is its way out, and it changes nothing.
        refused.Resource.Destroy();
        second.Test.Roundtrip();
        Assert.Null(second.Test.Display.Error);
        Assert.True(_compositor.Server.SessionLock.Locked);
        Assert.Equal(["locked"], lk.Events);
    }

    [Fact]
    public void WhileLockedKeysAndButtonsGoOnlyToTheLockSurfaceAndBindingsDoNotRun()
    {
        var launched = new List<string>();
        _compositor.Server.LaunchRequested += launched.Add;
        var app = new SeatPeer(_compositor);
        var appKeys = new List<uint>();
        app.Keyboard.Key += (_, _, _, key, _) => appKeys.Add(key);
        var appButtons = 0;
        app.Seat.GetPointer().Button += (_, _, _, _, _) => appButtons++;
        var window = app.Window(640, 480);
        _compositor.Click(100, 100);
        app.TypeKey(KeyA);
        Assert.Equal([KeyA, KeyA], appKeys);
        Assert.Equal(2, appButtons);

        var locker = new Locker(_compositor);
        var lk = locker.NewLock();
        app.Client.Roundtrip();
        Assert.Null(app.KeyboardFocus); // left at the lock, before any lock surface
        app.TypeKey(KeyA);
        _compositor.Click(100, 100);
        app.Client.Roundtrip();
        Assert.Equal(2, appKeys.Count);
        Assert.Equal(2, appButtons);

        var screen = lk.Surface().Map();
        locker.Peer.TypeKey(KeyA);
        _compositor.Click(100, 100);
        locker.Test.Roundtrip();
        Assert.Equal([KeyA, KeyA], locker.Keys);
        Assert.Equal(screen.Surface.Id, locker.PointerFocus?.Id);
        Assert.Equal(2, locker.Buttons.Count);
        // A window mapped while locked gets neither the keyboard nor the screen.
        var late = app.Window();
        Assert.Null(app.KeyboardFocus);
        Assert.Equal(screen.Surface.Id, locker.Peer.KeyboardFocus?.Id);

        // Super+z launches nothing; its keys go to the lock screen like any others.
        _compositor.Input.KeyboardKey(0, KeySuper, true);
        _compositor.Input.KeyboardKey(0, KeyZ, true);
        _compositor.Input.KeyboardKey(0, KeyZ, false);
        _compositor.Input.KeyboardKey(0, KeySuper, false);
        locker.Test.Roundtrip();
        Assert.Empty(launched);
        Assert.Contains(KeyZ, locker.Keys);
        app.Client.Roundtrip();
        Assert.Equal(2, appKeys.Count);
        Assert.Equal(2, appButtons);
        _ = window;
        _ = late;
    }

    [Fact]
    public void TheSessionStaysLockedWhenTheLockClientDiesUntilANewClientLocksAndUnlocks()
    {
        var app = new SeatPeer(_compositor);
        var window = app.Window();
        var locker = new Locker(_compositor);
        var lk = locker.NewLock();
        lk.Surface().Map();
        FramePresented();
        locker.Test.Roundtrip();
        Assert.Equal(["locked"], lk.Events);

        locker.Test.Dispose();
        _compositor.Pump();
        var lockState = _compositor.Server.SessionLock;
        Assert.True(lockState.Locked);
        Assert.Null(lockState.Owner);
        FramePresented();
        Assert.Empty(Drawn()); // neither the dead lock screen nor the window: the lock colour
        app.TypeKey(KeyA);
        Assert.Null(app.KeyboardFocus);
        _compositor.Click(10, 10);
        app.Client.Roundtrip();
        Assert.Null(app.KeyboardFocus);

        // A new lock client takes over the abandoned lock: locked at once, the screen is already blank.
        var rescuer = new Locker(_compositor);
        var takeover = rescuer.NewLock();
        Assert.Equal(["locked"], takeover.Events);
        takeover.Resource.UnlockAndDestroy();
        rescuer.Test.Roundtrip();
        Assert.False(lockState.Locked);
        app.Client.Roundtrip();
        Assert.Equal(window.Surface.Id, app.KeyboardFocus?.Id);
        FramePresented();
        Assert.Contains(WindowRect(window), Drawn());
    }

    [Fact]
    public void DestroyingALockBeforeItIsLockedAbandonsItTheSessionStaysLocked()
    {
        var locker = new Locker(_compositor);
        var lk = locker.NewLock();
        lk.Resource.Destroy();
        locker.Test.Roundtrip();
        Assert.Null(locker.Test.Display.Error);
        Assert.True(_compositor.Server.SessionLock.Locked);
        // The frames the first lock waited for count for the one that takes over.
        var next = locker.NewLock();
        Assert.Empty(next.Events);
        FramePresented();
        locker.Test.Roundtrip();
        Assert.Equal(["locked"], next.Events);
    }

    [Fact]
    public void UnlockingRestoresTheWindowsTheFocusAndTheBindings()
    {
        var launched = new List<string>();
        _compositor.Server.LaunchRequested += launched.Add;
        var app = new SeatPeer(_compositor);
        var window = app.Window();
        var locker = new Locker(_compositor);
        var lk = locker.NewLock();
        var screen = lk.Surface().Map();
        FramePresented();
        locker.Test.Roundtrip();
        lk.Resource.UnlockAndDestroy();
        locker.Test.Roundtrip();
        Assert.Null(locker.Test.Display.Error);
        Assert.False(_compositor.Server.SessionLock.Locked);
        Assert.DoesNotContain(_compositor.Server.Scene.Stack, p => p is SessionLock.LockSurface);
        app.Client.Roundtrip();
        Assert.Equal(window.Surface.Id, app.KeyboardFocus?.Id);
        FramePresented();
        Assert.Contains(WindowRect(window), Drawn());
        _compositor.Input.KeyboardKey(0, KeySuper, true);
        _compositor.Input.KeyboardKey(0, KeyZ, true);
        Assert.Equal(["zed"], launched);
        _ = screen;
    }

    [Fact]
    public void AnOutputPluggedWhileLockedIsBlankUntilItGetsItsOwnLockSurfaceOfItsSize()
    {
        var locker = new Locker(_compositor);
        var lk = locker.NewLock();
        lk.Surface().Map();
        FramePresented();
        var second = new InProcessCompositor.TestOutput(800, 600, name: "TEST-2");
        var outputs = new List<WlOutput>();
        var registry = locker.Test.Display.GetRegistry();
        registry.Global += (_, name, iface, _) =>
        {
            if (iface == "wl_output") outputs.Add(registry.Bind<WlOutput>(name, 4));
        };
        locker.Test.Roundtrip();
        _compositor.Backend.Plug(second);
        locker.Test.Roundtrip();
        var sceneOutput = _compositor.Server.Scene.Outputs[1];
        Assert.Equal(second, sceneOutput.Output);
        second.RaiseFrame();
        Assert.Empty(Drawn());
        var screen = lk.Surface(outputs[^1]);
        Assert.Equal([(800u, 600u)], screen.Configures.Select(c => (c.W, c.H)));
        screen.Map();
        second.RaiseFrame();
        Assert.Equal([new Backends.Rect(0, 0, 800, 600)], Drawn());
    }

    // ---- errors ----

    [Fact]
    public void ASurfaceWithAnotherRoleIsARoleError()
    {
        var locker = new Locker(_compositor);
        var lk = locker.NewLock();
        var window = new TestToplevel(locker.Test, locker.Compositor.CreateSurface());
        lk.Resource.GetLockSurface(window.Surface, locker.Output);
        AssertError(locker.Test, "ext_session_lock_v1", (uint)LockError.Role);
    }

    [Fact]
    public void ASecondLockSurfaceForAnOutputIsADuplicateOutputError()
    {
        var locker = new Locker(_compositor);
        var lk = locker.NewLock();
        lk.Surface();
        lk.Resource.GetLockSurface(locker.Compositor.CreateSurface(), locker.Output);
        AssertError(locker.Test, "ext_session_lock_v1", (uint)LockError.DuplicateOutput);
    }

    [Fact]
    public void ASurfaceWithABufferAttachedIsAlreadyConstructed()
    {
        var locker = new Locker(_compositor);
        var lk = locker.NewLock();
        var surface = locker.Compositor.CreateSurface();
        surface.Attach(locker.Color(surface, 640, 480), 0, 0);
        lk.Resource.GetLockSurface(surface, locker.Output);
        AssertError(locker.Test, "ext_session_lock_v1", (uint)LockError.AlreadyConstructed);
    }

    [Fact]
    public void DestroyingALockToldLockedIsAnInvalidDestroyAndTheSessionStaysLocked()
    {
        var locker = new Locker(_compositor);
        var lk = locker.NewLock();
        FramePresented();
        locker.Test.Roundtrip();
        Assert.Equal(["locked"], lk.Events);
        lk.Resource.Destroy();
        AssertError(locker.Test, "ext_session_lock_v1", (uint)LockError.InvalidDestroy);
        _compositor.Pump();
        Assert.True(_compositor.Server.SessionLock.Locked);
    }

    [Fact]
    public void UnlockingBeforeLockedIsAnInvalidUnlockAndDoesNotUnlock()
    {
        var locker = new Locker(_compositor);
        var lk = locker.NewLock();
        lk.Resource.UnlockAndDestroy();
        AssertError(locker.Test, "ext_session_lock_v1", (uint)LockError.InvalidUnlock);
        _compositor.Pump();
        Assert.True(_compositor.Server.SessionLock.Locked);
    }

    [Fact]
    public void ARefusedLockCannotUnlock()
    {
        var first = new Locker(_compositor);
        first.NewLock();
        FramePresented();
        var second = new Locker(_compositor);
        var refused = second.NewLock();
        Assert.Equal(["finished"], refused.Events);
        refused.Resource.UnlockAndDestroy();
        AssertError(second.Test, "ext_session_lock_v1", (uint)LockError.InvalidUnlock);
        Assert.True(_compositor.Server.SessionLock.Locked);
    }

    [Fact]
    public void CommittingBeforeTheFirstAckIsAnError()
    {
        var locker = new Locker(_compositor);
        var screen = locker.NewLock().Surface();
        screen.Surface.Attach(locker.Color(screen.Surface, 640, 480), 0, 0);
        screen.Surface.Commit();
        AssertError(locker.Test, "ext_session_lock_surface_v1", (uint)SurfaceError.CommitBeforeFirstAck);
    }

    [Fact]
    public void CommittingWithoutABufferIsANullBufferError()
    {
        var locker = new Locker(_compositor);
        var screen = locker.NewLock().Surface();
        screen.Role.AckConfigure(screen.Configures[^1].Serial);
        screen.Surface.Commit();
        AssertError(locker.Test, "ext_session_lock_surface_v1", (uint)SurfaceError.NullBuffer);
    }

    [Fact]
    public void UnmappingAMappedLockSurfaceIsANullBufferError()
    {
        var locker = new Locker(_compositor);
        var screen = locker.NewLock().Surface().Map();
        screen.Surface.Attach(null, 0, 0);
        screen.Surface.Commit();
        AssertError(locker.Test, "ext_session_lock_surface_v1", (uint)SurfaceError.NullBuffer);
    }

    [Fact]
    public void ABufferOfAnotherSizeIsADimensionsMismatch()
    {
        var locker = new Locker(_compositor);
        var screen = locker.NewLock().Surface();
        screen.Role.AckConfigure(screen.Configures[^1].Serial);
        screen.Surface.Attach(locker.Color(screen.Surface, 320, 480), 0, 0);
        screen.Surface.Commit();
        AssertError(locker.Test, "ext_session_lock_surface_v1", (uint)SurfaceError.DimensionsMismatch);
        Assert.DoesNotContain(_compositor.Server.Scene.Stack, p => p is SessionLock.LockSurface);
    }

    [Fact]
    public void AckingAnUnknownSerialIsAnInvalidSerial()
    {
        var locker = new Locker(_compositor);
        var screen = locker.NewLock().Surface();
        screen.Role.AckConfigure(screen.Configures[^1].Serial + 1000);
        AssertError(locker.Test, "ext_session_lock_surface_v1", (uint)SurfaceError.InvalidSerial);
    }

    [Fact]
    public void AckingTheSameConfigureTwiceIsAnInvalidSerial()
    {
        var locker = new Locker(_compositor);
        var screen = locker.NewLock().Surface();
        screen.Role.AckConfigure(screen.Configures[^1].Serial);
        locker.Test.Roundtrip();
        Assert.Null(locker.Test.Display.Error);
        screen.Role.AckConfigure(screen.Configures[^1].Serial);
        AssertError(locker.Test, "ext_session_lock_surface_v1", (uint)SurfaceError.InvalidSerial);
    }
}
