namespace Compositor.Xwayland;

/// <summary>Clipboard and primary selection between X11 and Wayland, both ways.</summary>
internal sealed class XSelectionBridge : IDisposable
{
    public bool Owns(uint window) => false;
    public void Dispatch(ReadOnlySpan<byte> e) { }
    public void OnOwnerChanged(ReadOnlySpan<byte> e) { }
    public void OnPropertyNotify(uint window, uint atom, bool deleted) { }
    public void Dispose() { }
}
