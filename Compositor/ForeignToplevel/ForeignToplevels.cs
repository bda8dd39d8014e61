using Compositor.Shell;
using Compositor.Surfaces;

namespace Compositor.ForeignToplevel;

/// <summary>
/// The taskbar protocols' view of the windows: every mapped xdg toplevel, the identifier it got when
/// it mapped, and the handles of each protocol that describe it. Follows the window manager's
/// <see cref="WindowManager.ToplevelMapped"/>, <see cref="WindowManager.ToplevelChanged"/> and
/// <see cref="WindowManager.ToplevelUnmapped"/> and the scene's output enter/leave, and hands each
/// change to both protocols, which tell their clients only what differs from what they last sent.
/// </summary>
public sealed class ForeignToplevels
{
    private readonly Dictionary<Window, Entry> _entries = [];
    // Identifiers are never reused (ext-foreign-toplevel-list): a counter no process outlives, after a
    // prefix drawn at start so that two compositor runs do not hand out the same ones either.
    private readonly string _prefix = Random.Shared.Next().ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
    private ulong _next;

    public ForeignToplevels(CompositorServer server)
    {
        Server = server;
        Windows.ToplevelMapped += OnMapped;
        Windows.ToplevelChanged += OnChanged;
        Windows.ToplevelUnmapped += OnUnmapped;
        server.Scene.OutputsChanged += OnOutputsChanged;
        server.Backend.OutputRemoved += OnOutputRemoved;
        List = new ExtToplevelList(this);
        Management = new WlrToplevelManagement(this);
    }

    internal CompositorServer Server { get; }
    internal WindowManager Windows => Server.Shell.Windows;
    internal ExtToplevelList List { get; }
    internal WlrToplevelManagement Management { get; }

    /// <summary>The windows the protocols list.</summary>
    internal IEnumerable<Entry> Entries => _entries.Values;

    internal Entry? EntryOf(Window? t) => t is not null && _entries.TryGetValue(t, out var e) ? e : null;

    /// <summary>One mapped window: what the protocols know of it.</summary>
    internal sealed class Entry(Window toplevel, string identifier)
    {
        public Window Toplevel { get; } = toplevel;
        public string Identifier { get; } = identifier;
        public List<ExtToplevelList.Handle> ExtHandles { get; } = [];
        public List<WlrToplevelManagement.Handle> WlrHandles { get; } = [];
    }

    private void OnMapped(Window t)
    {
        var e = new Entry(t, $"{_prefix}-{++_next:x}");
        _entries[t] = e;
        List.Mapped(e);
        Management.Mapped(e);
        // Windows that named this one as parent before it mapped have one to point at now.
        foreach (var other in _entries.Values)
            if (other.Toplevel.Parent == t) Management.Changed(other);
    }

    private void OnChanged(Window t)
    {
        if (EntryOf(t) is not { } e) return;
        List.Changed(e);
        Management.Changed(e);
    }

    private void OnUnmapped(Window t)
    {
        if (!_entries.Remove(t, out var e)) return;
        List.Closed(e);
        Management.Closed(e);
        foreach (var other in _entries.Values)
            if (other.Toplevel.Parent == t) Management.Changed(other);
    }

    private void OnOutputsChanged(Surface surface)
    {
        if ((surface.Role as Scene.IPlacedRole)?.Window is { } t && EntryOf(t) is { } e) Management.Changed(e);
    }

    private void OnOutputRemoved(Backends.IOutput output)
    {
        // Runs before the compositor retires the output, so its wl_output resources still lead to it.
        foreach (var o in Server.Scene.Outputs)
            if (o.Output == output)
                foreach (var e in _entries.Values) Management.OutputGone(e, o);
    }
}
