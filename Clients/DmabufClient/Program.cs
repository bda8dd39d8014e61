using System.Runtime.InteropServices;
using Clients.Common;
using DmabufClient.Allocators;
using Wayland.Client;
using Wayland.Protocols.Client;

namespace DmabufClient;

/// <summary>
/// dmabuf-client: draws the sample pattern into DMA-BUFs and shows them through
/// zwp_linux_dmabuf_v1, triple-buffered on wl_buffer.release, paced by frame callbacks.
/// </summary>
internal static class Program
{
    private const string Usage = """
        Usage: dmabuf-client [options]

        Shows an animated test pattern (red, green, blue and white quadrants, a moving yellow square)
        in DMA-BUFs shared with the compositor through zwp_linux_dmabuf_v1.

        Options:
          --allocator NAME  how buffers are made (default: auto, the first that works here):
                              gbm       Mesa GBM on a DRM render node (what GPU programs do)
                              dumb      a dumb buffer on a DRM device (vgem first): GEM handle → PRIME fd
                              udmabuf   a memfd turned into a DMA-BUF by /dev/udmabuf
                              dma-heap  the kernel's system heap, /dev/dma_heap/system
                              memfd     a sealed memfd: NOT a real DMA-BUF; only software renderers take it
          --device PATH     the DRM node for gbm or dumb (default: the first that works)
          --format NAME     xrgb8888 (default), argb8888 (its white quadrant at 50% alpha), nv12
          --size WxH        window size (default 256x256)
          --frames N        exit after N frames (default: run until closed)
          --static          draw frame 0 every time (for screenshots that must match exactly)
          --fullscreen      ask for fullscreen (with --size of the output: a direct-scanout candidate)
          --latency         measure commit-to-present latency (wp_presentation) and print it with
                            how many frames the display showed zero-copy, when done
          -h, --help        this text

        Exits 0 when closed by the compositor or after --frames, 1 on errors (with a message),
        including "failed" from the compositor when it cannot import the buffer.
        """;

    private static int Main(string[] args)
    {
        string allocatorName = "auto", format = "xrgb8888";
        string? device = null;
        int width = 256, height = 256, frames = -1;
        var still = false;
        var fullscreen = false;
        var latency = false;
        try
        {
            for (var i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "-h" or "--help": Console.WriteLine(Usage); return 0;
                    case "--allocator": allocatorName = Value(args, ref i); break;
                    case "--device": device = Value(args, ref i); break;
                    case "--format": format = Value(args, ref i).ToLowerInvariant(); break;
                    case "--size":
                        var size = Value(args, ref i).Split('x');
                        if (size.Length != 2 || !int.TryParse(size[0], out width) || !int.TryParse(size[1], out height) || width < 2 || height < 2)
                            throw new ArgumentException("--size wants WxH, at least 2x2");
                        break;
                    case "--frames": frames = int.Parse(Value(args, ref i)); break;
                    case "--static": still = true; break;
                    case "--fullscreen": fullscreen = true; break;
                    case "--latency": latency = true; break;
                    default: throw new ArgumentException($"unknown option '{args[i]}' (see --help)");
                }
            }
            var fourcc = format switch
            {
                "xrgb8888" => Formats.Xrgb8888,
                "argb8888" => Formats.Argb8888,
                "nv12" => Formats.Nv12,
                _ => throw new ArgumentException($"unknown format '{format}' (xrgb8888, argb8888, nv12)"),
            };
            if (fourcc == Formats.Nv12 && (width % 2 != 0 || height % 2 != 0)) throw new ArgumentException("NV12 wants an even width and height");
            Pattern.Translucent = fourcc == Formats.Argb8888;
            return Run(allocatorName, device, fourcc, width, height, frames, still, fullscreen, latency);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or IOException or InvalidOperationException or WaylandProtocolException or DllNotFoundException)
        {
            Console.Error.WriteLine($"dmabuf-client: {e.Message}");
            return 1;
        }
    }

    private static string Value(string[] args, ref int i) =>
        i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");

    private static int Run(string allocatorName, string? device, uint fourcc, int width, int height, int frames, bool still, bool fullscreen, bool latency)
    {
        using var window = new Window("dmabuf-client", width, height);
        if (fullscreen) window.Toplevel.SetFullscreen(null); // acked with the first frame
        if (latency)
            window.Latency = new PresentationLatency(window.Bind<WpPresentation>("wp_presentation", 1)
                                                     ?? throw new InvalidOperationException("the compositor has no wp_presentation"));
        var dmabuf = window.Bind<ZwpLinuxDmabufV1>("zwp_linux_dmabuf_v1", 5)
                     ?? throw new InvalidOperationException("the compositor has no zwp_linux_dmabuf_v1");
        var feedback = Feedback.Query(window, dmabuf);
        Console.Error.WriteLine($"dmabuf-client: zwp_linux_dmabuf_v1 version {feedback.Version}, {feedback.Pairs.Count} format/modifier pairs" +
                                (feedback.MainDevice is { } dev ? $", main device {dev >> 8}:{dev & 0xff}" : ", no main device"));

        // A fullscreen window is a direct-scanout candidate: its buffers are made for a display plane.
        using var allocator = Pick(allocatorName, device, feedback.ModifiersOf(fourcc), scanout: fullscreen);
        Console.Error.WriteLine($"dmabuf-client: allocator: {allocator.Name}");

        const int Count = 3;
        var buffers = new IAllocatedBuffer[Count];
        var wlBuffers = new WlBuffer[Count];
        try
        {
            for (var i = 0; i < Count; i++)
            {
                buffers[i] = allocator.Allocate(width, height, fourcc);
                if (!feedback.Accepts(fourcc, buffers[i].Modifier) && !feedback.Accepts(fourcc, Formats.ModifierInvalid))
                    throw new InvalidOperationException($"the compositor does not take {Formats.Name(fourcc)} with modifier 0x{buffers[i].Modifier:x16}");
                wlBuffers[i] = Import(window, dmabuf, buffers[i], width, height, fourcc);
            }
            Console.Error.WriteLine($"dmabuf-client: {Count} {width}x{height} {Formats.Name(fourcc)} buffers, modifier 0x{buffers[0].Modifier:x16}, imported");

            // Until now SIGINT and SIGTERM end the process at once; from here they ask the frame loop to
            // stop, which it checks at least every 200 ms, and the buffers are destroyed on the way out.
            var stop = false;
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop = true; });
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop = true; });
            var frame = window.RunFrames(wlBuffers, frames, () => stop, (b, n) => Draw(buffers[b], width, height, fourcc, still ? 0 : n));
            Console.Error.WriteLine($"dmabuf-client: {frame} frames shown");
            if (window.Latency is { } l) Console.Error.WriteLine($"dmabuf-client: commit-to-present latency: {l.Summary()}");
            return 0;
        }
        finally
        {
            foreach (var w in wlBuffers) w?.Destroy();
            foreach (var b in buffers) b?.Dispose();
        }
    }

    private static unsafe void Draw(IAllocatedBuffer buffer, int width, int height, uint fourcc, int frame)
    {
        var planes = buffer.Planes;
        buffer.Write((p0, p1) =>
        {
            if (fourcc == Formats.Nv12) Pattern.FillNv12(p0, (int)planes[0].Stride, p1, (int)planes[1].Stride, width, height, frame);
            else Pattern.FillArgb(p0, (int)planes[0].Stride, width, height, frame);
        });
    }

    /// <summary>params.add for each plane, then create; the compositor answers created or failed.</summary>
    private static WlBuffer Import(Window window, ZwpLinuxDmabufV1 dmabuf, IAllocatedBuffer buffer, int width, int height, uint fourcc)
    {
        var p = dmabuf.CreateParams();
        for (var i = 0; i < buffer.Planes.Count; i++)
        {
            var plane = buffer.Planes[i];
            p.Add(plane.Fd, (uint)i, plane.Offset, plane.Stride, (uint)(buffer.Modifier >> 32), (uint)buffer.Modifier);
        }
        WlBuffer? created = null;
        var failed = false;
        p.Created += (_, b) => created = b;
        p.Failed += _ => failed = true;
        p.Create(width, height, fourcc, 0);
        while (created is null && !failed && window.Display.Error is null) window.Display.Dispatch(5000);
        p.Destroy();
        if (window.Display.Error is { } e) throw new WaylandProtocolException(e);
        return created ?? throw new InvalidOperationException("the compositor could not import the buffer (zwp_linux_buffer_params_v1.failed)");
    }

    private static IBufferAllocator Pick(string name, string? device, IReadOnlyList<ulong> modifiers, bool scanout)
    {
        if (name != "auto") return Create(name, device, modifiers, scanout);
        var errors = new List<string>();
        foreach (var candidate in new[] { "gbm", "dumb", "udmabuf", "dma-heap", "memfd" })
        {
            try { return Create(candidate, device, modifiers, scanout); }
            catch (Exception e) when (e is IOException or DllNotFoundException) { errors.Add($"{candidate}: {e.Message}"); }
        }
        throw new IOException("no allocator works here:\n  " + string.Join("\n  ", errors));
    }

    private static IBufferAllocator Create(string name, string? device, IReadOnlyList<ulong> modifiers, bool scanout) => name switch
    {
        "gbm" => FirstWorking(device is null ? GbmAllocator.Candidates() : [device], d => new GbmAllocator(d, modifiers, scanout), "no DRM node for GBM"),
        "dumb" => FirstWorking(device is null ? DumbAllocator.Candidates() : [device], d => new DumbAllocator(d), "no DRM device for dumb buffers"),
        "udmabuf" => new UdmabufAllocator(),
        "dma-heap" => new DmaHeapAllocator(),
        "memfd" => new MemfdAllocator(),
        _ => throw new ArgumentException($"unknown allocator '{name}' (gbm, dumb, udmabuf, dma-heap, memfd, auto)"),
    };

    private static IBufferAllocator FirstWorking(IEnumerable<string> devices, Func<string, IBufferAllocator> open, string none)
    {
        IOException? last = null;
        foreach (var d in devices)
        {
            try { return open(d); }
            catch (IOException e) { last = e; }
        }
        throw last ?? new IOException(none);
    }
}
