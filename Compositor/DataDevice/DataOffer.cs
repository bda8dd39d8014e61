using Wayland.Protocols.Server;
using Wayland.Wire;

namespace Compositor.DataDevice;

/// <summary>The selection as offered to one client (wl_data_offer): receive asks the source's client
/// to write the data into the given fd. Its requests are handled here.</summary>
public sealed class DataOffer : IWlDataOfferHandler
{
    private readonly ISelectionSource _source;

    public DataOffer(WlDataOffer resource, ISelectionSource source)
    {
        resource.Handler = this;
        _source = source;
    }

    public void Accept(WlDataOffer resource, uint serial, string? mimeType) { }

    public void Receive(WlDataOffer resource, string mimeType, OwnedFd fd)
    {
        // The source's client writes into the fd; ours is closed when this request returns.
        if (_source.MimeTypes.Contains(mimeType)) _source.Send(mimeType, fd.Value);
    }

    public void Destroy(WlDataOffer resource) { }

    public void Finish(WlDataOffer resource) =>
        resource.PostError(WlDataOffer.Error.InvalidFinish, "finish is for drag-and-drop offers; this is a selection");

    public void SetActions(WlDataOffer resource, WlDataDeviceManager.DndAction dndActions, WlDataDeviceManager.DndAction preferredAction) =>
        resource.PostError(WlDataOffer.Error.InvalidOffer, "set_actions is for drag-and-drop offers; this is a selection");
}
