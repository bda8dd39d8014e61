using static Tmds.Linux.LibC;

namespace DmabufClient.Allocators;

/// <summary>
/// A real DMA-BUF made from memory: a sealed memfd turned into a DMA-BUF by /dev/udmabuf
/// (UDMABUF_CREATE). The client draws through its mapping of the memfd.
/// </summary>
internal sealed unsafe class UdmabufAllocator : IBufferAllocator
{
    public const string Device = "/dev/udmabuf";
    private readonly int _dev;

    public UdmabufAllocator()
    {
        _dev = Native.Open(Device, O_RDWR | O_CLOEXEC);
        if (_dev < 0) throw new IOException($"cannot open {Device}: {Native.Error()}");
    }

    public string Name => "udmabuf (memfd → /dev/udmabuf)";

    public IAllocatedBuffer Allocate(int width, int height, uint fourcc)
    {
        var (size, offsets, strides) = Formats.Layout(width, height, fourcc);
        size = Formats.Align((int)size, Environment.SystemPageSize); // udmabuf wants whole pages
        var memfd = MemfdAllocator.CreateSealedMemfd("udmabuf", size);
        // udmabuf also requires the memfd be sealed against shrinking (done) and not growing further.
        var create = new Native.UdmabufCreateArgs { Memfd = (uint)memfd, Flags = Native.UdmabufFlagsCloexec, Offset = 0, Size = (ulong)size };
        var dmabuf = Native.Ioctl(_dev, Native.UdmabufCreate, ref create);
        if (dmabuf < 0)
        {
            var error = Native.Error();
            close(memfd);
            throw new IOException($"UDMABUF_CREATE failed: {error}");
        }
        var map = MappedBuffer.Map(memfd, size);
        return new MappedBuffer(dmabuf, map, size, offsets, strides, Formats.ModifierLinear, dmabuf, () => close(memfd));
    }

    public void Dispose() => close(_dev);
}
