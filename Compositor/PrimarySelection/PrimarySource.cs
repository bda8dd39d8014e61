using Wayland.Protocols.Server;

namespace Compositor.PrimarySelection;

/// <summary>A client's primary selection in some MIME types (zwp_primary_selection_source_v1). Its requests are handled here.</summary>
public sealed class PrimarySource : IZwpPrimarySelectionSourceV1Handler, DataDevice.ISelectionSource
{
    public PrimarySource(ZwpPrimarySelectionSourceV1 resource)
    {
        Resource = resource;
        resource.Handler = this;
        resource.Data = this;
        resource.Destroyed += _ => Gone?.Invoke(this);
    }

    public ZwpPrimarySelectionSourceV1 Resource { get; }
    public List<string> MimeTypes { get; } = [];
    IReadOnlyList<string> DataDevice.ISelectionSource.MimeTypes => MimeTypes;
    public event Action<DataDevice.ISelectionSource>? Gone;

    public void Send(string mimeType, int fd)
    {
        if (!Resource.IsDestroyed) Resource.SendSend(mimeType, fd);
    }

    public void Cancel()
    {
        if (!Resource.IsDestroyed) Resource.SendCancelled();
    }

    public void Offer(ZwpPrimarySelectionSourceV1 resource, string mimeType)
    {
        if (!MimeTypes.Contains(mimeType)) MimeTypes.Add(mimeType);
    }

    public void Destroy(ZwpPrimarySelectionSourceV1 resource) { }
}
