using Tmds.Linux;
using Wayland.Client;
using Wayland.Protocols.Client;
using static Tmds.Linux.LibC;

namespace Wayland.Benchmarks;

/// <summary>
/// A minimal fullscreen shm client on our client runtime, like weston-simple-shm: three buffers in
/// one sealed memfd, a frame callback per frame, each frame either repainting everything or one
/// small square. The same client drives every compositor measured.
/// </summary>
internal sealed unsafe class ShmClient : IDisposable
{
    private const int BufferCount = 3;
    private readonly ClientDisplay _display;
    private readonly WlSurface _surface;
    private readonly WlBuffer[] _buffers = new WlBuffer[BufferCount];
    private readonly bool[] _busy = new bool[BufferCount];
    private readonly byte* _memory;
    private readonly int _fd;
    private readonly long _size;
    private bool _frameDone = true;

    public int Width { get; }
    public int Height { get; }

    public ShmClient(string socketPath, int width, int height)
    {
        Width = width;
        Height = height;
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
        var toplevel = xdgSurface.GetToplevel();
        toplevel.SetTitle("bench");
        toplevel.SetFullscreen(null);
        var configured = false;
        xdgSurface.Configure += (s, serial) => { s.AckConfigure(serial); configured = true; };
        _surface.Commit();
        while (!configured) _display.Dispatch(5000);

        var stride = width * 4;
        _size = (long)stride * height * BufferCount;
        _fd = memfd_create((byte*)System.Runtime.InteropServices.Marshal.StringToHGlobalAnsi("bench"), MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (ftruncate(_fd, _size) != 0) throw new InvalidOperationException("ftruncate failed");
        // Sealed against shrinking, as weston's and foot's clients do: the compositor may map it.
        fcntl(_fd, F_ADD_SEALS, F_SEAL_SHRINK);
        _memory = (byte*)mmap(null, (size_t)(ulong)_size, PROT_READ | PROT_WRITE, MAP_SHARED, _fd, 0);
        var pool = shm.CreatePool(_fd, (int)_size);
        for (var i = 0; i < BufferCount; i++)
        {
            var index = i;
            _buffers[i] = pool.CreateBuffer(i * stride * height, width, height, stride, WlShm.Format.Xrgb8888);
            _buffers[i].Release += _ => _busy[index] = false;
        }
        pool.Destroy();
        for (var i = 0; i < BufferCount; i++) Fill(i, 0, 0, width, height, 0xff336699);
    }

    /// <summary>Draws one frame (after waiting for the previous frame callback) and commits it.</summary>
    public void Frame(int n, bool full)
    {
        while (!_frameDone) _display.Dispatch(5000);
        var b = Array.IndexOf(_busy, false);
        while (b < 0) { _display.Dispatch(5000); b = Array.IndexOf(_busy, false); }

        var color = 0xff000000u | (uint)(n * 0x010203 & 0xffffff);
        const int Square = 64;
        var (x, y) = ((n * 7) % (Width - Square), (n * 5) % (Height - Square));
        if (full) Fill(b, 0, 0, Width, Height, color);
        else Fill(b, x, y, Square, Square, color);

        _busy[b] = true;
        _surface.Attach(_buffers[b], 0, 0);
        if (full) _surface.DamageBuffer(0, 0, Width, Height);
        else _surface.DamageBuffer(x, y, Square, Square);
        _frameDone = false;
        _surface.Frame().Done += (_, _) => _frameDone = true;
        _surface.Commit();
        _display.Flush();
    }

    private void Fill(int buffer, int x0, int y0, int w, int h, uint color)
    {
        var stride = Width * 4;
        var pixels = (uint*)(_memory + (long)buffer * stride * Height);
        for (var y = y0; y < y0 + h; y++)
            new Span<uint>(pixels + (long)y * Width + x0, w).Fill(color);
    }

    public void Dispose()
    {
        munmap(_memory, (size_t)(ulong)_size);
        close(_fd);
        _display.Dispose();
    }
}
