using System.Text;
using Compositor.Tests.Harness;
using Wayland.Protocols.Client;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace Compositor.Tests;

/// <summary>wl_seat, wl_pointer, wl_keyboard and wl_data_device: what a client sees when input
/// arrives, and the protocol errors of these interfaces and of wl_surface that a client can provoke.</summary>
public sealed unsafe class SeatTests : IDisposable
{
    private readonly InProcessCompositor _compositor = new(640, 480);
    public void Dispose() => _compositor.Dispose();

    private sealed class SeatClient
    {
        public SeatClient(InProcessCompositor compositor, uint seatVersion = 9)
        {
            Client = compositor.Connect();
            Compositor = Client.Bind<WlCompositor>("wl_compositor", 6);
            WmBase = Client.Bind<XdgWmBase>("xdg_wm_base", 6);
            WmBase.Ping += (w, s) => w.Pong(s);
            Seat = Client.Bind<WlSeat>("wl_seat", seatVersion);
            Pixels = Client.Bind<WpSinglePixelBufferManagerV1>("wp_single_pixel_buffer_manager_v1", 1);
            Viewporter = Client.Bind<WpViewporter>("wp_viewporter", 1);
        }

        public TestClient Client { get; }
        public WlCompositor Compositor { get; }
        public XdgWmBase WmBase { get; }
        public WlSeat Seat { get; }
        public WpSinglePixelBufferManagerV1 Pixels { get; }
        public WpViewporter Viewporter { get; }
        public List<string> Events { get; } = [];

        /// <summary>A mapped 100x80 window (at 32,32 for the first one).</summary>
        public WlSurface Window()
        {
            var surface = Compositor.CreateSurface();
            Viewporter.GetViewport(surface).SetDestination(100, 80);
            var xdg = WmBase.GetXdgSurface(surface);
            uint serial = 0;
            xdg.Configure += (_, s) => serial = s;
            xdg.GetToplevel();
            surface.Commit();
            Client.Roundtrip();
            xdg.AckConfigure(serial);
            surface.Attach(Pixels.CreateU32RgbaBuffer(0, 0, 0, uint.MaxValue), 0, 0);
            surface.Commit();
            Client.Roundtrip();
            return surface;
        }

        public WlPointer Pointer()
        {
            var p = Seat.GetPointer();
            p.Enter += (_, serial, s, x, y) => { EnterSerial = serial; Events.Add($"enter {s?.Id} {x.ToDouble()},{y.ToDouble()}"); };
            p.Leave += (_, _, s) => Events.Add($"leave {s?.Id}");
            p.Motion += (_, _, x, y) => Events.Add($"motion {x.ToDouble()},{y.ToDouble()}");
            p.Button += (_, serial, _, b, st) => { ButtonSerial = serial; Events.Add($"button {b:x} {st}"); };
            p.Frame += _ => Events.Add("frame");
            p.AxisEvent += (_, _, a, v) => Events.Add($"axis {a} {v.ToDouble()}");
            p.AxisDiscrete += (_, a, d) => Events.Add($"discrete {a} {d}");
            p.AxisValue120 += (_, a, v) => Events.Add($"value120 {a} {v}");
            p.AxisSourceEvent += (_, src) => Events.Add($"source {src}");
            return p;
        }

        public uint EnterSerial { get; private set; }
        public uint ButtonSerial { get; private set; }
    }

    private static void AssertError(TestClient client, string iface, uint code)
    {
        var error = client.ErrorAfterRoundtrip();
        Assert.True(error is not null, $"expected {iface} error {code}, got none");
        Assert.Equal((iface, code), (error!.Interface, error.Code));
    }

    private void MoveTo(double x, double y)
    {
        _compositor.Input.PointerMotionAbsolute(0, _compositor.Backend.Output!, x, y);
        _compositor.Input.PointerFrame();
    }

    // ---- pointer ----

    [Fact]
    public void PointerEntersMovesClicksAndLeavesInFrames()
    {
        var c = new SeatClient(_compositor);
        var pointer = c.Pointer();
        var window = c.Window();
        MoveTo(42, 52);
        c.Client.Roundtrip();
        Assert.Equal([$"enter {window.Id} 10,20", "frame"], c.Events);
        c.Events.Clear();

        MoveTo(43, 52);
        _compositor.Input.PointerButton(0, 0x110, true);
        _compositor.Input.PointerFrame();
        _compositor.Input.PointerButton(0, 0x110, false);
        _compositor.Input.PointerFrame();
        MoveTo(300, 300); // off the window
        c.Client.Roundtrip();
        Assert.Equal(["motion 11,20", "frame", "button 110 Pressed", "frame", "button 110 Released", "frame", $"leave {window.Id}", "frame"], c.Events);
        _ = pointer;
    }

    [Fact]
    public void ButtonHeldKeepsThePointerOnTheWindowItPressed()
    {
        var c = new SeatClient(_compositor);
        c.Pointer();
        var window = c.Window();
        MoveTo(40, 40);
        _compositor.Input.PointerButton(0, 0x110, true);
        _compositor.Input.PointerFrame();
        c.Client.Roundtrip();
        c.Events.Clear();
        MoveTo(300, 300); // dragging out: the implicit grab keeps sending motion
        c.Client.Roundtrip();
        Assert.Equal(["motion 268,268", "frame"], c.Events);
        _compositor.Input.PointerButton(0, 0x110, false);
        _compositor.Input.PointerFrame();
        c.Client.Roundtrip();
        Assert.Equal(["motion 268,268", "frame", "button 110 Released", "frame", $"leave {window.Id}", "frame"], c.Events);
        Assert.Null(c.Client.Display.Error);
    }

    [Theory]
    [InlineData(9u, "value120 VerticalScroll 240")]
    [InlineData(7u, "discrete VerticalScroll 2")]
    public void WheelScrollIsValue120SinceVersion8AndDiscreteBefore(uint version, string expected)
    {
        var c = new SeatClient(_compositor, version);
        c.Pointer();
        c.Window();
        MoveTo(40, 40);
        c.Client.Roundtrip();
        c.Events.Clear();
        _compositor.Input.PointerAxis(0, 0, 30, 2);
        _compositor.Input.PointerFrame();
        c.Client.Roundtrip();
        Assert.Equal(["source Wheel", expected, "axis VerticalScroll 30", "frame"], c.Events);
    }

    [Fact]
    public void CursorSurfaceIsDrawnAtThePointerMinusItsHotspot()
    {
        var c = new SeatClient(_compositor);
        var pointer = c.Pointer();
        c.Window();
        MoveTo(60, 70);
        c.Client.Roundtrip();
        var cursor = c.Compositor.CreateSurface();
        cursor.Attach(c.Pixels.CreateU32RgbaBuffer(uint.MaxValue, uint.MaxValue, uint.MaxValue, uint.MaxValue), 0, 0);
        cursor.Commit();
        pointer.SetCursor(c.EnterSerial, cursor, 3, 4);
        c.Client.Roundtrip();
        var role = Assert.IsType<Compositor.Seat.CursorRole>(_compositor.Server.Scene.Cursor);
        Assert.Equal((57, 66), (role.X, role.Y));
        Assert.True(role.IsMapped);

        // A stale serial is ignored, not an error.
        pointer.SetCursor(c.EnterSerial + 100, null, 0, 0);
        Assert.Null(c.Client.ErrorAfterRoundtrip());
        Assert.NotNull(_compositor.Server.Scene.Cursor);
    }

    [Fact]
    public void TheCompositorsArrowShowsUntilAClientSetsACursorAndSetShapeNamesAThemeShape()
    {
        var scene = _compositor.Server.Scene;
        Assert.Equal("default", scene.ImageCursor?.Name);
        var c = new SeatClient(_compositor);
        var pointer = c.Pointer();
        var device = c.Client.Bind<WpCursorShapeManagerV1>("wp_cursor_shape_manager_v1", 2).GetPointer(pointer);
        c.Window();
        _compositor.Input.PointerMotionAbsolute(0, _compositor.Backend.Output!, 50, 50);
        _compositor.Input.PointerFrame();
        c.Client.Roundtrip();
        Assert.Equal("default", scene.ImageCursor?.Name);
        var (x, y) = (scene.ImageCursorX, scene.ImageCursorY);
        Assert.Equal((50 - scene.ImageCursor!.HotspotX, 50 - scene.ImageCursor.HotspotY), (x, y));

        device.SetShape(c.EnterSerial, WpCursorShapeDeviceV1.Shape.EwResize);
        c.Client.Roundtrip();
        Assert.Equal("ew-resize", scene.ImageCursor?.Name);
        device.SetShape(c.EnterSerial + 1, WpCursorShapeDeviceV1.Shape.Wait); // not the enter's serial: ignored
        c.Client.Roundtrip();
        Assert.Equal("ew-resize", scene.ImageCursor?.Name);

        // A cursor surface replaces the image; leaving to the background brings the arrow back.
        var cursor = c.Compositor.CreateSurface();
        cursor.Attach(c.Pixels.CreateU32RgbaBuffer(uint.MaxValue, 0, 0, uint.MaxValue), 0, 0);
        cursor.Commit();
        pointer.SetCursor(c.EnterSerial, cursor, 0, 0);
        c.Client.Roundtrip();
        Assert.Null(scene.ImageCursor);
        Assert.NotNull(scene.Cursor);
        _compositor.Input.PointerMotionAbsolute(0, _compositor.Backend.Output!, 400, 400);
        _compositor.Input.PointerFrame();
        c.Client.Roundtrip();
        Assert.Null(scene.Cursor);
        Assert.Equal("default", scene.ImageCursor?.Name);
    }

    [Theory]
    [InlineData(2u, 0u)]
    [InlineData(2u, 37u)]
    [InlineData(1u, 35u)] // dnd_ask is new in version 2
    public void AShapeOutsideTheEnumOfTheBoundVersionIsInvalidShape(uint version, uint shape)
    {
        var c = new SeatClient(_compositor);
        var device = c.Client.Bind<WpCursorShapeManagerV1>("wp_cursor_shape_manager_v1", version).GetPointer(c.Pointer());
        device.SetShape(0, (WpCursorShapeDeviceV1.Shape)shape);
        AssertError(c.Client, "wp_cursor_shape_device_v1", (uint)WpCursorShapeDeviceV1.Error.InvalidShape);
    }

    [Fact]
    public void CursorSurfaceWithAnotherRoleIsARoleError()
    {
        var c = new SeatClient(_compositor);
        var pointer = c.Pointer();
        var window = c.Window();
        MoveTo(40, 40);
        c.Client.Roundtrip();
        var child = c.Compositor.CreateSurface();
        c.Client.Bind<WlSubcompositor>("wl_subcompositor", 1).GetSubsurface(child, window);
        pointer.SetCursor(c.EnterSerial, child, 0, 0);
        AssertError(c.Client, "wl_pointer", (uint)WlPointer.Error.Role);
    }

    [Fact]
    public void TouchIsAMissingCapability()
    {
        var c = new SeatClient(_compositor);
        WlSeat.Capability caps = 0;
        c.Seat.Capabilities += (_, cap) => caps = cap;
        c.Client.Roundtrip();
        Assert.Equal(WlSeat.Capability.Pointer | WlSeat.Capability.Keyboard, caps);
        c.Seat.GetTouch();
        AssertError(c.Client, "wl_seat", (uint)WlSeat.Error.MissingCapability);
    }

    // ---- keyboard ----

    [Fact]
    public void KeyboardGetsASealedXkbKeymapRepeatInfoAndKeysOfItsFocus()
    {
        var c = new SeatClient(_compositor);
        var keyboard = c.Seat.GetKeyboard();
        string? keymap = null;
        var seals = 0;
        (int Rate, int Delay)? repeat = null;
        var events = new List<string>();
        keyboard.Keymap += (_, format, fd, size) =>
        {
            Assert.Equal(WlKeyboard.KeymapFormat.XkbV1, format);
            seals = fcntl(fd.Value, F_GET_SEALS);
            var bytes = new byte[size];
            fixed (byte* p = bytes) pread(fd.Value, p, size, 0);
            keymap = Encoding.ASCII.GetString(bytes).TrimEnd('\0');
        };
        keyboard.RepeatInfo += (_, rate, delay) => repeat = (rate, delay);
        keyboard.Enter += (_, _, s, keys) => events.Add($"enter {s?.Id} {keys.Length / 4}");
        keyboard.Key += (_, _, _, key, state) => events.Add($"key {key} {state}");
        keyboard.Modifiers += (_, _, depressed, _, _, _) => events.Add($"mods {depressed}");
        keyboard.Leave += (_, _, s) => events.Add($"leave {s?.Id}");
        c.Client.Roundtrip();
        Assert.NotNull(keymap);
        Assert.Contains("xkb_keymap", keymap);
        Assert.Contains("xkb_symbols", keymap);
        // Shared read-only with every client: it cannot be written, grown or shrunk.
        Assert.NotEqual(0, seals & F_SEAL_WRITE);
        Assert.NotEqual(0, seals & F_SEAL_SHRINK);
        Assert.NotEqual(0, seals & F_SEAL_GROW);
        Assert.Equal((25, 600), repeat);

        var window = c.Window(); // a new window takes the keyboard
        c.Client.Roundtrip();
        _compositor.Input.KeyboardKey(0, 42, true);  // left shift
        _compositor.Input.KeyboardKey(0, 30, true);  // a
        _compositor.Input.KeyboardKey(0, 30, false);
        _compositor.Input.KeyboardKey(0, 42, false);
        c.Client.Roundtrip();
        Assert.Equal([$"enter {window.Id} 0", "mods 0", "key 42 Pressed", "mods 1", "key 30 Pressed", "key 30 Released", "key 42 Released", "mods 0"], events);
    }

    [Fact]
    public void KeyboardFocusMovesWithTheClickedWindowAndLeavesTheOld()
    {
        var a = new SeatClient(_compositor);
        var b = new SeatClient(_compositor);
        var ka = a.Seat.GetKeyboard();
        var kb = b.Seat.GetKeyboard();
        var logA = new List<string>();
        var logB = new List<string>();
        ka.Enter += (_, _, _, _) => logA.Add("enter");
        ka.Leave += (_, _, _) => logA.Add("leave");
        kb.Enter += (_, _, _, _) => logB.Add("enter");
        kb.Leave += (_, _, _) => logB.Add("leave");
        a.Window();   // 32,32
        b.Window();   // 64,64: focused, on top
        a.Client.Roundtrip();
        b.Client.Roundtrip();
        _compositor.Click(40, 40); // only window a is there
        a.Client.Roundtrip();
        b.Client.Roundtrip();
        Assert.Equal(["enter", "leave", "enter"], logA);
        Assert.Equal(["enter", "leave"], logB);
    }

    // ---- data device ----

    [Fact]
    public void SelectionIsOfferedToTheFocusedClientAndReadThroughAPipe()
    {
        var owner = new SeatClient(_compositor);
        var reader = new SeatClient(_compositor);
        var manager = owner.Client.Bind<WlDataDeviceManager>("wl_data_device_manager", 3);
        var keyboard = owner.Seat.GetKeyboard();
        uint enter = 0;
        keyboard.Enter += (_, serial, _, _) => enter = serial;
        owner.Window();
        owner.Client.Roundtrip();
        var source = manager.CreateDataSource();
        source.Offer("text/plain");
        var sent = new List<string>();
        source.Send += (_, mime, fd) =>
        {
            sent.Add(mime);
            var bytes = "pasted"u8.ToArray();
            fixed (byte* p = bytes) write(fd.Value, p, (size_t)bytes.Length);
        };
        manager.GetDataDevice(owner.Seat).SetSelection(source, enter);
        owner.Client.Roundtrip();

        var readerManager = reader.Client.Bind<WlDataDeviceManager>("wl_data_device_manager", 3);
        var device = readerManager.GetDataDevice(reader.Seat);
        WlDataOffer? offer = null;
        var mimes = new List<string>();
        device.DataOffer += (_, o) => o.Offer += (_, m) => mimes.Add(m);
        device.Selection += (_, o) => offer = o;
        reader.Window(); // focus moves to the reader: it is offered the selection
        reader.Client.Roundtrip();
        Assert.NotNull(offer);
        Assert.Equal(["text/plain"], mimes);

        int* fds = stackalloc int[2];
        Assert.Equal(0, pipe2(fds, O_CLOEXEC));
        offer!.Receive("text/plain", fds[1]);
        reader.Client.Roundtrip();
        close(fds[1]);
        owner.Client.Roundtrip();
        reader.Client.Roundtrip();
        Assert.Equal(["text/plain"], sent);
        var buffer = new byte[64];
        long n;
        fixed (byte* p = buffer) n = (long)read(fds[0], p, 64);
        close(fds[0]);
        Assert.Equal("pasted", Encoding.ASCII.GetString(buffer, 0, (int)n));
    }

    [Fact]
    public void SourceSetTwiceIsUsedSource()
    {
        var c = new SeatClient(_compositor);
        var manager = c.Client.Bind<WlDataDeviceManager>("wl_data_device_manager", 3);
        var device = manager.GetDataDevice(c.Seat);
        var source = manager.CreateDataSource();
        device.SetSelection(source, 0);
        device.SetSelection(source, 0);
        AssertError(c.Client, "wl_data_device", (uint)WlDataDevice.Error.UsedSource);
    }

    [Fact]
    public void DragIconWithAnotherRoleIsARoleError()
    {
        var c = new SeatClient(_compositor);
        var manager = c.Client.Bind<WlDataDeviceManager>("wl_data_device_manager", 3);
        var window = c.Window();
        var icon = c.Compositor.CreateSurface();
        c.Client.Bind<WlSubcompositor>("wl_subcompositor", 1).GetSubsurface(icon, window);
        manager.GetDataDevice(c.Seat).StartDrag(manager.CreateDataSource(), window, icon, 0);
        AssertError(c.Client, "wl_data_device", (uint)WlDataDevice.Error.Role);
    }

    [Fact]
    public void SourceActionsOutsideTheMaskAreInvalidActionMask()
    {
        var c = new SeatClient(_compositor);
        var manager = c.Client.Bind<WlDataDeviceManager>("wl_data_device_manager", 3);
        manager.CreateDataSource().SetActions((WlDataDeviceManager.DndAction)0x10);
        AssertError(c.Client, "wl_data_source", (uint)WlDataSource.Error.InvalidActionMask);
    }

    [Fact]
    public void SourceActionsAfterUseAreInvalidSource()
    {
        var c = new SeatClient(_compositor);
        var manager = c.Client.Bind<WlDataDeviceManager>("wl_data_device_manager", 3);
        var source = manager.CreateDataSource();
        manager.GetDataDevice(c.Seat).SetSelection(source, 0);
        source.SetActions(WlDataDeviceManager.DndAction.Copy);
        AssertError(c.Client, "wl_data_source", (uint)WlDataSource.Error.InvalidSource);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void DragOnlyRequestsOnASelectionOfferAreErrors(bool finish)
    {
        var owner = new SeatClient(_compositor);
        var manager = owner.Client.Bind<WlDataDeviceManager>("wl_data_device_manager", 3);
        var device = manager.GetDataDevice(owner.Seat);
        WlDataOffer? offer = null;
        device.Selection += (_, o) => offer = o;
        owner.Window();
        var source = manager.CreateDataSource();
        source.Offer("text/plain");
        device.SetSelection(source, 0);
        owner.Client.Roundtrip();
        Assert.NotNull(offer); // the focused owner is offered its own selection too
        if (finish)
        {
            offer!.Finish();
            AssertError(owner.Client, "wl_data_offer", (uint)WlDataOffer.Error.InvalidFinish);
        }
        else
        {
            offer!.SetActions(WlDataDeviceManager.DndAction.Copy, WlDataDeviceManager.DndAction.Copy);
            AssertError(owner.Client, "wl_data_offer", (uint)WlDataOffer.Error.InvalidOffer);
        }
    }

    // ---- wl_surface errors not covered elsewhere ----

    [Fact]
    public void BufferNotAMultipleOfTheScaleIsInvalidSizeSinceVersion6()
    {
        var c = new SeatClient(_compositor);
        var surface = c.Compositor.CreateSurface();
        surface.SetBufferScale(2);
        surface.Attach(c.Pixels.CreateU32RgbaBuffer(0, 0, 0, uint.MaxValue), 0, 0); // 1x1
        surface.Commit();
        AssertError(c.Client, "wl_surface", (uint)WlSurface.Error.InvalidSize);
    }

    [Fact]
    public void SurfaceDestroyedBeforeItsRoleObjectIsDefunctRoleObject()
    {
        var c = new SeatClient(_compositor);
        var parent = c.Compositor.CreateSurface();
        var child = c.Compositor.CreateSurface();
        c.Client.Bind<WlSubcompositor>("wl_subcompositor", 1).GetSubsurface(child, parent);
        child.Destroy();
        AssertError(c.Client, "wl_surface", (uint)WlSurface.Error.DefunctRoleObject);
    }

    [Fact]
    public void SurfaceDestroyedAfterItsRoleObjectIsFine()
    {
        var c = new SeatClient(_compositor);
        var parent = c.Compositor.CreateSurface();
        var child = c.Compositor.CreateSurface();
        var sub = c.Client.Bind<WlSubcompositor>("wl_subcompositor", 1).GetSubsurface(child, parent);
        sub.Destroy();
        child.Destroy();
        var cursor = c.Compositor.CreateSurface(); // roles without an object (cursor) have nothing to destroy first
        cursor.Destroy();
        Assert.Null(c.Client.ErrorAfterRoundtrip());
    }
}
