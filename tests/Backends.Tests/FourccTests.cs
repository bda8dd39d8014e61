using Compositor.Backends;

namespace Backends.Tests;

/// <summary>The one fourcc table: what wl_shm, linux-dmabuf and the renderer read of it.</summary>
public sealed class FourccTests
{
    [Theory]
    [InlineData(Fourcc.Argb8888, 0u)]
    [InlineData(Fourcc.Xrgb8888, 1u)]
    [InlineData(Fourcc.Abgr8888, Fourcc.Abgr8888)]
    [InlineData(0xdeadbeefu, 0xdeadbeefu)]
    public void WlShmCodesRoundTrip(uint fourcc, uint wlShm)
    {
        Assert.Equal(wlShm, Fourcc.ToWlShm(fourcc));
        Assert.Equal(fourcc, Fourcc.FromWlShm(wlShm));
    }

    [Fact]
    public void PlanesAndRowsOfYuvFormats()
    {
        Assert.Equal(2, Fourcc.PlaneCount(Fourcc.Nv12));
        Assert.Equal(3, Fourcc.PlaneCount(Fourcc.Yuv420));
        Assert.Equal(1, Fourcc.PlaneCount(Fourcc.Xrgb8888));
        Assert.Equal(1, Fourcc.PlaneCount(0xdeadbeef));
        Assert.Equal(5u, Fourcc.PlaneHeight(Fourcc.Nv12, 1, 9));
        Assert.Equal(9u, Fourcc.PlaneHeight(Fourcc.Nv12, 0, 9));
        Assert.Equal(9u, Fourcc.PlaneHeight(Fourcc.Nv16, 1, 9));
    }

    [Fact]
    public void AlphaAndPixelSize()
    {
        Assert.True(Fourcc.HasAlpha(Fourcc.Argb8888));
        Assert.False(Fourcc.HasAlpha(Fourcc.Xrgb8888));
        Assert.Equal(2, Fourcc.BytesPerPixel(Fourcc.Rgb565));
        Assert.Equal(4, Fourcc.BytesPerPixel(Fourcc.Xbgr8888));
        Assert.Equal("NV12", Fourcc.Name(Fourcc.Nv12));
    }
}
