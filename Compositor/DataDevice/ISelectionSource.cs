namespace Compositor.DataDevice;

/// <summary>What the clipboard or the primary selection holds: a Wayland client's source, or one the
/// compositor offers on another's behalf (the X11 bridge offers X programs' selections this way).</summary>
public interface ISelectionSource
{
    IReadOnlyList<string> MimeTypes { get; }
    /// <summary>Writes the data in <paramref name="mimeType"/> into <paramref name="fd"/> and closes its
    /// copy when done; the caller keeps and closes its own.</summary>
    void Send(string mimeType, int fd);
    /// <summary>Another source took its place.</summary>
    void Cancel();
    /// <summary>Raised once when the source can no longer be asked for data.</summary>
    event Action<ISelectionSource>? Gone;
}
