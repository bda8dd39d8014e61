using System.Runtime.InteropServices;
using Clients.Common;
using Tmds.Linux;
using Wayland.Client;
using Wayland.Protocols.Client;
using static Tmds.Linux.LibC;

namespace ShmClient;

/// <summary>shm-client: the same pattern as dmabuf-client, in three wl_shm buffers of one sealed
/// memfd pool, triple-buffered on wl_buffer.release and paced by frame callbacks.</summary>
internal static unsafe class Program
{
    private const string Usage = """
        Usage: shm-client [options]

        Shows the sample pattern (red, green, blue and white quadrants, a moving yellow square) in
        wl_shm buffers, for comparison with dmabuf-client.

        Options:
          --format NAME   xrgb8888 (default) or argb8888 (its white quadrant at 50% alpha)
          --size WxH      window size (default 256x256)
          --frames N      exit after N frames (default: run until closed)
          --static        draw frame 0 every time
          --latency       measure commit-to-present latency (wp_presentation) and print its
                          median and p99 at the end
          -h, --help      this text
        """;

    private static int Main(string[] args)
    {
        int width = 256, height = 256, frames = -1;
        bool still = false, latency = false;
        var format = WlShm.Format.Xrgb8888;
        try
        {
            for (var i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "-h" or "--help": Console.WriteLine(Usage); return 0;
                    case "--format":
                        format = (i + 1 < args.Length ? args[++i] : "") switch
                        {
                            "xrgb8888" => WlShm.Format.Xrgb8888,
                            "argb8888" => WlShm.Format.Argb8888,
                            var f => throw new ArgumentException($"unknown format '{f}' (xrgb8888, argb8888)"),
                        };
                        break;
                    case "--size":
                        var size = (i + 1 < args.Length ? args[++i] : "").Split('x');
                        if (size.Length != 2 || !int.TryParse(size[0], out width) || !int.TryParse(size[1], out height) || width < 1 || height < 1)
                            throw new ArgumentException("--size wants WxH");
                        break;
                    case "--frames": frames = int.Parse(i + 1 < args.Length ? args[++i] : ""); break;
                    case "--static": still = true; break;
                    case "--latency": latency = true; break;
                    default: throw new ArgumentException($"unknown option '{args[i]}' (see --help)");
                }
            }
            Pattern.Translucent = format == WlShm.Format.Argb8888;
            return Run(width, height, format, frames, still, latency);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or IOException or InvalidOperationException or WaylandProtocolException)
        {
            Console.Error.WriteLine($"shm-client: {e.Message}");
            return 1;
        }
    }

    private static int Run(int width, int height, WlShm.Format format, int frames, bool still, bool latency)
    {
        using var window = new Window("shm-client", width, height);
        var shm = window.Bind<WlShm>("wl_shm", 1) ?? throw new InvalidOperationException("the compositor has no wl_shm");
        if (latency)
            window.Latency = new PresentationLatency(window.Bind<WpPresentation>("wp_presentation", 1)
                                                     ?? throw new InvalidOperationException("the compositor has no wp_presentation"));
        window.Display.Roundtrip(); // its clock_id, before the first commit is stamped

        const int Count = 3;
        var stride = width * 4;
        var size = (long)stride * height * Count;
        var name = Marshal.StringToHGlobalAnsi("shm-client");
        var fd = memfd_create((byte*)name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
        Marshal.FreeHGlobal(name);
        if (fd < 0 || ftruncate(fd, size) != 0) throw new IOException("cannot create the shared memory");
        // Sealed against shrinking: the compositor may then map it (or import it) safely.
        fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK);
        var memory = (byte*)mmap(null, (size_t)(ulong)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        var pool = shm.CreatePool(fd, (int)size);
        var buffers = new WlBuffer[Count];
        for (var i = 0; i < Count; i++) buffers[i] = pool.CreateBuffer(i * stride * height, width, height, stride, format);
        pool.Destroy();
        close(fd);
        try
        {
            // Until now SIGINT and SIGTERM end the process at once; from here they ask the frame loop to
            // stop, which it checks at least every 200 ms, and the buffers are destroyed on the way out.
            var stop = false;
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop = true; });
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop = true; });
            var frame = window.RunFrames(buffers, frames, () => stop,
                (b, n) => Pattern.FillArgb(memory + (long)b * stride * height, stride, width, height, still ? 0 : n));
            Console.Error.WriteLine($"shm-client: {frame} frames shown");
            if (window.Latency is { } l) Console.Error.WriteLine($"shm-client: commit-to-present latency: {l.Summary()}");
            return 0;
        }
        finally
        {
            foreach (var b in buffers) b.Destroy();
            munmap(memory, (size_t)(ulong)size);
        }
    }
}
