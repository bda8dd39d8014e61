using static Compositor.Backends.Native.DrmIoctl;

namespace Compositor.Backends.Drm;

/// <summary>
/// A client's DMA-BUF as a framebuffer of the display device, for one direct-scanout frame: its
/// planes imported as GEM handles (reference-counted, since every import of a buffer gets the same
/// handle), the framebuffer made of them, and the client's hold on the buffer. Dispose when the
/// frame has left the screen: the framebuffer and handles go, and the client gets its buffer back.
/// </summary>
internal sealed unsafe class DirectFrame : IDisposable
{
    private const uint FbModifiers = 2; // DRM_MODE_FB_MODIFIERS

    private readonly int _drmFd;
    private readonly GemHandleTable _table;
    private readonly uint[] _handles;

    private DirectFrame(int drmFd, GemHandleTable table, uint[] handles, uint framebufferId)
    {
        _drmFd = drmFd;
        _table = table;
        _handles = handles;
        FramebufferId = framebufferId;
    }

    public uint FramebufferId { get; }
    public IScanoutSource? Source { get; set; }

    public static DirectFrame? Create(int drmFd, GemHandleTable table, DmaBufAttributes a, out string? whyNot)
    {
        var handles = new List<uint>();
        var fb = new FbCmd2 { Width = (uint)a.Width, Height = (uint)a.Height, PixelFormat = a.Fourcc };
        try
        {
            for (var i = 0; i < a.Planes.Length; i++)
            {
                if (!table.TryAcquire(a.Planes[i].Fd.Value, out var handle, out var error))
                {
                    whyNot = $"the device does not import it: PRIME_FD_TO_HANDLE errno {error}";
                    return null;
                }
                handles.Add(handle);
                fb.Handles[i] = handle;
                fb.Pitches[i] = a.Planes[i].Stride;
                fb.Offsets[i] = a.Planes[i].Offset;
                if (ExplicitModifier(a.Modifier)) fb.Modifier[i] = a.Modifier;
            }
            if (ExplicitModifier(a.Modifier)) fb.Flags = FbModifiers;
            if (Ioctl(drmFd, IoctlModeAddFb2, ref fb) is var fbError and not 0)
            {
                whyNot = $"ADDFB2 errno {fbError}";
                return null;
            }
            whyNot = null;
            var frame = new DirectFrame(drmFd, table, [.. handles], fb.FbId);
            handles.Clear();
            return frame;
        }
        finally
        {
            foreach (var h in handles) table.Release(h);
        }
    }

    /// <summary>Linear and implicit layouts go without DRM_MODE_FB_MODIFIERS: drivers without
    /// modifier support (virtio-gpu) refuse the flag, and linear is what they scan out anyway.</summary>
    private static bool ExplicitModifier(ulong modifier) =>
        modifier is not (DmaBufAttributes.ModifierInvalid or DmaBufAttributes.ModifierLinear);

    public void Dispose()
    {
        Ioctl(_drmFd, IoctlModeRmFb, FramebufferId);
        foreach (var h in _handles) _table.Release(h);
        Source?.Unlock();
        Source = null;
    }
}
