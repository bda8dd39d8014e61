using Wayland.Protocols.Client;

namespace Compositor.Tests.Harness;

/// <summary>A client of the in-process compositor with a seat and a keyboard, remembering the serials
/// it was sent, and mapped windows of one colour on demand.</summary>
internal sealed class SeatPeer
{
    private readonly InProcessCompositor _compositor;

    public SeatPeer(InProcessCompositor compositor)
    {
        _compositor = compositor;
        Client = compositor.Connect();
        Seat = Client.Bind<WlSeat>("wl_seat", 9);
        Keyboard = Seat.GetKeyboard();
        Keyboard.Enter += (_, serial, s, _) => { EnterSerial = serial; KeyboardFocus = s; };
        Keyboard.Leave += (_, _, _) => KeyboardFocus = null;
        Keyboard.Key += (_, serial, _, _, _) => KeySerial = serial;
        Client.Roundtrip();
    }

    public TestClient Client { get; }
    public WlSeat Seat { get; }
    public WlKeyboard Keyboard { get; }
    public uint EnterSerial { get; private set; }
    public uint KeySerial { get; private set; }
    /// <summary>This client's surface with the keyboard, as its events tell.</summary>
    public WlSurface? KeyboardFocus { get; private set; }

    /// <summary>A mapped window (it takes the keyboard), <paramref name="width"/>x<paramref name="height"/>.</summary>
    public TestToplevel Window(int width = 100, int height = 80)
    {
        var surface = Client.Bind<WlCompositor>("wl_compositor", 6).CreateSurface();
        var window = new TestToplevel(Client, surface);
        Client.Bind<WpViewporter>("wp_viewporter", 1).GetViewport(surface).SetDestination(width, height);
        window.Show(Client.Bind<WpSinglePixelBufferManagerV1>("wp_single_pixel_buffer_manager_v1", 1).CreateU32RgbaBuffer(0, 0, 0, uint.MaxValue));
        return window;
    }

    /// <summary>A key pressed and released while this client is focused: <see cref="KeySerial"/> is then its input.</summary>
    public void TypeKey(uint keycode = 30)
    {
        _compositor.Input.KeyboardKey(0, keycode, true);
        _compositor.Input.KeyboardKey(0, keycode, false);
        Client.Roundtrip();
    }

    public void AssertError(string iface, uint code)
    {
        var error = Client.ErrorAfterRoundtrip();
        Assert.True(error is not null, $"expected {iface} error {code}, got none");
        Assert.Equal((iface, code), (error!.Interface, error.Code));
    }
}
