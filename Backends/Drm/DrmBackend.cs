using System.Runtime.InteropServices;
using Compositor.Backends.Rendering;
using Serilog;
using Wayland.Events;
using static Compositor.Backends.Native.DrmIoctl;

namespace Compositor.Backends.Drm;

/// <summary>
/// Kernel modesetting on a DRM card: one output per connected connector, composited with the GLES
/// renderer and page-flipped at vblank (atomic KMS where the driver has it, else legacy). Page-flip events arrive on the card's fd in the
/// compositor's event loop; keyboards and pointers come through libinput.
/// </summary>
public sealed unsafe class DrmBackend : IBackend
{
    private readonly EventLoop _loop;
    private readonly ILogger _log;
    private readonly DrmDevice _device;
    private readonly IRenderer _renderer;
    private readonly List<DrmOutput> _outputs = [];
    // Per device, not per output: every import of a buffer on one DRM file gets the same handle.
    private readonly GemHandleTable _handles;
    private readonly FramebufferCache _framebuffers;
    private readonly bool _atomic, _directScanout;
    private FdSource? _events;
    private LibinputInput? _input;
    private VirtualTerminal? _console;

    /// <param name="devicePath">A card such as /dev/dri/card0; null: the first with a connected display.</param>
    /// <param name="renderNode">The render node to draw on; null: the card's own if it renders, else another, else none.</param>
    /// <param name="renderer">Auto: GLES on a render node that renders, else pixman, drawing on the CPU
    /// straight into the display's dumb buffers (llvmpipe would draw offscreen and copy every frame).</param>
    /// <param name="atomic">Atomic KMS where the driver offers it; false: the legacy ioctls.</param>
    /// <param name="directScanout">False: every frame is composited, no client buffer is shown as it is.</param>
    public DrmBackend(EventLoop loop, string? devicePath, ILogger log, string? renderNode = null, RendererKind renderer = RendererKind.Auto, bool atomic = true,
        bool directScanout = true)
    {
        _atomic = atomic;
        _directScanout = directScanout;
        _loop = loop;
        _log = log;
        string? whyNot = null;
        _device = (devicePath is null ? DrmDevice.OpenFirstWithDisplay(log) : DrmDevice.Open(devicePath, out whyNot))
                  ?? throw new DrmBackendException(whyNot ?? "no DRM card with a connected display under /dev/dri");
        _handles = new GemHandleTable(_device.Fd);
        _framebuffers = new FramebufferCache(_device.Fd, _handles, log);
        try
        {
            _renderer = CreateRenderer(log, renderNode, renderer);
        }
        catch
        {
            _device.Dispose();
            throw;
        }
    }

    private IRenderer CreateRenderer(ILogger log, string? renderNode, RendererKind kind)
    {
        if (kind == RendererKind.Pixman) return Renderers.Create(kind, log);
        var gles = GlesRenderer.Create(log, renderNode, RenderDevice.RenderNodeOf(_device.Path));
        if (kind == RendererKind.Gl || gles.Device is not null) return gles;
        gles.Dispose();
        log.Information("No GPU renders for {Card}: drawing on the CPU with pixman, straight into its dumb buffers", _device.Path);
        return Renderers.Create(RendererKind.Pixman, log);
    }

    public string Name => "drm";
    public IRenderer Renderer => _renderer;
    public IReadOnlyList<IOutput> Outputs => _outputs;
    public event Action<IOutput>? OutputAdded;
    public event Action<IOutput>? OutputRemoved;
    public event Action? QuitRequested;

    public void Start(IInputSink input)
    {
        var displays = _device.Displays();
        if (displays.Count == 0) throw new DrmBackendException($"{_device.Path} has no connected display");
        _console = VirtualTerminal.TakeOver(_log);
        if (_console is not null)
        {
            _console.HandleSwitches(_loop);
            _console.Releasing += ReleaseDevices;
            _console.Acquired += AcquireDevices;
        }
        _events = _loop.AddFd(_device.Fd, FdEvents.Readable, (_, _) => ReadEvents());
        foreach (var display in displays)
        {
            var renderDevice = (_renderer as GlesRenderer)?.Device;
            var foreign = renderDevice is not null && renderDevice.Path != RenderDevice.RenderNodeOf(_device.Path);
            var output = new DrmOutput(_loop, _device, display, _renderer, renderDevice?.Gbm ?? 0, foreign, _handles, _framebuffers, _atomic, _directScanout, _log);
            try
            {
                output.Enable();
            }
            catch
            {
                output.Dispose();
                throw;
            }
            _outputs.Add(output);
            OutputAdded?.Invoke(output);
        }
        try
        {
            _input = new LibinputInput(_loop, input, () => _outputs.Count > 0 ? _outputs[0] : null, _log);
            _input.QuitRequested += () => QuitRequested?.Invoke();
            _input.SwitchConsole += n => _console?.Activate(n);
        }
        catch (Exception e) when (e is DllNotFoundException or InvalidOperationException)
        {
            _log.Warning("No input: {Message}", e.Message);
        }
    }

    /// <summary>The console switches away: stop drawing, close input, let the next master in.</summary>
    private void ReleaseDevices()
    {
        foreach (var o in _outputs) o.Pause();
        _input?.Suspend();
        if (_device.DropMaster() is var error and not 0) _log.Warning("Dropping DRM master failed: errno {Error}", error);
    }

    private void AcquireDevices()
    {
        if (_device.SetMaster() is var error and not 0) _log.Warning("Taking DRM master back failed: errno {Error}", error);
        foreach (var o in _outputs) o.Resume();
        _input?.Resume();
    }

    /// <summary>Page-flip completions, as many as the kernel has queued.</summary>
    private void ReadEvents()
    {
        Span<byte> buffer = stackalloc byte[1024];
        nint n;
        fixed (byte* p = buffer) n = (nint)Tmds.Linux.LibC.read(_device.Fd, p, buffer.Length);
        if (n <= 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (n < 0 && errno is not (4 or 11)) _log.Warning("reading DRM events failed: errno {Errno}", errno);
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
                foreach (var o in _outputs)
                    if (o.CrtcId == (uint)e.UserData) o.FlipCompleted(e);
            }
            offset += length;
        }
    }

    public void Dispose()
    {
        foreach (var o in _outputs)
        {
            OutputRemoved?.Invoke(o);
            o.Dispose();
        }
        _outputs.Clear();
        _input?.Dispose();
        _console?.Dispose();
        _events?.Dispose();
        _framebuffers.Dispose();
        _renderer.Dispose();
        _device.Dispose();
    }
}

/// <summary>The DRM backend cannot run here (no card, no display, no permission).</summary>
public sealed class DrmBackendException(string message) : Exception(message);
