using Wayland.Wire;

namespace Wayland.Client;

/// <summary>
/// A client-side protocol object. Generated subclasses (namespace Wayland.Protocols.Client) add
/// typed request methods and a C# event per protocol event.
/// </summary>
public abstract class Proxy : IWaylandObject
{
    /// <param name="id">0 to allocate a client id (objects we create), or the id the server chose.</param>
    protected Proxy(ClientDisplay display, uint id, uint version)
    {
        Display = display;
        Version = version;
        Id = id == 0 ? display.Objects.Allocate(this, serverSide: false) : id;
        if (id != 0) display.Objects.Insert(id, this);
    }

    public ClientDisplay Display { get; }
    public uint Id { get; }
    public uint Version { get; }
    public abstract InterfaceInfo Interface { get; }

    /// <summary>True after a destructor request: events still in flight are decoded and dropped.</summary>
    public bool IsDestroyed { get; private set; }

    protected internal abstract void DispatchEvent(ushort opcode, ref MessageReader reader);

    protected MessageWriter BeginRequest()
    {
        ObjectDisposedException.ThrowIf(IsDestroyed, this);
        return Display.Connection.BeginMessage(Id);
    }

    protected void EndRequest(ref MessageWriter writer, ushort opcode) => Display.EndRequest(this, ref writer, opcode);

    /// <summary>Called after a destructor request. A client-allocated id stays reserved until the
    /// server confirms with wl_display.delete_id.</summary>
    protected void MarkDestroyed()
    {
        IsDestroyed = true;
        if (WireFormat.IsServerId(Id)) Display.Objects.Remove(Id);
    }

    public override string ToString() => $"{Interface.Name}@{Id}";
}

/// <summary>Lets generic code (wl_registry.bind) create generated proxy types without reflection.</summary>
public interface IProxyFactory<out T> where T : Proxy
{
    static abstract InterfaceInfo Info { get; }
    static abstract T Create(ClientDisplay display, uint id, uint version);
}
