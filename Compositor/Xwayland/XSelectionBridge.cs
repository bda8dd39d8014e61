using System.Buffers.Binary;
using Compositor.DataDevice;
using Serilog;

namespace Compositor.Xwayland;

/// <summary>
/// The clipboard and the primary selection between X11 and Wayland, both ways: when a Wayland
/// client owns one, the bridge owns the X selection and answers X programs' conversions with the
/// client's data; when an X program takes one (XFixes tells us), the bridge asks it for its
/// TARGETS and offers them to Wayland clients as a source of ours. Large data goes in ICCCM's
/// INCR chunks both ways. Each selection has its own window, so transfers of the two never meet.
/// </summary>
internal sealed class XSelectionBridge : IDisposable
{
    private readonly XSelection _clipboard, _primary;

    public XSelectionBridge(CompositorServer server, XConnection x, XAtoms atoms, ILogger log)
    {
        var dataDevices = server.DataDevices;
        var primary = server.Primary;
        _clipboard = new XSelection(server, x, atoms, log, atoms["CLIPBOARD"], "clipboard",
            () => dataDevices.Selection, s => dataDevices.SetSelection(s));
        _primary = new XSelection(server, x, atoms, log, atoms["PRIMARY"], "primary selection",
            () => primary.Selection, s => primary.SetSelection(s));
        dataDevices.SelectionChanged += _clipboard.OnWaylandSelectionChanged;
        primary.SelectionChanged += _primary.OnWaylandSelectionChanged;
        _unsubscribe = () =>
        {
            dataDevices.SelectionChanged -= _clipboard.OnWaylandSelectionChanged;
            primary.SelectionChanged -= _primary.OnWaylandSelectionChanged;
        };
        // Whatever Wayland clients selected before X started is X's to paste too.
        _clipboard.OnWaylandSelectionChanged(dataDevices.Selection);
        _primary.OnWaylandSelectionChanged(primary.Selection);
    }

    private readonly Action _unsubscribe;

    public bool Owns(uint window) => window == _clipboard.Window || window == _primary.Window;

    private XSelection? ByWindow(uint window) => window == _clipboard.Window ? _clipboard : window == _primary.Window ? _primary : null;
    private XSelection? BySelection(uint atom) => atom == _clipboard.Atom ? _clipboard : atom == _primary.Atom ? _primary : null;

    /// <summary>SelectionRequest, SelectionNotify and SelectionClear events.</summary>
    public void Dispatch(ReadOnlySpan<byte> e)
    {
        switch (e[0] & 0x7f)
        {
            case Xcb.SelectionRequest:
                ByWindow(U32(e, 8))?.OnRequest(time: U32(e, 4), requestor: U32(e, 12), target: U32(e, 20), property: U32(e, 24));
                break;
            case Xcb.SelectionNotify:
                ByWindow(U32(e, 8))?.OnNotify(target: U32(e, 16), property: U32(e, 20));
                break;
        }
    }

    /// <summary>XFixes' SelectionNotify: a selection has a new owner.</summary>
    public void OnOwnerChanged(ReadOnlySpan<byte> e) => BySelection(U32(e, 12))?.OnOwnerChanged(owner: U32(e, 8), time: U32(e, 20));

    /// <summary>Property changes on windows that are not managed ones: INCR transfers' chunks.</summary>
    public void OnPropertyNotify(uint window, uint atom, bool deleted)
    {
        if (ByWindow(window) is { } own) own.OnOwnPropertyChanged(atom, deleted);
        else
        {
            _clipboard.OnRequestorPropertyChanged(window, atom, deleted);
            _primary.OnRequestorPropertyChanged(window, atom, deleted);
        }
    }

    private static uint U32(ReadOnlySpan<byte> e, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(e[offset..]);

    public void Dispose()
    {
        _unsubscribe();
        _clipboard.Dispose();
        _primary.Dispose();
    }
}
