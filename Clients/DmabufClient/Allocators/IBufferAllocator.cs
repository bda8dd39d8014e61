namespace DmabufClient.Allocators;

/// <summary>One plane of an allocated buffer: the fd the compositor gets, where the plane starts
/// in it, and its row pitch.</summary>
public readonly record struct Plane(int Fd, uint Offset, uint Stride);

/// <summary>A buffer the client can draw into with the CPU and hand over as a DMA-BUF.</summary>
public interface IAllocatedBuffer : IDisposable
{
    IReadOnlyList<Plane> Planes { get; }
    ulong Modifier { get; }
    /// <summary>CPU access to the pixels for the span of <paramref name="draw"/> (with the cache
    /// synchronisation DMA-BUFs need around it).</summary>
    unsafe void Write(DrawPlanes draw);
}

public unsafe delegate void DrawPlanes(byte* plane0, byte* plane1);

/// <summary>A way of making DMA-BUFs.</summary>
public interface IBufferAllocator : IDisposable
{
    string Name { get; }
    /// <summary>Linear DRM_FORMAT_MOD_LINEAR buffers, or whatever modifier the allocator picked.</summary>
    IAllocatedBuffer Allocate(int width, int height, uint fourcc);
}

public static class Formats
{
    public const uint Xrgb8888 = 0x34325258, Argb8888 = 0x34325241, Nv12 = 0x3231564e;
    public const ulong ModifierLinear = 0, ModifierInvalid = 0x00ffffffffffffff;

    public static string Name(uint fourcc) => fourcc switch
    {
        Xrgb8888 => "XRGB8888", Argb8888 => "ARGB8888", Nv12 => "NV12", _ => $"0x{fourcc:x8}",
    };

    /// <summary>Bytes of a linear buffer and its planes: 4 bytes per pixel, or NV12's Y plane then
    /// the half-height interleaved CbCr plane, rows padded to 64 bytes.</summary>
    public static (long Size, uint[] Offsets, uint[] Strides) Layout(int width, int height, uint fourcc)
    {
        if (fourcc == Nv12)
        {
            var stride = (uint)Align(width, 64);
            var ySize = stride * (uint)height;
            return (ySize + stride * (uint)((height + 1) / 2), [0, ySize], [stride, stride]);
        }
        var s = (uint)Align(width * 4, 64);
        return (s * (long)height, [0], [s]);
    }

    public static int Align(int v, int a) => (v + a - 1) / a * a;
}
