namespace Wayland.Wire;

/// <summary>What a <see cref="MessageReader"/> needs from the endpoint that received the message:
/// its object map and its queue of received fds.</summary>
public interface IMessageContext
{
    /// <summary>The live object with this id, or null.</summary>
    object? LookupObject(uint id);

    /// <summary>Throws <see cref="WireFormatException"/> unless <paramref name="id"/> may name a new object
    /// created by the peer (right id range, not in use).</summary>
    void CheckNewId(uint id);

    /// <summary>Takes the next received fd for the message being decoded; throws
    /// <see cref="WireFormatException"/> when the peer sent none. The context disposes it after the
    /// message is handled, so it is closed on every path unless the handler called <see cref="OwnedFd.Take"/>.</summary>
    OwnedFd TakeFd();
}
