using Wayland.Protocols.Client;

namespace Compositor.Tests.Harness;

/// <summary>An xdg toplevel of a test client, past its initial commit and first configure; <see cref="Show"/>
/// acks the latest configure if it is new and commits a buffer (the first one maps it).</summary>
internal sealed class TestToplevel
{
    private readonly TestClient _client;
    private uint _acked;

    public TestToplevel(TestClient client, WlSurface surface)
    {
        _client = client;
        Surface = surface;
        XdgSurface = client.Bind<XdgWmBase>("xdg_wm_base", 6).GetXdgSurface(surface);
        XdgSurface.Configure += (_, serial) => LastSerial = serial;
        Toplevel = XdgSurface.GetToplevel();
        surface.Commit();
        client.Roundtrip();
    }

    public WlSurface Surface { get; }
    public XdgSurface XdgSurface { get; }
    public XdgToplevel Toplevel { get; }
    public uint LastSerial { get; private set; }

    public void Show(WlBuffer buffer, Action? beforeCommit = null)
    {
        if (LastSerial != _acked) XdgSurface.AckConfigure(_acked = LastSerial);
        Surface.Attach(buffer, 0, 0);
        beforeCommit?.Invoke();
        Surface.Commit();
        _client.Roundtrip();
    }
}
