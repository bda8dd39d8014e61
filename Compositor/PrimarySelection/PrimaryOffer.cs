using Wayland.Protocols.Server;
using Wayland.Wire;

namespace Compositor.PrimarySelection;

/// <summary>The primary selection as offered to one client (zwp_primary_selection_offer_v1): receive
/// asks the source's client to write the data into the given fd. Its requests are handled here.</summary>
public sealed class PrimaryOffer : IZwpPrimarySelectionOfferV1Handler
{
    private readonly PrimarySource _source;

    public PrimaryOffer(ZwpPrimarySelectionOfferV1 resource, PrimarySource source)
    {
        resource.Handler = this;
        _source = source;
    }

    public void Receive(ZwpPrimarySelectionOfferV1 resource, string mimeType, OwnedFd fd)
    {
        // The source's client writes into the fd; ours is closed when this request returns.
        if (!_source.Resource.IsDestroyed && _source.MimeTypes.Contains(mimeType))
            _source.Resource.SendSend(mimeType, fd.Value);
    }

    public void Destroy(ZwpPrimarySelectionOfferV1 resource) { }
}
