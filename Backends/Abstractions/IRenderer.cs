namespace Compositor.Backends;

/// <summary>
/// Draws the scene into an output's <see cref="IRenderTarget"/>. One renderer serves every backend
/// (GLES 2/3 through EGL). Every call is made on the event loop thread; none allocates managed memory
/// in steady state, because the frame loop calls them every frame.
/// Pixel formats are DRM fourcc codes (<see cref="Fourcc"/>); colours are premultiplied.
/// </summary>
public interface IRenderer : IDisposable
{
    /// <summary>For logs: API, version and device, e.g. "OpenGL ES 3.2 Mesa 25.0 (llvmpipe)".</summary>
    string Description { get; }

    /// <summary>Formats <see cref="CreateTexture"/> and <see cref="Upload"/> accept (DRM fourcc),
    /// at least ARGB8888 and XRGB8888.</summary>
    IReadOnlyList<uint> ShmFormats { get; }

    /// <summary>An offscreen target (headless outputs, tests).</summary>
    IRenderTarget CreateOffscreenTarget(int width, int height);

    /// <summary>A target that draws straight into a buffer a display scans out (a GBM buffer, a dumb
    /// buffer exported as a DMA-BUF), so nothing is copied to show it. Null, with the reason, where this
    /// renderer cannot draw into that buffer. The target keeps its own references: the caller still
    /// owns <paramref name="buffer"/>.</summary>
    IRenderTarget? CreateTarget(DmaBufAttributes buffer, out string whyNot);

    ITexture CreateTexture(uint fourcc, int width, int height);

    /// <summary>Copies <paramref name="region"/> of a client's pixels into the texture.
    /// <paramref name="rows"/> holds the rows region.Y .. region.Bottom-1 of the whole image, each
    /// <paramref name="stride"/> bytes long and starting at image column 0 (so a slice of a mapped
    /// shm buffer starting at row region.Y works as it is).</summary>
    void Upload(ITexture texture, ReadOnlySpan<byte> rows, int stride, Rect region);

    /// <summary>Starts drawing into <paramref name="target"/>; every draw until <see cref="End"/> is
    /// clipped to <paramref name="clip"/> (the damaged part of the target, in target pixels).</summary>
    void Begin(IRenderTarget target, ReadOnlySpan<Rect> clip);

    /// <summary>Fills the clip with a colour.</summary>
    void Clear(ColorF color);

    /// <summary>Draws <paramref name="source"/> (in buffer pixels, before the transform) of a texture
    /// into <paramref name="destination"/> (target pixels), blended with premultiplied alpha times
    /// <paramref name="alpha"/>. <paramref name="transform"/> is the surface's buffer transform
    /// (wl_output.transform 0-7): the buffer holds content already transformed by it, so the renderer
    /// applies the inverse, as weston and wlroots do. <paramref name="opaque"/> lets the renderer skip
    /// blending (XRGB formats are always opaque).</summary>
    void Draw(ITexture texture, RectF source, Rect destination, int transform, float alpha, bool opaque);

    /// <summary>Fills <paramref name="destination"/> with a premultiplied colour, blended.</summary>
    void DrawSolid(Rect destination, ColorF color);

    void End();

    /// <summary>Waits until everything drawn so far is complete: a backend presents (and reports
    /// presentation of) finished images only.</summary>
    void Finish();

    /// <summary>Hands everything drawn so far to the device without waiting for it. Returns a sync_file
    /// fd, which the caller then owns and closes, that becomes readable when it is complete; or -1:
    /// complete already (a CPU renderer), or the driver gives no fence fd, and the kernel's implicit
    /// sync orders whatever reads the target next (a page flip, another device's import) after it.
    /// A plain fd rather than a SafeHandle: it is made every frame, and the frame loop allocates nothing.</summary>
    int Submit();

    /// <summary>What the renderer copied through the CPU and imported since start.</summary>
    RenderCounters Counters { get; }

    /// <summary>Reads pixels of a target (top row first) as <paramref name="fourcc"/> (ARGB8888 or
    /// XRGB8888, i.e. B,G,R,A bytes in memory) into <paramref name="destination"/>.</summary>
    void ReadPixels(IRenderTarget target, Rect region, uint fourcc, Span<byte> destination, int stride);
}

/// <summary>Something the renderer draws into: an offscreen image, a scanout buffer, a window.</summary>
public interface IRenderTarget : IDisposable
{
    int Width { get; }
    int Height { get; }
}

/// <summary>A GPU texture holding a surface's pixels.</summary>
public interface ITexture : IDisposable
{
    int Width { get; }
    int Height { get; }
    uint Fourcc { get; }
    bool HasAlpha { get; }
    /// <summary>Rows are stored bottom to top: drawn flipped vertically.</summary>
    bool YInverted => false;
}

/// <summary>A renderer whose textures are CPU memory (pixman): pixels read from a client's file with
/// pread can go straight into a texture rather than through a scratch copy first.</summary>
public interface ICpuTextures
{
    /// <summary>The texture's own pixels (rows <paramref name="stride"/> bytes apart), writable; false for
    /// a texture that is a client's memory (an import).</summary>
    bool TryGetPixels(ITexture texture, out Span<byte> pixels, out int stride);
}

/// <summary>The renderer's running totals: the zero-copy paths keep the byte counts at 0 and
/// imports at one per client buffer.</summary>
public sealed class RenderCounters
{
    /// <summary>Client pixels the CPU copied into textures (shm uploads).</summary>
    public long BytesUploaded { get; set; }
    /// <summary>Pixels read back from targets (glReadPixels): screen captures, and the copy path's frames.</summary>
    public long BytesReadBack { get; set; }
    /// <summary>Pixels the CPU copied into scanout buffers to show a composited frame: only a display
    /// whose buffers the renderer cannot draw into needs it (see the DRM backend's copy path).</summary>
    public long ScanoutBytesCopied { get; set; }
    /// <summary>Client DMA-BUFs imported.</summary>
    public long DmaBufImports { get; set; }
}
