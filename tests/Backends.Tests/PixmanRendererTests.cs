using System.Runtime.InteropServices;
using Compositor.Backends;
using Compositor.Backends.Rendering;
using static Tmds.Linux.LibC;

namespace Backends.Tests;

/// <summary>
/// The pixman renderer against the GLES one (Mesa's llvmpipe): the same scenes drawn by both and
/// compared pixel by pixel, within ±2 a channel where nothing is filtered; then what only the CPU
/// renderer promises: client DMA-BUFs sampled in place, scanout buffers drawn into in place, the
/// layouts it refuses, and no managed allocation per frame.
/// </summary>
public sealed unsafe class PixmanRendererTests : IDisposable
{
    private static readonly Serilog.ILogger Log = Serilog.Core.Logger.None;
    private readonly PixmanRenderer _p = new(Log);
    private readonly GlesRenderer _gl = new(Log);
    private readonly List<int> _fds = [];

    public void Dispose()
    {
        foreach (var fd in _fds) close(fd);
        _p.Dispose();
        _gl.Dispose();
    }

    // ---- helpers ----

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

    private static ITexture Texture(IRenderer r, int w, int h, Func<int, int, uint> pixel, uint fourcc = Fourcc.Argb8888)
    {
        var tex = r.CreateTexture(fourcc, w, h);
        r.Upload(tex, Image(w, h, pixel), w * 4, new Rect(0, 0, w, h));
        return tex;
    }

    private static uint[] Read(IRenderer r, IRenderTarget t, Rect region)
    {
        var bytes = new byte[region.Width * region.Height * 4];
        r.ReadPixels(t, region, Fourcc.Argb8888, bytes, region.Width * 4);
        return MemoryMarshal.Cast<byte, uint>(bytes).ToArray();
    }

    /// <summary>A scene: textures are made by <c>setup</c> for the renderer at hand, then drawn
    /// into a fresh target, cleared opaque first unless the scene clears itself.</summary>
    private static uint[] Render(IRenderer r, int w, int h, Func<IRenderer, ITexture[]> setup, Action<IRenderer, ITexture[]> draw, Rect[]? clip = null)
    {
        var textures = setup(r);
        using var target = r.CreateOffscreenTarget(w, h);
        r.Begin(target, [new Rect(0, 0, w, h)]);
        r.Clear(new ColorF(0.1f, 0.2f, 0.3f, 1));
        r.End();
        r.Begin(target, clip ?? [new Rect(0, 0, w, h)]);
        draw(r, textures);
        r.End();
        r.Finish();
        var pixels = Read(r, target, new Rect(0, 0, w, h));
        foreach (var t in textures) t.Dispose();
        return pixels;
    }

    /// <summary>Renders with both and compares every channel of every pixel.</summary>
    private void AssertSameAsGl(string scene, int w, int h, Func<IRenderer, ITexture[]> setup, Action<IRenderer, ITexture[]> draw,
        int tolerance = 2, Rect[]? clip = null)
    {
        var expected = Render(_gl, w, h, setup, draw, clip);
        var actual = Render(_p, w, h, setup, draw, clip);
        AssertClose(scene, w, expected, actual, tolerance);
    }

    private static void AssertClose(string scene, int w, uint[] expected, uint[] actual, int tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
            for (var shift = 0; shift < 32; shift += 8)
            {
                var e = (int)(expected[i] >> shift & 0xff);
                var a = (int)(actual[i] >> shift & 0xff);
                Assert.True(Math.Abs(e - a) <= tolerance,
                    $"{scene}: pixel ({i % w},{i / w}) is 0x{actual[i]:x8} with pixman, 0x{expected[i]:x8} with GL (±{tolerance})");
            }
    }

    /// <summary>5x3 texels, all distinct, none symmetric: a wrong flip or rotation shows.</summary>
    private static uint Asymmetric(int x, int y) => 0xff000000u | (uint)(0x20 + x * 0x30) << 16 | (uint)(0x10 + y * 0x50) << 8 | (uint)((x * 7 + y * 13) * 5 & 0xff);

    private int MemFd(long size)
    {
        var name = Marshal.StringToHGlobalAnsi("pixman-test");
        var fd = memfd_create((byte*)name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
        Marshal.FreeHGlobal(name);
        Assert.True(fd >= 0);
        _fds.Add(fd);
        Assert.Equal(0, ftruncate(fd, size));
        Assert.Equal(0, fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK));
        return fd;
    }

    private static void Write(int fd, ReadOnlySpan<byte> bytes, long offset = 0)
    {
        fixed (byte* p = bytes) Assert.Equal(bytes.Length, (int)pwrite(fd, p, bytes.Length, offset));
    }

    private static byte[] ReadFd(int fd, int length)
    {
        var bytes = new byte[length];
        fixed (byte* p = bytes) Assert.Equal(length, (int)pread(fd, p, length, 0));
        return bytes;
    }

    /// <summary>Attributes over a duplicate of <paramref name="fd"/>: disposing them closes only the duplicate.</summary>
    private static DmaBufAttributes Attributes(int fd, int w, int h, uint fourcc, ulong modifier = DmaBufAttributes.ModifierLinear,
        bool yInverted = false, int stride = 0) => new()
    {
        Width = w, Height = h, Fourcc = fourcc, Modifier = modifier, YInverted = yInverted,
        Planes = [new DmaBufPlane(new Wayland.Wire.OwnedFd(fcntl(fd, F_DUPFD_CLOEXEC, 0)), 0, (uint)(stride == 0 ? w * 4 : stride))],
    };

    private static int OpenFds() => Directory.GetFiles("/proc/self/fd").Length;

    // ---- the same pixels as GL ----

    [Fact]
    public void DescribesPixman()
    {
        Assert.StartsWith("pixman 0.", _p.Description);
        Assert.EndsWith("(CPU)", _p.Description);
    }

    [Fact]
    public void ClearMatchesGl() =>
        AssertSameAsGl("clear", 16, 8, _ => [], (r, _) => r.Clear(new ColorF(0.8f, 0.4f, 0.2f, 1)));

    [Fact]
    public void OpaqueDrawMatchesGl()
    {
        AssertSameAsGl("opaque XRGB", 12, 10, r => [Texture(r, 5, 3, (x, y) => Asymmetric(x, y) & 0x00ffffff, Fourcc.Xrgb8888)],
            (r, t) => r.Draw(t[0], new RectF(0, 0, 5, 3), new Rect(3, 4, 5, 3), 0, 1, true));
        AssertSameAsGl("opaque ABGR", 12, 10, r => [Texture(r, 5, 3, Asymmetric, Fourcc.Abgr8888)],
            (r, t) => r.Draw(t[0], new RectF(0, 0, 5, 3), new Rect(3, 4, 5, 3), 0, 1, true));
    }

    [Fact]
    public void ArgbBlendMatchesGl()
    {
        // Premultiplied: every channel at most the alpha, which varies across the texture.
        static uint Translucent(int x, int y)
        {
            var a = (uint)(0x20 + x * 0x28 + y * 0x10);
            return a << 24 | (a * (uint)(x + 1) / 6) << 16 | (a * (uint)(3 - y) / 4) << 8 | a / 2;
        }
        AssertSameAsGl("ARGB over", 8, 6, r => [Texture(r, 5, 3, Translucent)],
            (r, t) => r.Draw(t[0], new RectF(0, 0, 5, 3), new Rect(1, 1, 5, 3), 0, 1, false));
    }

    [Fact]
    public void GlobalAlphaMatchesGl()
    {
        AssertSameAsGl("alpha 0.5", 12, 4,
            r => [Texture(r, 5, 3, Asymmetric), Texture(r, 5, 3, (x, y) => Asymmetric(x, y) & 0x00ffffff, Fourcc.Xrgb8888),
                  Texture(r, 5, 3, (_, _) => 0x80402010u)],
            (r, t) =>
            {
                r.Draw(t[0], new RectF(0, 0, 5, 3), new Rect(0, 0, 5, 3), 0, 0.5f, true);
                r.Draw(t[1], new RectF(0, 0, 5, 3), new Rect(5, 0, 5, 3), 0, 0.5f, false);
                r.Draw(t[2], new RectF(0, 0, 5, 3), new Rect(7, 1, 5, 3), 0, 0.25f, false);
            });
    }

    [Theory]
    [InlineData(0)] [InlineData(1)] [InlineData(2)] [InlineData(3)]
    [InlineData(4)] [InlineData(5)] [InlineData(6)] [InlineData(7)]
    public void BufferTransformMatchesGl(int transform)
    {
        var (w, h) = transform % 2 == 1 ? (3, 5) : (5, 3);
        AssertSameAsGl($"transform {transform}", 9, 9, r => [Texture(r, 5, 3, Asymmetric)],
            (r, t) => r.Draw(t[0], new RectF(0, 0, 5, 3), new Rect(2, 3, w, h), transform, 1, true));
    }

    /// <summary>Scaled twice, each transform: filtered, so a little more tolerance (pixman's bilinear
    /// weights have 7 bits, llvmpipe's 8).</summary>
    [Theory]
    [InlineData(0)] [InlineData(1)] [InlineData(2)] [InlineData(3)]
    [InlineData(4)] [InlineData(5)] [InlineData(6)] [InlineData(7)]
    public void ScaledTransformMatchesGl(int transform)
    {
        var (w, h) = transform % 2 == 1 ? (6, 10) : (10, 6);
        AssertSameAsGl($"transform {transform} scaled", 12, 12, r => [Texture(r, 5, 3, Asymmetric)],
            (r, t) => r.Draw(t[0], new RectF(0, 0, 5, 3), new Rect(1, 1, w, h), transform, 1, true), tolerance: 4);
    }

    [Fact]
    public void ScaledAndCroppedDrawMatchesGl()
    {
        static uint Gradient(int x, int y) => 0xff000000u | (uint)(x * 0x22) << 16 | (uint)(y * 0x22) << 8 | 0x40;
        // Stretched by an odd factor, and a fractional viewport-like source, both filtered.
        AssertSameAsGl("scaled 8x8 to 13x9", 16, 12, r => [Texture(r, 8, 8, Gradient)],
            (r, t) => r.Draw(t[0], new RectF(0, 0, 8, 8), new Rect(1, 2, 13, 9), 0, 1, true), tolerance: 4);
        AssertSameAsGl("fractional source", 16, 12, r => [Texture(r, 8, 8, Gradient)],
            (r, t) => r.Draw(t[0], new RectF(1.5, 2.25, 5, 4), new Rect(0, 0, 10, 8), 0, 1, true), tolerance: 4);
    }

    [Fact]
    public void ClippedDrawMatchesGlAndLeavesTheRestAlone()
    {
        Rect[] clip = [new Rect(1, 1, 4, 3), new Rect(6, 5, 3, 3), new Rect(5, 2, 2, 3)];
        void Draw(IRenderer r, ITexture[] t)
        {
            r.Draw(t[0], new RectF(0, 0, 5, 3), new Rect(0, 0, 10, 9), 0, 1, true);
            r.DrawSolid(new Rect(2, 2, 6, 6), new ColorF(0, 0.5f, 0, 0.5f));
        }
        AssertSameAsGl("clipped", 10, 9, r => [Texture(r, 5, 3, Asymmetric)], Draw, tolerance: 4, clip: clip);
        var pixels = Render(_p, 10, 9, r => [Texture(r, 5, 3, Asymmetric)], Draw, clip);
        var background = Render(_p, 10, 9, _ => [], (_, _) => { });
        for (var y = 0; y < 9; y++)
            for (var x = 0; x < 10; x++)
                if (!Array.Exists(clip, c => c.Contains(x, y)))
                    Assert.True(background[y * 10 + x] == pixels[y * 10 + x], $"({x},{y}) lies outside the clip but changed");

        // Overlapping rectangles are one region: blended once where they overlap (the GL renderer
        // draws once per rectangle, so it would blend twice there; the scene's damage never overlaps).
        Rect[] overlapping = [new Rect(1, 1, 4, 3), new Rect(3, 2, 4, 4)];
        Rect[] disjoint = [new Rect(1, 1, 4, 3), new Rect(5, 2, 2, 4), new Rect(3, 4, 2, 2)];
        AssertClose("overlapping clip", 10, Render(_p, 10, 9, r => [Texture(r, 5, 3, Asymmetric)], Draw, disjoint),
            Render(_p, 10, 9, r => [Texture(r, 5, 3, Asymmetric)], Draw, overlapping), tolerance: 0);
    }

    [Fact]
    public void TranslucentSolidMatchesGl() =>
        AssertSameAsGl("solid", 8, 8, _ => [], (r, _) =>
        {
            r.DrawSolid(new Rect(1, 1, 5, 5), new ColorF(0.25f, 0, 0, 0.5f));
            r.DrawSolid(new Rect(3, 3, 5, 5), new ColorF(0, 0, 0.6f, 0.6f));
            r.DrawSolid(new Rect(0, 6, 8, 2), new ColorF(0, 1, 0, 1));
        });

    [Fact]
    public void YInvertedBufferMatchesGl()
    {
        var fd = MemFd(5 * 3 * 4);
        Write(fd, Image(5, 3, Asymmetric));
        ITexture[] Import(IRenderer r, bool inverted)
        {
            using var a = Attributes(fd, 5, 3, Fourcc.Argb8888, yInverted: inverted);
            return [((IDmaBufImporter)r).ImportDmaBuf(a)!];
        }
        foreach (var transform in (int[])[0, 1, 6])
        {
            var (w, h) = transform % 2 == 1 ? (3, 5) : (5, 3);
            AssertSameAsGl($"y-inverted, transform {transform}", 8, 8, r => Import(r, inverted: true),
                (r, t) => r.Draw(t[0], new RectF(0, 0, 5, 3), new Rect(1, 2, w, h), transform, 1, true));
        }
        // And really flipped: the first row in memory is drawn at the bottom.
        var upright = Render(_p, 5, 3, r => Import(r, inverted: false), (r, t) => r.Draw(t[0], new RectF(0, 0, 5, 3), new Rect(0, 0, 5, 3), 0, 1, true));
        var flipped = Render(_p, 5, 3, r => Import(r, inverted: true), (r, t) => r.Draw(t[0], new RectF(0, 0, 5, 3), new Rect(0, 0, 5, 3), 0, 1, true));
        for (var x = 0; x < 5; x++)
        {
            Assert.Equal(Asymmetric(x, 0), upright[x]);
            Assert.Equal(Asymmetric(x, 0), flipped[2 * 5 + x]);
        }
    }

    // ---- DMA-BUFs through CPU mappings ----

    [Fact]
    public void ImportedBufferIsSampledInPlace()
    {
        var fd = MemFd(16 * 8 * 4);
        Write(fd, Image(16, 8, (_, _) => 0x00123456)); // XRGB: the padding byte is ignored
        ITexture? texture;
        using (var a = Attributes(fd, 16, 8, Fourcc.Xrgb8888)) texture = _p.ImportDmaBuf(a);
        Assert.NotNull(texture);
        using (texture)
        {
            Assert.Equal(1, _p.Counters.DmaBufImports);
            using var target = _p.CreateOffscreenTarget(16, 8);
            uint[] Draw()
            {
                _p.Begin(target, [new Rect(0, 0, 16, 8)]);
                _p.Draw(texture!, new RectF(0, 0, 16, 8), new Rect(0, 0, 16, 8), 0, 1, true);
                _p.End();
                return Read(_p, target, new Rect(0, 0, 16, 8));
            }
            Assert.All(Draw(), p => Assert.Equal(0xff123456u, p));
            // The client draws its next frame into the same memory: seen without a new import.
            Write(fd, Image(16, 8, (x, _) => x < 8 ? 0x00abcdefu : 0x00fedcbau));
            var next = Draw();
            Assert.Equal(0xffabcdefu, next[0]);
            Assert.Equal(0xfffedcbau, next[15]);
            Assert.Equal(1, _p.Counters.DmaBufImports);
            Assert.Equal(0, _p.Counters.BytesUploaded);
        }
    }

    [Fact]
    public void ScanoutBufferIsDrawnIntoInPlace()
    {
        const int W = 12, H = 6, Stride = 64; // rows padded, as a dumb buffer's pitch may be
        var fd = MemFd(Stride * H);
        var fdsBefore = OpenFds();
        IRenderTarget? target;
        using (var a = Attributes(fd, W, H, Fourcc.Xrgb8888, stride: Stride))
        {
            target = _p.CreateTarget(a, out var whyNot);
            Assert.True(target is not null, whyNot);
        }
        // The caller's fd is closed: the target holds the mapping, not the fd.
        Assert.Equal(fdsBefore, OpenFds());
        using var texture = Texture(_p, 4, 2, (x, y) => 0xff000000u | (uint)(x * 0x40) << 16 | (uint)(y * 0x80));
        using (target)
        {
            _p.Begin(target!, [new Rect(0, 0, W, H)]);
            _p.Clear(new ColorF(0, 0, 1, 1));
            _p.Draw(texture, new RectF(0, 0, 4, 2), new Rect(5, 3, 4, 2), 0, 1, true);
            _p.End();
            var memory = MemoryMarshal.Cast<byte, uint>(ReadFd(fd, Stride * H));
            Assert.Equal(0x0000ffu, memory[0] & 0xffffff);
            Assert.Equal(0x0000ffu, memory[(H - 1) * Stride / 4 + W - 1] & 0xffffff);
            Assert.Equal(0x000000u, memory[3 * Stride / 4 + 5] & 0xffffff); // texel (0,0)
            Assert.Equal(0xc00080u, memory[4 * Stride / 4 + 8] & 0xffffff); // texel (3,1)
            Assert.Equal(0u, memory[W]); // the padding past each row is not drawn into
            Assert.Equal(0xff0000ffu, Read(_p, target!, new Rect(0, 0, 1, 1))[0]);
        }
        Assert.Equal(fdsBefore, OpenFds());
    }

    [Fact]
    public void LayoutsTheCpuCannotReadAreRefused()
    {
        var fd = MemFd(64 * 64 * 4);
        const ulong IntelXTiled = 0x0100000000000001;
        using (var tiled = Attributes(fd, 64, 64, Fourcc.Xrgb8888, IntelXTiled))
        {
            Assert.Null(_p.ImportDmaBuf(tiled));
            Assert.Null(_p.CreateTarget(tiled, out var whyNot));
            Assert.Contains("not linear", whyNot);
        }
        using (var nv12 = new DmaBufAttributes
        {
            Width = 64, Height = 64, Fourcc = Fourcc.Nv12, Modifier = DmaBufAttributes.ModifierLinear,
            Planes = [new(new Wayland.Wire.OwnedFd(fcntl(fd, F_DUPFD_CLOEXEC, 0)), 0, 64),
                      new(new Wayland.Wire.OwnedFd(fcntl(fd, F_DUPFD_CLOEXEC, 0)), 64 * 64, 64)],
        })
            Assert.Null(_p.ImportDmaBuf(nv12));
        using (var abgr = Attributes(fd, 64, 64, Fourcc.Abgr8888))
        {
            Assert.Null(_p.CreateTarget(abgr, out var whyNot));
            Assert.NotEmpty(whyNot);
        }
        // Claiming more rows than the memory holds would fault when drawn: refused when mapped.
        using (var tooTall = Attributes(fd, 64, 65, Fourcc.Argb8888))
            Assert.Null(_p.ImportDmaBuf(tooTall));
        Assert.Equal(0, _p.Counters.DmaBufImports);
        Assert.Contains(new DmaBufFormat(Fourcc.Argb8888, DmaBufAttributes.ModifierLinear, false), _p.DmaBufFormats);
        Assert.Contains(new DmaBufFormat(Fourcc.Xrgb8888, DmaBufAttributes.ModifierInvalid, false), _p.DmaBufFormats);
        Assert.DoesNotContain(_p.DmaBufFormats, f => f.Fourcc == Fourcc.Nv12);
        Assert.Null(_p.MainDevice);
    }

    [Fact]
    public void ImportsAndReleasesLeaveNoFds()
    {
        var fd = MemFd(32 * 32 * 4);
        using var target = _p.CreateOffscreenTarget(32, 32);
        var before = OpenFds();
        for (var i = 0; i < 200; i++)
        {
            using var a = Attributes(fd, 32, 32, i % 2 == 0 ? Fourcc.Argb8888 : Fourcc.Xbgr8888);
            using var texture = _p.ImportDmaBuf(a);
            Assert.NotNull(texture);
            _p.Begin(target, [new Rect(0, 0, 32, 32)]);
            _p.Draw(texture!, new RectF(0, 0, 32, 32), new Rect(0, 0, 32, 32), i % 8, 0.5f, false);
            _p.End();
        }
        Assert.Equal(before, OpenFds());
        Assert.Equal(200, _p.Counters.DmaBufImports);
    }

    [Fact]
    public void ReadPixelsReadsARegionWithAWideStrideAndCounts()
    {
        using var target = _p.CreateOffscreenTarget(8, 8);
        using var texture = Texture(_p, 8, 8, (x, y) => 0xff000000u | (uint)(x * 0x20) << 16 | (uint)(y * 0x20) << 8);
        Assert.Equal(8 * 8 * 4, _p.Counters.BytesUploaded);
        _p.Begin(target, [new Rect(0, 0, 8, 8)]);
        _p.Draw(texture, new RectF(0, 0, 8, 8), new Rect(0, 0, 8, 8), 0, 1, true);
        _p.End();
        const int Stride = 40;
        var bytes = new byte[Stride * 3];
        _p.ReadPixels(target, new Rect(2, 4, 3, 3), Fourcc.Xrgb8888, bytes, Stride);
        Assert.Equal(3 * 3 * 4, _p.Counters.BytesReadBack);
        for (var y = 0; y < 3; y++)
            for (var x = 0; x < 3; x++)
                Assert.Equal(0xff000000u | (uint)((2 + x) * 0x20) << 16 | (uint)((4 + y) * 0x20) << 8, BitConverter.ToUInt32(bytes, y * Stride + x * 4));
        Assert.All(bytes.AsSpan(12, Stride - 12).ToArray(), b => Assert.Equal(0, b)); // past the region: untouched
    }

    [Fact]
    public void SteadyStateFramesAllocateNothing()
    {
        using var target = _p.CreateOffscreenTarget(64, 64);
        using var texture = Texture(_p, 32, 32, (_, _) => 0x80402010u);
        var fd = MemFd(16 * 16 * 4);
        ITexture? imported;
        using (var a = Attributes(fd, 16, 16, Fourcc.Xrgb8888)) imported = _p.ImportDmaBuf(a);
        using var held = imported;
        var pixels = Image(32, 32, (_, _) => 0xff102030u);
        Rect[] clip = [new Rect(0, 0, 32, 32), new Rect(40, 40, 8, 8), new Rect(20, 20, 30, 30)];
        void OneFrame(int frame)
        {
            _p.Upload(texture, pixels, 32 * 4, new Rect(4, 4, 8, 8));
            _p.Begin(target, clip);
            _p.Clear(ColorF.Black);
            for (var i = 0; i < 8; i++) _p.Draw(texture, new RectF(0, 0, 32, 32), new Rect(i * 4, i * 4, 32, 32), i, 1, false);
            _p.Draw(texture, new RectF(0.5, 0.5, 20, 20), new Rect(0, 0, 50, 40), 0, frame % 2 == 0 ? 0.5f : 0.75f, false);
            _p.Draw(imported!, new RectF(0, 0, 16, 16), new Rect(30, 30, 16, 16), 0, 1, true);
            _p.DrawSolid(new Rect(0, 0, 10, 10), new ColorF(0, 0, 0, 0.5f));
            _p.End();
        }
        for (var i = 0; i < 20; i++) OneFrame(i);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++) OneFrame(i);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
