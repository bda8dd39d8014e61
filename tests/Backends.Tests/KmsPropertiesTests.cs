using Compositor.Backends.Drm;

namespace Backends.Tests;

/// <summary>Property lookup by name, and a plane's type read from its "type" property.</summary>
public sealed class KmsPropertiesTests
{
    private static readonly KmsProperties Plane = new([("type", 7, 1), ("FB_ID", 9, 0), ("IN_FENCE_FD", 12, ulong.MaxValue)]);

    [Fact]
    public void IdsAndValuesByName()
    {
        Assert.Equal(3, Plane.Count);
        Assert.Equal(9u, Plane["FB_ID"]);
        Assert.True(Plane.TryGet("IN_FENCE_FD", out var fence));
        Assert.Equal(12u, fence);
        Assert.True(Plane.TryGetValue("IN_FENCE_FD", out var value));
        Assert.Equal(ulong.MaxValue, value);
        Assert.True(Plane.Contains("type"));
    }

    [Fact]
    public void AnAbsentPropertyIsZeroAndFalse()
    {
        Assert.Equal(0u, Plane["rotation"]);
        Assert.False(Plane.TryGet("rotation", out var id));
        Assert.Equal(0u, id);
        Assert.False(Plane.TryGetValue("rotation", out _));
        Assert.False(Plane.Contains("fb_id")); // names are case-sensitive, as the kernel's are
    }

    [Theory]
    [InlineData(0ul, "Overlay")]
    [InlineData(1ul, "Primary")]
    [InlineData(2ul, "Cursor")]
    [InlineData(3ul, "Overlay")] // not a type the kernel has
    public void PlaneTypeFromItsProperty(ulong value, string type) =>
        Assert.Equal(type, KmsPlanes.TypeOf(new KmsProperties([("type", 1, value)])).ToString());

    [Fact]
    public void APlaneWithoutATypeIsAnOverlay() =>
        Assert.Equal(KmsPlaneType.Overlay, KmsPlanes.TypeOf(new KmsProperties([])));
}
