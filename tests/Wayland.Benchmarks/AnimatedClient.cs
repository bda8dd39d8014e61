using System.Diagnostics;
using Tmds.Linux;
using Wayland.Client;
using Wayland.Protocols.Client;
using static Tmds.Linux.LibC;

namespace Wayland.Benchmarks;

/// <summary>
/// A small animated window (a toplevel with two shm buffers) that redraws whenever its frame
/// callback fires, as a real client does. Driven without blocking, so one thread runs many:
/// <see cref="Pump"/> reads what arrived and commits the next frame when the callback came.
/// </summary>
internal sealed unsafe class AnimatedClient : IDisposable
{
    private const int Size = 64, Stride = Size * 4, BufferBytes = Stride * Size;
    private readonly ClientDisplay _display;
    private readonly WlSurface _surface;
    private readonly WlBuffer[] _buffers = new WlBuffer[2];
    private readonly bool[] _busy = new bool[2];
    private readonly int _fd;
    private readonly byte* _memory;
    private bool _frameDue = true;
    private long _lastDone;
    private int _frame;

    /// <summary>Intervals between consecutive frame callbacks, in stopwatch ticks, while recording.</summary>
    public List<long> Intervals { get; } = [];
    public bool Recording { get; set; }
    public int Fd => _display.Fd;

    public AnimatedClient(string socketPath, Dictionary<string, (uint Name, uint Version)>? globals = null)
    {
        _display = ClientDisplay.Connect(socketPath);
        var registry = _display.GetRegistry();
        var names = new Dictionary<string, (uint Name, uint Version)>();
        registry.Global += (_, name, iface, version) => names[iface] = (name, version);
        _display.Roundtrip();
        var compositor = registry.Bind<WlCompositor>(names["wl_compositor"].Name, 4);
        var shm = registry.Bind<WlShm>(names["wl_shm"].Name, 1);
        var wm = registry.Bind<XdgWmBase>(names["xdg_wm_base"].Name, 1);
        wm.Ping += (w, serial) => w.Pong(serial);

        _surface = compositor.CreateSurface();
        var xdgSurface = wm.GetXdgSurface(_surface);
        xdgSurface.GetToplevel().SetTitle("animated");
        var configured = false;
        xdgSurface.Configure += (s, serial) => { s.AckConfigure(serial); configured = true; };
        _surface.Commit();
        while (!configured) _display.Dispatch(5000);

        _fd = memfd_create((byte*)System.Runtime.InteropServices.Marshal.StringToHGlobalAnsi("animated"), MFD_CLOEXEC | MFD_ALLOW_SEALING);
        ftruncate(_fd, 2 * BufferBytes);
        fcntl(_fd, F_ADD_SEALS, F_SEAL_SHRINK);
        _memory = (byte*)mmap(null, 2 * BufferBytes, PROT_READ | PROT_WRITE, MAP_SHARED, _fd, 0);
        var pool = shm.CreatePool(_fd, 2 * BufferBytes);
        for (var i = 0; i < 2; i++)
        {
            var index = i;
            _buffers[i] = pool.CreateBuffer(i * BufferBytes, Size, Size, Stride, WlShm.Format.Xrgb8888);
            _buffers[i].Release += _ => _busy[index] = false;
        }
        pool.Destroy();
        Pump();
    }

    /// <summary>Dispatches what arrived; draws and commits a frame when the last one's callback came
    /// and a buffer is free.</summary>
    public void Pump()
    {
        _display.Dispatch(0);
        if (!_frameDue) return;
        var b = Array.IndexOf(_busy, false);
        if (b < 0) return;
        new Span<uint>(_memory + b * BufferBytes, Size * Size).Fill(0xff000000u | (uint)(_frame++ * 0x030201));
        _busy[b] = true;
        _frameDue = false;
        _surface.Attach(_buffers[b], 0, 0);
        _surface.DamageBuffer(0, 0, Size, Size);
        _surface.Frame().Done += (_, _) => OnFrameDone();
        _surface.Commit();
        _display.Flush();
    }

    private void OnFrameDone()
    {
        var now = Stopwatch.GetTimestamp();
        if (Recording && _lastDone != 0) Intervals.Add(now - _lastDone);
        _lastDone = now;
        _frameDue = true;
    }

    public void Dispose()
    {
        munmap(_memory, 2 * BufferBytes);
        close(_fd);
        _display.Dispose();
    }
}
