using Wayland.Client;
using Wayland.Protocols.Client;

namespace Clients.Common;

/// <summary>
/// A client's connection and one xdg_toplevel: the registry, the configure handshake, ping, close,
/// and a frame loop paced by frame callbacks. The sample clients draw into it.
/// </summary>
public sealed class Window : IDisposable
{
    private readonly Dictionary<string, (uint Name, uint Version)> _globals = [];
    private uint _pendingSerial;
    private bool _frameDone = true;

    /// <summary>How often waits look at their stop flag (signal handlers only set it).</summary>
    private const int StopCheckMs = 200;

    /// <param name="display">The compositor's socket (name or path); null: WAYLAND_DISPLAY.</param>
    public Window(string title, int width, int height, string? display = null)
    {
        Display = ClientDisplay.Connect(display);
        Registry = Display.GetRegistry();
        Registry.Global += (_, name, iface, version) => _globals[iface] = (name, version);
        Display.Roundtrip();
        Compositor = Bind<WlCompositor>("wl_compositor", 4) ?? throw new InvalidOperationException("the compositor has no wl_compositor");
        WmBase = Bind<XdgWmBase>("xdg_wm_base", 1) ?? throw new InvalidOperationException("the compositor has no xdg_wm_base");
        WmBase.Ping += (w, serial) => w.Pong(serial);
        Width = width;
        Height = height;

        Surface = Compositor.CreateSurface();
        XdgSurface = WmBase.GetXdgSurface(Surface);
        XdgSurface.Configure += (_, serial) => _pendingSerial = serial;
        Toplevel = XdgSurface.GetToplevel();
        Toplevel.SetTitle(title);
        Toplevel.SetAppId(title);
        Toplevel.Close += _ => Closed = true;
        Surface.Commit();
        while (_pendingSerial == 0 && Display.Error is null) Display.Dispatch(5000);
        if (Display.Error is { } e) throw new WaylandProtocolException(e);
        XdgSurface.AckConfigure(_pendingSerial);
        _pendingSerial = 0;
    }

    public ClientDisplay Display { get; }
    public WlRegistry Registry { get; }
    public WlCompositor Compositor { get; }
    public XdgWmBase WmBase { get; }
    public WlSurface Surface { get; }
    public XdgSurface XdgSurface { get; }
    public XdgToplevel Toplevel { get; }
    public int Width { get; }
    public int Height { get; }
    /// <summary>When set, every commit of <see cref="Present"/> measures its commit-to-present latency.</summary>
    public PresentationLatency? Latency { get; set; }
    /// <summary>The compositor asked the window to close (xdg_toplevel.close).</summary>
    public bool Closed { get; private set; }

    /// <summary>Binds a global at the lower of <paramref name="maxVersion"/> and what is advertised; null when absent.</summary>
    public T? Bind<T>(string iface, uint maxVersion) where T : Proxy, IProxyFactory<T> =>
        _globals.TryGetValue(iface, out var g) ? Registry.Bind<T>(g.Name, Math.Min(g.Version, maxVersion)) : null;

    /// <summary>Waits for the previous frame's callback (the compositor's pace), then acks any new configure.
    /// Gives up when <paramref name="stop"/> says so: a compositor that stopped answering must not keep a
    /// client that was told to quit.</summary>
    public void WaitForFrame(Func<bool> stop)
    {
        while (!_frameDone && !Closed && !stop() && Display.Error is null) Display.Dispatch(StopCheckMs);
        if (Display.Error is { } e) throw new WaylandProtocolException(e);
        if (_pendingSerial != 0)
        {
            XdgSurface.AckConfigure(_pendingSerial);
            _pendingSerial = 0;
        }
    }

    /// <summary>Attaches, damages everything, asks for the next frame callback and commits.</summary>
    public void Present(WlBuffer buffer)
    {
        Surface.Attach(buffer, 0, 0);
        Surface.DamageBuffer(0, 0, Width, Height);
        _frameDone = false;
        Surface.Frame().Done += (_, _) => _frameDone = true;
        Latency?.BeforeCommit(Surface);
        Surface.Commit();
        Display.Flush();
    }

    /// <summary>
    /// The clients' frame loop over a ring of buffers: waits for the frame callback, takes a buffer
    /// the compositor released, lets <paramref name="draw"/> fill it for the frame number, shows it.
    /// Runs until closed, <paramref name="stop"/> says so, or <paramref name="frames"/> were shown
    /// (negative: no limit). Returns how many were shown.
    /// </summary>
    public int RunFrames(IReadOnlyList<WlBuffer> buffers, int frames, Func<bool> stop, Action<int, int> draw)
    {
        var busy = new bool[buffers.Count];
        for (var i = 0; i < buffers.Count; i++)
        {
            var index = i;
            buffers[i].Release += _ => busy[index] = false;
        }
        var frame = 0;
        while (!stop() && !Closed && (frames < 0 || frame < frames))
        {
            WaitForFrame(stop);
            if (stop()) break;
            var b = Array.IndexOf(busy, false);
            while (b < 0 && !Closed && !stop()) { Display.Dispatch(StopCheckMs); b = Array.IndexOf(busy, false); }
            if (b < 0) break;
            draw(b, frame);
            busy[b] = true;
            Present(buffers[b]);
            frame++;
        }
        // Lets the last frame's requests reach the compositor, but never waits long for it.
        Display.Roundtrip(1000);
        return frame;
    }

    public void Dispose() => Display.Dispose();
}
