using Compositor.Backends.Rendering;
using Wayland.Wire;
using static Compositor.Backends.Native.DrmIoctl;

namespace Compositor.Backends.Drm;

/// <summary>How an output's frames reach its scanout buffers.</summary>
internal enum ScanoutPath
{
    /// <summary>The GPU draws into GBM buffers that are flipped to: nothing is copied.</summary>
    Gpu,
    /// <summary>A CPU renderer (pixman) draws into the mapped dumb buffers that are flipped to.</summary>
    Cpu,
    /// <summary>The renderer draws offscreen and the damage is read back into dumb buffers: only where
    /// it can draw into nothing the display takes (llvmpipe chosen on a 2D display).</summary>
    Copy,
}

/// <summary>
/// The buffers one output flips between, each a framebuffer of the display device and, on the
/// <see cref="ScanoutPath.Gpu"/> and <see cref="ScanoutPath.Cpu"/> paths, a render target of the
/// renderer over the same memory. Made the best way the devices allow: GBM buffers of the render
/// node imported into the display device (PRIME; the same device on virgl), else dumb buffers the
/// renderer maps, else dumb buffers behind an offscreen target. <see cref="Reason"/> says why a
/// better path was not taken.
/// </summary>
internal sealed class ScanoutSwapchain : IDisposable
{
    public const int Count = 2;

    private readonly ScanoutBuffer[] _buffers;

    private ScanoutSwapchain(ScanoutPath path, ScanoutBuffer[] buffers, string reason)
    {
        Path = path;
        _buffers = buffers;
        Reason = reason;
    }

    public ScanoutPath Path { get; }
    public string Reason { get; }
    public ScanoutBuffer this[int index] => _buffers[index];

    /// <param name="gbm">The renderer's GBM device, 0 if it has none.</param>
    /// <param name="foreignGpu">The render node is another device's than the display's (PRIME): its
    /// buffers must be linear, since the display cannot know the other driver's implicit tiling.</param>
    public static ScanoutSwapchain Create(DrmDevice device, GemHandleTable handles, IRenderer renderer, nint gbm, bool foreignGpu, int width, int height)
    {
        var (path, buffers, reason) = Choose(new DeviceBuffers(device, handles, renderer, gbm, foreignGpu, width, height), Count);
        return new ScanoutSwapchain(path, buffers, reason);
    }

    /// <summary>How one output's buffers can be made: each way, cheapest first, says why not if it cannot.</summary>
    internal interface IBufferMaker<T> where T : class, IDisposable
    {
        /// <summary>Whether the renderer has a render node (GBM) at all.</summary>
        bool HasRenderNode { get; }
        /// <summary>A buffer of the render node the display imports (PRIME): the GPU draws, nothing is copied.</summary>
        (T? Buffer, string WhyNot) RendererBuffer();
        /// <summary>A buffer of the display the renderer draws into (through its DMA-BUF): nothing is copied.</summary>
        (T? Buffer, string WhyNot) DisplayBufferDrawn();
        /// <summary>A buffer of the display filled by copying the frame (the last resort).</summary>
        T DisplayBufferCopied();
    }

    /// <summary>
    /// The first way of making <paramref name="count"/> buffers that the devices accept, in order of
    /// cost: the render device's buffers imported by the display, then the display's buffers drawn
    /// into by the renderer, then the display's buffers filled by a CPU copy. The reason lists, in
    /// order, why each cheaper way was refused: logged once with the path the output takes.
    /// </summary>
    internal static (ScanoutPath Path, T[] Buffers, string Reason) Choose<T>(IBufferMaker<T> maker, int count) where T : class, IDisposable
    {
        var reasons = new List<string>();
        if (!maker.HasRenderNode) reasons.Add("the renderer has no render node (no GBM buffers to draw into)");
        else if (TryCreate(reasons, count, maker.RendererBuffer) is { } gpu) return (ScanoutPath.Gpu, gpu, "");
        if (TryCreate(reasons, count, maker.DisplayBufferDrawn) is { } cpu) return (ScanoutPath.Cpu, cpu, string.Join("; ", reasons));
        var copy = new T[count];
        try
        {
            for (var i = 0; i < count; i++) copy[i] = maker.DisplayBufferCopied();
        }
        catch
        {
            foreach (var b in copy) b?.Dispose();
            throw;
        }
        return (ScanoutPath.Copy, copy, string.Join("; ", reasons));
    }

    private static T[]? TryCreate<T>(List<string> reasons, int count, Func<(T? Buffer, string WhyNot)> create) where T : class, IDisposable
    {
        var buffers = new T[count];
        for (var i = 0; i < count; i++)
        {
            (T? Buffer, string WhyNot) made;
            try
            {
                made = create();
            }
            catch (IOException e)
            {
                made = (null, e.Message);
            }
            if (made.Buffer is null)
            {
                for (var j = 0; j < i; j++) buffers[j].Dispose();
                reasons.Add(made.WhyNot);
                return null;
            }
            buffers[i] = made.Buffer;
        }
        return buffers;
    }

    /// <summary>The real devices: a render node's GBM buffers, the display's dumb buffers.</summary>
    private sealed class DeviceBuffers(DrmDevice device, GemHandleTable handles, IRenderer renderer, nint gbm, bool foreignGpu, int width, int height)
        : IBufferMaker<ScanoutBuffer>
    {
        public bool HasRenderNode => gbm != 0;
        public (ScanoutBuffer?, string) RendererBuffer() => ScanoutBuffer.Gbm(device, handles, renderer, gbm, foreignGpu, width, height);
        public (ScanoutBuffer?, string) DisplayBufferDrawn() => ScanoutBuffer.DrawnDumb(device, renderer, width, height);
        public ScanoutBuffer DisplayBufferCopied() => ScanoutBuffer.DumbOnly(device, width, height);
    }

    public void Dispose()
    {
        foreach (var b in _buffers) b.Dispose();
    }
}

/// <summary>One scanout buffer: its framebuffer id, the memory's owner (a GBM buffer object and its
/// display-device import, or a dumb buffer) and the renderer's target over it, if any.</summary>
internal sealed unsafe class ScanoutBuffer : IDisposable
{
    private GbmRenderBuffer? _gbm;
    private Framebuffer? _import;
    private DumbBuffer? _dumb;
    private IRenderTarget? _dumbTarget;

    private ScanoutBuffer(uint framebufferId) => FramebufferId = framebufferId;

    public uint FramebufferId { get; }
    /// <summary>The renderer's target over this buffer; null on the copy path.</summary>
    public IRenderTarget? Target => _gbm?.Target ?? _dumbTarget;
    /// <summary>The CPU mapping (dumb buffers only).</summary>
    public DumbBuffer? Dumb => _dumb;

    /// <summary>A buffer of the render node, for rendering and scanout, in the driver's own layout, or
    /// linear for another device's display.</summary>
    public static (ScanoutBuffer?, string) Gbm(DrmDevice device, GemHandleTable handles, IRenderer renderer, nint gbm, bool linear, int width, int height)
    {
        if (GbmRenderBuffer.Create(renderer, gbm, width, height, linear, scanout: true, out var whyNot) is not { } buffer)
            return (null, whyNot);
        if (Framebuffer.Create(device.Fd, handles, buffer.DmaBuf, out var fbWhyNot) is not { } import)
        {
            buffer.Dispose();
            return (null, $"the display cannot scan out the render node's buffer: {fbWhyNot}");
        }
        return (new ScanoutBuffer(import.Id) { _gbm = buffer, _import = import }, "");
    }

    /// <summary>A dumb buffer the renderer draws into through a DMA-BUF of it (a CPU renderer maps it).</summary>
    public static (ScanoutBuffer?, string) DrawnDumb(DrmDevice device, IRenderer renderer, int width, int height, uint fourcc = Fourcc.Xrgb8888)
    {
        var dumb = DumbBuffer.Create(device.Fd, width, height, fourcc);
        var prime = new PrimeHandle { Handle = dumb.Handle, Flags = Cloexec | Rdwr };
        if (Ioctl(device.Fd, IoctlPrimeHandleToFd, ref prime) is var error and not 0)
        {
            dumb.Dispose();
            return (null, $"the dumb buffer cannot be exported (PRIME_HANDLE_TO_FD errno {error})");
        }
        using var attributes = new DmaBufAttributes
        {
            Width = width, Height = height, Fourcc = fourcc, Modifier = DmaBufAttributes.ModifierLinear,
            Planes = [new DmaBufPlane(new OwnedFd(prime.Fd), 0, (uint)dumb.Pitch)],
        };
        if (renderer.CreateTarget(attributes, out var whyNot) is not { } target)
        {
            dumb.Dispose();
            return (null, $"the renderer cannot draw into a dumb buffer: {whyNot}");
        }
        return (new ScanoutBuffer(dumb.FramebufferId) { _dumb = dumb, _dumbTarget = target }, "");
    }

    /// <summary>A dumb buffer filled by copying (the copy path).</summary>
    public static ScanoutBuffer DumbOnly(DrmDevice device, int width, int height, uint fourcc = Fourcc.Xrgb8888)
    {
        var dumb = DumbBuffer.Create(device.Fd, width, height, fourcc);
        return new ScanoutBuffer(dumb.FramebufferId) { _dumb = dumb };
    }

    public void Dispose()
    {
        _dumbTarget?.Dispose();
        _dumbTarget = null;
        _import?.Dispose();
        _import = null;
        _gbm?.Dispose();
        _gbm = null;
        _dumb?.Dispose();
        _dumb = null;
    }
}
