using static Tmds.Linux.LibC;

namespace DmabufClient.Allocators;

/// <summary>
/// The GEM handle → PRIME fd path: a dumb buffer on a DRM device (vgem, or a KMS card) is created
/// as a GEM handle (DRM_IOCTL_MODE_CREATE_DUMB), mapped through the device for drawing
/// (DRM_IOCTL_MODE_MAP_DUMB), and exported as a DMA-BUF fd (DRM_IOCTL_PRIME_HANDLE_TO_FD). The
/// compositor never sees the handle, only the fd: unlike a flink name, an fd cannot be guessed.
/// </summary>
internal sealed unsafe class DumbAllocator : IBufferAllocator
{
    private readonly int _drm;

    public DumbAllocator(string device)
    {
        DevicePath = device;
        _drm = Native.Open(device, O_RDWR | O_CLOEXEC);
        if (_drm < 0) throw new IOException($"cannot open {device}: {Native.Error()}");
    }

    public string DevicePath { get; }
    public string Name => $"dumb buffer on {DevicePath} (GEM handle → PRIME fd)";

    public IAllocatedBuffer Allocate(int width, int height, uint fourcc)
    {
        // NV12 as one dumb buffer of 8-bit "pixels": the Y rows, then the CbCr rows.
        var nv12 = fourcc == Formats.Nv12;
        var create = new Native.DrmModeCreateDumb
        {
            Width = (uint)(nv12 ? Formats.Align(width, 64) : width),
            Height = (uint)(nv12 ? height + (height + 1) / 2 : height),
            Bpp = nv12 ? 8u : 32u,
        };
        if (Native.Ioctl(_drm, Native.DrmIoctlModeCreateDumb, ref create) < 0)
            throw new IOException($"DRM_IOCTL_MODE_CREATE_DUMB on {DevicePath} failed: {Native.Error()}");
        var handle = create.Handle;
        try
        {
            var map = new Native.DrmModeMapDumb { Handle = handle };
            if (Native.Ioctl(_drm, Native.DrmIoctlModeMapDumb, ref map) < 0)
                throw new IOException($"DRM_IOCTL_MODE_MAP_DUMB failed: {Native.Error()}");
            var prime = new Native.DrmPrimeHandle { Handle = handle, Flags = Native.DrmCloexec | Native.DrmRdwr, Fd = -1 };
            if (Native.Ioctl(_drm, Native.DrmIoctlPrimeHandleToFd, ref prime) < 0)
                throw new IOException($"DRM_IOCTL_PRIME_HANDLE_TO_FD failed: {Native.Error()}");
            var pixels = MappedBuffer.Map(_drm, (long)create.Size, (long)map.Offset);
            uint[] offsets = nv12 ? [0, create.Pitch * (uint)height] : [0];
            uint[] strides = nv12 ? [create.Pitch, create.Pitch] : [create.Pitch];
            var drm = _drm;
            return new MappedBuffer(prime.Fd, pixels, (long)create.Size, offsets, strides, Formats.ModifierLinear, prime.Fd,
                () => Destroy(drm, handle));
        }
        catch
        {
            Destroy(_drm, handle);
            throw;
        }
    }

    private static void Destroy(int drm, uint handle)
    {
        var d = new Native.DrmModeDestroyDumb { Handle = handle };
        Native.Ioctl(drm, Native.DrmIoctlModeDestroyDumb, ref d);
    }

    public void Dispose() => close(_drm);

    /// <summary>DRM devices that can make dumb buffers, vgem first (it exists for exactly this).</summary>
    public static IEnumerable<string> Candidates()
    {
        if (!Directory.Exists("/dev/dri")) yield break;
        var cards = Directory.GetFiles("/dev/dri", "card*").Order().ToList();
        foreach (var c in cards.Where(IsVgem)) yield return c;
        foreach (var c in cards.Where(c => !IsVgem(c))) yield return c;
    }

    private static bool IsVgem(string card)
    {
        // vgem is a platform device named "vgem": /sys/class/drm/cardN/device links to it.
        var device = new DirectoryInfo($"/sys/class/drm/{Path.GetFileName(card)}/device");
        try { return Path.GetFileName(device.LinkTarget ?? "") == "vgem"; }
        catch (IOException) { return false; }
    }
}
