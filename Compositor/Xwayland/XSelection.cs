using Compositor.DataDevice;
using Serilog;
using static Tmds.Linux.LibC;

namespace Compositor.Xwayland;

/// <summary>
/// One selection (CLIPBOARD or PRIMARY) across the two worlds; see <see cref="XSelectionBridge"/>.
/// Wayland → X: we own the X selection and answer SelectionRequests, reading the Wayland
/// client's data from a pipe and writing it into the requestor's property (INCR above
/// <see cref="ChunkSize"/>). X → Wayland: an <see cref="XSource"/> stands for the X owner; each
/// receive converts the selection into our window's property and copies it into the client's fd.
/// </summary>
internal sealed unsafe class XSelection : IDisposable
{
    /// <summary>Bytes per property write; more goes INCR (well under the X server's request limit).</summary>
    public const int ChunkSize = 64 * 1024;

    private readonly CompositorServer _server;
    private readonly XConnection _x;
    private readonly XAtoms _atoms;
    private readonly ILogger _log;
    private readonly string _name;
    private readonly Func<ISelectionSource?> _current;
    private readonly Action<ISelectionSource?> _set;
    private readonly uint _property; // where X owners put what we convert
    private readonly List<Outgoing> _outgoing = [];
    private readonly Queue<Incoming> _incoming = new();
    private XSource? _xsource;
    private bool _awaitingTargets;
    private bool _weOwn;

    public XSelection(CompositorServer server, XConnection x, XAtoms atoms, ILogger log, uint atom, string name,
        Func<ISelectionSource?> current, Action<ISelectionSource?> set)
    {
        (_server, _x, _atoms, _log, Atom, _name, _current, _set) = (server, x, atoms, log, atom, name, current, set);
        _property = atoms["_WL_SELECTION"];
        Window = x.GenerateId();
        var mask = Xcb.EventMaskPropertyChange;
        Xcb.CreateWindow(x.Handle, 0, Window, x.Root, -10, -10, 1, 1, 0, Xcb.WindowClassInputOutput, x.Screen->RootVisual, Xcb.CwEventMask, &mask);
        Xcb.XfixesSelectSelectionInput(x.Handle, Window, Atom,
            Xcb.XfixesSetSelectionOwnerMask | Xcb.XfixesSelectionWindowDestroyMask | Xcb.XfixesSelectionClientCloseMask);
        // An X program that connected while Xwayland started may own it already, unannounced to us.
        var reply = Xcb.GetSelectionOwnerReply(x.Handle, Xcb.GetSelectionOwner(x.Handle, Atom), null);
        if (reply is null) return;
        var owner = *(uint*)(reply + 8);
        Xcb.Free(reply);
        if (owner != Xcb.None) OnOwnerChanged(owner, Xcb.CurrentTime);
    }

    public uint Window { get; }
    public uint Atom { get; }

    // ---- MIME types and atoms (as wlroots and weston map them) ----

    private uint AtomOf(string mime) => mime switch
    {
        "text/plain;charset=utf-8" => _atoms.Utf8String,
        "text/plain" => _atoms["TEXT"],
        _ => _x.InternAtoms([mime])[0],
    };

    private string? MimeOf(uint atom)
    {
        if (atom == _atoms.Utf8String) return "text/plain;charset=utf-8";
        if (atom == _atoms["TEXT"] || atom == _atoms["STRING"]) return "text/plain";
        if (atom == _atoms["TARGETS"] || atom == _atoms["TIMESTAMP"] || atom == _atoms["DELETE"] || atom == _atoms["INCR"]) return null;
        var name = _atoms.NameOf(atom) ?? _x.AtomName(atom);
        // Only MIME-looking names: X targets such as MULTIPLE or SAVE_TARGETS mean nothing to Wayland clients.
        return name.Contains('/') ? name : null;
    }

    // ---- Wayland → X ----

    public void OnWaylandSelectionChanged(ISelectionSource? source)
    {
        if (source is not null && source == _xsource) return;
        if (source is null)
        {
            if (_weOwn) Xcb.SetSelectionOwner(_x.Handle, Xcb.None, Atom, Xcb.CurrentTime);
            _weOwn = false;
            return;
        }
        _weOwn = true;
        _xsource = null;
        Xcb.SetSelectionOwner(_x.Handle, Window, Atom, Xcb.CurrentTime);
        _log.Debug("The {Selection} of a Wayland client is offered to X ({Types})", _name, string.Join(", ", source.MimeTypes));
    }

    /// <summary>An X program asks for our (a Wayland client's) selection in <paramref name="target"/>.</summary>
    public void OnRequest(uint time, uint requestor, uint target, uint property)
    {
        if (property == Xcb.None) property = target; // ICCCM's obsolete clients
        var source = _current();
        if (!_weOwn || source is null)
        {
            Notify(requestor, target, Xcb.None, time);
            return;
        }
        if (target == _atoms["TARGETS"])
        {
            var targets = new List<uint> { _atoms["TARGETS"], _atoms["TIMESTAMP"] };
            foreach (var type in source.MimeTypes) targets.Add(AtomOf(type));
            if (source.MimeTypes.Contains("text/plain;charset=utf-8")) targets.Add(_atoms["STRING"]);
            _x.SetProperty(requestor, property, Xcb.AtomAtom, targets.ToArray());
            Notify(requestor, target, property, time);
            return;
        }
        if (target == _atoms["TIMESTAMP"])
        {
            _x.SetProperty(requestor, property, Xcb.AtomCardinal, [time]);
            Notify(requestor, target, property, time);
            return;
        }
        var mime = target == _atoms["STRING"] && source.MimeTypes.Contains("text/plain;charset=utf-8") ? "text/plain;charset=utf-8" : MimeOf(target);
        if (mime is null || !source.MimeTypes.Contains(mime))
        {
            Notify(requestor, target, Xcb.None, time);
            return;
        }
        int* fds = stackalloc int[2];
        if (pipe2(fds, O_CLOEXEC) != 0)
        {
            Notify(requestor, target, Xcb.None, time);
            return;
        }
        source.Send(mime, fds[1]);
        close(fds[1]);
        var transfer = new Outgoing(requestor, target, property, time);
        _outgoing.Add(transfer);
        transfer.Reader = new PipeReader(_server.Loop, fds[0], (reader, ok) => OnSourceRead(transfer, reader, ok));
    }

    private void OnSourceRead(Outgoing t, PipeReader reader, bool ok)
    {
        if (!ok)
        {
            _log.Debug("The Wayland source of the {Selection} failed or sent more than {Limit} bytes", _name, PipeReader.Limit);
            _outgoing.Remove(t);
            Notify(t.Requestor, t.Target, Xcb.None, t.Time);
            _x.Flush();
            return;
        }
        t.Data = reader.Data;
        if (t.Data.Length <= ChunkSize)
        {
            _outgoing.Remove(t);
            _x.SetProperty(t.Requestor, t.Property, t.Target, t.Data.Span);
            Notify(t.Requestor, t.Target, t.Property, t.Time);
        }
        else
        {
            // INCR: the requestor deletes the property to ask for each chunk; a zero-length one ends it.
            // (Our event mask on that window: a managed one keeps its focus events.)
            var mask = Xcb.EventMaskPropertyChange | Xcb.EventMaskFocusChange;
            Xcb.ChangeWindowAttributes(_x.Handle, t.Requestor, Xcb.CwEventMask, &mask);
            _x.SetProperty(t.Requestor, t.Property, _atoms["INCR"], [(uint)t.Data.Length]);
            t.Incremental = true;
            Notify(t.Requestor, t.Target, t.Property, t.Time);
        }
        _x.Flush();
    }

    public void OnRequestorPropertyChanged(uint window, uint atom, bool deleted)
    {
        if (!deleted) return;
        var t = _outgoing.Find(o => o.Incremental && o.Requestor == window && o.Property == atom);
        if (t is null) return;
        var chunk = t.Data.Slice(t.Sent, Math.Min(ChunkSize, t.Data.Length - t.Sent));
        _x.SetProperty(window, atom, t.Target, chunk.Span);
        t.Sent += chunk.Length;
        if (chunk.Length == 0) _outgoing.Remove(t);
    }

    private void Notify(uint requestor, uint target, uint property, uint time)
    {
        var e = stackalloc byte[32];
        new Span<byte>(e, 32).Clear();
        e[0] = Xcb.SelectionNotify;
        *(uint*)(e + 4) = time;
        *(uint*)(e + 8) = requestor;
        *(uint*)(e + 12) = Atom;
        *(uint*)(e + 16) = target;
        *(uint*)(e + 20) = property;
        Xcb.SendEvent(_x.Handle, 0, requestor, 0, e);
    }

    // ---- X → Wayland ----

    public void OnOwnerChanged(uint owner, uint time)
    {
        if (owner == Window) return;
        _weOwn = false;
        if (owner == Xcb.None)
        {
            // The X owner let go or died; a Wayland client's selection that replaced it stays.
            if (_xsource is not null && _current() == _xsource) _set(null);
            _xsource = null;
            return;
        }
        _awaitingTargets = true;
        Xcb.ConvertSelection(_x.Handle, Window, Atom, _atoms["TARGETS"], _property, time);
    }

    public void OnNotify(uint target, uint property)
    {
        if (target == _atoms["TARGETS"] && _awaitingTargets)
        {
            _awaitingTargets = false;
            if (property == Xcb.None) return;
            var mimes = new List<string>();
            foreach (var atom in _x.GetProperty(Window, _property, Xcb.AtomAtom, delete: true).AsUInt32s())
                if (MimeOf(atom) is { } mime && !mimes.Contains(mime)) mimes.Add(mime);
            if (mimes.Count == 0) return;
            _xsource = new XSource(this, mimes);
            _log.Debug("The {Selection} of an X program is offered to Wayland ({Types})", _name, string.Join(", ", mimes));
            _set(_xsource);
            return;
        }
        if (!_incoming.TryPeek(out var t) || t.Target != target) return;
        if (property == Xcb.None)
        {
            Finish(t);
            return;
        }
        var p = _x.GetProperty(Window, _property, delete: true);
        if (p.Type == _atoms["INCR"])
        {
            t.Incremental = true; // chunks come as new values of the property
            return;
        }
        t.Writer.Write(p.Value);
        Finish(t);
    }

    public void OnOwnPropertyChanged(uint atom, bool deleted)
    {
        if (deleted || atom != _property || !_incoming.TryPeek(out var t) || !t.Incremental) return;
        var p = _x.GetProperty(Window, _property, delete: true);
        if (p.Value.Length == 0)
        {
            Finish(t);
            return;
        }
        t.Writer.Write(p.Value);
    }

    /// <summary>A Wayland client receives the X owner's data in <paramref name="mime"/> into its fd (a copy we own).</summary>
    internal void Receive(XSource source, string mime, int fd)
    {
        if (source != _xsource)
        {
            close(fd);
            return;
        }
        _incoming.Enqueue(new Incoming(AtomOf(mime), new PipeWriter(_server.Loop, fd)));
        if (_incoming.Count == 1) StartNext();
    }

    private void StartNext()
    {
        if (_incoming.TryPeek(out var t)) Xcb.ConvertSelection(_x.Handle, Window, Atom, t.Target, _property, Xcb.CurrentTime);
        _x.Flush();
    }

    private void Finish(Incoming t)
    {
        t.Writer.Complete();
        _incoming.Dequeue();
        StartNext();
    }

    public void Dispose()
    {
        foreach (var t in _outgoing) t.Reader?.Dispose();
        _outgoing.Clear();
        while (_incoming.TryDequeue(out var t)) t.Writer.Dispose();
        if (_xsource is not null && _current() == _xsource) _set(null);
        _xsource?.Disconnect();
        _xsource = null;
    }

    private sealed class Outgoing(uint requestor, uint target, uint property, uint time)
    {
        public uint Requestor { get; } = requestor;
        public uint Target { get; } = target;
        public uint Property { get; } = property;
        public uint Time { get; } = time;
        public PipeReader? Reader { get; set; }
        public ReadOnlyMemory<byte> Data { get; set; }
        public int Sent { get; set; }
        public bool Incremental { get; set; }
    }

    private sealed class Incoming(uint target, PipeWriter writer)
    {
        public uint Target { get; } = target;
        public PipeWriter Writer { get; } = writer;
        public bool Incremental { get; set; }
    }
}

/// <summary>An X program's selection, offered to Wayland clients as a source of the compositor's.</summary>
internal sealed class XSource(XSelection selection, List<string> mimeTypes) : ISelectionSource
{
    private XSelection? _selection = selection;

    public IReadOnlyList<string> MimeTypes => mimeTypes;
    public event Action<ISelectionSource>? Gone;

    public void Send(string mimeType, int fd)
    {
        if (_selection is null) return;
        var copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        if (copy >= 0) _selection.Receive(this, mimeType, copy);
    }

    public void Cancel() => _selection = null;

    internal void Disconnect()
    {
        _selection = null;
        Gone?.Invoke(this);
    }
}
