using Serilog;

namespace Compositor.Backends.Drm;

/// <summary>
/// Framebuffers of client buffers for direct scanout, one per buffer, made the first time the buffer
/// is offered and kept while it lives (a client cycles through two or three buffers, so after the
/// first frames scanning out costs no ioctl but the flip), as wlroots keeps a <c>wlr_drm_fb</c> per
/// <c>wlr_buffer</c>. A buffer the device refused is remembered and never tried again: it is
/// composited. The framebuffer goes when the client's buffer is freed, which happens only once no
/// plane shows it (a shown buffer is locked), so a framebuffer on screen is never removed.
/// </summary>
internal sealed class FramebufferCache(int drmFd, GemHandleTable handles, ILogger log) : IDisposable
{
    // A refused buffer maps to null.
    private readonly Dictionary<IScanoutSource, Framebuffer?> _framebuffers = new(ReferenceEqualityComparer.Instance);
    private Action<IScanoutSource>? _freed;

    /// <summary>Buffers known, refused ones included (tests, diagnostics).</summary>
    public int Count => _framebuffers.Count;
    /// <summary>Framebuffers made for client buffers so far: one per buffer, however many frames show it.</summary>
    public long Made { get; private set; }

    /// <summary>The framebuffer of <paramref name="buffer"/>, made now as <paramref name="fourcc"/>
    /// (its own format or its opaque substitute) if it has none yet; 0 when the device cannot show it
    /// (said once in the log, with <paramref name="output"/>'s name).</summary>
    /// <param name="made">The framebuffer was made by this call: the display has never been asked to show it.</param>
    public uint Get(IScanoutSource buffer, uint fourcc, string output, out bool made)
    {
        made = false;
        if (_framebuffers.TryGetValue(buffer, out var known)) return known?.Id ?? 0;
        var a = buffer.Attributes;
        var fb = Framebuffer.Create(drmFd, handles, a, out var whyNot, fourcc);
        if (fb is null)
            LogRefusal(buffer, output, whyNot);
        else
        {
            Made++;
            made = true;
        }
        _framebuffers[buffer] = fb;
        buffer.Freed += _freed ??= Forget;
        return fb?.Id ?? 0;
    }

    /// <summary>The device turned the buffer down after all (a failed test commit or first flip):
    /// composited from now on. Only for a buffer never shown: its framebuffer is removed at once.</summary>
    public void Refuse(IScanoutSource buffer, string output, string why)
    {
        if (!_framebuffers.TryGetValue(buffer, out var fb) || fb is null) return;
        LogRefusal(buffer, output, why);
        fb.Dispose();
        _framebuffers[buffer] = null;
    }

    private void LogRefusal(IScanoutSource buffer, string output, string? why) =>
        log.Information("{Output}: a {Width}x{Height} client buffer cannot be scanned out ({Why}): composited",
            output, buffer.Attributes.Width, buffer.Attributes.Height, why);

    private void Forget(IScanoutSource buffer)
    {
        if (_framebuffers.Remove(buffer, out var fb)) fb?.Dispose();
    }

    public void Dispose()
    {
        foreach (var (buffer, fb) in _framebuffers)
        {
            buffer.Freed -= _freed;
            fb?.Dispose();
        }
        _framebuffers.Clear();
    }
}
