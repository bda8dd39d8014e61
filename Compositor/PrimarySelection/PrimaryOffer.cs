using Wayland.Protocols.Server;
using Wayland.Wire;

namespace Compositor.PrimarySelection;

/// <summary>The primary selection as offered to one client (zwp_primary_selection_offer_v1): receive
/// asks the source's client to write the data into the given fd. Its requests are handled here.</summary>
public sealed class PrimaryOffer : IZwpPrimarySelectionOfferV1Handler
{
    private readonly DataDevice.ISelectionSource _source;

    public PrimaryOffer(ZwpPrimarySelectionOfferV1 resource, DataDevice.ISelectionSource source)
    {
        resource.Handler = this;
        _source = source;
    }

    public void Receive(ZwpPrimarySelectionOfferV1 resource, string mimeType, OwnedFd fd)
    {
        // The source's client writes into the fd; ours is closed when this request returns.
        if (_source.MimeTypes.Contains(mimeType)) _source.Send(mimeType, fd.Value);
    }

    public void Destroy(ZwpPrimarySelectionOfferV1 resource) { }
}
