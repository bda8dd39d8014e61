using Compositor.Surfaces;
using Compositor.Tests.Harness;
using Wayland.Protocols.Client;
using ServerContentType = Wayland.Protocols.Server.WpContentTypeV1.Type;
using ServerHint = Wayland.Protocols.Server.WpTearingControlV1.PresentationHint;

namespace Compositor.Tests;

/// <summary>wp_content_type_manager_v1 and wp_tearing_control_manager_v1: the value is surface state
/// that applies on commit (and through a synchronized subsurface's parent), a destroyed object sets it
/// back on the next commit, and a second object for one surface is the protocol's error.</summary>
public sealed class ContentTypeAndTearingTests : IDisposable
{
    private readonly InProcessCompositor _compositor = new(640, 480);
    public void Dispose() => _compositor.Dispose();

    private (TestClient Client, WlCompositor Compositor) Connect()
    {
        var client = _compositor.Connect();
        return (client, client.Bind<WlCompositor>("wl_compositor", 6));
    }

    private Surface ServerSurface(TestClient client, WlSurface surface)
    {
        client.Roundtrip();
        foreach (var s in _compositor.Server.Surfaces)
            if (s.Resource.Client == client.ServerClient && s.Resource.Id == surface.Id) return s;
        throw new InvalidOperationException($"no server surface {surface.Id}");
    }

    [Fact]
    public void TheContentTypeAppliesOnCommitAndDestroyingTheObjectSetsNoneOnTheNextCommit()
    {
        var (client, compositor) = Connect();
        var surface = compositor.CreateSurface();
        var contentType = client.Bind<WpContentTypeManagerV1>("wp_content_type_manager_v1", 1).GetSurfaceContentType(surface);
        contentType.SetContentType(WpContentTypeV1.Type.Video);
        var s = ServerSurface(client, surface);
        Assert.Equal(ServerContentType.None, s.Current.ContentType);
        surface.Commit();
        client.Roundtrip();
        Assert.Equal(ServerContentType.Video, s.Current.ContentType);

        contentType.SetContentType(WpContentTypeV1.Type.Game);
        surface.Commit();
        client.Roundtrip();
        Assert.Equal(ServerContentType.Game, s.Current.ContentType);

        contentType.Destroy();
        client.Roundtrip();
        Assert.Equal(ServerContentType.Game, s.Current.ContentType);
        surface.Commit();
        client.Roundtrip();
        Assert.Equal(ServerContentType.None, s.Current.ContentType);

        // Gone, so a new one may be made.
        client.Bind<WpContentTypeManagerV1>("wp_content_type_manager_v1", 1).GetSurfaceContentType(surface).SetContentType(WpContentTypeV1.Type.Photo);
        surface.Commit();
        client.Roundtrip();
        Assert.Null(client.Display.Error);
        Assert.Equal(ServerContentType.Photo, s.Current.ContentType);
    }

    [Fact]
    public void ASynchronizedSubsurfacesContentTypeWaitsForItsParentsCommit()
    {
        var (client, compositor) = Connect();
        var parent = compositor.CreateSurface();
        var child = compositor.CreateSurface();
        client.Bind<WlSubcompositor>("wl_subcompositor", 1).GetSubsurface(child, parent); // synchronized by default
        client.Bind<WpContentTypeManagerV1>("wp_content_type_manager_v1", 1).GetSurfaceContentType(child).SetContentType(WpContentTypeV1.Type.Video);
        child.Commit();
        var s = ServerSurface(client, child);
        Assert.Equal(ServerContentType.None, s.Current.ContentType);
        parent.Commit();
        client.Roundtrip();
        Assert.Equal(ServerContentType.Video, s.Current.ContentType);
    }

    [Fact]
    public void ASecondContentTypeObjectForASurfaceIsAlreadyConstructed()
    {
        var (client, compositor) = Connect();
        var surface = compositor.CreateSurface();
        var manager = client.Bind<WpContentTypeManagerV1>("wp_content_type_manager_v1", 1);
        manager.GetSurfaceContentType(surface);
        manager.GetSurfaceContentType(surface);
        var error = client.ErrorAfterRoundtrip();
        Assert.Equal(("wp_content_type_manager_v1", (uint)WpContentTypeManagerV1.Error.AlreadyConstructed), (error?.Interface, error?.Code));
    }

    [Fact]
    public void AContentTypeObjectOutlivingItsSurfaceIsInert()
    {
        var (client, compositor) = Connect();
        var surface = compositor.CreateSurface();
        var contentType = client.Bind<WpContentTypeManagerV1>("wp_content_type_manager_v1", 1).GetSurfaceContentType(surface);
        surface.Destroy();
        contentType.SetContentType(WpContentTypeV1.Type.Game);
        contentType.Destroy();
        Assert.Null(client.ErrorAfterRoundtrip());
    }

    [Fact]
    public void TheTearingHintAppliesOnCommitAndDestroyingTheObjectRevertsToVsyncOnTheNextCommit()
    {
        var (client, compositor) = Connect();
        var surface = compositor.CreateSurface();
        var control = client.Bind<WpTearingControlManagerV1>("wp_tearing_control_manager_v1", 1).GetTearingControl(surface);
        control.SetPresentationHint(WpTearingControlV1.PresentationHint.Async);
        var s = ServerSurface(client, surface);
        Assert.Equal(ServerHint.Vsync, s.Current.PresentationHint);
        surface.Commit();
        client.Roundtrip();
        Assert.Equal(ServerHint.Async, s.Current.PresentationHint);
        control.Destroy();
        client.Roundtrip();
        Assert.Equal(ServerHint.Async, s.Current.PresentationHint);
        surface.Commit();
        client.Roundtrip();
        Assert.Equal(ServerHint.Vsync, s.Current.PresentationHint);
        Assert.Null(client.Display.Error);
    }

    [Fact]
    public void ASecondTearingControlForASurfaceIsTearingControlExists()
    {
        var (client, compositor) = Connect();
        var surface = compositor.CreateSurface();
        var manager = client.Bind<WpTearingControlManagerV1>("wp_tearing_control_manager_v1", 1);
        manager.GetTearingControl(surface);
        manager.GetTearingControl(surface);
        var error = client.ErrorAfterRoundtrip();
        Assert.Equal(("wp_tearing_control_manager_v1", (uint)WpTearingControlManagerV1.Error.TearingControlExists), (error?.Interface, error?.Code));
    }

    [Fact]
    public void ATearingControlOutlivingItsSurfaceIsInert()
    {
        var (client, compositor) = Connect();
        var surface = compositor.CreateSurface();
        var control = client.Bind<WpTearingControlManagerV1>("wp_tearing_control_manager_v1", 1).GetTearingControl(surface);
        surface.Destroy();
        control.SetPresentationHint(WpTearingControlV1.PresentationHint.Async);
        control.Destroy();
        Assert.Null(client.ErrorAfterRoundtrip());
    }
}
