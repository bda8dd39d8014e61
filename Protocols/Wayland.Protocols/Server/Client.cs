using System.Buffers.Binary;
using Serilog;
using Wayland.Events;
using Wayland.Protocols.Server;
using Wayland.Wire;

namespace Wayland.Server;

/// <summary>
/// One connected client: its socket, its objects, and the loop that turns bytes into handler calls.
/// Any protocol violation gets wl_display.error for this client alone and a disconnect; the
/// compositor and other clients carry on.
/// </summary>
public sealed class Client : IMessageContext
{
    /// <summary>How far, in stream bytes, a received fd may arrive ahead of the message that carries it.
    /// A libwayland client sends fds with the first byte of the flush whose buffer holds their message,
    /// and its buffer is 4 KiB by default; we allow 64 KiB for clients that raise it. An fd still
    /// unclaimed after that many bytes were dispatched was sent without a message to carry it.</summary>
    public const long FdLeadWindow = 64 * 1024;

    /// <summary>A client leaving with this many objects freed enough to be worth a collection.</summary>
    private const int ManyObjects = 10_000;

    private readonly FdSource _source;
    private readonly List<OwnedFd> _messageFds = new(4);
    private readonly int[] _traceFds = new int[16];
    private bool _errorPosted;
    private bool _dispatching;
    internal bool NeedsFlush;

    internal Client(Display display, int socketFd)
    {
        Display = display;
        Log = display.Log;
        (Pid, Uid, Gid) = Native.PeerCredentials(socketFd);
        Connection = new WireConnection(socketFd, display.MaxClientOutputBytes) { Account = new FdAccount(display.FdBudget) };
        _source = display.Loop.AddFd(socketFd, FdEvents.Readable, OnSocketEvent);
        DisplayResource = new WlDisplay(this, 1, 1) { Handler = display.CoreHandler };
    }

    public Display Display { get; }
    public ILogger Log { get; }
    public int Pid { get; }
    public uint Uid { get; }
    public uint Gid { get; }
    public WlDisplay DisplayResource { get; }
    /// <summary>Fds received from this client that are still open (queued, or kept by its objects).</summary>
    public int HeldFds => Connection.Account!.Held;
    public bool IsDestroyed { get; private set; }

    /// <summary>The wl_registry objects this client made, to announce global changes to.</summary>
    internal List<WlRegistry> Registries { get; } = [];

    internal WireConnection Connection { get; }
    internal ObjectMap Objects { get; } = new();

    /// <summary>Raised once when the client is gone, before its resources are destroyed.</summary>
    public event Action<Client>? Destroyed;

    public Resource? GetResource(uint id) => Objects.Lookup(id) as Resource;

    public IEnumerable<Resource> Resources => Objects.Live().OfType<Resource>();

    public override string ToString() => $"client {Pid} (fd {Connection.Fd})";

    // ---- errors ----

    /// <summary>Sends wl_display.error (only the first error counts, as in libwayland), logs it, stops
    /// reading from the client and disconnects it once the error is flushed.</summary>
    public void PostError(IWaylandObject? target, uint code, string message)
    {
        if (_errorPosted || IsDestroyed) return;
        _errorPosted = true;
        Log.Warning("Protocol error for {Client}: {Object} code {Code}: {Message}", this,
            target is null ? "wl_display@1" : $"{target.Interface.Name}@{target.Id}", code, message);
        DisplayResource.SendError(target ?? DisplayResource, code, message);
        if (!_dispatching) DisconnectSoon();
    }

    public void PostNoMemory() => PostError(DisplayResource, (uint)WlDisplay.Error.NoMemory, "no memory");

    public void PostImplementationError(string message) =>
        PostError(DisplayResource, (uint)WlDisplay.Error.Implementation, message);

    private void DisconnectSoon() => Display.Loop.AddIdle(() => Destroy("protocol error"));

    // ---- input ----

    private void OnSocketEvent(int fd, FdEvents events)
    {
        if (IsDestroyed) return;
        if ((events & FdEvents.Writable) != 0 && !FlushNow()) return;
        if ((events & FdEvents.Readable) != 0)
        {
            ReadAndDispatch();
            return;
        }
        if ((events & (FdEvents.Hangup | FdEvents.Error)) != 0) Destroy("hung up");
    }

    private void ReadAndDispatch()
    {
        // A few reads per wakeup, then yield to other clients; epoll is level-triggered, so a read
        // that did not fill the buffer ends the wakeup without a second recvmsg just to see EAGAIN.
        var more = true;
        for (var round = 0; more && round < 4 && !IsDestroyed && !_errorPosted; round++)
        {
            switch (Connection.Receive(out var error))
            {
                case ReceiveStatus.WouldBlock:
                    return;
                case ReceiveStatus.Data:
                    more = Connection.LastReceiveFilledBuffer;
                    DispatchMessages();
                    break;
                case ReceiveStatus.Closed:
                    DispatchMessages();
                    if (Connection.Input.Length > 0 && !_errorPosted)
                    {
                        PostError(DisplayResource, (uint)WlDisplay.Error.InvalidMethod,
                            $"connection closed in the middle of a message ({Connection.Input.Length} bytes pending)");
                        FlushNow();
                    }
                    Destroy(Connection.Input.Length > 0 ? "closed mid-message" : "disconnected");
                    return;
                case ReceiveStatus.Error:
                    if (error is ReceiveError.FdQueueFull or ReceiveError.TooManyFds or ReceiveError.FdLimit or ReceiveError.FdBudgetFull)
                    {
                        PostError(DisplayResource, (uint)WlDisplay.Error.NoMemory, ReceiveError.Describe(error));
                        FlushNow();
                    }
                    Destroy($"read failed: {ReceiveError.Describe(error)}");
                    return;
            }
        }
        if (_errorPosted) { FlushNow(); Destroy("protocol error"); }
    }

    /// <summary>Decodes and dispatches every complete message in the input buffer.</summary>
    private void DispatchMessages()
    {
        var invalidMethod = (uint)WlDisplay.Error.InvalidMethod;
        while (!_errorPosted && !IsDestroyed)
        {
            var input = Connection.Input;
            if (input.Length < WireFormat.HeaderSize) break;
            var id = BinaryPrimitives.ReadUInt32LittleEndian(input);
            var word = BinaryPrimitives.ReadUInt32LittleEndian(input[4..]);
            var size = (int)(word >> 16);
            var opcode = (ushort)word;
            if (size < WireFormat.HeaderSize) { PostError(DisplayResource, invalidMethod, $"message too short ({size} bytes), object {id}"); break; }
            if (size > WireFormat.MaxMessageSize) { PostError(DisplayResource, invalidMethod, $"message of {size} bytes exceeds {WireFormat.MaxMessageSize}, object {id}"); break; }
            if ((size & 3) != 0) { PostError(DisplayResource, invalidMethod, $"message size {size} is not a multiple of 4, object {id}"); break; }
            if (input.Length < size) break;

            if (Objects.Lookup(id) is not Resource resource)
            {
                PostError(DisplayResource, (uint)WlDisplay.Error.InvalidObject, $"invalid object {id}");
                break;
            }
            var requests = resource.Interface.Requests;
            if (opcode >= requests.Length)
            {
                PostError(DisplayResource, invalidMethod, $"invalid method {opcode}, object {resource}");
                break;
            }
            var info = requests[opcode];
            if (resource.Version < info.Since)
            {
                PostError(DisplayResource, invalidMethod, $"invalid method {opcode} (since {resource.Version} < {info.Since}), object {resource}");
                break;
            }
            var message = input[..size];
            if (ProtocolTrace.Server) TraceRequest(resource, info, message);
            Dispatch(resource, opcode, info, message);
            Connection.Consume(size);
            if (info.IsDestructor && !resource.IsDestroyed && !_errorPosted) resource.Destroy();
        }
        CheckForUnclaimedFds();
    }

    private void Dispatch(Resource resource, ushort opcode, MessageInfo info, ReadOnlySpan<byte> message)
    {
        _dispatching = true;
        try
        {
            var reader = new MessageReader(message[WireFormat.HeaderSize..], this);
            resource.Dispatch(opcode, ref reader);
        }
        catch (WireFormatException e)
        {
            Log.Debug("Bad arguments from {Client} for {Resource}.{Message}: {Reason}", this, resource, info.Name, e.Message);
            PostError(DisplayResource, (uint)WlDisplay.Error.InvalidMethod, $"invalid arguments for {resource}.{info.Name}");
        }
        catch (ProtocolViolationException e)
        {
            PostError(resource, e.Code, e.Message);
        }
        catch (Exception e)
        {
            Log.Error(e, "Handler for {Resource}.{Message} from {Client} failed", resource, info.Name, this);
            PostImplementationError($"compositor failed handling {resource}.{info.Name}");
        }
        finally
        {
            _dispatching = false;
            // Fds the handler did not Take() are closed here, on every path.
            foreach (var fd in _messageFds) fd.Dispose();
            _messageFds.Clear();
        }
    }

    private void CheckForUnclaimedFds()
    {
        if (_errorPosted || Connection.QueuedInputFds == 0) return;
        if (Connection.InputOffset - Connection.InputFds.OldestArrival < FdLeadWindow) return;
        PostError(DisplayResource, (uint)WlDisplay.Error.InvalidMethod,
            $"{Connection.QueuedInputFds} file descriptor(s) sent without a message to carry them");
    }

    private void TraceRequest(Resource resource, MessageInfo info, ReadOnlySpan<byte> message)
    {
        var n = Math.Min(Math.Min(info.FdCount, Connection.QueuedInputFds), _traceFds.Length);
        for (var i = 0; i < n; i++) _traceFds[i] = Connection.InputFds.Peek(i);
        ProtocolTrace.Write(ProtocolTrace.Format(resource, info, message, sent: false,
            id => Objects.Lookup(id) as IWaylandObject, _traceFds.AsSpan(0, n)));
    }

    object? IMessageContext.LookupObject(uint id) => Objects.Lookup(id);

    void IMessageContext.CheckNewId(uint id)
    {
        if (!WireFormat.IsClientId(id)) throw new WireFormatException($"new id {id} is outside the client range");
        if (!Objects.CanInsert(id)) throw new WireFormatException($"new id {id} is in use or out of sequence");
    }

    OwnedFd IMessageContext.TakeFd()
    {
        var fd = Connection.TakeInputFd();
        _messageFds.Add(fd);
        return fd;
    }

    // ---- output ----

    internal void EndEvent(Resource resource, ref MessageWriter writer, ushort opcode)
    {
        var message = Connection.EndMessage(ref writer, opcode);
        if (ProtocolTrace.Server && opcode < resource.Interface.Events.Length)
            ProtocolTrace.Write(ProtocolTrace.Format(resource, resource.Interface.Events[opcode], message, sent: true,
                id => Objects.Lookup(id) as IWaylandObject, ReadOnlySpan<int>.Empty));
        if (Connection.OutputOverflowed)
        {
            if (!_errorPosted)
            {
                _errorPosted = true;
                Log.Warning("{Client} does not read its socket: more than {Bytes} bytes queued; disconnecting",
                    this, Connection.MaxOutputBytes);
                DisconnectSoon();
            }
            return;
        }
        if (!NeedsFlush)
        {
            NeedsFlush = true;
            Display.ScheduleFlush(this);
        }
    }

    /// <summary>Writes queued events; false if the client had to be dropped.</summary>
    internal bool FlushNow()
    {
        NeedsFlush = false;
        if (IsDestroyed) return false;
        switch (Connection.Flush(out var error))
        {
            case FlushStatus.Done:
                if ((_source.Mask & FdEvents.Writable) != 0) _source.SetMask(FdEvents.Readable);
                return true;
            case FlushStatus.WouldBlock:
                // The client is slow: wait for room instead of blocking the compositor.
                if ((_source.Mask & FdEvents.Writable) == 0) _source.SetMask(FdEvents.Readable | FdEvents.Writable);
                return true;
            default:
                Destroy($"write failed: errno {error}");
                return false;
        }
    }

    // ---- lifetime ----

    internal void Unregister(Resource resource)
    {
        if (WireFormat.IsServerId(resource.Id))
        {
            Objects.Release(resource.Id, serverSide: true);
            return;
        }
        Objects.Remove(resource.Id);
        if (resource.Id != 1 && !IsDestroyed) DisplayResource.SendDeleteId(resource.Id);
    }

    /// <summary>Disconnects the client: queued output is flushed (best effort), its resources are
    /// destroyed, every fd it sent us is closed.</summary>
    public void Destroy(string reason = "destroyed by compositor")
    {
        if (IsDestroyed) return;
        if (Connection.HasPendingOutput && !Connection.OutputOverflowed) Connection.Flush(out _);
        IsDestroyed = true;
        Log.Debug("{Client} gone: {Reason}", this, reason);
        try
        {
            Destroyed?.Invoke(this);
            // In id order, as libwayland does; one pass over the table, no copy of it.
            var count = 0;
            foreach (var o in Objects.Live())
            {
                count++;
                if (o is Resource r) r.DestroyWithClient();
            }
            // What such a client held is now garbage in the oldest generation, where it would sit until
            // the next full collection: start one in the background (a blocking, compacting one was
            // measured to stall other clients for 50-80 ms for no more memory back).
            if (count >= ManyObjects) GC.Collect(2, GCCollectionMode.Forced, blocking: false);
        }
        finally
        {
            Objects.Clear();
            foreach (var fd in _messageFds) fd.Dispose();
            _messageFds.Clear();
            _source.Dispose();
            Connection.Dispose();
            Display.RemoveClient(this);
        }
    }
}
