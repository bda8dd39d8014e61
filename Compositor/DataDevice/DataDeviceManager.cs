using Compositor.Surfaces;
using Wayland.Protocols.Server;
using Wayland.Server;

namespace Compositor.DataDevice;

/// <summary>
/// wl_data_device_manager v3 and wl_data_device: the clipboard (selection) of seat0. The selection
/// is offered to whichever client has keyboard focus, and again each time focus moves. Drag and
/// drop is answered by cancelling the drag (not supported yet). wl_data_device_manager and
/// wl_data_device requests are handled here.
/// </summary>
public sealed class DataDeviceManager : IWlDataDeviceManagerHandler, IWlDataDeviceHandler
{
    public const uint Version = 3;

    private readonly Seat.Seat _seat;
    private readonly List<WlDataDevice> _devices = [];
    private ISelectionSource? _selection;

    public DataDeviceManager(Display display, Seat.Seat seat)
    {
        _seat = seat;
        display.CreateGlobal<WlDataDeviceManager>(Version, r => r.Handler = this);
        seat.Keyboard.FocusChanged += OfferSelectionTo;
    }

    public ISelectionSource? Selection => _selection;
    /// <summary>The clipboard changed hands (the X11 bridge follows it).</summary>
    public event Action<ISelectionSource?>? SelectionChanged;

    public void CreateDataSource(WlDataDeviceManager resource, WlDataSource id) => _ = new DataSource(id);

    public void GetDataDevice(WlDataDeviceManager resource, WlDataDevice id, WlSeat seat)
    {
        id.Handler = this;
        _devices.Add(id);
        id.Destroyed += r => _devices.Remove((WlDataDevice)r);
        if (_seat.Keyboard.Focus?.Resource.Client == resource.Client) SendSelection(id);
    }

    public void StartDrag(WlDataDevice resource, WlDataSource? source, WlSurface origin, WlSurface? icon, uint serial)
    {
        if (icon?.Data is Surface iconSurface && iconSurface.RoleName is not null && iconSurface.RoleName != DragIconRole)
        {
            resource.PostError(WlDataDevice.Error.Role, $"{icon} already has the role {iconSurface.RoleName}");
            return;
        }
        if (source?.Data is DataSource s)
        {
            if (s.Used)
            {
                resource.PostError(WlDataDevice.Error.UsedSource, $"{source} was already used");
                return;
            }
            s.Used = true;
            // Drag and drop is not supported yet: the drag ends at once, as if dropped nowhere.
            source.SendCancelled();
        }
    }

    private const string DragIconRole = "wl_data_device-icon";

    public void SetSelection(WlDataDevice resource, WlDataSource? source, uint serial)
    {
        var s = source?.Data as DataSource;
        if (s is not null)
        {
            if (s.IsForDragAndDrop)
            {
                source!.PostError(WlDataSource.Error.InvalidSource, "a drag-and-drop source cannot be the selection");
                return;
            }
            if (s.Used)
            {
                resource.PostError(WlDataDevice.Error.UsedSource, $"{source} was already used");
                return;
            }
            s.Used = true;
        }
        SetSelection(s);
    }

    /// <summary>Puts a source on the clipboard (a client's, or one the compositor made) and offers it
    /// to the focused client; the one it replaces is cancelled.</summary>
    public void SetSelection(ISelectionSource? s)
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

    private void OnSourceGone(ISelectionSource source)
    {
        if (_selection != source) return;
        _selection = null;
        OfferSelectionTo(_seat.Keyboard.Focus);
        SelectionChanged?.Invoke(null);
    }

    public void Release(WlDataDevice resource) { }

    private void OfferSelectionTo(Surface? focus)
    {
        if (focus is null) return;
        foreach (var device in _devices)
            if (device.Client == focus.Resource.Client) SendSelection(device);
    }

    private void SendSelection(WlDataDevice device)
    {
        if (_selection is null)
        {
            device.SendSelection(null);
            return;
        }
        var offer = new WlDataOffer(device.Client, 0, device.Version);
        _ = new DataOffer(offer, _selection);
        device.SendDataOffer(offer);
        foreach (var mime in _selection.MimeTypes) offer.SendOffer(mime);
        device.SendSelection(offer);
    }
}
