using Wayland.Client;
using Wayland.Protocols.Client;

namespace Compositor.Tests.Harness;

/// <summary>A client of the running executable from the test process itself (our generated client
/// side over its socket): the globals it was offered, and windows of one colour or of a pattern.</summary>
internal sealed class SocketClient : IDisposable
{
    private WlCompositor? _compositor;
    private XdgWmBase? _wm;
    private WpViewporter? _viewporter;
    private WpSinglePixelBufferManagerV1? _pixels;
    private WlShm? _shm;

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

    /// <summary>Binds at <paramref name="version"/> or the advertised version, whichever is lower, as a
    /// correct client does (the executable advertises the platform libwayland's core versions).</summary>
    public T Bind<T>(string iface, uint version) where T : Wayland.Client.Proxy, IProxyFactory<T> =>
        Registry.Bind<T>(Globals[iface].Name, Math.Min(version, Globals[iface].Version));

    /// <summary>A toplevel of <paramref name="width"/>x<paramref name="height"/> showing one opaque
    /// colour (a single-pixel buffer scaled by a viewport), mapped: initial commit, ack, buffer.</summary>
    public WlSurface MapSolidWindow(int width, int height, uint r, uint g, uint b)
    {
        _viewporter ??= Bind<WpViewporter>("wp_viewporter", 1);
        _pixels ??= Bind<WpSinglePixelBufferManagerV1>("wp_single_pixel_buffer_manager_v1", 1);
        return MapWindow(s => _viewporter.GetViewport(s).SetDestination(width, height), _pixels.CreateU32RgbaBuffer(r, g, b, uint.MaxValue));
    }

    /// <summary>A toplevel showing an XRGB8888 shm buffer of <paramref name="width"/>x<paramref name="height"/>
    /// whose pixel x,y is <paramref name="pixel"/>(x, y) (0xRRGGBB), with a buffer transform.</summary>
    public unsafe WlSurface MapShmWindow(int width, int height, Func<int, int, uint> pixel, WlOutput.Transform transform = WlOutput.Transform.Normal)
    {
        _shm ??= Bind<WlShm>("wl_shm", 1);
        var size = width * height * 4;
        var name = System.Runtime.InteropServices.Marshal.StringToHGlobalAnsi("socket-client");
        var fd = Tmds.Linux.LibC.memfd_create((byte*)name, Tmds.Linux.LibC.MFD_CLOEXEC);
        System.Runtime.InteropServices.Marshal.FreeHGlobal(name);
        try
        {
            var pixels = new uint[width * height];
            for (var y = 0; y < height; y++)
                for (var x = 0; x < width; x++) pixels[y * width + x] = pixel(x, y);
            fixed (uint* p = pixels)
                if (Tmds.Linux.LibC.write(fd, p, size) != size) throw new IOException("writing the shm buffer failed");
            var pool = _shm.CreatePool(fd, size);
            var buffer = pool.CreateBuffer(0, width, height, width * 4, WlShm.Format.Xrgb8888);
            pool.Destroy();
            return MapWindow(s => s.SetBufferTransform(transform), buffer);
        }
        finally { Tmds.Linux.LibC.close(fd); } // sent by now: the compositor has its own
    }

    private WlSurface MapWindow(Action<WlSurface> setUp, WlBuffer buffer)
    {
        _compositor ??= Bind<WlCompositor>("wl_compositor", 6);
        if (_wm is null)
        {
            _wm = Bind<XdgWmBase>("xdg_wm_base", 6);
            _wm.Ping += (w, serial) => w.Pong(serial);
        }
        var surface = _compositor.CreateSurface();
        setUp(surface);
        var xdg = _wm.GetXdgSurface(surface);
        uint configure = 0;
        xdg.Configure += (_, s) => configure = s;
        xdg.GetToplevel();
        surface.Commit();
        while (configure == 0) Display.Dispatch(5000);
        xdg.AckConfigure(configure);
        surface.Attach(buffer, 0, 0);
        surface.Damage(0, 0, int.MaxValue, int.MaxValue);
        surface.Commit();
        Display.Roundtrip();
        return surface;
    }

    public void Dispose() => Display.Dispose();
}
