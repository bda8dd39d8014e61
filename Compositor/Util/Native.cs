using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace Compositor;

/// <summary>Small libc helpers the compositor core needs.</summary>
internal static class Native
{
    /// <summary>The size of the file behind an fd (lseek to the end), or -1 when it cannot seek.
    /// The fd's position is shared with the client that sent it, so it is put back.</summary>
    public static long FileSize(int fd)
    {
        var position = (long)lseek(fd, 0, SEEK_CUR);
        if (position < 0) return -1;
        var size = (long)lseek(fd, 0, SEEK_END);
        lseek(fd, position, SEEK_SET);
        return size;
    }
}
