using Compositor.Surfaces;
using Compositor.Tests.Harness;
using Wayland.Protocols.Client;
using Wayland.Wire;

namespace Compositor.Tests;

/// <summary>wl_surface, wl_subsurface and wp_viewport semantics and protocol errors, with a real
/// client over a socket against the compositor core.</summary>
public sealed class SurfaceProtocolTests : IDisposable
{
    private readonly InProcessCompositor _compositor = new();
    public void Dispose() => _compositor.Dispose();

    private (TestClient Client, WlCompositor Compositor) Connect(uint version = 6)
    {
        var client = _compositor.Connect();
        return (client, client.Bind<WlCompositor>("wl_compositor", version));
    }

    private Surface ServerSide(WlSurface surface) =>
        _compositor.Server.Surfaces.Single(s => s.Resource.Id == surface.Id);

    private static void AssertError(TestClient client, string iface, uint code)
    {
        var error = client.ErrorAfterRoundtrip();
        Assert.True(error is not null, $"expected {iface} error {code}, got none");
        Assert.Equal(iface, error!.Interface);
        Assert.Equal(code, error.Code);
    }

    private WlBuffer Pixel(TestClient client, uint r, uint g, uint b, uint a) =>
        client.Bind<WpSinglePixelBufferManagerV1>("wp_single_pixel_buffer_manager_v1", 1).CreateU32RgbaBuffer(r, g, b, a);

    [Fact]
    public void BufferScaleMustBePositive()
    {
        var (client, compositor) = Connect();
        compositor.CreateSurface().SetBufferScale(0);
        AssertError(client, "wl_surface", (uint)WlSurface.Error.InvalidScale);
    }

    [Fact]
    public void BufferTransformMustBeAnOutputTransform()
    {
        var (client, compositor) = Connect();
        compositor.CreateSurface().SetBufferTransform((WlOutput.Transform)8);
        AssertError(client, "wl_surface", (uint)WlSurface.Error.InvalidTransform);
    }

    [Fact]
    public void AttachOffsetIsAnErrorSinceVersion5ButMovesInVersion4()
    {
        var (client, compositor) = Connect(5);
        var surface = compositor.CreateSurface();
        surface.Attach(Pixel(client, 0, 0, 0, uint.MaxValue), 3, 4);
        AssertError(client, "wl_surface", (uint)WlSurface.Error.InvalidOffset);

        var (old, oldCompositor) = Connect(4);
        oldCompositor.CreateSurface().Attach(null, 3, 4);
        Assert.Null(old.ErrorAfterRoundtrip());
    }

    [Fact]
    public void CommitAppliesPendingStateOnce()
    {
        var (client, compositor) = Connect();
        var surface = compositor.CreateSurface();
        surface.Attach(Pixel(client, uint.MaxValue, 0, 0, uint.MaxValue), 0, 0);
        client.Roundtrip();
        var s = ServerSide(surface);
        Assert.False(s.HasContent);
        surface.Commit();
        client.Roundtrip();
        Assert.True(s.HasContent);
        Assert.Equal((1, 1), (s.Width, s.Height));
        Assert.Equal(1f, s.SolidColor.R);

        // A commit without a new attach keeps the content.
        surface.Commit();
        client.Roundtrip();
        Assert.True(s.HasContent);
        surface.Attach(null, 0, 0);
        surface.Commit();
        client.Roundtrip();
        Assert.False(s.HasContent);
    }

    [Fact]
    public void InputRegionLimitsInputAndNullMeansEverywhere()
    {
        var (client, compositor) = Connect();
        var surface = compositor.CreateSurface();
        var viewport = client.Bind<WpViewporter>("wp_viewporter", 1).GetViewport(surface);
        viewport.SetDestination(100, 100);
        surface.Attach(Pixel(client, 0, 0, 0, uint.MaxValue), 0, 0);
        var region = compositor.CreateRegion();
        region.Add(0, 0, 50, 50);
        region.Subtract(10, 10, 10, 10);
        surface.SetInputRegion(region);
        region.Destroy(); // the surface keeps a copy
        surface.Commit();
        client.Roundtrip();
        var s = ServerSide(surface);
        Assert.Equal((100, 100), (s.Width, s.Height));
        Assert.True(s.AcceptsInput(5, 5));
        Assert.False(s.AcceptsInput(15, 15));
        Assert.False(s.AcceptsInput(60, 60));
        surface.SetInputRegion(null);
        surface.Commit();
        client.Roundtrip();
        Assert.True(s.AcceptsInput(60, 60));
        Assert.False(s.AcceptsInput(100, 5));
    }

    [Fact]
    public void SubsurfaceCannotBeItsOwnParentOrAncestor()
    {
        var (client, compositor) = Connect();
        var sub = client.Bind<WlSubcompositor>("wl_subcompositor", 1);
        var a = compositor.CreateSurface();
        sub.GetSubsurface(a, a);
        AssertError(client, "wl_subcompositor", (uint)WlSubcompositor.Error.BadParent);

        (client, compositor) = Connect();
        sub = client.Bind<WlSubcompositor>("wl_subcompositor", 1);
        var parent = compositor.CreateSurface();
        var child = compositor.CreateSurface();
        sub.GetSubsurface(child, parent);
        sub.GetSubsurface(parent, child);
        AssertError(client, "wl_subcompositor", (uint)WlSubcompositor.Error.BadParent);
    }

    [Fact]
    public void SurfaceWithARoleCannotBecomeASubsurfaceTwice()
    {
        var (client, compositor) = Connect();
        var sub = client.Bind<WlSubcompositor>("wl_subcompositor", 1);
        var parent = compositor.CreateSurface();
        var child = compositor.CreateSurface();
        sub.GetSubsurface(child, parent);
        sub.GetSubsurface(child, parent);
        AssertError(client, "wl_subcompositor", (uint)WlSubcompositor.Error.BadSurface);
    }

    [Fact]
    public void PlaceAboveANonSiblingIsAnError()
    {
        var (client, compositor) = Connect();
        var sub = client.Bind<WlSubcompositor>("wl_subcompositor", 1);
        var parent = compositor.CreateSurface();
        var stranger = compositor.CreateSurface();
        sub.GetSubsurface(compositor.CreateSurface(), parent).PlaceAbove(stranger);
        AssertError(client, "wl_subsurface", (uint)WlSubsurface.Error.BadSurface);
    }

    [Fact]
    public void SynchronizedSubsurfaceStateWaitsForItsParent()
    {
        var (client, compositor) = Connect();
        var subcompositor = client.Bind<WlSubcompositor>("wl_subcompositor", 1);
        var parent = compositor.CreateSurface();
        var child = compositor.CreateSurface();
        var sub = subcompositor.GetSubsurface(child, parent);
        sub.SetPosition(10, 20);
        child.Attach(Pixel(client, 0, uint.MaxValue, 0, uint.MaxValue), 0, 0);
        child.Commit();
        client.Roundtrip();
        var c = ServerSide(child);
        var p = ServerSide(parent);
        Assert.False(c.HasContent);
        Assert.DoesNotContain(c, p.Stack);

        parent.Commit();
        client.Roundtrip();
        Assert.True(c.HasContent);
        Assert.Equal([null, c], p.Stack);
        Assert.Equal((10, 20), (c.AsSubsurface!.X, c.AsSubsurface.Y));

        // Desynchronized: the child's own commit applies at once.
        sub.SetDesync();
        child.Attach(null, 0, 0);
        child.Commit();
        client.Roundtrip();
        Assert.False(c.HasContent);
    }

    [Fact]
    public void RestackingAppliesOnTheParentsCommit()
    {
        var (client, compositor) = Connect();
        var subcompositor = client.Bind<WlSubcompositor>("wl_subcompositor", 1);
        var parent = compositor.CreateSurface();
        var a = compositor.CreateSurface();
        var b = compositor.CreateSurface();
        subcompositor.GetSubsurface(a, parent);
        var subB = subcompositor.GetSubsurface(b, parent);
        parent.Commit();
        client.Roundtrip();
        var (p, sa, sb) = (ServerSide(parent), ServerSide(a), ServerSide(b));
        Assert.Equal([null, sb, sa], p.Stack); // each new subsurface goes right above the parent

        subB.PlaceAbove(a);
        client.Roundtrip();
        Assert.Equal([null, sb, sa], p.Stack);
        subB.PlaceBelow(parent);
        parent.Commit();
        client.Roundtrip();
        Assert.Equal([sb, null, sa], p.Stack);
    }

    [Fact]
    public void ViewportErrors()
    {
        var (client, compositor) = Connect();
        var viewporter = client.Bind<WpViewporter>("wp_viewporter", 1);
        var surface = compositor.CreateSurface();
        viewporter.GetViewport(surface);
        viewporter.GetViewport(surface);
        AssertError(client, "wp_viewporter", (uint)WpViewporter.Error.ViewportExists);

        (client, compositor) = Connect();
        viewporter = client.Bind<WpViewporter>("wp_viewporter", 1);
        viewporter.GetViewport(compositor.CreateSurface()).SetSource(Fixed.FromInt(-1), Fixed.FromInt(0), Fixed.FromInt(1), Fixed.FromInt(1));
        AssertError(client, "wp_viewport", (uint)WpViewport.Error.BadValue);

        (client, compositor) = Connect();
        viewporter = client.Bind<WpViewporter>("wp_viewporter", 1);
        viewporter.GetViewport(compositor.CreateSurface()).SetDestination(0, 5);
        AssertError(client, "wp_viewport", (uint)WpViewport.Error.BadValue);

        (client, compositor) = Connect();
        viewporter = client.Bind<WpViewporter>("wp_viewporter", 1);
        surface = compositor.CreateSurface();
        var viewport = viewporter.GetViewport(surface);
        surface.Destroy();
        viewport.SetDestination(5, 5);
        AssertError(client, "wp_viewport", (uint)WpViewport.Error.NoSurface);

        (client, compositor) = Connect();
        viewporter = client.Bind<WpViewporter>("wp_viewporter", 1);
        surface = compositor.CreateSurface();
        viewporter.GetViewport(surface).SetSource(Fixed.FromInt(0), Fixed.FromInt(0), Fixed.FromDouble(0.5), Fixed.FromInt(1));
        surface.Attach(Pixel(client, 0, 0, 0, uint.MaxValue), 0, 0);
        surface.Commit();
        AssertError(client, "wp_viewport", (uint)WpViewport.Error.BadSize);

        (client, compositor) = Connect();
        viewporter = client.Bind<WpViewporter>("wp_viewporter", 1);
        surface = compositor.CreateSurface();
        var v = viewporter.GetViewport(surface);
        v.SetSource(Fixed.FromInt(0), Fixed.FromInt(0), Fixed.FromInt(2), Fixed.FromInt(2));
        v.SetDestination(10, 10);
        surface.Attach(Pixel(client, 0, 0, 0, uint.MaxValue), 0, 0);
        surface.Commit();
        AssertError(client, "wp_viewport", (uint)WpViewport.Error.OutOfBuffer);
    }

    [Fact]
    public void AnErrorEndsOnlyTheOffendingClient()
    {
        var (bystander, bystanderCompositor) = Connect();
        var (client, compositor) = Connect();
        compositor.CreateSurface().SetBufferScale(-1);
        AssertError(client, "wl_surface", (uint)WlSurface.Error.InvalidScale);
        var surface = bystanderCompositor.CreateSurface();
        surface.Commit();
        Assert.Null(bystander.ErrorAfterRoundtrip());
        Assert.Single(_compositor.Display.Clients);
    }
}
