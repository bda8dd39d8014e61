using Compositor.Backends;
using Wayland.Protocols.Server;
using Wayland.Server;
using Wayland.Wire;

namespace Compositor.Shm;

/// <summary>wl_shm v2: advertises the formats the renderer samples and creates pools.
/// wl_shm requests are handled here; wl_shm_pool in <see cref="ShmPool"/>.</summary>
public sealed class ShmGlobal : IWlShmHandler
{
    public const uint Version = 2;
    private readonly IReadOnlyList<uint> _formats;

    /// <param name="importer">When the renderer imports DMA-BUFs, sealed memfd pools are offered to it
    /// as linear buffers (Mesa's llvmpipe accepts them): shm then is zero-copy too.</param>
    public ShmGlobal(Display display, IReadOnlyList<uint> formats, IDmaBufImporter? importer = null, Serilog.ILogger? log = null)
    {
        _formats = formats;
        Importer = importer;
        Log = log;
        display.CreateGlobal<WlShm>(Version, Bind);
    }

    internal bool Supports(uint fourcc) => _formats.Contains(fourcc);
    internal IDmaBufImporter? Importer { get; }
    internal Serilog.ILogger? Log { get; }

    private void Bind(WlShm resource)
    {
        resource.Handler = this;
        foreach (var f in _formats) resource.SendFormat((WlShm.Format)Fourcc.ToWlShm(f));
    }

    public void CreatePool(WlShm resource, WlShmPool id, OwnedFd fd, int size) => ShmPool.Create(this, resource, id, fd, size);

    public void Release(WlShm resource) { }
}
