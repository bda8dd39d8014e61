using static Tmds.Linux.LibC;

namespace Compositor;

/// <summary>What the compositor may safely map of a client's fd.</summary>
internal static class ClientMemory
{
    /// <summary>
    /// Whether the memory behind <paramref name="fd"/> can never shrink under a mapping (which would
    /// fault the reader, and a .NET process cannot survive SIGBUS): a real DMA-BUF (its size is fixed
    /// by the exporter), or a file sealed with F_SEAL_SHRINK. A plain memfd passed as a "DMA-BUF"
    /// must be sealed too.
    /// </summary>
    public static bool CannotShrink(int fd)
    {
        if (Backends.DmaBufFd.ExporterOf(fd) is not null) return true;
        var seals = fcntl(fd, F_GET_SEALS);
        return seals >= 0 && (seals & F_SEAL_SHRINK) != 0;
    }
}
