using System.Runtime.InteropServices;
using Compositor.Backends.Rendering;
using Serilog;
using Wayland.Events;
using static Compositor.Backends.Native.DrmIoctl;

namespace Compositor.Backends.Drm;

/// <summary>
/// Kernel modesetting on one or more DRM cards: one output per connected connector, composited by
/// one renderer (on the first card's GPU, or pixman) and page-flipped at vblank (atomic KMS where the
/// driver has it, else legacy). A second card's screens are drawn by the same renderer and shared
/// with that card the cheapest way the two devices take (<see cref="ScanoutSwapchain.Choose"/>).
/// Page-flip events arrive on each card's fd in the compositor's event loop; keyboards and pointers
/// come through libinput.
/// </summary>
public sealed unsafe class DrmBackend : IBackend
{
    private readonly EventLoop _loop;
    private readonly ILogger _log;
    private readonly List<DrmCard> _cards = [];
    private readonly IRenderer _renderer;
    private readonly List<DrmOutput> _outputs = [];
    private readonly bool _atomic, _directScanout;
    private readonly SeatSession? _seat;
    private readonly Func<string, OutputMode?>? _modeFor;
    private LibinputInput? _input;
    private VirtualTerminal? _console;
    private UdevMonitor? _udev;
    private IInputSink? _sink;

    /// <param name="devicePaths">Cards such as /dev/dri/card0, the first one's GPU rendering for all;
    /// empty: the first card with a connected display.</param>
    /// <param name="renderNode">The render node to draw on; null: the first card's own if it renders, else another, else none.</param>
    /// <param name="renderer">Auto: GLES on a render node that renders, else pixman, drawing on the CPU
    /// straight into the display's dumb buffers (llvmpipe would draw offscreen and copy every frame).</param>
    /// <param name="atomic">Atomic KMS where the driver offers it; false: the legacy ioctls.</param>
    /// <param name="directScanout">False: every frame is composited, no client buffer is shown as it is.</param>
    /// <param name="seat">How devices are opened: through libseat (seatd or logind: an ordinary
    /// user's session), directly (root on a console), or by <see cref="SeatMode.Auto"/>: libseat
    /// unless running as root.</param>
    /// <param name="modeFor">The mode the config names for a connector, if any.</param>
    public DrmBackend(EventLoop loop, IReadOnlyList<string> devicePaths, ILogger log, string? renderNode = null, RendererKind renderer = RendererKind.Auto,
        bool atomic = true, bool directScanout = true, SeatMode seat = SeatMode.Auto, Func<string, OutputMode?>? modeFor = null)
    {
        _atomic = atomic;
        _directScanout = directScanout;
        _loop = loop;
        _log = log;
        _modeFor = modeFor;
        try
        {
            if (seat == SeatMode.Libseat || seat == SeatMode.Auto && Tmds.Linux.LibC.geteuid() != 0)
            {
                _seat = SeatSession.Open(log, out var whyNot)
                        ?? throw new DrmBackendException($"{whyNot}; as root, --seat direct opens the devices without a seat");
            }
            else log.Information("Session: devices opened directly (root){Why}", seat == SeatMode.Direct ? " (--seat direct)" : "");
            if (devicePaths.Count == 0)
                _cards.Add(new DrmCard(DrmDevice.OpenFirstWithDisplay(log, _seat) ?? throw new DrmBackendException("no DRM card with a connected display under /dev/dri"), log));
            foreach (var path in devicePaths)
                _cards.Add(new DrmCard(DrmDevice.Open(path, out var whyNot, _seat) ?? throw new DrmBackendException(whyNot ?? $"cannot open {path}"), log));
            _renderer = CreateRenderer(log, renderNode, renderer);
        }
        catch
        {
            foreach (var card in _cards) card.Dispose();
            _seat?.Dispose();
            throw;
        }
    }

    private DrmDevice FirstDevice => _cards[0].Device;

    private IRenderer CreateRenderer(ILogger log, string? renderNode, RendererKind kind)
    {
        if (kind == RendererKind.Pixman) return Renderers.Create(kind, log);
        var gles = GlesRenderer.Create(log, renderNode, RenderDevice.RenderNodeOf(FirstDevice.Path));
        if (kind == RendererKind.Gl || gles.Device is not null) return gles;
        gles.Dispose();
        log.Information("No GPU renders for {Card}: drawing on the CPU with pixman, straight into its dumb buffers", FirstDevice.Path);
        return Renderers.Create(RendererKind.Pixman, log);
    }

    public string Name => "drm";
    public IRenderer Renderer => _renderer;
    public IReadOnlyList<IOutput> Outputs => _outputs;
    public event Action<IOutput>? OutputAdded;
    public event Action<IOutput>? OutputRemoved;
    public event Action? QuitRequested { add { } remove { } } // the quit binding is the seat's

    public void Start(IInputSink input)
    {
        _sink = input;
        var displays = _cards.Select(c => c.Device.Displays(modeFor: _modeFor)).ToList();
        if (displays.All(d => d.Count == 0))
            throw new DrmBackendException($"{string.Join(", ", _cards.Select(c => c.Device.Path))}: no connected display");
        if (_seat is not null)
        {
            // The seat daemon owns the console (graphics mode, VT switching) and DRM master.
            _seat.Watch(_loop);
            _seat.Disabling += ReleaseDevices;
            _seat.Enabled += AcquireDevices;
        }
        else
        {
            _console = VirtualTerminal.TakeOver(_log);
            if (_console is not null)
            {
                _console.HandleSwitches(_loop);
                _console.Releasing += ReleaseDevices;
                _console.Acquired += AcquireDevices;
            }
        }
        for (var i = 0; i < _cards.Count; i++)
        {
            var card = _cards[i];
            card.Events = _loop.AddFd(card.Device.Fd, FdEvents.Readable, (_, _) => ReadEvents(card));
            if (displays[i].Count == 0) _log.Warning("{Card} has no connected display", card.Device.Path);
            foreach (var display in displays[i]) AddOutput(card, display);
        }
        _udev = UdevMonitor.Open(_loop, _log);
        if (_udev is not null) _udev.CardChanged += OnCardChanged;
        try
        {
            _input = new LibinputInput(_loop, input, () => _outputs.Count > 0 ? _outputs[0] : null, _log, _seat, _seat?.Name ?? "seat0");
        }
        catch (Exception e) when (e is DllNotFoundException or InvalidOperationException)
        {
            _log.Warning("No input: {Message}", e.Message);
        }
    }

    private void AddOutput(DrmCard card, DrmDisplay display)
    {
        var renderDevice = (_renderer as GlesRenderer)?.Device;
        // Another card's than the renderer's: its frames cross devices (PRIME), or are copied.
        var foreign = renderDevice is not null && renderDevice.Path != RenderDevice.RenderNodeOf(card.Device.Path);
        // The first card's outputs keep their connectors' names; others say which card.
        var name = card == _cards[0] ? display.Name : $"{Path.GetFileName(card.Device.Path)}-{display.Name}";
        var output = new DrmOutput(_loop, card.Device, display, _renderer, renderDevice?.Gbm ?? 0, foreign, card.Handles, card.Framebuffers,
            _atomic, _directScanout, _log, name);
        try
        {
            output.Enable();
        }
        catch
        {
            output.Dispose();
            throw;
        }
        card.Outputs.Add(output);
        _outputs.Add(output);
        OutputAdded?.Invoke(output);
    }

    /// <summary>udev says a card changed (a connector plugged in or out, or a synthetic change event):
    /// its connectors are probed again, outputs of connectors now gone are removed and new ones added.</summary>
    private void OnCardChanged(ulong deviceNumber)
    {
        foreach (var card in _cards)
            if (card.Device.DeviceNumber == deviceNumber) Rescan(card);
    }

    private void Rescan(DrmCard card)
    {
        if (_seat is { Active: false } || _console is { IsActive: false })
        {
            card.RescanWhenBack = true; // another session has the display; probed when it comes back
            return;
        }
        // Outputs whose connectors are still connected keep their CRTCs; those of unplugged ones are
        // free for a connector plugged in by the same event.
        var stillConnected = card.Device.Displays().Select(d => d.ConnectorId).ToHashSet();
        var kept = card.Outputs.Where(o => stillConnected.Contains(o.ConnectorId)).ToDictionary(o => o.ConnectorId, o => o.CrtcId);
        var connected = card.Device.Displays(kept, _modeFor);
        foreach (var output in card.Outputs.ToList())
        {
            if (connected.Any(d => d.ConnectorId == output.ConnectorId)) continue;
            _log.Information("{Output} was unplugged", output.Name);
            output.Unplugged();
            card.Outputs.Remove(output);
            _outputs.Remove(output);
            OutputRemoved?.Invoke(output);
            output.Dispose();
        }
        foreach (var display in connected)
        {
            if (card.Outputs.Any(o => o.ConnectorId == display.ConnectorId)) continue;
            _log.Information("{Connector} on {Card} was plugged in", display.Name, card.Device.Path);
            try
            {
                AddOutput(card, display);
            }
            catch (IOException e)
            {
                _log.Warning("Cannot light {Connector}: {Message}", display.Name, e.Message);
            }
        }
    }

    public bool SwitchConsole(int number)
    {
        if (_seat is not null) _seat.SwitchTo(number);
        else if (_console is not null) _console.Activate(number);
        else return false;
        return true;
    }

    /// <summary>The console switches away: stop drawing, close input, let the next master in.</summary>
    private void ReleaseDevices()
    {
        foreach (var o in _outputs) o.Pause();
        _input?.Suspend();
        if (_seat is not null) return; // the seat daemon revokes master itself
        foreach (var card in _cards)
            if (card.Device.DropMaster() is var error and not 0) _log.Warning("Dropping DRM master of {Card} failed: errno {Error}", card.Device.Path, error);
    }

    private void AcquireDevices()
    {
        if (_seat is null)
            foreach (var card in _cards)
                if (card.Device.SetMaster() is var error and not 0) _log.Warning("Taking DRM master of {Card} back failed: errno {Error}", card.Device.Path, error);
        foreach (var o in _outputs) o.Resume();
        _input?.Resume();
        // Displays plugged in or out while away.
        foreach (var card in _cards)
            if (card.RescanWhenBack)
            {
                card.RescanWhenBack = false;
                Rescan(card);
            }
    }

    /// <summary>A card's page-flip completions, as many as the kernel has queued.</summary>
    private static void ReadEvents(DrmCard card, ILogger log)
    {
        Span<byte> buffer = stackalloc byte[1024];
        nint n;
        fixed (byte* p = buffer) n = (nint)Tmds.Linux.LibC.read(card.Device.Fd, p, buffer.Length);
        if (n <= 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (n < 0 && errno is not (4 or 11)) log.Warning("reading DRM events of {Card} failed: errno {Errno}", card.Device.Path, errno);
            return;
        }
        for (var offset = 0; offset + 8 <= n;)
        {
            var type = BitConverter.ToUInt32(buffer[offset..]);
            var length = (int)BitConverter.ToUInt32(buffer[(offset + 4)..]);
            if (length < 8 || offset + length > n) break;
            if (type == EventFlipComplete && length >= sizeof(VblankEvent))
            {
                var e = MemoryMarshal.Read<VblankEvent>(buffer[offset..]);
                var outputs = card.Outputs;
                for (var i = 0; i < outputs.Count; i++)
                    if (outputs[i].CrtcId == (uint)e.UserData) outputs[i].FlipCompleted(e);
            }
            offset += length;
        }
    }

    private void ReadEvents(DrmCard card) => ReadEvents(card, _log);

    public void Dispose()
    {
        foreach (var o in _outputs)
        {
            OutputRemoved?.Invoke(o);
            o.Dispose();
        }
        _outputs.Clear();
        _udev?.Dispose();
        _input?.Dispose();
        _console?.Dispose();
        foreach (var card in _cards) card.Dispose();
        _renderer.Dispose();
        _seat?.Dispose();
    }
}

/// <summary>One card the backend drives: its device, the GEM handles and framebuffers of client
/// buffers imported into it (per device: every import on one DRM file gets the same handle), its
/// page-flip events in the loop, and its outputs.</summary>
internal sealed class DrmCard : IDisposable
{
    public DrmCard(DrmDevice device, ILogger log)
    {
        Device = device;
        Handles = new GemHandleTable(device.Fd);
        Framebuffers = new FramebufferCache(device.Fd, Handles, log);
    }

    public DrmDevice Device { get; }
    public GemHandleTable Handles { get; }
    public FramebufferCache Framebuffers { get; }
    public List<DrmOutput> Outputs { get; } = [];
    public FdSource? Events { get; set; }
    /// <summary>A change event came while another session had the display.</summary>
    public bool RescanWhenBack { get; set; }

    public void Dispose()
    {
        Events?.Dispose();
        Framebuffers.Dispose();
        Device.Dispose();
    }
}

/// <summary>How the DRM backend opens its devices (--seat).</summary>
public enum SeatMode { Auto, Libseat, Direct }

/// <summary>The DRM backend cannot run here (no card, no display, no permission).</summary>
public sealed class DrmBackendException(string message) : Exception(message);
