using System.Runtime.InteropServices;
using static Tmds.Linux.LibC;

namespace DmabufClient.Allocators;

/// <summary>
/// Not a real DMA-BUF: a memfd sealed against shrinking, passed where a DMA-BUF fd is expected.
/// Mesa's software renderer (llvmpipe) imports it anyway, so this works where no DMA-BUF device
/// exists (CI); GPU drivers refuse it, and the compositor then answers "failed".
/// </summary>
internal sealed unsafe class MemfdAllocator : IBufferAllocator
{
    public string Name => "memfd (not a real DMA-BUF; accepted by llvmpipe only)";

    public IAllocatedBuffer Allocate(int width, int height, uint fourcc)
    {
        var (size, offsets, strides) = Formats.Layout(width, height, fourcc);
        var fd = CreateSealedMemfd("dmabuf-client", size);
        return new MappedBuffer(fd, MappedBuffer.Map(fd, size), size, offsets, strides, Formats.ModifierLinear, -1, null);
    }

    /// <summary>A memfd of <paramref name="size"/> bytes that can never shrink (so nobody mapping it can fault).</summary>
    public static int CreateSealedMemfd(string name, long size)
    {
        var n = Marshal.StringToHGlobalAnsi(name);
        var fd = memfd_create((byte*)n, MFD_CLOEXEC | MFD_ALLOW_SEALING);
        Marshal.FreeHGlobal(n);
        if (fd < 0) throw new IOException($"memfd_create failed: {Native.Error()}");
        if (ftruncate(fd, size) != 0 || fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_SEAL) != 0)
        {
            var error = Native.Error();
            close(fd);
            throw new IOException($"cannot size and seal the memfd: {error}");
        }
        return fd;
    }

    public void Dispose() { }
}
