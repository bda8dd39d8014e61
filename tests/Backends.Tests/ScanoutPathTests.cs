using Compositor.Backends.Drm;

namespace Backends.Tests;

/// <summary>
/// The order in which an output's scanout buffers are made when rendering and display may be two
/// devices (PRIME), against described device pairs: the render device's buffers imported by the
/// display first, then the display's buffers drawn into by the renderer, then a CPU copy; each
/// refusal named, in order, in the reason the output logs once. (In the VM no zero-copy pair
/// exists between virgl and a 2D card, so there only the copy path is seen for real.)
/// </summary>
public sealed class ScanoutPathTests
{
    private sealed class Buffer(string kind, List<string> disposed) : IDisposable
    {
        public string Kind { get; } = kind;
        public void Dispose() => disposed.Add(Kind);
    }

    /// <summary>A described pair: whether the renderer has a render node, whether the display
    /// imports its buffers (and after how many), whether the renderer draws into the display's.</summary>
    private sealed class Pair(bool renderNode, int rendererBuffersImported, bool drawsIntoDisplay) : ScanoutSwapchain.IBufferMaker<Buffer>
    {
        public readonly List<string> Asked = [], Disposed = [];
        private int _imported;

        public bool HasRenderNode => renderNode;

        public (Buffer?, string) RendererBuffer()
        {
            Asked.Add("renderer");
            return _imported++ < rendererBuffersImported
                ? (new Buffer("renderer", Disposed), "")
                : (null, "the display cannot scan out the render node's buffer: PRIME_FD_TO_HANDLE errno 19");
        }

        public (Buffer?, string) DisplayBufferDrawn()
        {
            Asked.Add("drawn");
            return drawsIntoDisplay ? (new Buffer("drawn", Disposed), "") : (null, "the renderer cannot draw into a dumb buffer: import refused");
        }

        public Buffer DisplayBufferCopied()
        {
            Asked.Add("copied");
            return new Buffer("copied", Disposed);
        }
    }

    [Fact]
    public void OneGpuThatDisplaysItsOwnBuffersDrawsStraightIntoThem()
    {
        var pair = new Pair(renderNode: true, rendererBuffersImported: int.MaxValue, drawsIntoDisplay: true);
        var (path, buffers, reason) = ScanoutSwapchain.Choose(pair, 2);
        Assert.Equal(ScanoutPath.Gpu, path);
        Assert.All(buffers, b => Assert.Equal("renderer", b.Kind));
        Assert.Equal(["renderer", "renderer"], pair.Asked);
        Assert.Equal("", reason);
    }

    [Fact]
    public void ADisplayRefusingTheRenderersBuffersGetsItsOwnDrawnInto()
    {
        var pair = new Pair(renderNode: true, rendererBuffersImported: 0, drawsIntoDisplay: true);
        var (path, buffers, reason) = ScanoutSwapchain.Choose(pair, 2);
        Assert.Equal(ScanoutPath.Cpu, path);
        Assert.All(buffers, b => Assert.Equal("drawn", b.Kind));
        Assert.Equal(["renderer", "drawn", "drawn"], pair.Asked); // one refusal is enough: not asked again
        Assert.Equal("the display cannot scan out the render node's buffer: PRIME_FD_TO_HANDLE errno 19", reason);
    }

    [Fact]
    public void NoZeroCopyPairFallsBackToTheCopyWithBothRefusalsInOrder()
    {
        // virgl rendering, a 2D virtio-gpu displaying: what the VM has.
        var pair = new Pair(renderNode: true, rendererBuffersImported: 0, drawsIntoDisplay: false);
        var (path, buffers, reason) = ScanoutSwapchain.Choose(pair, 2);
        Assert.Equal(ScanoutPath.Copy, path);
        Assert.All(buffers, b => Assert.Equal("copied", b.Kind));
        Assert.Equal(["renderer", "drawn", "copied", "copied"], pair.Asked);
        Assert.Equal("the display cannot scan out the render node's buffer: PRIME_FD_TO_HANDLE errno 19; " +
                     "the renderer cannot draw into a dumb buffer: import refused", reason);
    }

    [Fact]
    public void APartlyMadeSetIsGivenBackBeforeTheNextWayIsTried()
    {
        // The display takes the first render-node buffer but not the second (out of memory, say).
        var pair = new Pair(renderNode: true, rendererBuffersImported: 1, drawsIntoDisplay: true);
        var (path, _, _) = ScanoutSwapchain.Choose(pair, 2);
        Assert.Equal(ScanoutPath.Cpu, path);
        Assert.Equal(["renderer"], pair.Disposed);
    }

    [Fact]
    public void WithoutARenderNodeTheCpuRendererDrawsIntoTheDisplaysBuffers()
    {
        var pair = new Pair(renderNode: false, rendererBuffersImported: int.MaxValue, drawsIntoDisplay: true);
        var (path, _, reason) = ScanoutSwapchain.Choose(pair, 2);
        Assert.Equal(ScanoutPath.Cpu, path);
        Assert.DoesNotContain("renderer", pair.Asked);
        Assert.Equal("the renderer has no render node (no GBM buffers to draw into)", reason);
    }
}
