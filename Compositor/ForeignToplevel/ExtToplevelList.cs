using Wayland.Protocols.Server;

namespace Compositor.ForeignToplevel;

/// <summary>
/// ext_foreign_toplevel_list_v1: a read-only list of the mapped windows, each an
/// ext_foreign_toplevel_handle_v1 with an identifier (new at every map, never reused), title and
/// app_id. ext_foreign_toplevel_list_v1 and ext_foreign_toplevel_handle_v1 requests are handled here.
/// </summary>
public sealed class ExtToplevelList : IExtForeignToplevelListV1Handler
{
    public const uint Version = 1;

    private readonly ForeignToplevels _toplevels;
    private readonly List<ExtForeignToplevelListV1> _lists = []; // bound and not stopped

    internal ExtToplevelList(ForeignToplevels toplevels)
    {
        _toplevels = toplevels;
        toplevels.Server.Display.CreateGlobal<ExtForeignToplevelListV1>(Version, Bind);
    }

    private void Bind(ExtForeignToplevelListV1 list)
    {
        list.Handler = this;
        _lists.Add(list);
        list.Destroyed += r => _lists.Remove((ExtForeignToplevelListV1)r);
        foreach (var e in _toplevels.Entries) Announce(list, e);
    }

    public void Stop(ExtForeignToplevelListV1 resource)
    {
        // A second stop finds it already finished: finished is sent once.
        if (!_lists.Remove(resource)) return;
        resource.SendFinished();
    }

    public void Destroy(ExtForeignToplevelListV1 resource) { }

    internal void Mapped(ForeignToplevels.Entry e)
    {
        foreach (var list in _lists) Announce(list, e);
    }

    private static void Announce(ExtForeignToplevelListV1 list, ForeignToplevels.Entry e)
    {
        var resource = new ExtForeignToplevelHandleV1(list.Client, 0, list.Version);
        var handle = new Handle(e, resource);
        e.ExtHandles.Add(handle);
        list.SendToplevel(resource);
        resource.SendIdentifier(e.Identifier);
        handle.Update(announce: true);
    }

    internal void Changed(ForeignToplevels.Entry e)
    {
        foreach (var h in e.ExtHandles) h.Update(announce: false);
    }

    internal void Closed(ForeignToplevels.Entry e)
    {
        foreach (var h in e.ExtHandles) h.Close();
        e.ExtHandles.Clear();
    }

    /// <summary>One client's handle of one window; inert once closed.</summary>
    internal sealed class Handle : IExtForeignToplevelHandleV1Handler
    {
        private readonly ForeignToplevels.Entry _entry;
        private string? _title, _appId;

        public Handle(ForeignToplevels.Entry entry, ExtForeignToplevelHandleV1 resource)
        {
            _entry = entry;
            Resource = resource;
            resource.Handler = this;
            resource.Data = entry;
            resource.Destroyed += _ => entry.ExtHandles.Remove(this);
        }

        public ExtForeignToplevelHandleV1 Resource { get; }

        /// <summary>The window this handle stands for, or null once it closed.</summary>
        internal static ForeignToplevels.Entry? EntryOf(ExtForeignToplevelHandleV1 resource) => resource.Data as ForeignToplevels.Entry;

        /// <summary>Sends what changed since the last done, then done.</summary>
        public void Update(bool announce)
        {
            var t = _entry.Toplevel;
            var changed = announce;
            if (_title != t.Title)
            {
                Resource.SendTitle(_title = t.Title);
                changed = true;
            }
            if (_appId != t.AppId)
            {
                Resource.SendAppId(_appId = t.AppId);
                changed = true;
            }
            if (changed) Resource.SendDone();
        }

        public void Close()
        {
            Resource.SendClosed();
            Resource.Data = null;
        }

        public void Destroy(ExtForeignToplevelHandleV1 resource) { }
    }
}
