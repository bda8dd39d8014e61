using Wayland.Wire;

namespace Wayland.Server;

/// <summary>
/// A server-side protocol object owned by one client. Generated subclasses (namespace
/// Wayland.Protocols.Server) add typed event senders and decode requests into their handler interface.
/// </summary>
public abstract class Resource : IWaylandObject
{
    /// <param name="id">The id the client chose, or 0 to allocate one in the server range
    /// (objects the server creates, such as wl_data_offer).</param>
    protected Resource(Client client, uint id, uint version)
    {
        Client = client;
        Version = version;
        Id = id == 0 ? client.Objects.Allocate(this, serverSide: true) : id;
        if (id != 0) client.Objects.Insert(id, this);
    }

    public Client Client { get; }
    public uint Id { get; }
    public uint Version { get; }
    public abstract InterfaceInfo Interface { get; }
    public bool IsDestroyed { get; private set; }

    /// <summary>The compositor object this resource stands for (libwayland's user data), set by its
    /// creator: the surface behind a wl_surface, the buffer behind a wl_buffer.</summary>
    public object? Data { get; set; }

    /// <summary>Raised once when the resource goes away: destroyed by request, by the server, or with its client.</summary>
    public event Action<Resource>? Destroyed;

    /// <summary>Decodes request <paramref name="opcode"/> and calls the handler. Generated.</summary>
    protected internal abstract void Dispatch(ushort opcode, ref MessageReader reader);

    protected MessageWriter BeginEvent() => Client.Connection.BeginMessage(Id);

    protected void EndEvent(ref MessageWriter writer, ushort opcode) => Client.EndEvent(this, ref writer, opcode);

    /// <summary>Sends wl_display.error for this object and disconnects the client once the error is out.</summary>
    public void PostError(uint code, string message) => Client.PostError(this, code, message);

    /// <summary>Destroys the resource: listeners run, and for a client-allocated id the client gets
    /// wl_display.delete_id so it may reuse the id.</summary>
    public void Destroy()
    {
        if (IsDestroyed) return;
        IsDestroyed = true;
        try { Destroyed?.Invoke(this); }
        finally { Client.Unregister(this); }
    }

    /// <summary>Destroy without delete_id: the client is going away.</summary>
    internal void DestroyWithClient()
    {
        if (IsDestroyed) return;
        IsDestroyed = true;
        Destroyed?.Invoke(this);
    }

    protected Exception MissingHandler() => new MissingHandlerException(this);

    public override string ToString() => $"{Interface.Name}@{Id}";
}

/// <summary>A request arrived for a resource whose owner never set a handler: a compositor bug,
/// reported to the client as an implementation error.</summary>
public sealed class MissingHandlerException(Resource resource)
    : Exception($"{resource} has no request handler");

/// <summary>Lets generic code create generated resource types without reflection.</summary>
public interface IResourceFactory<out T> where T : Resource
{
    static abstract InterfaceInfo Info { get; }
    static abstract T Create(Client client, uint id, uint version);
}

/// <summary>An untyped new_id argument (wl_registry.bind): the interface and version travel with the id.</summary>
public readonly record struct NewId(string Interface, uint Version, uint Id);
