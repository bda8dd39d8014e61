namespace Wayland.Wire;

/// <summary>A message's arguments do not decode (libwayland: "invalid arguments"). Thrown only on
/// malformed input, never on the steady-state path.</summary>
public sealed class WireFormatException(string message) : Exception(message);

/// <summary>A message the peer sent breaks the protocol in a way that has a specific wl_display error code.</summary>
public sealed class ProtocolViolationException(uint code, string message) : Exception(message)
{
    public uint Code { get; } = code;
}
