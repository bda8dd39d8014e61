using System.Buffers.Binary;
using System.Net.Sockets;
using Tmds.Linux;
using Wayland.Protocols.Client;
using Wayland.Wire;
using static Tmds.Linux.LibC;

namespace Wayland.Client;

/// <summary>The error a server reported with wl_display.error; the connection is dead after it.</summary>
public sealed record ProtocolError(uint ObjectId, string Interface, uint Code, string Message)
{
    public override string ToString() => $"{Interface}@{ObjectId}: error {Code}: {Message}";
}

public sealed class WaylandProtocolException(ProtocolError error) : Exception(error.ToString())
{
    public ProtocolError Error { get; } = error;
}

/// <summary>
/// A client connection to a Wayland server: wl_display@1, the object map and a blocking dispatch
/// loop in the style of libwayland-client (single queue, single thread).
/// </summary>
public sealed unsafe class ClientDisplay : IMessageContext, IDisposable
{
    private readonly List<OwnedFd> _messageFds = new(4);

    public ClientDisplay(int socketFd)
    {
        Connection = new WireConnection(socketFd, int.MaxValue / 2);
        Display = new WlDisplay(this, 0, 1);
        Display.ErrorEvent += (_, obj, code, message) =>
            Error ??= new ProtocolError(obj?.Id ?? 0, obj?.Interface.Name ?? "unknown", code, message);
        Display.DeleteId += (_, id) => Objects.Release(id, serverSide: false);
    }

    /// <summary>Connects like wl_display_connect: WAYLAND_SOCKET, else <paramref name="name"/> or
    /// WAYLAND_DISPLAY (default wayland-0), relative to XDG_RUNTIME_DIR unless absolute.</summary>
    public static ClientDisplay Connect(string? name = null)
    {
        if (name is null && int.TryParse(Environment.GetEnvironmentVariable("WAYLAND_SOCKET"), out var inherited))
            return new ClientDisplay(inherited);
        name ??= Environment.GetEnvironmentVariable("WAYLAND_DISPLAY") ?? "wayland-0";
        var path = name;
        if (!Path.IsPathRooted(name))
        {
            var dir = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
            if (string.IsNullOrEmpty(dir)) throw new IOException("XDG_RUNTIME_DIR is not set; cannot find the Wayland socket");
            path = Path.Combine(dir, name);
        }
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new IOException($"cannot connect to Wayland display {path}: {e.Message}", e);
        }
        var fd = (int)socket.SafeHandle.DangerousGetHandle();
        var dup = Native.DupCloexec(fd);
        socket.Dispose();
        fcntl(dup, F_SETFL, fcntl(dup, F_GETFL) | O_NONBLOCK);
        return new ClientDisplay(dup);
    }

    public WlDisplay Display { get; }
    public ProtocolError? Error { get; private set; }
    internal WireConnection Connection { get; }
    internal ObjectMap Objects { get; } = new();
    public int Fd => Connection.Fd;

    /// <summary>Creates a registry; its Global events arrive with the next dispatch.</summary>
    public WlRegistry GetRegistry() => Display.GetRegistry();

    internal void EndRequest(Proxy proxy, ref MessageWriter writer, ushort opcode)
    {
        var message = Connection.EndMessage(ref writer, opcode);
        if (ProtocolTrace.Client && opcode < proxy.Interface.Requests.Length)
            ProtocolTrace.Write(ProtocolTrace.Format(proxy, proxy.Interface.Requests[opcode], message, sent: true,
                id => Objects.Lookup(id) as IWaylandObject, ReadOnlySpan<int>.Empty));
        // Like libwayland, we send when the buffer fills or when the caller flushes/dispatches.
        if (Connection.PendingOutputBytes > 3 * WireFormat.MaxMessageSize) Flush();
    }

    /// <summary>Writes all queued requests, waiting for the socket when it is full.</summary>
    public void Flush()
    {
        ThrowIfFailed();
        while (true)
        {
            var status = Connection.Flush(out var error);
            if (status == FlushStatus.Done) return;
            if (status == FlushStatus.Error)
            {
                // EPIPE: the server hung up, usually after a protocol error, which is still in the
                // socket and says why (libwayland reports it the same way): reading to the end
                // raises it.
                if (error == 32) while (Poll(POLLIN, 0)) ReadOnce();
                throw new IOException($"write to the Wayland socket failed: errno {error}");
            }
            Poll(POLLOUT, -1);
        }
    }

    /// <summary>Dispatches events already received, without reading. Returns the number dispatched.</summary>
    public int DispatchPending()
    {
        var count = 0;
        while (Error is null)
        {
            var input = Connection.Input;
            if (input.Length < WireFormat.HeaderSize) break;
            var id = BinaryPrimitives.ReadUInt32LittleEndian(input);
            var word = BinaryPrimitives.ReadUInt32LittleEndian(input[4..]);
            var size = (int)(word >> 16);
            var opcode = (ushort)word;
            if (size < WireFormat.HeaderSize || size > WireFormat.MaxMessageSize || (size & 3) != 0)
                throw new IOException($"server sent a malformed message header (size {size})");
            if (input.Length < size) break;
            var message = input[..size];
            if (Objects.Lookup(id) is Proxy proxy)
            {
                if (opcode >= proxy.Interface.Events.Length)
                    throw new IOException($"server sent unknown event {opcode} for {proxy}");
                if (ProtocolTrace.Client)
                    ProtocolTrace.Write(ProtocolTrace.Format(proxy, proxy.Interface.Events[opcode], message, sent: false,
                        i => Objects.Lookup(i) as IWaylandObject, ReadOnlySpan<int>.Empty));
                try
                {
                    var reader = new MessageReader(message[WireFormat.HeaderSize..], this);
                    proxy.DispatchEvent(opcode, ref reader);
                }
                finally
                {
                    foreach (var fd in _messageFds) fd.Dispose();
                    _messageFds.Clear();
                }
            }
            // An event for an id we do not know (destroyed and already released) is skipped, like libwayland.
            Connection.Consume(size);
            count++;
        }
        return count;
    }

    /// <summary>Flushes, waits up to <paramref name="timeoutMs"/> for events (-1: forever), reads and
    /// dispatches them. Returns the number of events dispatched; throws after a protocol error.</summary>
    public int Dispatch(int timeoutMs = -1)
    {
        var n = DispatchPending();
        ThrowIfFailed();
        if (n > 0) return n;
        Flush();
        if (!Poll(POLLIN, timeoutMs)) return 0;
        ReadOnce();
        n = DispatchPending();
        ThrowIfFailed();
        return n;
    }

    /// <summary>wl_display.sync and dispatch until its callback fires: every earlier request has been handled.</summary>
    public void Roundtrip()
    {
        var done = false;
        var callback = Display.Sync();
        callback.Done += (_, _) => done = true;
        while (!done) Dispatch();
    }

    /// <summary>A round trip that gives up after <paramref name="timeoutMs"/>: for a client on its way
    /// out, which must not hang on a compositor that stopped answering. False when it gave up.</summary>
    public bool Roundtrip(int timeoutMs)
    {
        var done = false;
        var callback = Display.Sync();
        callback.Done += (_, _) => done = true;
        var deadline = Environment.TickCount64 + timeoutMs;
        long left;
        while (!done && (left = deadline - Environment.TickCount64) > 0) Dispatch((int)left);
        return done;
    }

    private void ReadOnce()
    {
        switch (Connection.Receive(out var error))
        {
            case ReceiveStatus.Closed:
                DispatchPending();
                ThrowIfFailed();
                throw new IOException("the Wayland server closed the connection");
            case ReceiveStatus.Error:
                throw new IOException($"read from the Wayland socket failed: {ReceiveError.Describe(error)}");
        }
    }

    private bool Poll(short events, int timeoutMs)
    {
        pollfd p = default;
        p.fd = Connection.Fd;
        p.events = events;
        p.revents = 0;
        int r, error;
        // errno read straight from the thread (Marshal.GetLastSystemError): a signal that interrupts
        // poll (EINTR) is retried, not reported.
        do
        {
            r = poll(&p, 1, timeoutMs);
            error = r < 0 ? System.Runtime.InteropServices.Marshal.GetLastSystemError() : 0;
        }
        while (r < 0 && error == Native.EINTR);
        if (r < 0) throw new IOException($"poll failed: errno {error}");
        return r > 0;
    }

    private void ThrowIfFailed()
    {
        if (Error is not null) throw new WaylandProtocolException(Error);
    }

    object? IMessageContext.LookupObject(uint id) => Objects.Lookup(id);

    void IMessageContext.CheckNewId(uint id)
    {
        if (!WireFormat.IsServerId(id)) throw new WireFormatException($"server created object {id} outside the server range");
        if (!Objects.CanInsert(id)) throw new WireFormatException($"server created object {id}, which is in use");
    }

    OwnedFd IMessageContext.TakeFd()
    {
        var fd = Connection.TakeInputFd();
        _messageFds.Add(fd);
        return fd;
    }

    public void Dispose() => Connection.Dispose();
}
