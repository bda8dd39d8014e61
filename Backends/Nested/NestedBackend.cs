using Compositor.Backends.Rendering;
using Serilog;
using Wayland.Client;
using Wayland.Events;
using Wayland.Protocols.Client;

namespace Compositor.Backends.Nested;

/// <summary>The parent compositor's globals a nested output needs (presentation and linux-dmabuf are
/// optional), and the (format, modifier) pairs its linux-dmabuf offers.</summary>
internal sealed record ParentGlobals(WlCompositor Compositor, XdgWmBase WmBase, WlShm Shm, WlSeat? Seat, WpPresentation? Presentation,
    ZwpLinuxDmabufV1? Dmabuf, IReadOnlySet<(uint Fourcc, ulong Modifier)> DmabufFormats);

/// <summary>
/// Runs inside another Wayland compositor (for development): one output that is a window there,
/// composited with the same renderer as the other backends, and the parent's seat as input. The
/// connection to the parent is one more fd in the compositor's event loop. Closing the window, or
/// losing the parent, asks the compositor to quit.
/// </summary>
public sealed class NestedBackend : IBackend
{
    private readonly EventLoop _loop;
    private readonly ILogger _log;
    private readonly ClientDisplay _parent;
    private readonly ParentGlobals _globals;
    private readonly IRenderer _renderer;
    private readonly int _width, _height;
    private readonly List<IOutput> _outputs = [];
    private NestedOutput? _output;
    private NestedInput? _input;
    private FdSource? _source;
    private bool _lost;
    private readonly bool _fullscreen;

    /// <param name="parentDisplay">The parent's socket (null: WAYLAND_DISPLAY, as clients do).</param>
    /// <param name="renderer">GLES (<see cref="RendererKind.Auto"/>, <see cref="RendererKind.Gl"/>) or pixman.</param>
    /// <param name="fullscreen">Ask the parent to show the window fullscreen once it is up.</param>
    public NestedBackend(EventLoop loop, string? parentDisplay, int width, int height, ILogger log, string? renderNode = null,
        RendererKind renderer = RendererKind.Auto, bool fullscreen = false)
    {
        _fullscreen = fullscreen;
        _loop = loop;
        _log = log;
        _width = width;
        _height = height;
        try
        {
            _parent = ClientDisplay.Connect(parentDisplay);
        }
        catch (IOException e)
        {
            throw new NestedBackendException($"no parent compositor: {e.Message}");
        }
        var globals = new Dictionary<string, (uint Name, uint Version)>();
        var registry = _parent.GetRegistry();
        registry.Global += (_, name, iface, version) => globals[iface] = (name, version);
        _parent.Roundtrip();
        T? Bind<T>(string iface, uint max) where T : Wayland.Client.Proxy, IProxyFactory<T> =>
            globals.TryGetValue(iface, out var g) ? registry.Bind<T>(g.Name, Math.Min(g.Version, max)) : null;
        var compositor = Bind<WlCompositor>("wl_compositor", 4);
        var wmBase = Bind<XdgWmBase>("xdg_wm_base", 2);
        var shm = Bind<WlShm>("wl_shm", 1);
        if (compositor is null || wmBase is null || shm is null)
        {
            _parent.Dispose();
            throw new NestedBackendException("the parent compositor lacks wl_compositor, xdg_wm_base or wl_shm");
        }
        wmBase.Ping += (w, serial) => w.Pong(serial);
        // Version 3: the pairs come as modifier events right after the bind (4 and later send them
        // through feedback instead); a refused buffer is still learnt at creation, before use.
        var dmabuf = Bind<ZwpLinuxDmabufV1>("zwp_linux_dmabuf_v1", 3);
        var pairs = new HashSet<(uint, ulong)>();
        if (dmabuf is not null)
        {
            dmabuf.Modifier += (_, format, hi, lo) => pairs.Add((format, ((ulong)hi << 32) | lo));
            _parent.Roundtrip();
        }
        _globals = new ParentGlobals(compositor, wmBase, shm, Bind<WlSeat>("wl_seat", 5), Bind<WpPresentation>("wp_presentation", 1),
            dmabuf is not null && dmabuf.Version >= 3 ? dmabuf : null, pairs);
        if (_globals.Seat is { } seat) _input = new NestedInput(seat);
        _renderer = Renderers.Create(renderer, log, renderNode);
    }

    public string Name => "wayland";
    public IRenderer Renderer => _renderer;
    public IReadOnlyList<IOutput> Outputs => _outputs;
    public event Action<IOutput>? OutputAdded;
    public event Action<IOutput>? OutputRemoved;
    public event Action? QuitRequested;

    public void Start(IInputSink input)
    {
        _output = new NestedOutput(_loop, _parent, FlushParent, _globals, _renderer, _width, _height, _log);
        _output.CloseRequested += () => QuitRequested?.Invoke();
        _input?.Start(input, _output);
        _source = _loop.AddFd(_parent.Fd, FdEvents.Readable, (_, events) => ReadParent(events));
        _outputs.Add(_output);
        OutputAdded?.Invoke(_output);
        _log.Information("Nested: a {Width}x{Height} window in the parent compositor{Presentation}", _output.Width, _output.Height,
            _globals.Presentation is null ? " (no wp_presentation there: frame times are estimates)" : "");
        // Asked once the window exists: the parent's configure then resizes the output like any resize.
        if (_fullscreen)
        {
            _output.Toplevel.SetFullscreen(null);
            FlushParent();
        }
        if (_output.WhyShm == "") _log.Information("Nested: frames drawn straight into buffers the parent imports, through {Transport}", _output.Transport);
        else _log.Information("Nested: frames copied into wl_shm buffers ({Why})", _output.WhyShm);
    }

    private void ReadParent(FdEvents events)
    {
        try
        {
            _parent.Dispatch(0);
            if ((events & (FdEvents.Hangup | FdEvents.Error)) != 0) throw new IOException("the parent closed the connection");
        }
        catch (Exception e) when (e is IOException or WaylandProtocolException)
        {
            LoseParent(e);
            return;
        }
        // Answers to what was just dispatched (a pong, releases of input devices) go out now, not
        // with the next frame, which an idle compositor may not draw for a long time.
        FlushParent();
    }

    private void FlushParent()
    {
        if (_lost) return;
        try
        {
            _parent.Flush();
        }
        catch (Exception e) when (e is IOException or WaylandProtocolException)
        {
            LoseParent(e);
        }
    }

    private void LoseParent(Exception e)
    {
        if (_lost) return;
        _lost = true;
        _log.Error("Lost the parent compositor: {Message}", e.Message);
        _source?.Dispose();
        _source = null;
        QuitRequested?.Invoke();
    }

    public void Dispose()
    {
        foreach (var o in _outputs) OutputRemoved?.Invoke(o);
        _outputs.Clear();
        _source?.Dispose();
        try
        {
            // Our memory and textures go in any case; the requests telling the parent reach it
            // only if it is still there.
            _input?.Dispose();
            _output?.Dispose();
            if (!_lost && _parent.Error is null) _parent.Flush();
        }
        catch (Exception e) when (e is IOException or WaylandProtocolException) { }
        _parent.Dispose();
        _renderer.Dispose();
    }
}

/// <summary>The nested backend cannot run (no parent compositor, or one without what it needs).</summary>
public sealed class NestedBackendException(string message) : Exception(message);
