using Compositor.Surfaces;
using Wayland.Protocols.Server;
using Wayland.Server;

namespace Compositor.PrimarySelection;

/// <summary>
/// zwp_primary_selection_device_manager_v1 and zwp_primary_selection_device_v1: the primary
/// selection (middle-click paste) of seat0. Like the clipboard (<see cref="DataDevice.DataDeviceManager"/>)
/// it is offered to whichever client has keyboard focus, again each time focus moves. set_selection
/// is taken only from the client with keyboard focus quoting a serial of input it was sent while
/// focused (<see cref="Seat.Seat.IsFocusedInputSerial"/>), so a client in the background cannot
/// replace what the user selected; anything else is ignored and logged, as wlroots does.
/// Requests of both interfaces are handled here.
/// </summary>
public sealed class PrimarySelectionManager : IZwpPrimarySelectionDeviceManagerV1Handler, IZwpPrimarySelectionDeviceV1Handler
{
    public const uint Version = 1;

    private readonly Seat.Seat _seat;
    private readonly Serilog.ILogger _log;
    private readonly List<ZwpPrimarySelectionDeviceV1> _devices = [];
    private DataDevice.ISelectionSource? _selection;

    public PrimarySelectionManager(Display display, Seat.Seat seat, Serilog.ILogger log)
    {
        _seat = seat;
        _log = log;
        display.CreateGlobal<ZwpPrimarySelectionDeviceManagerV1>(Version, r => r.Handler = this);
        seat.Keyboard.FocusChanged += OfferSelectionTo;
    }

    /// <summary>The current primary selection, or null.</summary>
    public DataDevice.ISelectionSource? Selection => _selection;
    /// <summary>The primary selection changed hands (the X11 bridge follows it).</summary>
    public event Action<DataDevice.ISelectionSource?>? SelectionChanged;

    public void CreateSource(ZwpPrimarySelectionDeviceManagerV1 resource, ZwpPrimarySelectionSourceV1 id) => _ = new PrimarySource(id);

    public void GetDevice(ZwpPrimarySelectionDeviceManagerV1 resource, ZwpPrimarySelectionDeviceV1 id, WlSeat seat)
    {
        id.Handler = this;
        _devices.Add(id);
        id.Destroyed += r => _devices.Remove((ZwpPrimarySelectionDeviceV1)r);
        if (_seat.Keyboard.Focus?.Resource.Client == resource.Client) SendSelection(id);
    }

    public void Destroy(ZwpPrimarySelectionDeviceManagerV1 resource) { }

    public void Destroy(ZwpPrimarySelectionDeviceV1 resource) { }

    public void SetSelection(ZwpPrimarySelectionDeviceV1 resource, ZwpPrimarySelectionSourceV1? source, uint serial)
    {
        if (!_seat.IsFocusedInputSerial(resource.Client, serial))
        {
            _log.Debug("Primary selection from {Client} refused: serial {Serial} is not input it was sent with keyboard focus", resource.Client, serial);
            // The refused source will never be asked for data; say so, so its client can let go.
            if (source is { IsDestroyed: false } && source.Data != _selection) source.SendCancelled();
            return;
        }
        SetSelection(source?.Data as PrimarySource);
    }

    /// <summary>Puts a source on the primary selection (a client's, or one the compositor made) and
    /// offers it to the focused client; the one it replaces is cancelled.</summary>
    public void SetSelection(DataDevice.ISelectionSource? s)
    {
        var old = _selection;
        if (old == s) return;
        _selection = s;
        if (old is not null)
        {
            old.Gone -= OnSourceGone;
            old.Cancel();
        }
        if (s is not null) s.Gone += OnSourceGone;
        OfferSelectionTo(_seat.Keyboard.Focus);
        SelectionChanged?.Invoke(s);
    }

    private void OnSourceGone(DataDevice.ISelectionSource source)
    {
        if (_selection != source) return;
        _selection = null;
        OfferSelectionTo(_seat.Keyboard.Focus);
        SelectionChanged?.Invoke(null);
    }

    private void OfferSelectionTo(Surface? focus)
    {
        if (focus is null) return;
        foreach (var device in _devices)
            if (device.Client == focus.Resource.Client) SendSelection(device);
    }

    private void SendSelection(ZwpPrimarySelectionDeviceV1 device)
    {
        if (_selection is null)
        {
            device.SendSelection(null);
            return;
        }
        var offer = new ZwpPrimarySelectionOfferV1(device.Client, 0, device.Version);
        _ = new PrimaryOffer(offer, _selection);
        device.SendDataOffer(offer);
        foreach (var mime in _selection.MimeTypes) offer.SendOffer(mime);
        device.SendSelection(offer);
    }
}
