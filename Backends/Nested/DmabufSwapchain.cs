using Compositor.Backends.Rendering;
using Wayland.Client;
using Wayland.Protocols.Client;

namespace Compositor.Backends.Nested;

/// <summary>
/// The nested window's buffers when the parent takes DMA-BUFs: GBM buffers of our render node that
/// the renderer draws into directly and the parent imports (zwp_linux_dmabuf_v1), so a frame reaches
/// the parent without a copy or a read-back. XRGB8888 in the driver's implicit layout where the
/// parent offers that (the same device: it imports what the driver made), else linear. Each buffer
/// is busy from its commit until the parent releases it. <see cref="Create"/> answers null, with
/// the reason, when the parent or the renderer cannot do it: the window then uses shm.
/// </summary>
internal sealed class DmabufSwapchain : IDisposable
{
    private readonly Buffer[] _buffers;

    private DmabufSwapchain(Buffer[] buffers, int width, int height, string layout)
    {
        _buffers = buffers;
        Width = width;
        Height = height;
        Layout = layout;
    }

    public int Width { get; }
    public int Height { get; }
    public int Count => _buffers.Length;
    /// <summary>"implicit" or "linear", for the log.</summary>
    public string Layout { get; }

    public IRenderTarget Target(int index) => _buffers[index].Target;

    /// <summary>A buffer the parent does not hold, or -1.</summary>
    public int Free()
    {
        for (var i = 0; i < _buffers.Length; i++)
            if (!_buffers[i].Busy) return i;
        return -1;
    }

    /// <summary>The wl_buffer of <paramref name="index"/>, marked busy until the parent releases it.</summary>
    public WlBuffer Take(int index)
    {
        _buffers[index].Busy = true;
        return _buffers[index].WlBuffer;
    }

    /// <param name="offered">The parent's (format, modifier) pairs (zwp_linux_dmabuf_v1.modifier).</param>
    public static DmabufSwapchain? Create(ClientDisplay parent, ZwpLinuxDmabufV1 dmabuf, IReadOnlySet<(uint, ulong)> offered,
        IRenderer renderer, nint gbm, int width, int height, int count, out string whyNot)
    {
        ulong modifier;
        if (offered.Contains((Fourcc.Xrgb8888, DmaBufAttributes.ModifierInvalid))) modifier = DmaBufAttributes.ModifierInvalid;
        else if (offered.Contains((Fourcc.Xrgb8888, DmaBufAttributes.ModifierLinear))) modifier = DmaBufAttributes.ModifierLinear;
        else
        {
            whyNot = "the parent takes no XRGB8888 DMA-BUF in the implicit or linear layout";
            return null;
        }
        if (gbm == 0)
        {
            whyNot = "the renderer has no render node to allocate on";
            return null;
        }
        var buffers = new List<Buffer>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                if (Buffer.Create(parent, dmabuf, renderer, gbm, width, height, modifier, out whyNot) is not { } b)
                {
                    foreach (var made in buffers) made.Dispose();
                    return null;
                }
                buffers.Add(b);
            }
        }
        catch
        {
            foreach (var made in buffers) made.Dispose();
            throw;
        }
        whyNot = "";
        return new DmabufSwapchain([.. buffers], width, height, modifier == DmaBufAttributes.ModifierInvalid ? "implicit" : "linear");
    }

    public void Dispose()
    {
        foreach (var b in _buffers) b.Dispose();
    }

    private sealed class Buffer : IDisposable
    {
        private readonly GbmRenderBuffer _memory;

        private Buffer(GbmRenderBuffer memory, WlBuffer wlBuffer)
        {
            _memory = memory;
            WlBuffer = wlBuffer;
            wlBuffer.Release += _ => Busy = false;
        }

        public IRenderTarget Target => _memory.Target;
        public WlBuffer WlBuffer { get; }
        public bool Busy { get; set; }

        /// <summary>One buffer: allocated, made a render target, and imported by the parent (asked with
        /// params.create and answered before this returns, so a refusal falls back to shm instead of
        /// ending the connection, as create_immed's failure may).</summary>
        public static Buffer? Create(ClientDisplay parent, ZwpLinuxDmabufV1 dmabuf, IRenderer renderer, nint gbm,
            int width, int height, ulong modifier, out string whyNot)
        {
            if (GbmRenderBuffer.Create(renderer, gbm, width, height, linear: modifier == DmaBufAttributes.ModifierLinear, scanout: false, out whyNot)
                is not { } memory) return null;
            WlBuffer? created = null;
            var failed = false;
            try
            {
                var plane = memory.DmaBuf.Planes[0];
                var parameters = dmabuf.CreateParams();
                // The fd is dup'ed into the request.
                parameters.Add(plane.Fd.Value, 0, plane.Offset, plane.Stride, (uint)(modifier >> 32), (uint)modifier);
                parameters.Created += (_, b) => created = b;
                parameters.Failed += _ => failed = true;
                parameters.Create(width, height, Fourcc.Xrgb8888, 0);
                parent.Flush();
                var sw = System.Diagnostics.Stopwatch.StartNew();
                while (created is null && !failed && parent.Error is null && sw.ElapsedMilliseconds < 5000) parent.Dispatch(100);
                parameters.Destroy();
            }
            catch
            {
                memory.Dispose();
                throw;
            }
            if (created is null)
            {
                memory.Dispose();
                whyNot = failed ? "the parent refused our buffer (params.failed)" : "the parent did not answer params.create";
                return null;
            }
            return new Buffer(memory, created);
        }

        public void Dispose()
        {
            _memory.Dispose();
            WlBuffer.Destroy();
        }
    }
}
