namespace Wayland.Wire;

/// <summary>Anything that lives in an <see cref="ObjectMap"/>: server resources and client proxies.</summary>
public interface IWaylandObject
{
    uint Id { get; }
    uint Version { get; }
    InterfaceInfo Interface { get; }
}
