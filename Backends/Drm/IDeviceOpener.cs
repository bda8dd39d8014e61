namespace Compositor.Backends.Drm;

/// <summary>Opens the devices a session may use: through libseat (seatd or logind) for an ordinary
/// user, who gets DRM master and input devices only while the session is active.</summary>
internal interface IDeviceOpener
{
    /// <summary>An fd for <paramref name="path"/>, or -1 with the reason.</summary>
    int OpenDevice(string path, out string? whyNot);
    /// <summary>Gives back and closes an fd <see cref="OpenDevice"/> returned.</summary>
    void CloseDevice(int fd);
}
