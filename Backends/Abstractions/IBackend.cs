namespace Compositor.Backends;

/// <summary>
/// Where the compositor's pixels go and its input comes from: headless, DRM/KMS or a window in
/// another Wayland compositor. A backend owns its outputs and its renderer; it registers its fds and
/// timers with the compositor's event loop and never blocks.
/// </summary>
public interface IBackend : IDisposable
{
    /// <summary>"headless", "drm" or "wayland".</summary>
    string Name { get; }

    /// <summary>The renderer that draws into this backend's outputs.</summary>
    IRenderer Renderer { get; }

    IReadOnlyList<IOutput> Outputs { get; }
    event Action<IOutput>? OutputAdded;
    event Action<IOutput>? OutputRemoved;

    /// <summary>Brings outputs up and starts delivering input to <paramref name="input"/>.</summary>
    void Start(IInputSink input);

    /// <summary>The user asked to leave through the backend itself (Ctrl+Alt+Backspace on a console,
    /// where no other way out exists).</summary>
    event Action? QuitRequested;

    /// <summary>Shows text console <paramref name="number"/> (a session on a VT); false where the
    /// backend has no console to switch.</summary>
    bool SwitchConsole(int number) => false;
}
