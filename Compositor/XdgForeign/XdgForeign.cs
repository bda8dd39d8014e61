using System.Security.Cryptography;
using Compositor.Shell;
using Compositor.Surfaces;
using Wayland.Protocols.Server;

namespace Compositor.XdgForeign;

/// <summary>
/// zxdg_exporter_v2, zxdg_importer_v2, zxdg_exported_v2 and zxdg_imported_v2 (xdg-foreign v2): a
/// client exports its toplevel as an unguessable handle; another client imports the handle and makes
/// the exported window the parent of one of its own toplevels (a file dialog of a sandboxed app
/// over the app's window), with xdg_toplevel.set_parent's meaning. The relation lasts while the
/// export, the import and both windows do; when the export or its surface goes, each import is told
/// destroyed and its children lose the parent. Requests of all four interfaces are handled here.
/// </summary>
public sealed class XdgForeign : IZxdgExporterV2Handler, IZxdgImporterV2Handler
{
    public const uint Version = 1;

    private readonly Dictionary<string, Export> _exports = [];
    private readonly Serilog.ILogger _log;

    public XdgForeign(Wayland.Server.Display display, Serilog.ILogger log)
    {
        _log = log;
        display.CreateGlobal<ZxdgExporterV2>(Version, r => r.Handler = this);
        display.CreateGlobal<ZxdgImporterV2>(Version, r => r.Handler = this);
    }

    private static Toplevel? ToplevelOf(WlSurface surface) =>
        (surface.Data as Surface)?.Role is ShellSurface { Toplevel: { } t } ? t : null;

    /// <summary>One exported handle: its toplevel and the imports made from it.</summary>
    private sealed class Export(XdgForeign owner, string handle, Toplevel toplevel, Surface surface) : IZxdgExportedV2Handler
    {
        public Toplevel Toplevel { get; } = toplevel;
        public List<Import> Imports { get; } = [];
        private bool _revoked;

        public void Destroy(ZxdgExportedV2 resource) { }

        public void Revoke()
        {
            if (_revoked) return;
            _revoked = true;
            owner._exports.Remove(handle);
            surface.Destroyed -= OnSurfaceDestroyed;
            foreach (var import in Imports.ToArray()) import.Invalidate();
        }

        public void OnSurfaceDestroyed(Surface _) => Revoke();
    }

    /// <summary>One import: the children it gave a parent.</summary>
    private sealed class Import(ZxdgImportedV2 resource, Export? export) : IZxdgImportedV2Handler
    {
        private readonly List<Toplevel> _children = [];
        private Export? _export = export;

        public void Destroy(ZxdgImportedV2 resource) { }

        public void SetParentOf(ZxdgImportedV2 resource, WlSurface surface)
        {
            if (ToplevelOf(surface) is not { } child)
            {
                resource.PostError(ZxdgImportedV2.Error.InvalidSurface, $"{surface} is not an xdg_toplevel");
                return;
            }
            // An import already invalidated has nothing to parent to: it was told destroyed.
            if (_export is null) return;
            var parent = _export.Toplevel;
            // Like set_parent, a window is not made its own ancestor; xdg-foreign names no error for it.
            for (Window? t = parent; t is not null; t = t.Parent)
                if (t == child) return;
            child.Parent = parent;
            if (!_children.Contains(child)) _children.Add(child);
        }

        /// <summary>The relation ends: children whose parent is still this import's lose it.</summary>
        public void Unparent()
        {
            foreach (var child in _children)
                if (_export is not null && child.Parent == _export.Toplevel) child.Parent = null;
            _children.Clear();
        }

        public void Invalidate()
        {
            Unparent();
            _export?.Imports.Remove(this);
            _export = null;
            if (!resource.IsDestroyed) resource.SendDestroyed();
        }

        public void Destroyed()
        {
            Unparent();
            _export?.Imports.Remove(this);
            _export = null;
        }
    }

    public void Destroy(ZxdgExporterV2 resource) { }

    public void ExportToplevel(ZxdgExporterV2 resource, ZxdgExportedV2 id, WlSurface surface)
    {
        if (ToplevelOf(surface) is not { } toplevel)
        {
            resource.PostError(ZxdgExporterV2.Error.InvalidSurface, $"{surface} is not an xdg_toplevel");
            return;
        }
        var handle = Util.UnguessableToken.New();
        var s = (Surface)surface.Data!;
        var export = new Export(this, handle, toplevel, s);
        id.Handler = export;
        _exports[handle] = export;
        s.Destroyed += export.OnSurfaceDestroyed;
        id.Destroyed += _ => export.Revoke();
        id.SendHandle(handle);
    }

    public void Destroy(ZxdgImporterV2 resource) { }

    public void ImportToplevel(ZxdgImporterV2 resource, ZxdgImportedV2 id, string handle)
    {
        var export = _exports.GetValueOrDefault(handle);
        var import = new Import(id, export);
        id.Handler = import;
        id.Destroyed += _ => import.Destroyed();
        if (export is null)
        {
            _log.Debug("{Client} imported an unknown handle", resource.Client);
            id.SendDestroyed();
            return;
        }
        export.Imports.Add(import);
    }
}
