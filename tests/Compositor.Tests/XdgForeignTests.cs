using Compositor.Tests.Harness;
using Wayland.Protocols.Client;

namespace Compositor.Tests;

/// <summary>xdg-foreign v2: an exported toplevel's handle, imported by another client, becomes the
/// parent of that client's toplevel; the relation ends with the export, the import or the exported
/// surface (imports are told destroyed); unknown handles are destroyed at once; non-toplevels are
/// invalid_surface on both sides.</summary>
public sealed class XdgForeignTests : IDisposable
{
    private readonly InProcessCompositor _compositor = new(640, 480);
    public void Dispose() => _compositor.Dispose();

    private Shell.Toplevel ServerToplevel(TestToplevel window)
    {
        foreach (var t in _compositor.Server.Shell.Windows.Toplevels.OfType<Shell.Toplevel>())
            if (t.ShellSurface.Surface.Resource.Id == window.Surface.Id && t.Resource.Client == _owners[window])
                return t;
        throw new InvalidOperationException("no such toplevel");
    }

    private readonly Dictionary<TestToplevel, Wayland.Server.Client> _owners = [];

    private TestToplevel Window(SeatPeer peer)
    {
        var w = peer.Window();
        _owners[w] = peer.Client.ServerClient;
        return w;
    }

    private static (ZxdgExportedV2 Exported, string Handle) Export(SeatPeer peer, WlSurface surface)
    {
        var exported = peer.Client.Bind<ZxdgExporterV2>("zxdg_exporter_v2", 1).ExportToplevel(surface);
        string? handle = null;
        exported.Handle += (_, h) => handle = h;
        peer.Client.Roundtrip();
        Assert.NotNull(handle);
        return (exported, handle!);
    }

    private static (ZxdgImportedV2 Imported, List<string> Events) Import(SeatPeer peer, string handle)
    {
        var imported = peer.Client.Bind<ZxdgImporterV2>("zxdg_importer_v2", 1).ImportToplevel(handle);
        var events = new List<string>();
        imported.Destroyed += _ => events.Add("destroyed");
        peer.Client.Roundtrip();
        return (imported, events);
    }

    [Fact]
    public void AnImportedHandleParentsTheImportersToplevelUntilTheImportIsDestroyed()
    {
        var app = new SeatPeer(_compositor);
        var main = Window(app);
        var portal = new SeatPeer(_compositor);
        var dialog = Window(portal);
        var (_, handle) = Export(app, main.Surface);
        var (imported, events) = Import(portal, handle);
        imported.SetParentOf(dialog.Surface);
        portal.Client.Roundtrip();
        Assert.Null(portal.Client.Display.Error);
        Assert.Same(ServerToplevel(main), ServerToplevel(dialog).Parent);

        imported.Destroy();
        portal.Client.Roundtrip();
        Assert.Null(ServerToplevel(dialog).Parent);
        Assert.Empty(events);
    }

    [Fact]
    public void DestroyingTheExportOrTheExportedSurfaceTellsImportsDestroyedAndUnparents()
    {
        var app = new SeatPeer(_compositor);
        var main = Window(app);
        var portal = new SeatPeer(_compositor);
        var dialog = Window(portal);
        var (exported, handle) = Export(app, main.Surface);
        var (imported, events) = Import(portal, handle);
        var (second, secondEvents) = Import(portal, handle); // a handle may be imported again
        imported.SetParentOf(dialog.Surface);
        portal.Client.Roundtrip();
        exported.Destroy();
        app.Client.Roundtrip();
        portal.Client.Roundtrip();
        Assert.Equal(["destroyed"], events);
        Assert.Equal(["destroyed"], secondEvents);
        Assert.Null(ServerToplevel(dialog).Parent);
        // The handle is gone: importing it again is destroyed at once; set_parent_of on a dead import does nothing.
        Assert.Equal(["destroyed"], Import(portal, handle).Events);
        imported.SetParentOf(dialog.Surface);
        portal.Client.Roundtrip();
        Assert.Null(ServerToplevel(dialog).Parent);
        Assert.Null(portal.Client.Display.Error);

        // The exported window's surface going ends its exports too.
        var other = Window(app);
        var (_, handle2) = Export(app, other.Surface);
        var (imported2, events2) = Import(portal, handle2);
        imported2.SetParentOf(dialog.Surface);
        portal.Client.Roundtrip();
        Assert.NotNull(ServerToplevel(dialog).Parent);
        other.Toplevel.Destroy();
        other.XdgSurface.Destroy();
        other.Surface.Destroy();
        app.Client.Roundtrip();
        portal.Client.Roundtrip();
        Assert.Equal(["destroyed"], events2);
        Assert.Null(ServerToplevel(dialog).Parent);
    }

    [Fact]
    public void AnUnknownHandleIsDestroyedAtOnce()
    {
        var portal = new SeatPeer(_compositor);
        var (_, events) = Import(portal, "no-such-handle");
        Assert.Equal(["destroyed"], events);
        Assert.Null(portal.Client.Display.Error);
    }

    [Fact]
    public void ExportingASurfaceThatIsNotAToplevelIsInvalidSurface()
    {
        var app = new SeatPeer(_compositor);
        var bare = app.Client.Bind<WlCompositor>("wl_compositor", 6).CreateSurface();
        app.Client.Bind<ZxdgExporterV2>("zxdg_exporter_v2", 1).ExportToplevel(bare);
        app.AssertError("zxdg_exporter_v2", (uint)ZxdgExporterV2.Error.InvalidSurface);
    }

    [Fact]
    public void SetParentOfASurfaceThatIsNotAToplevelIsInvalidSurface()
    {
        var app = new SeatPeer(_compositor);
        var main = Window(app);
        var (_, handle) = Export(app, main.Surface);
        var portal = new SeatPeer(_compositor);
        var (imported, _) = Import(portal, handle);
        imported.SetParentOf(portal.Client.Bind<WlCompositor>("wl_compositor", 6).CreateSurface());
        portal.AssertError("zxdg_imported_v2", (uint)ZxdgImportedV2.Error.InvalidSurface);
    }

    [Fact]
    public void AWindowIsNotMadeTheParentOfItsOwnAncestor()
    {
        var app = new SeatPeer(_compositor);
        var main = Window(app);
        var child = Window(app);
        child.Toplevel.SetParent(main.Toplevel);
        app.Client.Roundtrip();
        var (_, handle) = Export(app, child.Surface);
        var (imported, _) = Import(app, handle);
        imported.SetParentOf(main.Surface); // main would become its own grandparent
        app.Client.Roundtrip();
        Assert.Null(app.Client.Display.Error);
        Assert.Null(ServerToplevel(main).Parent);
    }
}
