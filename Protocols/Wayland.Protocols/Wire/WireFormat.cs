namespace Wayland.Wire;

/// <summary>Constants of the Wayland wire format, the same limits libwayland enforces.</summary>
public static class WireFormat
{
    /// <summary>Header: object id (4 bytes), then size &lt;&lt; 16 | opcode (4 bytes).</summary>
    public const int HeaderSize = 8;

    /// <summary>libwayland's maximum message size; bigger messages cannot be received by its clients.</summary>
    public const int MaxMessageSize = 4096;

    /// <summary>Most fds one sendmsg carries; libwayland's receive buffer holds no more (MAX_FDS_OUT).</summary>
    public const int MaxFdsPerSend = 28;

    public const uint ClientIdMin = 1;
    public const uint ClientIdMax = 0xfeffffff;
    public const uint ServerIdMin = 0xff000000;
    public const uint ServerIdMax = 0xffffffff;

    public static bool IsClientId(uint id) => id is >= ClientIdMin and <= ClientIdMax;
    public static bool IsServerId(uint id) => id >= ServerIdMin;

    /// <summary>Bytes a string or array payload of <paramref name="length"/> bytes takes, padded to 4.</summary>
    public static int Padded(int length) => (length + 3) & ~3;
}
