using Compositor.Backends;
using Compositor.Backends.Rendering;

namespace Backends.Tests;

/// <summary>The GLES renderer on real Mesa llvmpipe: what it draws, read back pixel by pixel.</summary>
public sealed class RendererTests : IDisposable
{
    private static readonly Serilog.ILogger Log = Serilog.Core.Logger.None;
    private readonly GlesRenderer _r = new(Log);
    public void Dispose() => _r.Dispose();

    /// <summary>ARGB8888 pixels as B,G,R,A bytes.</summary>
    private static byte[] Image(int w, int h, Func<int, int, uint> pixel, int stride = 0)
    {
        stride = stride == 0 ? w * 4 : stride;
        var bytes = new byte[stride * h];
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
                BitConverter.TryWriteBytes(bytes.AsSpan(y * stride + x * 4), pixel(x, y));
        return bytes;
    }

    private uint[] Read(IRenderTarget t, Rect r)
    {
        var bytes = new byte[r.Width * r.Height * 4];
        _r.ReadPixels(t, r, Fourcc.Argb8888, bytes, r.Width * 4);
        var px = new uint[r.Width * r.Height];
        Buffer.BlockCopy(bytes, 0, px, 0, bytes.Length);
        return px;
    }

    private uint At(IRenderTarget t, int x, int y) => Read(t, new Rect(x, y, 1, 1))[0];

    private ITexture Texture(int w, int h, Func<int, int, uint> pixel, uint fourcc = Fourcc.Argb8888)
    {
        var tex = _r.CreateTexture(fourcc, w, h);
        _r.Upload(tex, Image(w, h, pixel), w * 4, new Rect(0, 0, w, h));
        return tex;
    }

    private void Frame(IRenderTarget t, Action draw, params Rect[] clip)
    {
        _r.Begin(t, clip.Length > 0 ? clip : [new Rect(0, 0, t.Width, t.Height)]);
        draw();
        _r.End();
    }

    [Fact]
    public void DescribesMesa() => Assert.Contains("OpenGL ES", _r.Description);

    [Fact]
    public void ClearFillsTheTarget()
    {
        using var t = _r.CreateOffscreenTarget(16, 8);
        Frame(t, () => _r.Clear(new ColorF(1, 0, 0, 1)));
        Assert.All(Read(t, new Rect(0, 0, 16, 8)), p => Assert.Equal(0xffff0000u, p));
    }

    [Fact]
    public void TextureIsDrawnPixelExactWithRowZeroOnTop()
    {
        using var t = _r.CreateOffscreenTarget(8, 8);
        using var tex = Texture(4, 4, (x, y) => 0xff000000u | (uint)(x * 40) << 16 | (uint)(y * 40) << 8);
        Frame(t, () =>
        {
            _r.Clear(ColorF.Black);
            _r.Draw(tex, new RectF(0, 0, 4, 4), new Rect(2, 3, 4, 4), 0, 1, true);
        });
        Assert.Equal(0xff000000u, At(t, 0, 0));
        Assert.Equal(0xff000000u, At(t, 2, 3)); // texel (0,0)
        Assert.Equal(0xff782800u, At(t, 5, 4)); // texel (3,1): x*40=120, y*40=40
        Assert.Equal(0xff007800u, At(t, 2, 6)); // texel (0,3)
    }

    [Fact]
    public void SubRectUploadWithAWideStride()
    {
        using var t = _r.CreateOffscreenTarget(4, 4);
        using var tex = Texture(4, 4, (_, _) => 0xff0000ffu);
        var stride = 64;
        var update = Image(4, 4, (x, y) => 0xff00ff00u, stride);
        // Rows 1..2 of the image, columns 2..3, the span starting at row 1 as the interface says.
        _r.Upload(tex, update.AsSpan(stride * 1), stride, new Rect(2, 1, 2, 2));
        Frame(t, () => _r.Draw(tex, new RectF(0, 0, 4, 4), new Rect(0, 0, 4, 4), 0, 1, true));
        var px = Read(t, new Rect(0, 0, 4, 4));
        for (var y = 0; y < 4; y++)
            for (var x = 0; x < 4; x++)
                Assert.Equal(x >= 2 && y is 1 or 2 ? 0xff00ff00u : 0xff0000ffu, px[y * 4 + x]);
    }

    [Fact]
    public void PremultipliedAlphaBlendsOverTheBackground()
    {
        using var t = _r.CreateOffscreenTarget(2, 2);
        // 50% white, premultiplied: 0x80808080 over opaque blue.
        using var tex = Texture(2, 2, (_, _) => 0x80808080u);
        Frame(t, () =>
        {
            _r.Clear(new ColorF(0, 0, 1, 1));
            _r.Draw(tex, new RectF(0, 0, 2, 2), new Rect(0, 0, 2, 2), 0, 1, false);
        });
        var p = At(t, 0, 0);
        Assert.InRange((int)(p >> 16 & 0xff), 0x7f, 0x81); // R = 0x80
        Assert.InRange((int)(p & 0xff), 0xfe, 0xff);        // B = 0x80 + 0xff·(1 - 0.5)
    }

    [Fact]
    public void XrgbAlphaByteIsIgnoredAndGlobalAlphaApplies()
    {
        using var t = _r.CreateOffscreenTarget(2, 1);
        using var tex = Texture(1, 1, (_, _) => 0x00ff0000u, Fourcc.Xrgb8888);
        Frame(t, () =>
        {
            _r.Clear(ColorF.Black);
            _r.Draw(tex, new RectF(0, 0, 1, 1), new Rect(0, 0, 1, 1), 0, 1, false);
            _r.Draw(tex, new RectF(0, 0, 1, 1), new Rect(1, 0, 1, 1), 0, 0.5f, false);
        });
        Assert.Equal(0xffff0000u, At(t, 0, 0));
        Assert.InRange((int)(At(t, 1, 0) >> 16 & 0xff), 0x7f, 0x81);
    }

    [Fact]
    public void ClipRectsLimitDrawing()
    {
        using var t = _r.CreateOffscreenTarget(8, 8);
        Frame(t, () => _r.Clear(ColorF.Black));
        Frame(t, () => _r.DrawSolid(new Rect(0, 0, 8, 8), new ColorF(0, 1, 0, 1)), new Rect(1, 1, 2, 2), new Rect(5, 5, 1, 1));
        var px = Read(t, new Rect(0, 0, 8, 8));
        var green = px.Count(p => p == 0xff00ff00u);
        Assert.Equal(5, green);
        Assert.Equal(0xff00ff00u, px[1 * 8 + 1]);
        Assert.Equal(0xff00ff00u, px[5 * 8 + 5]);
        Assert.Equal(0xff000000u, px[4 * 8 + 4]);
    }

    /// <summary>A 2x3 buffer with distinct texels, drawn under each transform; the expected screen
    /// follows wl_output.transform: the buffer holds the surface rotated counter-clockwise (then
    /// flipped) by it, and the compositor undoes that.</summary>
    [Theory]
    [InlineData(0, new[] { "A B", "C D", "E F" })]
    [InlineData(1, new[] { "E C A", "F D B" })]
    [InlineData(2, new[] { "F E", "D C", "B A" })]
    [InlineData(3, new[] { "B D F", "A C E" })]
    [InlineData(4, new[] { "B A", "D C", "F E" })]
    [InlineData(5, new[] { "A C E", "B D F" })]
    [InlineData(6, new[] { "E F", "C D", "A B" })]
    [InlineData(7, new[] { "F D B", "E C A" })]
    public void BufferTransforms(int transform, string[] expectedRows)
    {
        // Texels A..F as distinct red values; buffer is 2 wide, 3 tall.
        uint Texel(int x, int y) => 0xff000000u | (uint)(0x10 * (1 + y * 2 + x)) << 16;
        using var tex = Texture(2, 3, Texel);
        var (w, h) = transform % 2 == 1 ? (3, 2) : (2, 3);
        using var t = _r.CreateOffscreenTarget(w, h);
        Frame(t, () => _r.Draw(tex, new RectF(0, 0, 2, 3), new Rect(0, 0, w, h), transform, 1, true));
        var px = Read(t, new Rect(0, 0, w, h));
        for (var y = 0; y < h; y++)
        {
            var names = expectedRows[y].Split(' ');
            for (var x = 0; x < w; x++)
            {
                var index = names[x][0] - 'A';
                Assert.True(Texel(index % 2, index / 2) == px[y * w + x], $"transform {transform}: ({x},{y}) should be {names[x]}");
            }
        }
    }

    [Fact]
    public void FractionalSourceCrop()
    {
        using var tex = Texture(4, 4, (x, y) => x < 2 ? 0xffff0000u : 0xff0000ffu);
        using var t = _r.CreateOffscreenTarget(4, 4);
        // The right half of the buffer, 1:1, is all blue: the red half is cropped away exactly.
        Frame(t, () => _r.Draw(tex, new RectF(2, 0, 2, 4), new Rect(0, 0, 2, 4), 0, 1, true));
        Assert.All(Read(t, new Rect(0, 0, 2, 4)), p => Assert.Equal(0xff0000ffu, p));
        // Stretched to twice the width, the interior is still blue (edges may blend, as filtering does).
        Frame(t, () => _r.Draw(tex, new RectF(2.5, 0, 1, 4), new Rect(0, 0, 4, 4), 0, 1, true));
        Assert.All(Read(t, new Rect(0, 0, 4, 4)), p => Assert.Equal(0xff0000ffu, p));
    }

    [Fact]
    public void SteadyStateFramesAllocateNothing()
    {
        using var t = _r.CreateOffscreenTarget(64, 64);
        using var tex = Texture(32, 32, (_, _) => 0x80402010u);
        var pixels = Image(32, 32, (_, _) => 0xff102030u);
        Rect[] clip = [new Rect(0, 0, 32, 32), new Rect(40, 40, 8, 8)];
        void OneFrame()
        {
            _r.Upload(tex, pixels, 32 * 4, new Rect(4, 4, 8, 8));
            _r.Begin(t, clip);
            _r.Clear(ColorF.Black);
            for (var i = 0; i < 5; i++) _r.Draw(tex, new RectF(0, 0, 32, 32), new Rect(i * 4, i * 4, 32, 32), i % 8, 1, false);
            _r.DrawSolid(new Rect(0, 0, 10, 10), new ColorF(0, 0, 0, 0.5f));
            _r.End();
        }
        for (var i = 0; i < 20; i++) OneFrame();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 200; i++) OneFrame();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
