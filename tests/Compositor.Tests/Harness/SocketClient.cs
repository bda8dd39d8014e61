using Wayland.Client;
using Wayland.Protocols.Client;

namespace Compositor.Tests.Harness;

/// <summary>A client of the running executable from the test process itself (our generated client
/// side over its socket): the globals it was offered, and windows of one colour.</summary>
internal sealed class SocketClient : IDisposable
{
    private WlCompositor? _compositor;
    private XdgWmBase? _wm;
    private WpViewporter? _viewporter;
    private WpSinglePixelBufferManagerV1? _pixels;

    public SocketClient(RunningCompositor compositor)
    {
        Display = ClientDisplay.Connect(Path.Combine(compositor.RuntimeDir, compositor.Socket));
        Registry = Display.GetRegistry();
        Registry.Global += (_, name, iface, version) => Globals[iface] = (name, version);
        Display.Roundtrip();
    }

    public ClientDisplay Display { get; }
    public WlRegistry Registry { get; }
    /// <summary>Interface → global name and advertised version.</summary>
    public Dictionary<string, (uint Name, uint Version)> Globals { get; } = [];

    public T Bind<T>(string iface, uint version) where T : Wayland.Client.Proxy, IProxyFactory<T> => Registry.Bind<T>(Globals[iface].Name, version);

    /// <summary>A toplevel of <paramref name="width"/>x<paramref name="height"/> showing one opaque
    /// colour (a single-pixel buffer scaled by a viewport), mapped: initial commit, ack, buffer.</summary>
    public WlSurface MapSolidWindow(int width, int height, uint r, uint g, uint b)
    {
        _compositor ??= Bind<WlCompositor>("wl_compositor", 6);
        if (_wm is null)
        {
            _wm = Bind<XdgWmBase>("xdg_wm_base", 6);
            _wm.Ping += (w, serial) => w.Pong(serial);
        }
        _viewporter ??= Bind<WpViewporter>("wp_viewporter", 1);
        _pixels ??= Bind<WpSinglePixelBufferManagerV1>("wp_single_pixel_buffer_manager_v1", 1);
        var surface = _compositor.CreateSurface();
        _viewporter.GetViewport(surface).SetDestination(width, height);
        var xdg = _wm.GetXdgSurface(surface);
        uint configure = 0;
        xdg.Configure += (_, s) => configure = s;
        xdg.GetToplevel();
        surface.Commit();
        while (configure == 0) Display.Dispatch(5000);
        xdg.AckConfigure(configure);
        surface.Attach(_pixels.CreateU32RgbaBuffer(r, g, b, uint.MaxValue), 0, 0);
        surface.Commit();
        Display.Roundtrip();
        return surface;
    }

    public void Dispose() => Display.Dispose();
}
