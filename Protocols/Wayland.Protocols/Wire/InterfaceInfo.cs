namespace Wayland.Wire;

/// <summary>Wire types of message arguments, as in the protocol XML.</summary>
public enum ArgType : byte { Int, Uint, Fixed, String, Object, NewId, Array, Fd }

/// <summary>One argument of a request or event. <see cref="Interface"/> is the interface name of an
/// object or new_id argument, or null where the XML leaves it open (wl_registry.bind).</summary>
public sealed record ArgInfo(string Name, ArgType Type, bool Nullable = false, string? Interface = null, string? Enum = null);

/// <summary>A request or an event: its name, arguments, the version it appeared in and whether it destroys the object.</summary>
public sealed record MessageInfo(string Name, uint Since, bool IsDestructor, ArgInfo[] Args)
{
    /// <summary>Number of fds the message carries: they are taken from the fd queue, in order.</summary>
    public int FdCount { get; } = Args.Count(a => a.Type == ArgType.Fd);
}

/// <summary>Static description of an interface, generated from the XML; the runtime uses it to check
/// opcodes and versions and to print protocol traces.</summary>
public sealed record InterfaceInfo(string Name, uint Version, MessageInfo[] Requests, MessageInfo[] Events)
{
    public override string ToString() => Name;
}
