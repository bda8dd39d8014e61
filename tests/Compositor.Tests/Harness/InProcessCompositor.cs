using Compositor.Backends;
using Serilog;
using Wayland.Client;
using Wayland.Events;
using Wayland.Protocols.Client;
using Wayland.Server;

namespace Compositor.Tests.Harness;

/// <summary>
/// The compositor core in this process, driven step by step from the test thread, with real clients
/// (our generated client side) over socketpairs. For protocol-state tests only: it has no outputs,
/// and its renderer is a recording stand-in for the GPU. Pixels are tested through the executable
/// with the real renderer.
/// </summary>
internal sealed class InProcessCompositor : IDisposable
{
    public static readonly ILogger Logger = new LoggerConfiguration().MinimumLevel.Warning().CreateLogger();

    /// <param name="outputWidth">With a size, one output whose frames come only when <see cref="Frame"/> is
    /// called; without, no output at all.</param>
    /// <param name="showsEveryFrame">false: the output is like a headless one, whose frames are seen only
    /// when captured.</param>
    /// <param name="log">Where the core logs (the fuzzers watch it for errors); default <see cref="Logger"/>.</param>
    /// <param name="fdBudget">The fds clients may make it hold; default: from RLIMIT_NOFILE.</param>
    public InProcessCompositor(int outputWidth = 0, int outputHeight = 0, bool showsEveryFrame = true, ILogger? log = null,
        Wayland.Wire.FdBudget? fdBudget = null, Config.CompositorConfig? config = null)
    {
        log ??= Logger;
        Loop = new EventLoop(log);
        Display = new Display(Loop, log, fdBudget);
        Backend = new TestBackend(outputWidth > 0 ? new TestOutput(outputWidth, outputHeight, showsEveryFrame) : null);
        Server = new CompositorServer(Loop, Display, Backend, log, config);
        Server.Start();
    }

    internal TestBackend Backend { get; }
    /// <summary>The input side of the backend: what a keyboard and mouse would do.</summary>
    public Backends.IInputSink Input => Server.Seat;

    /// <summary>Runs one refresh of the output (draws with the recording renderer, answers frame callbacks).</summary>
    public void Frame() => Backend.Output!.RaiseFrame();

    /// <summary>Moves the pointer to a layout point and clicks the left button there.</summary>
    public void Click(double x, double y)
    {
        Input.PointerMotionAbsolute(0, Backend.Output!, x, y);
        Input.PointerFrame();
        Input.PointerButton(0, 0x110, true);
        Input.PointerFrame();
        Input.PointerButton(0, 0x110, false);
        Input.PointerFrame();
    }

    public EventLoop Loop { get; }
    public Display Display { get; }
    public CompositorServer Server { get; }
    public RecordingRenderer Renderer => (RecordingRenderer)Server.Renderer;

    public TestClient Connect()
    {
        var (server, client) = Wayland.Wire.Native.SocketPair();
        var serverSide = Display.CreateClient(server);
        return new TestClient(this, new ClientDisplay(client)) { ServerClient = serverSide };
    }

    public void Pump(int rounds = 4)
    {
        for (var i = 0; i < rounds; i++) Loop.Dispatch(0);
    }

    public void Dispose()
    {
        Server.Dispose();
        Display.Dispose();
        Loop.Dispose();
    }

    internal sealed class TestBackend(TestOutput? output) : IBackend
    {
        public string Name => "test";
        public IRenderer Renderer { get; } = new RecordingRenderer();
        private readonly List<IOutput> _outputs = output is null ? [] : [output];
        public TestOutput? Output => output;
        public IReadOnlyList<IOutput> Outputs => _outputs;
        public event Action<IOutput>? OutputAdded;
        public event Action<IOutput>? OutputRemoved;
        public event Action? QuitRequested { add { } remove { } }
        public void Start(IInputSink input) { if (output is not null) OutputAdded?.Invoke(output); }

        /// <summary>A display plugged in, or unplugged (hotplug).</summary>
        public void Plug(TestOutput o)
        {
            _outputs.Add(o);
            OutputAdded?.Invoke(o);
        }

        public void Unplug(TestOutput o)
        {
            _outputs.Remove(o);
            OutputRemoved?.Invoke(o);
        }
        public void Dispose() => Renderer.Dispose();
    }

    /// <summary>An output driven by the test: no clock, a frame when the test asks.</summary>
    internal sealed class TestOutput(int width, int height, bool showsEveryFrame = true, string name = "TEST-1") : IOutput
    {
        public string Name => name;
        public string Description => "test output";
        public string Make => "test";
        public string Model => "test";
        public int Width => width;
        public int Height => height;
        public int RefreshMilliHz => 60_000;
        public int PhysicalWidthMm => 0;
        public int PhysicalHeightMm => 0;
        public int Scale => 1;
        public bool ShowsEveryFrame => showsEveryFrame;
        /// <summary>A plane that stands for a DRM primary plane, so scanout feedback can be tested.</summary>
        public ScanoutPlane? Scanout { get; set; }
        /// <summary>Stands for a display that takes buffers directly: null refuses them all.</summary>
        public Func<IScanoutSource, bool>? AcceptScanout { get; set; }
        public bool TryScanout(IScanoutSource buffer) => AcceptScanout?.Invoke(buffer) ?? false;
        public IRenderTarget Target { get; } = new NoTarget(width, height);
        public int FramesScheduled { get; private set; }
        public void ScheduleFrame() => FramesScheduled++;
        /// <summary>Stands for a display whose power can be switched (DPMS); false refuses.</summary>
        public bool CanPowerOff { get; set; } = true;
        public bool PoweredOn { get; private set; } = true;
        public bool TrySetPower(bool on)
        {
            if (!CanPowerOff) return on == PoweredOn;
            PoweredOn = on;
            return true;
        }
        public event Action<IOutput>? Frame;
        public void Present(ReadOnlySpan<Rect> damage) { }
        public event Action<IOutput, PresentationTime>? Presented;
        public void RaiseFrame() => Frame?.Invoke(this);
        public void RaisePresented(PresentationTime time) => Presented?.Invoke(this, time);

        private sealed record NoTarget(int Width, int Height) : IRenderTarget
        {
            public void Dispose() { }
        }
    }
}

/// <summary>Stands in for the GPU in protocol tests: keeps textures' sizes and counts uploads.</summary>
internal sealed class RecordingRenderer : IRenderer, IDmaBufImporter
{
    /// <summary>What the stand-in driver "imports": linear XRGB8888 and ARGB8888, NV12 with the implicit modifier.</summary>
    public IReadOnlyList<DmaBufFormat> DmaBufFormats { get; } =
    [
        new(Fourcc.Xrgb8888, DmaBufAttributes.ModifierLinear, false),
        new(Fourcc.Argb8888, DmaBufAttributes.ModifierLinear, false),
        new(Fourcc.Nv12, DmaBufAttributes.ModifierInvalid, true),
    ];
    /// <summary>Stands for a render node's dev_t (226:128), so feedback (v4+) is exercised.</summary>
    public ulong? MainDevice => (226UL << 8) | 128;
    public bool RefuseImports { get; set; }
    public int Imports { get; private set; }
    /// <summary>What the last import was asked for, and the texture it made.</summary>
    public (int Width, int Height, uint Fourcc, bool YInverted)? LastImport { get; private set; }
    public ITexture? LastImported { get; private set; }
    public ITexture? ImportDmaBuf(DmaBufAttributes attributes)
    {
        LastImport = (attributes.Width, attributes.Height, attributes.Fourcc, attributes.YInverted);
        if (RefuseImports) return null;
        Imports++;
        return LastImported = new Texture(attributes.Width, attributes.Height, attributes.Fourcc, attributes.YInverted);
    }

    public string Description => "recording (tests)";
    public IReadOnlyList<uint> ShmFormats { get; } = [Fourcc.Argb8888, Fourcc.Xrgb8888];
    public int Uploads { get; private set; }
    public IRenderTarget CreateOffscreenTarget(int width, int height) => throw new NotSupportedException();
    public ITexture CreateTexture(uint fourcc, int width, int height) => new Texture(width, height, fourcc);
    /// <summary>The last upload: the region and the first pixel of it (little-endian 32-bit, as the client wrote it).</summary>
    public (Rect Region, uint FirstPixel) LastUpload { get; private set; }
    public void Upload(ITexture texture, ReadOnlySpan<byte> rows, int stride, Rect region)
    {
        Uploads++;
        LastUpload = (region, BitConverter.ToUInt32(rows[(region.X * 4)..]));
    }
    /// <summary>The clip of every frame drawn, in order.</summary>
    public List<Rect[]> Frames { get; } = [];
    public void Begin(IRenderTarget target, ReadOnlySpan<Rect> clip) { Frames.Add(clip.ToArray()); Draws.Clear(); }
    public void Clear(ColorF color) { }
    /// <summary>What was drawn since the last Begin: where, and with which transform (null: a solid colour).</summary>
    public List<(Rect Destination, int? Transform)> Draws { get; } = [];
    public void Draw(ITexture texture, RectF source, Rect destination, int transform, float alpha, bool opaque) => Draws.Add((destination, transform));
    public void DrawSolid(Rect destination, ColorF color) => Draws.Add((destination, null));
    public void End() { }
    public void Finish() { }
    public int Submit() => -1;
    public RenderCounters Counters { get; } = new();
    public IRenderTarget? CreateTarget(DmaBufAttributes buffer, out string whyNot)
    {
        whyNot = "the recording renderer draws nothing";
        return null;
    }
    public void ReadPixels(IRenderTarget target, Rect region, uint fourcc, Span<byte> destination, int stride) { }
    public void Dispose() { }

    private sealed record Texture(int Width, int Height, uint Fourcc, bool YInverted = false) : ITexture
    {
        public bool HasAlpha => Fourcc == Backends.Fourcc.Argb8888;
        public void Dispose() { }
    }
}

/// <summary>A client of the in-process compositor with its globals bound.</summary>
internal sealed class TestClient(InProcessCompositor compositor, ClientDisplay display) : IDisposable
{
    private Dictionary<string, (uint Name, uint Version)>? _globals;
    private WlRegistry? _registry;

    public ClientDisplay Display { get; } = display;
    /// <summary>This connection as the compositor sees it.</summary>
    public Wayland.Server.Client ServerClient { get; init; } = null!;

    /// <summary>wl_display.sync answered, or a protocol error received: anything else (no answer, a
    /// connection closed without an error) fails the test, so "no error after a round trip" means the
    /// compositor really answered.</summary>
    public void Roundtrip()
    {
        var done = false;
        Display.Display.Sync().Done += (_, _) => done = true;
        for (var i = 0; i < 100 && !done && Display.Error is null; i++)
        {
            try
            {
                Display.Flush();
                compositor.Pump(2);
                Display.Dispatch(0);
            }
            catch (WaylandProtocolException) { return; }
            catch (IOException e)
            {
                // A server that posted an error closes the socket after it: the error may still be unread.
                try { Display.Dispatch(0); } catch (Exception again) when (again is IOException or WaylandProtocolException) { }
                if (Display.Error is not null) return;
                throw new InvalidOperationException($"the connection broke during a round trip without a protocol error: {e.Message}", e);
            }
        }
        if (!done && Display.Error is null) throw new TimeoutException("the compositor did not answer wl_display.sync in 100 rounds");
    }

    public T Bind<T>(string iface, uint version) where T : Proxy, IProxyFactory<T>
    {
        if (_globals is null)
        {
            _globals = [];
            _registry = Display.GetRegistry();
            _registry.Global += (_, name, i, v) => _globals[i] = (name, v);
            Roundtrip();
        }
        return _registry!.Bind<T>(_globals[iface].Name, version);
    }

    /// <summary>The protocol error the server sent, after a round trip.</summary>
    public ProtocolError? ErrorAfterRoundtrip()
    {
        Roundtrip();
        return Display.Error;
    }

    public void Dispose() => Display.Dispose();
}
