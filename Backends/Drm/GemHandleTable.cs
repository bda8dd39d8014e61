using Compositor.Backends.Native;

namespace Compositor.Backends.Drm;

/// <summary>
/// GEM handles of client DMA-BUFs imported on a DRM device (DRM_IOCTL_PRIME_FD_TO_HANDLE), for
/// direct scanout. The kernel gives the same handle for every import of the same buffer on one DRM
/// file and does not count them: closing it for one user (DRM_IOCTL_GEM_CLOSE) would pull it from
/// under the others, the classic bug. Handles are therefore reference-counted here and closed
/// after their last user.
/// </summary>
public sealed class GemHandleTable(int drmFd)
{
    private readonly Dictionary<uint, int> _references = [];

    /// <summary>Handles open now, and how many users each has (tests, diagnostics).</summary>
    public IReadOnlyDictionary<uint, int> References => _references;

    /// <summary>The handle of <paramref name="dmaBufFd"/> on this device, one more reference to it;
    /// or the errno when the device cannot import the buffer (virtio-gpu refuses foreign DMA-BUFs).</summary>
    public bool TryAcquire(int dmaBufFd, out uint handle, out int error)
    {
        var prime = new DrmIoctl.PrimeHandle { Fd = dmaBufFd };
        error = DrmIoctl.Ioctl(drmFd, DrmIoctl.IoctlPrimeFdToHandle, ref prime);
        handle = prime.Handle;
        if (error != 0) return false;
        _references[handle] = _references.GetValueOrDefault(handle) + 1;
        return true;
    }

    /// <summary>Drops one reference; the last one closes the handle. False for a handle not held.</summary>
    public bool Release(uint handle)
    {
        if (!_references.TryGetValue(handle, out var count)) return false;
        if (count > 1)
        {
            _references[handle] = count - 1;
            return true;
        }
        _references.Remove(handle);
        var close = new DrmIoctl.GemClose { Handle = handle };
        DrmIoctl.Ioctl(drmFd, DrmIoctl.IoctlGemClose, ref close);
        return true;
    }
}
