using Wayland.Protocols.Server;

namespace Compositor.DataDevice;

/// <summary>A client's offer of data in some MIME types (wl_data_source). Its requests are handled here.</summary>
public sealed class DataSource : IWlDataSourceHandler, ISelectionSource
{
    private const WlDataDeviceManager.DndAction AllActions =
        WlDataDeviceManager.DndAction.Copy | WlDataDeviceManager.DndAction.Move | WlDataDeviceManager.DndAction.Ask;

    public DataSource(WlDataSource resource)
    {
        Resource = resource;
        resource.Handler = this;
        resource.Data = this;
        resource.Destroyed += _ => Gone?.Invoke(this);
    }

    public WlDataSource Resource { get; }
    public List<string> MimeTypes { get; } = [];
    IReadOnlyList<string> ISelectionSource.MimeTypes => MimeTypes;
    public event Action<ISelectionSource>? Gone;

    // The client writes into the fd it gets; ours is closed by the caller once this returns.
    public void Send(string mimeType, int fd)
    {
        if (!Resource.IsDestroyed) Resource.SendSend(mimeType, fd);
    }

    public void Cancel()
    {
        if (!Resource.IsDestroyed) Resource.SendCancelled();
    }
    /// <summary>set_actions was called: the source is meant for drag and drop only.</summary>
    public bool IsForDragAndDrop { get; private set; }
    /// <summary>Already given to set_selection or start_drag: a source is used once.</summary>
    public bool Used { get; set; }

    public void Offer(WlDataSource resource, string mimeType)
    {
        if (!MimeTypes.Contains(mimeType)) MimeTypes.Add(mimeType);
    }

    public void Destroy(WlDataSource resource) { }

    public void SetActions(WlDataSource resource, WlDataDeviceManager.DndAction dndActions)
    {
        if ((dndActions & ~AllActions) != 0)
        {
            resource.PostError(WlDataSource.Error.InvalidActionMask, $"invalid action mask 0x{(uint)dndActions:x}");
            return;
        }
        if (Used)
        {
            resource.PostError(WlDataSource.Error.InvalidSource, "set_actions after the source was used");
            return;
        }
        IsForDragAndDrop = true;
    }
}
