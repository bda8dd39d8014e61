using static Compositor.Backends.Native.DrmIoctl;

namespace Compositor.Backends.Drm;

/// <summary>
/// A DMA-BUF as a framebuffer of the display device (ADDFB2). Its planes are imported as GEM handles
/// only for the call: the framebuffer keeps the buffer object alive, so the handles (counted in
/// <see cref="GemHandleTable"/>, since every import of one buffer gets the same handle) are closed at
/// once, as wlroots' <c>backend/drm/fb.c</c> does. Dispose removes the framebuffer (RMFB).
/// </summary>
internal sealed class Framebuffer : IDisposable
{
    private const uint FbModifiers = 2; // DRM_MODE_FB_MODIFIERS

    private readonly int _drmFd;

    private Framebuffer(int drmFd, uint id)
    {
        _drmFd = drmFd;
        Id = id;
    }

    public uint Id { get; private set; }

    /// <param name="fourcc">The format to show the buffer as: its own, or its opaque substitute.</param>
    public static unsafe Framebuffer? Create(int drmFd, GemHandleTable table, DmaBufAttributes a, out string? whyNot, uint fourcc = 0)
    {
        Span<uint> handles = stackalloc uint[DmaBufAttributes.MaxPlanes];
        var imported = 0;
        var fb = new FbCmd2 { Width = (uint)a.Width, Height = (uint)a.Height, PixelFormat = fourcc != 0 ? fourcc : a.Fourcc };
        try
        {
            for (var i = 0; i < a.Planes.Length; i++)
            {
                if (!table.TryAcquire(a.Planes[i].Fd.Value, out var handle, out var error))
                {
                    whyNot = $"the device does not import it: PRIME_FD_TO_HANDLE errno {error}";
                    return null;
                }
                handles[imported++] = handle;
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
            return new Framebuffer(drmFd, fb.FbId);
        }
        finally
        {
            for (var i = 0; i < imported; i++) table.Release(handles[i]);
        }
    }

    /// <summary>Linear and implicit layouts go without DRM_MODE_FB_MODIFIERS: drivers without
    /// modifier support (virtio-gpu) refuse the flag, and linear is what they scan out anyway.</summary>
    private static bool ExplicitModifier(ulong modifier) =>
        modifier is not (DmaBufAttributes.ModifierInvalid or DmaBufAttributes.ModifierLinear);

    public void Dispose()
    {
        if (Id == 0) return;
        Ioctl(_drmFd, IoctlModeRmFb, Id);
        Id = 0;
    }
}
