using Compositor.Scene;
using Wayland.Protocols.Server;

namespace Compositor.ForeignToplevel;

/// <summary>
/// zwlr_foreign_toplevel_manager_v1 (taskbars, docks, wlroots' foreign-toplevel tool): each mapped
/// window as a zwlr_foreign_toplevel_handle_v1 with title, app_id, the outputs it is on, its state
/// (maximized and fullscreen as the client acked them, minimized and activated as the window
/// manager has them) and its parent; the handle's requests are carried out by the window manager.
/// zwlr_foreign_toplevel_manager_v1 and zwlr_foreign_toplevel_handle_v1 requests are handled here.
/// </summary>
public sealed class WlrToplevelManagement : IZwlrForeignToplevelManagerV1Handler
{
    public const uint Version = 3;

    private readonly ForeignToplevels _toplevels;
    private readonly List<ZwlrForeignToplevelManagerV1> _managers = []; // bound and not stopped

    internal WlrToplevelManagement(ForeignToplevels toplevels)
    {
        _toplevels = toplevels;
        toplevels.Server.Display.CreateGlobal<ZwlrForeignToplevelManagerV1>(Version, Bind);
    }

    private void Bind(ZwlrForeignToplevelManagerV1 manager)
    {
        manager.Handler = this;
        _managers.Add(manager);
        manager.Destroyed += r => _managers.Remove((ZwlrForeignToplevelManagerV1)r);
        // Parents first where they are listed, so a child's parent event can name its handle.
        foreach (var e in _toplevels.Entries) Announce(manager, e);
        foreach (var e in _toplevels.Entries)
            foreach (var h in e.WlrHandles)
                if (h.Resource.Client == manager.Client) h.Update(announce: false);
    }

    public void Stop(ZwlrForeignToplevelManagerV1 resource)
    {
        if (!_managers.Remove(resource)) return;
        // The protocol has no destructor request: the server destroys the manager after finished.
        resource.SendFinished();
        resource.Destroy();
    }

    internal void Mapped(ForeignToplevels.Entry e)
    {
        foreach (var m in _managers) Announce(m, e);
    }

    private void Announce(ZwlrForeignToplevelManagerV1 manager, ForeignToplevels.Entry e)
    {
        var resource = new ZwlrForeignToplevelHandleV1(manager.Client, 0, manager.Version);
        var handle = new Handle(this, e, resource, manager);
        e.WlrHandles.Add(handle);
        manager.SendToplevel(resource);
        handle.Update(announce: true);
    }

    internal void Changed(ForeignToplevels.Entry e)
    {
        foreach (var h in e.WlrHandles) h.Update(announce: false);
    }

    internal void Closed(ForeignToplevels.Entry e)
    {
        foreach (var h in e.WlrHandles) h.Close();
        e.WlrHandles.Clear();
    }

    internal void OutputGone(ForeignToplevels.Entry e, SceneOutput output)
    {
        foreach (var h in e.WlrHandles) h.OutputGone(output);
    }

    /// <summary>The handle a client's manager has for a window, if any.</summary>
    private static ZwlrForeignToplevelHandleV1? HandleFor(ForeignToplevels.Entry? e, ZwlrForeignToplevelManagerV1 manager)
    {
        if (e is null) return null;
        foreach (var h in e.WlrHandles)
            if (h.Manager == manager) return h.Resource;
        return null;
    }

    /// <summary>One client's handle of one window; inert once closed.</summary>
    internal sealed class Handle : IZwlrForeignToplevelHandleV1Handler
    {
        private readonly WlrToplevelManagement _management;
        private ForeignToplevels.Entry? _entry; // null once closed
        private readonly List<SceneOutput> _outputs = [];  // those output_enter named
        private string? _title, _appId;
        private uint _state = uint.MaxValue; // bits by state value; MaxValue: never sent
        private ZwlrForeignToplevelHandleV1? _parent;
        private bool _parentSent;
        private readonly byte[] _stateArray = new byte[4 * 4];

        public Handle(WlrToplevelManagement management, ForeignToplevels.Entry entry, ZwlrForeignToplevelHandleV1 resource,
            ZwlrForeignToplevelManagerV1 manager)
        {
            _management = management;
            _entry = entry;
            Resource = resource;
            Manager = manager;
            resource.Handler = this;
            resource.Destroyed += _ =>
            {
                _entry?.WlrHandles.Remove(this);
                _entry = null;
            };
        }

        public ZwlrForeignToplevelHandleV1 Resource { get; }
        public ZwlrForeignToplevelManagerV1 Manager { get; }

        /// <summary>Sends what changed since the last done, then done.</summary>
        public void Update(bool announce)
        {
            if (_entry is not { } e) return;
            var t = e.Toplevel;
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
            changed |= UpdateOutputs(t.Surface.Outputs);
            var state = StateOf(t);
            if (state != _state)
            {
                _state = state;
                var n = 0;
                for (var bit = 0; bit < 4; bit++)
                    if ((state & (1u << bit)) != 0) BitConverter.TryWriteBytes(_stateArray.AsSpan(4 * n++), (uint)bit);
                Resource.SendState(_stateArray.AsSpan(0, 4 * n));
                changed = true;
            }
            // The parent event is since version 3: older clients are not told (the sender drops it).
            var parent = HandleFor(_management._toplevels.EntryOf(t.Parent), Manager);
            if (parent != _parent || !_parentSent && parent is not null)
            {
                _parent = parent;
                _parentSent = true;
                Resource.SendParent(parent);
                changed = true;
            }
            if (changed) Resource.SendDone();
        }

        private uint StateOf(Shell.Window t)
        {
            var acked = t.Current;
            var state = 0u;
            if (acked is { Maximized: true }) state |= 1u << (int)ZwlrForeignToplevelHandleV1.State.Maximized;
            if (t.Minimized) state |= 1u << (int)ZwlrForeignToplevelHandleV1.State.Minimized;
            if (t.Activated) state |= 1u << (int)ZwlrForeignToplevelHandleV1.State.Activated;
            // fullscreen is since version 2: version 1 clients would not know the value.
            if (acked is { Fullscreen: true } && Resource.Version >= 2) state |= 1u << (int)ZwlrForeignToplevelHandleV1.State.Fullscreen;
            return state;
        }

        /// <summary>output_enter and output_leave for the client's wl_outputs where the window's set of outputs changed.</summary>
        private bool UpdateOutputs(ulong mask)
        {
            var scene = _management._toplevels.Server.Scene;
            var changed = false;
            for (var i = _outputs.Count - 1; i >= 0; i--)
            {
                var index = scene.IndexOf(_outputs[i]);
                if (index >= 0 && index < 64 && (mask & (1UL << index)) != 0) continue;
                Tell(_outputs[i], enter: false);
                _outputs.RemoveAt(i);
                changed = true;
            }
            for (var i = 0; i < scene.Outputs.Count && i < 64; i++)
            {
                if ((mask & (1UL << i)) == 0 || _outputs.Contains(scene.Outputs[i])) continue;
                _outputs.Add(scene.Outputs[i]);
                Tell(scene.Outputs[i], enter: true);
                changed = true;
            }
            return changed;
        }

        private void Tell(SceneOutput output, bool enter)
        {
            foreach (var wlOutput in output.Resources)
            {
                if (wlOutput.Client != Resource.Client) continue;
                if (enter) Resource.SendOutputEnter(wlOutput); else Resource.SendOutputLeave(wlOutput);
            }
        }

        public void OutputGone(SceneOutput output)
        {
            if (!_outputs.Remove(output)) return;
            Tell(output, enter: false);
            Resource.SendDone();
        }

        public void Close()
        {
            Resource.SendClosed();
            _entry = null;
        }

        // ---- requests: ignored once closed (the toplevel is gone) ----

        private Shell.Window? Toplevel => _entry?.Toplevel;
        private Shell.WindowManager Windows => _management._toplevels.Windows;

        public void SetMaximized(ZwlrForeignToplevelHandleV1 resource)
        {
            if (Toplevel is { } t) Windows.SetMaximized(t, true);
        }

        public void UnsetMaximized(ZwlrForeignToplevelHandleV1 resource)
        {
            if (Toplevel is { } t) Windows.SetMaximized(t, false);
        }

        public void SetMinimized(ZwlrForeignToplevelHandleV1 resource)
        {
            if (Toplevel is { } t) Windows.SetMinimized(t, true);
        }

        public void UnsetMinimized(ZwlrForeignToplevelHandleV1 resource)
        {
            if (Toplevel is { } t) Windows.SetMinimized(t, false);
        }

        public void Activate(ZwlrForeignToplevelHandleV1 resource, WlSeat seat)
        {
            // One seat: whichever the client names, it is ours.
            if (Toplevel is { } t) Windows.Focus(t);
        }

        public void Close(ZwlrForeignToplevelHandleV1 resource) => Toplevel?.Close();

        public void SetRectangle(ZwlrForeignToplevelHandleV1 resource, WlSurface surface, int x, int y, int width, int height)
        {
            // Only a hint for minimize animations, which there are none of; still checked, as wlroots does.
            if (width < 0 || height < 0)
                resource.PostError(ZwlrForeignToplevelHandleV1.Error.InvalidRectangle, $"rectangle {width}x{height} has a negative size");
        }

        public void SetFullscreen(ZwlrForeignToplevelHandleV1 resource, WlOutput? output)
        {
            if (Toplevel is { } t) Windows.SetFullscreen(t, true, output?.Data as SceneOutput);
        }

        public void UnsetFullscreen(ZwlrForeignToplevelHandleV1 resource)
        {
            if (Toplevel is { } t) Windows.SetFullscreen(t, false, null);
        }

        public void Destroy(ZwlrForeignToplevelHandleV1 resource) { }
    }
}
