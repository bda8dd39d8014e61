using static Tmds.Linux.LibC;

namespace DmabufClient.Allocators;

/// <summary>A DMA-BUF from the kernel's system heap (/dev/dma_heap/system), mapped directly.</summary>
internal sealed unsafe class DmaHeapAllocator : IBufferAllocator
{
    public const string Device = "/dev/dma_heap/system";
    private readonly int _heap;

    public DmaHeapAllocator()
    {
        _heap = Native.Open(Device, O_RDWR | O_CLOEXEC);
        if (_heap < 0) throw new IOException($"cannot open {Device}: {Native.Error()}");
    }

    public string Name => "dma-heap (/dev/dma_heap/system)";

    public IAllocatedBuffer Allocate(int width, int height, uint fourcc)
    {
        var (size, offsets, strides) = Formats.Layout(width, height, fourcc);
        var alloc = new Native.DmaHeapAllocationData { Len = (ulong)size, FdFlags = (uint)(O_RDWR | O_CLOEXEC) };
        if (Native.Ioctl(_heap, Native.DmaHeapIoctlAlloc, ref alloc) < 0) throw new IOException($"DMA_HEAP_IOCTL_ALLOC failed: {Native.Error()}");
        var fd = (int)alloc.Fd;
        return new MappedBuffer(fd, MappedBuffer.Map(fd, size), size, offsets, strides, Formats.ModifierLinear, fd, null);
    }

    public void Dispose() => close(_heap);
}
