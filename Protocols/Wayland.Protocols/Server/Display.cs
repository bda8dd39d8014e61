using Serilog;
using Wayland.Events;
using Wayland.Protocols.Server;
using Wayland.Wire;

namespace Wayland.Server;

/// <summary>
/// The server: listening sockets, connected clients, globals and serials, driven by an
/// <see cref="EventLoop"/>. Output to clients is flushed once per loop iteration, right before the
/// loop sleeps, so a burst of events costs one sendmsg.
/// </summary>
public sealed class Display : IDisposable
{
    private readonly List<Client> _clients = [];
    private readonly List<Global> _globals = [];
    private readonly List<Client> _toFlush = [];
    private readonly List<(ListeningSocket Socket, FdSource Source)> _sockets = [];
    private uint _nextGlobalName = 1;
    private uint _serial;

    private bool _evictionScheduled;

    /// <param name="fdBudget">How many fds clients may make us hold; by default from RLIMIT_NOFILE.</param>
    public Display(EventLoop loop, ILogger? log = null, FdBudget? fdBudget = null)
    {
        Loop = loop;
        Log = log ?? Serilog.Log.Logger;
        CoreHandler = new CoreHandler(this);
        FdBudget = fdBudget ?? FdBudget.ForThisProcess();
        FdBudget.Exhausted += ScheduleEviction;
        loop.BeforeSleep += FlushClients;
    }

    /// <summary>The fds all clients together, and each one, may make the server hold.</summary>
    public FdBudget FdBudget { get; }

    public EventLoop Loop { get; }
    public ILogger Log { get; }
    internal CoreHandler CoreHandler { get; }

    /// <summary>Unread output allowed per client before it is disconnected.</summary>
    public int MaxClientOutputBytes { get; set; } = WireConnection.DefaultMaxOutputBytes;

    public IReadOnlyList<Client> Clients => _clients;
    public IReadOnlyList<Global> Globals => _globals;

    /// <summary>Decides which globals a client may see and bind (for privileged protocols).</summary>
    public Func<Client, Global, bool>? GlobalFilter { get; set; }

    public event Action<Client>? ClientConnected;

    /// <summary>The last serial handed out.</summary>
    public uint Serial => _serial;

    public uint NextSerial() => ++_serial;

    // ---- sockets and clients ----

    /// <summary>Listens on $XDG_RUNTIME_DIR/<paramref name="name"/> (or the first free wayland-N) and
    /// returns the name clients use as WAYLAND_DISPLAY.</summary>
    public string AddSocket(string? name = null)
    {
        var socket = ListeningSocket.Create(name, Log);
        var source = Loop.AddFd(socket.Fd, FdEvents.Readable, (_, _) => AcceptClients(socket));
        _sockets.Add((socket, source));
        Log.Information("Listening on {Path}", socket.Path);
        return socket.Name;
    }

    private void AcceptClients(ListeningSocket socket)
    {
        int fd;
        while ((fd = socket.Accept()) >= 0) CreateClient(fd);
    }

    /// <summary>Serves a client on an already connected socket; the display takes ownership of the fd.</summary>
    public Client CreateClient(int socketFd)
    {
        var client = new Client(this, socketFd);
        _clients.Add(client);
        Log.Debug("{Client} connected (uid {Uid})", client, client.Uid);
        ClientConnected?.Invoke(client);
        return client;
    }

    internal void RemoveClient(Client client)
    {
        // It stays in _toFlush, if there: removing it here, in the middle of FlushClients, would shift
        // the next client past the loop's index and leave it unflushed for good.
        _clients.Remove(client);
    }

    internal void ScheduleFlush(Client client) => _toFlush.Add(client);

    // ---- the fd budget ----

    // Not at once: the budget runs out inside some client's recvmsg; the reserve covers the wait.
    private void ScheduleEviction()
    {
        if (_evictionScheduled) return;
        _evictionScheduled = true;
        Loop.AddIdle(EvictLargestHolder);
    }

    /// <summary>Cuts off the client holding the most fds while all of them hold more than the budget,
    /// so that new clients and imports keep working: the hoarder pays, not whoever comes next.</summary>
    private void EvictLargestHolder()
    {
        _evictionScheduled = false;
        while (FdBudget.Held > FdBudget.Limit)
        {
            Client? largest = null;
            foreach (var c in _clients)
                if (!c.IsDestroyed && (largest is null || c.HeldFds > largest.HeldFds)) largest = c;
            if (largest is null || largest.HeldFds == 0) return;
            Log.Warning("Clients hold {Held} fds, over the budget of {Limit}: cutting off {Client}, which holds {Count}",
                FdBudget.Held, FdBudget.Limit, largest, largest.HeldFds);
            largest.PostError(largest.DisplayResource, (uint)Wayland.Protocols.Server.WlDisplay.Error.NoMemory,
                $"the compositor's fds are exhausted and this client holds the most ({largest.HeldFds})");
            largest.FlushNow();
            largest.Destroy("fd budget exhausted");
        }
    }

    /// <summary>Sends every client's queued events. Called before the loop sleeps.</summary>
    public void FlushClients()
    {
        // Index loop: a client destroyed by a failed flush may queue events for others (focus moves),
        // which appends them here; destroyed clients are skipped by FlushNow.
        for (var i = 0; i < _toFlush.Count; i++)
        {
            var c = _toFlush[i];
            if (c.NeedsFlush) c.FlushNow();
        }
        _toFlush.Clear();
    }

    // ---- globals ----

    /// <summary>Highest version to advertise per interface name, below what the compositor implements:
    /// a compatibility knob for clients that bind the advertised version but cannot handle its events.</summary>
    public IReadOnlyDictionary<string, uint> MaxVersions { get; set; } = new Dictionary<string, uint>();

    /// <summary>Advertises a global; <paramref name="bind"/> receives each new resource, sets its handler
    /// and sends its initial events.</summary>
    public Global<T> CreateGlobal<T>(uint version, Action<T> bind, Func<Client, bool>? filter = null)
        where T : Resource, IResourceFactory<T>
    {
        if (version == 0 || version > T.Info.Version)
            throw new ArgumentOutOfRangeException(nameof(version), $"{T.Info.Name} supports versions 1..{T.Info.Version}");
        if (MaxVersions.TryGetValue(T.Info.Name, out var cap)) version = Math.Clamp(cap, 1, version);
        var global = new Global<T>(this, _nextGlobalName++, version, bind) { Filter = filter };
        _globals.Add(global);
        foreach (var client in _clients)
            if (IsVisible(client, global))
                foreach (var registry in client.Registries)
                    registry.SendGlobal(global.Name, global.Interface.Name, global.Version);
        return global;
    }

    public bool IsVisible(Client client, Global global) =>
        (global.Filter?.Invoke(client) ?? true) && (GlobalFilter?.Invoke(client, global) ?? true);

    internal void AnnounceRemoval(Global global)
    {
        foreach (var client in _clients)
            if (IsVisible(client, global))
                foreach (var registry in client.Registries)
                    registry.SendGlobalRemove(global.Name);
    }

    internal void ForgetGlobal(Global global) => _globals.Remove(global);

    internal Global? FindGlobal(uint name)
    {
        foreach (var g in _globals) if (g.Name == name) return g;
        return null;
    }

    /// <summary>Disconnects every client, destroying its resources. Whoever owns what those resources
    /// use (outputs, the renderer) calls this before tearing it down.</summary>
    public void DestroyClients(string reason)
    {
        foreach (var c in _clients.ToArray()) c.Destroy(reason);
    }

    public void Dispose()
    {
        Loop.BeforeSleep -= FlushClients;
        FdBudget.Exhausted -= ScheduleEviction;
        DestroyClients("server shutting down");
        foreach (var (socket, source) in _sockets) { source.Dispose(); socket.Dispose(); }
        _sockets.Clear();
    }
}
