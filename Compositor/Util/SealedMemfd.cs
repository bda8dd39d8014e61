using Tmds.Linux;
using Wayland.Wire;
using static Tmds.Linux.LibC;

namespace Compositor.Util;

/// <summary>
/// Read-only shared data for clients (the XKB keymap, linux-dmabuf's format table): a memfd sealed
/// against writing, growing and shrinking, so one fd can be handed to every client and none can
/// change what the others read.
/// </summary>
public static unsafe class SealedMemfd
{
    public static OwnedFd Create(string name, ReadOnlySpan<byte> content)
    {
        int fd;
        fixed (byte* n = System.Text.Encoding.ASCII.GetBytes(name + "\0"))
            fd = memfd_create(n, MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd < 0) throw new IOException($"memfd_create failed: errno {errno}");
        var owned = new OwnedFd(fd);
        try
        {
            fixed (byte* p = content)
            {
                var written = 0;
                while (written < content.Length)
                {
                    var n = (long)write(fd, p + written, (size_t)(ulong)(content.Length - written));
                    if (n <= 0) throw new IOException($"writing memfd failed: errno {errno}");
                    written += (int)n;
                }
            }
            if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0)
                throw new IOException($"sealing memfd failed: errno {errno}");
            return owned;
        }
        catch
        {
            owned.Dispose();
            throw;
        }
    }
}
