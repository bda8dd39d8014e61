using Compositor.Surfaces;
using Wayland.Protocols.Server;

namespace Compositor.Scene;

/// <summary>wp_presentation: per-commit feedback on when content reached the screen
/// (sent by <see cref="SceneRenderer.Presented"/> with the backend's timestamps).</summary>
public sealed class PresentationGlobal : IWpPresentationHandler
{
    public const uint Version = 2;
    /// <summary>CLOCK_MONOTONIC: the clock every backend stamps presentation with.</summary>
    public const uint ClockId = 1;
    public static readonly PresentationGlobal Handler = new();

    public static void Bind(WpPresentation resource)
    {
        resource.Handler = Handler;
        resource.SendClockId(ClockId);
    }

    public void Destroy(WpPresentation resource) { }

    public void Feedback(WpPresentation resource, WlSurface surface, WpPresentationFeedback callback) =>
        ((Surface)surface.Data!).AddFeedback(callback);
}
