using System.Text.RegularExpressions;
using System.Text;
using Compositor.Tests.Harness;
using Wayland.Protocols.Client;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace Compositor.Tests;

/// <summary>zwp_primary_selection_device_manager_v1: the primary selection follows keyboard focus
/// like the clipboard, only the focused client quoting its own input's serial may set it, and a
/// replaced or refused source is cancelled. The protocol defines no errors.</summary>
public sealed unsafe class PrimarySelectionTests : IDisposable
{
    private readonly InProcessCompositor _compositor = new(640, 480);
    public void Dispose() => _compositor.Dispose();

    private sealed class Peer
    {
        public Peer(InProcessCompositor compositor)
        {
            Client = compositor.Connect();
            Seat = Client.Bind<WlSeat>("wl_seat", 9);
            Manager = Client.Bind<ZwpPrimarySelectionDeviceManagerV1>("zwp_primary_selection_device_manager_v1", 1);
            Device = Manager.GetDevice(Seat);
            Device.DataOffer += (_, o) => o.Offer += (_, m) => Mimes.Add(m);
            Device.Selection += (_, o) => { Selections++; Offer = o; };
            var keyboard = Seat.GetKeyboard();
            keyboard.Enter += (_, serial, _, _) => EnterSerial = serial;
            keyboard.Key += (_, serial, _, _, _) => KeySerial = serial;
        }

        public TestClient Client { get; }
        public WlSeat Seat { get; }
        public ZwpPrimarySelectionDeviceManagerV1 Manager { get; }
        public ZwpPrimarySelectionDeviceV1 Device { get; }
        public List<string> Mimes { get; } = [];
        public ZwpPrimarySelectionOfferV1? Offer { get; private set; }
        public int Selections { get; private set; }
        public uint EnterSerial { get; private set; }
        public uint KeySerial { get; private set; }

        /// <summary>A mapped window: it takes the keyboard.</summary>
        public void Window()
        {
            var surface = Client.Bind<WlCompositor>("wl_compositor", 6).CreateSurface();
            var window = new TestToplevel(Client, surface);
            Client.Bind<WpViewporter>("wp_viewporter", 1).GetViewport(surface).SetDestination(100, 80);
            window.Show(Client.Bind<WpSinglePixelBufferManagerV1>("wp_single_pixel_buffer_manager_v1", 1).CreateU32RgbaBuffer(0, 0, 0, uint.MaxValue));
        }

        public ZwpPrimarySelectionSourceV1 Source(string text, List<string>? events = null)
        {
            var source = Manager.CreateSource();
            source.Offer("text/plain");
            source.Send += (_, mime, fd) =>
            {
                events?.Add($"send {mime}");
                var bytes = Encoding.UTF8.GetBytes(text);
                fixed (byte* p = bytes) write(fd.Value, p, (size_t)bytes.Length);
            };
            source.Cancelled += _ => events?.Add("cancelled");
            return source;
        }
    }

    private static string Read(Peer reader, Peer owner)
    {
        int* fds = stackalloc int[2];
        Assert.Equal(0, pipe2(fds, O_CLOEXEC));
        reader.Offer!.Receive("text/plain", fds[1]);
        reader.Client.Roundtrip();
        close(fds[1]);
        owner.Client.Roundtrip();
        var buffer = new byte[64];
        long n;
        fixed (byte* p = buffer) n = (long)read(fds[0], p, 64);
        close(fds[0]);
        return Encoding.UTF8.GetString(buffer, 0, (int)Math.Max(0, n));
    }

    [Fact]
    public void TheSelectionIsOfferedToTheFocusedClientReadThroughAPipeAndAReplacedSourceIsCancelled()
    {
        var owner = new Peer(_compositor);
        var reader = new Peer(_compositor);
        owner.Window();
        owner.Client.Roundtrip();
        var events = new List<string>();
        var first = owner.Source("first", events);
        owner.Device.SetSelection(first, owner.EnterSerial);
        owner.Client.Roundtrip();
        Assert.Equal(0, reader.Selections); // not focused: told nothing yet

        reader.Window(); // focus moves to the reader: it is offered the selection
        reader.Client.Roundtrip();
        Assert.NotNull(reader.Offer);
        Assert.Equal(["text/plain"], reader.Mimes);
        Assert.Equal("first", Read(reader, owner));
        Assert.Equal(["send text/plain"], events);

        // The reader, focused, selects something itself (quoting a key it was sent): the owner's source is cancelled.
        _compositor.Input.KeyboardKey(0, 30, true);
        _compositor.Input.KeyboardKey(0, 30, false);
        reader.Client.Roundtrip();
        reader.Device.SetSelection(reader.Source("second"), reader.KeySerial);
        reader.Client.Roundtrip();
        owner.Client.Roundtrip();
        Assert.Equal(["send text/plain", "cancelled"], events);
        Assert.Equal("second", Read(reader, reader));
    }

    [Fact]
    public void AClientWithoutKeyboardFocusCannotSetTheSelection()
    {
        var background = new Peer(_compositor);
        var focused = new Peer(_compositor);
        background.Window();
        focused.Window(); // on top, focused
        background.Client.Roundtrip();
        focused.Client.Roundtrip();
        var events = new List<string>();
        // Its old enter serial, or the focused client's newest one: neither is input it was sent while focused.
        background.Device.SetSelection(background.Source("stolen", events), background.EnterSerial);
        background.Device.SetSelection(background.Source("stolen", events), focused.EnterSerial);
        background.Client.Roundtrip();
        Assert.Equal(["cancelled", "cancelled"], events);
        Assert.Null(background.Client.Display.Error);
        Assert.NotNull(_compositor.Server.Seat.Keyboard.Focus);
        focused.Client.Roundtrip();
        Assert.Null(focused.Offer); // still no selection: null was sent on focus, nothing since
    }

    [Fact]
    public void AFocusedClientQuotingASerialFromBeforeItsFocusIsRefused()
    {
        var other = new Peer(_compositor);
        var client = new Peer(_compositor);
        other.Window();
        other.Client.Roundtrip();
        var old = other.EnterSerial; // issued before the client below got the keyboard
        client.Window();
        client.Client.Roundtrip();
        var events = new List<string>();
        client.Device.SetSelection(client.Source("early", events), old);
        client.Client.Roundtrip();
        Assert.Equal(["cancelled"], events);
        // A serial not yet issued is refused too.
        client.Device.SetSelection(client.Source("future", events), _compositor.Display.Serial + 5);
        client.Client.Roundtrip();
        Assert.Equal(["cancelled", "cancelled"], events);
        Assert.NotNull(_compositor.Server.Seat.Keyboard.Focus);
    }

    [Fact]
    public void ADestroyedSourceClearsTheSelectionAndNullClearsItToo()
    {
        var client = new Peer(_compositor);
        client.Window();
        client.Client.Roundtrip();
        var source = client.Source("gone");
        client.Device.SetSelection(source, client.EnterSerial);
        client.Client.Roundtrip();
        Assert.NotNull(client.Offer);
        source.Destroy();
        client.Client.Roundtrip();
        Assert.Null(client.Offer);

        var again = new List<string>();
        client.Device.SetSelection(client.Source("again", again), client.EnterSerial);
        client.Client.Roundtrip();
        Assert.NotNull(client.Offer);
        client.Device.SetSelection(null, client.EnterSerial);
        client.Client.Roundtrip();
        Assert.Null(client.Offer);
        Assert.Equal(["cancelled"], again);
    }
}

/// <summary>wl-clipboard (Debian's wl-copy and wl-paste) with <c>--primary</c> against the executable:
/// each takes the keyboard focus with a tiny window of its own, so the focus rule is the one a user meets.</summary>
public sealed partial class PrimarySelectionRealClientTests : IDisposable
{
    private readonly RunningCompositor _compositor = new("640x480@60");
    public void Dispose() => _compositor.Dispose();

    [Fact]
    public void WlCopyPrimaryIsPastedByWlPastePrimaryAndNotByPlainWlPaste()
    {
        var copy = _compositor.StartClient("wl-copy", traced: true, "--primary", "--foreground", "middle click");
        try
        {
            // The trace of the request, then the window it destroys once a round trip confirmed it.
            Peers.WaitFor(() => PrimarySet().IsMatch(copy.Stderr), "wl-copy --primary to set the primary selection");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\nwl-copy:\n{copy.Stderr}\ncompositor log:\n{_compositor.Log}");
        }
        var (code, text, err) = _compositor.Run("wl-paste", ["--primary", "--no-newline"], 10_000);
        Assert.True(code == 0, $"wl-paste --primary failed ({code}): {err}\nwl-copy:\n{copy.Stderr}\ncompositor log:\n{_compositor.Log}");
        Assert.Equal("middle click", text);
        // The clipboard is another selection: it is still empty.
        var (plainCode, plain, _) = _compositor.Run("wl-paste", ["--no-newline"], 10_000);
        Assert.NotEqual(0, plainCode);
        Assert.NotEqual("middle click", plain);
        Assert.False(copy.HasExited, copy.Stderr);
    }

    [GeneratedRegex(@"zwp_primary_selection_device_v1@\d+\.set_selection\([\s\S]*xdg_toplevel@\d+\.destroy\(\)")]
    private static partial Regex PrimarySet();
}
