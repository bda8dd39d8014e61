using System.Runtime.InteropServices;
using Compositor.Backends;
using Compositor.Tests.Harness;
using Tmds.Linux;
using Wayland.Protocols.Client;
using static Tmds.Linux.LibC;

namespace Compositor.Tests;

/// <summary>
/// wl_shm and wl_shm_pool with real memfds: what is read from sealed (mapped) and unsealed (pread)
/// pools, the protocol's errors, and hostile clients that truncate their file under the compositor.
/// </summary>
public sealed unsafe class ShmTests : IDisposable
{
    private readonly InProcessCompositor _compositor = new();
    private readonly List<int> _fds = [];

    public void Dispose()
    {
        foreach (var fd in _fds) close(fd);
        _compositor.Dispose();
    }

    /// <summary>A memfd of <paramref name="size"/> bytes whose 32-bit words are all <paramref name="fill"/>.</summary>
    private int MemFd(long size, uint fill, bool sealShrink)
    {
        var name = Marshal.StringToHGlobalAnsi("shm-test");
        var fd = memfd_create((byte*)name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
        Marshal.FreeHGlobal(name);
        Assert.True(fd >= 0);
        _fds.Add(fd);
        Assert.Equal(0, ftruncate(fd, size));
        Fill(fd, 0, size, fill);
        if (sealShrink) Assert.Equal(0, fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK));
        return fd;
    }

    private static void Fill(int fd, long offset, long size, uint value)
    {
        var words = new uint[size / 4];
        Array.Fill(words, value);
        fixed (uint* p = words) Assert.Equal((nint)size, (nint)pwrite(fd, p, (size_t)(ulong)size, offset));
    }

    private (TestClient Client, WlShm Shm, WlSurface Surface) Connect()
    {
        var client = _compositor.Connect();
        var shm = client.Bind<WlShm>("wl_shm", 2);
        var surface = client.Bind<WlCompositor>("wl_compositor", 6).CreateSurface();
        return (client, shm, surface);
    }

    private static void AssertError(TestClient client, string iface, uint code)
    {
        var error = client.ErrorAfterRoundtrip();
        Assert.True(error is not null, $"expected {iface} error {code}, got none");
        Assert.Equal((iface, code), (error!.Interface, error.Code));
    }

    private Compositor.Surfaces.Surface ServerSide(TestClient client, WlSurface surface) =>
        _compositor.Server.Surfaces.Single(s => s.Resource.Client == client.ServerClient && s.Resource.Id == surface.Id);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void PixelsAreReadFromSealedAndUnsealedPools(bool sealShrink)
    {
        _compositor.Renderer.RefuseImports = true; // a renderer without DMA-BUF import copies every pool
        var (client, shm, surface) = Connect();
        var fd = MemFd(64 * 64 * 4, 0xff112233, sealShrink);
        var pool = shm.CreatePool(fd, 64 * 64 * 4);
        surface.Attach(pool.CreateBuffer(0, 64, 64, 256, WlShm.Format.Xrgb8888), 0, 0);
        surface.Commit();
        Assert.Null(client.ErrorAfterRoundtrip());
        Assert.Equal(0xff112233u, _compositor.Renderer.LastUpload.FirstPixel);
        Assert.Equal(new Rect(0, 0, 64, 64), _compositor.Renderer.LastUpload.Region);

        // Only the damaged part is read again.
        Fill(fd, 10 * 256, 256, 0xff445566);
        surface.DamageBuffer(0, 10, 64, 1);
        surface.Attach(pool.CreateBuffer(0, 64, 64, 256, WlShm.Format.Xrgb8888), 0, 0);
        surface.Commit();
        Assert.Null(client.ErrorAfterRoundtrip());
        Assert.Equal(new Rect(0, 10, 64, 1), _compositor.Renderer.LastUpload.Region);
        Assert.Equal(0xff445566u, _compositor.Renderer.LastUpload.FirstPixel);
    }

    [Fact]
    public void CopiedBuffersAreReleasedAtOnce()
    {
        var (client, shm, surface) = Connect();
        var pool = shm.CreatePool(MemFd(4096, 0, sealShrink: false), 4096); // unsealed: always copied
        var buffer = pool.CreateBuffer(0, 16, 16, 64, WlShm.Format.Argb8888);
        var released = 0;
        buffer.Release += _ => released++;
        surface.Attach(buffer, 0, 0);
        surface.Commit();
        client.Roundtrip();
        Assert.Equal(1, released);
        Assert.Equal(0, _compositor.Renderer.Imports);
    }

    /// <summary>A sealed memfd pool is offered to the renderer as a linear DMA-BUF (Mesa's llvmpipe
    /// takes it): imported once per buffer, drawn in place, held until another buffer replaces it.</summary>
    [Fact]
    public void SealedPoolBuffersAreImportedOnceAndHeldUntilReplaced()
    {
        var (client, shm, surface) = Connect();
        var pool = shm.CreatePool(MemFd(2 * 4096, 0, sealShrink: true), 2 * 4096);
        var a = pool.CreateBuffer(0, 32, 32, 128, WlShm.Format.Xrgb8888);
        var b = pool.CreateBuffer(4096, 32, 32, 128, WlShm.Format.Xrgb8888);
        var releasedA = 0;
        a.Release += _ => releasedA++;
        for (var i = 0; i < 3; i++)
        {
            surface.Attach(a, 0, 0);
            surface.Damage(0, 0, 32, 32);
            surface.Commit();
            client.Roundtrip();
            Assert.Equal(i, releasedA); // shown in place: not released while on screen
            surface.Attach(b, 0, 0);
            surface.Damage(0, 0, 32, 32);
            surface.Commit();
            client.Roundtrip();
            Assert.Equal(i + 1, releasedA);
        }
        Assert.Equal(2, _compositor.Renderer.Imports); // once per buffer, not per frame
        Assert.Equal(0, _compositor.Renderer.Uploads);
    }

    [Fact]
    public void PoolTheRendererRefusesIsCopied()
    {
        _compositor.Renderer.RefuseImports = true;
        var (client, shm, surface) = Connect();
        var pool = shm.CreatePool(MemFd(4096, 0xff123456, sealShrink: true), 4096);
        surface.Attach(pool.CreateBuffer(0, 16, 16, 64, WlShm.Format.Xrgb8888), 0, 0);
        surface.Commit();
        Assert.Null(client.ErrorAfterRoundtrip());
        Assert.Equal(0xff123456u, _compositor.Renderer.LastUpload.FirstPixel);
    }

    [Fact]
    public void GrowingAMappedPoolMapsTheNewPart()
    {
        _compositor.Renderer.RefuseImports = true; // read through our own mapping
        var (client, shm, surface) = Connect();
        var fd = MemFd(4096, 0xff000001, sealShrink: true);
        var pool = shm.CreatePool(fd, 4096);
        // Grown the way libwayland-cursor grows its pool: the file first, then resize, many times.
        for (var size = 8192; size <= 1 << 20; size *= 2)
        {
            var at = size / 2;
            Assert.Equal(0, ftruncate(fd, size));
            Fill(fd, at, 4096, (uint)size);
            pool.Resize(size);
            surface.Attach(pool.CreateBuffer(at, 32, 32, 128, WlShm.Format.Xrgb8888), 0, 0);
            surface.DamageBuffer(0, 0, 32, 32);
            surface.Commit();
            Assert.Null(client.ErrorAfterRoundtrip());
            Assert.Equal((uint)size, _compositor.Renderer.LastUpload.FirstPixel);
        }
    }

    [Fact]
    public void ShrinkingAPoolIsInvalidFd()
    {
        var (client, shm, _) = Connect();
        shm.CreatePool(MemFd(8192, 0, true), 8192).Resize(4096);
        AssertError(client, "wl_shm_pool", (uint)WlShm.Error.InvalidFd);
    }

    [Fact]
    public void PoolOfSizeZeroIsInvalidStride()
    {
        var (client, shm, _) = Connect();
        shm.CreatePool(MemFd(4096, 0, true), 0);
        AssertError(client, "wl_shm", (uint)WlShm.Error.InvalidStride);
    }

    [Fact]
    public void PoolOfAPipeIsInvalidFd()
    {
        var (client, shm, _) = Connect();
        int* pipe = stackalloc int[2];
        Assert.Equal(0, LibC.pipe2(pipe, O_CLOEXEC));
        _fds.Add(pipe[0]);
        _fds.Add(pipe[1]);
        shm.CreatePool(pipe[0], 4096);
        AssertError(client, "wl_shm", (uint)WlShm.Error.InvalidFd);
    }

    [Fact]
    public void UnadvertisedFormatIsInvalidFormat()
    {
        var (client, shm, _) = Connect();
        shm.CreatePool(MemFd(4096, 0, true), 4096).CreateBuffer(0, 8, 8, 32,  (WlShm.Format)0x3231564e); // NV12
        AssertError(client, "wl_shm_pool", (uint)WlShm.Error.InvalidFormat);
    }

    [Theory]
    [InlineData(0, 16, 16, 32)]        // stride shorter than a row
    [InlineData(0, 16, 16, -64)]       // negative stride
    [InlineData(-4, 16, 16, 64)]       // negative offset
    [InlineData(0, 0, 16, 64)]         // no width
    [InlineData(0, 16, 65, 64)]        // rows past the end of the pool
    [InlineData(4000, 16, 16, 64)]     // offset pushes it past the end
    [InlineData(0, 16, int.MaxValue, 64)] // stride * height overflows 32 bits
    public void BufferOutsideThePoolIsInvalidStride(int offset, int width, int height, int stride)
    {
        var (client, shm, _) = Connect();
        shm.CreatePool(MemFd(4096, 0, true), 4096).CreateBuffer(offset, width, height, stride, WlShm.Format.Argb8888);
        // As libwayland does: wl_shm's error codes, posted on the pool.
        AssertError(client, "wl_shm_pool", (uint)WlShm.Error.InvalidStride);
    }

    [Fact]
    public void SealedPoolsCannotBeTruncatedUnderTheMapping()
    {
        var fd = MemFd(4096, 0, sealShrink: true);
        Assert.Equal(-1, ftruncate(fd, 0));
        Assert.Equal(EPERM, errno);
    }

    /// <summary>
    /// The hostile client: an unsealed pool truncated after its buffer was created. libwayland
    /// survives this by trapping SIGBUS; we never map such a file, read it with pread, and answer the
    /// short read with wl_shm.invalid_fd to that client alone.
    /// </summary>
    [Fact]
    public void TruncatingAnUnsealedPoolIsThatClientsErrorOnly()
    {
        var bystander = Connect();
        var bystanderPool = bystander.Shm.CreatePool(MemFd(4096, 0xff00ff00, true), 4096);
        bystander.Surface.Attach(bystanderPool.CreateBuffer(0, 32, 32, 128, WlShm.Format.Xrgb8888), 0, 0);
        bystander.Surface.Commit();
        Assert.Null(bystander.Client.ErrorAfterRoundtrip());

        var (client, shm, surface) = Connect();
        var fd = MemFd(64 * 64 * 4, 0xffff0000, sealShrink: false);
        var pool = shm.CreatePool(fd, 64 * 64 * 4);
        var buffer = pool.CreateBuffer(0, 64, 64, 256, WlShm.Format.Xrgb8888);
        surface.Attach(buffer, 0, 0);
        surface.Commit();
        Assert.Null(client.ErrorAfterRoundtrip());

        Assert.Equal(0, ftruncate(fd, 1000));
        surface.Attach(buffer, 0, 0);
        surface.Damage(0, 0, 64, 64);
        surface.Commit();
        var error = client.ErrorAfterRoundtrip();
        Assert.NotNull(error);
        Assert.Equal((uint)WlShm.Error.InvalidFd, error!.Code);

        // The compositor and the other client go on.
        bystander.Surface.Attach(bystanderPool.CreateBuffer(0, 32, 32, 128, WlShm.Format.Xrgb8888), 0, 0);
        bystander.Surface.Damage(0, 0, 32, 32);
        bystander.Surface.Commit();
        Assert.Null(bystander.Client.ErrorAfterRoundtrip());
        Assert.True(ServerSide(bystander.Client, bystander.Surface).HasContent);
    }

    [Fact]
    public void PoolOutlivesItsDestroyWhileBuffersUseIt()
    {
        var (client, shm, surface) = Connect();
        var pool = shm.CreatePool(MemFd(4096, 0xff0000ff, false), 4096);
        var buffer = pool.CreateBuffer(0, 16, 16, 64, WlShm.Format.Xrgb8888);
        pool.Destroy();
        surface.Attach(buffer, 0, 0);
        surface.Commit();
        Assert.Null(client.ErrorAfterRoundtrip());
        Assert.Equal(0xff0000ffu, _compositor.Renderer.LastUpload.FirstPixel);
    }
}
