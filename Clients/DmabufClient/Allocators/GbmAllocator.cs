using System.Runtime.InteropServices;
using static Tmds.Linux.LibC;

namespace DmabufClient.Allocators;

/// <summary>
/// What a GPU program does: a buffer object from Mesa's GBM on a DRM render node (or a card), in
/// the format and modifier the compositor asked for, exported with gbm_bo_get_fd and drawn through
/// gbm_bo_map.
/// </summary>
internal sealed unsafe partial class GbmAllocator : IBufferAllocator
{
    private const string Lib = "libgbm.so.1";
    private const uint UseScanout = 1 << 0, UseRendering = 1 << 2, UseLinear = 1 << 4, TransferWrite = 1 << 1;
    private readonly int _fd;
    private readonly nint _device;
    private readonly IReadOnlyList<ulong> _modifiers;
    private readonly uint _usage;

    /// <param name="modifiers">Modifiers the compositor accepts for the format (from its feedback);
    /// empty: linear.</param>
    /// <param name="scanout">The buffers may go straight to a display plane (a fullscreen window):
    /// GBM_BO_USE_SCANOUT, as Mesa's EGL asks for when the compositor's feedback has a scanout
    /// tranche. Some drivers place or tag scanout buffers differently (virgl: a scanout resource,
    /// without which QEMU's display keeps showing the previous one).</param>
    public GbmAllocator(string node, IReadOnlyList<ulong> modifiers, bool scanout = false)
    {
        NodePath = node;
        _modifiers = modifiers;
        _usage = UseRendering | (scanout ? UseScanout : 0);
        _fd = Native.Open(node, O_RDWR | O_CLOEXEC);
        if (_fd < 0) throw new IOException($"cannot open {node}: {Native.Error()}");
        _device = gbm_create_device(_fd);
        if (_device == 0)
        {
            close(_fd);
            throw new IOException($"gbm_create_device({node}) failed");
        }
    }

    public string NodePath { get; }
    public string Name => $"GBM on {NodePath} ({Marshal.PtrToStringUTF8(gbm_device_get_backend_name(_device))})";

    public IAllocatedBuffer Allocate(int width, int height, uint fourcc)
    {
        nint bo = 0;
        var mods = _modifiers.Where(m => m != Formats.ModifierInvalid).ToArray();
        if (mods.Length > 0)
            fixed (ulong* m = mods) bo = gbm_bo_create_with_modifiers2(_device, (uint)width, (uint)height, fourcc, m, (uint)mods.Length, _usage);
        // Asked for linear only, or made with GBM_BO_USE_LINEAR: linear, whatever the driver reports.
        var linear = mods.Length > 0 && mods.All(m => m == Formats.ModifierLinear);
        if (bo == 0 && (_usage & UseScanout) != 0)
        {
            // The driver's own scanout layout (the implicit modifier): what Mesa's EGL allocates for a
            // fullscreen window. (virgl makes a linear mappable buffer a host blob resource, which
            // QEMU's display cannot show.)
            bo = gbm_bo_create(_device, (uint)width, (uint)height, fourcc, _usage);
        }
        if (bo == 0)
        {
            bo = gbm_bo_create(_device, (uint)width, (uint)height, fourcc, _usage | UseLinear);
            linear = true;
        }
        if (bo == 0) throw new IOException($"gbm_bo_create {width}x{height} {Formats.Name(fourcc)} failed: {Native.Error()}");
        return new GbmBuffer(bo, width, height, linear);
    }

    public void Dispose()
    {
        gbm_device_destroy(_device);
        close(_fd);
    }

    private sealed class GbmBuffer : IAllocatedBuffer
    {
        private readonly nint _bo;
        private readonly int _width, _height;
        private readonly int _fd;

        /// <param name="linear">Made with GBM_BO_USE_LINEAR: linear whatever modifier the driver reports
        /// (drivers without modifier support report "invalid").</param>
        public GbmBuffer(nint bo, int width, int height, bool linear)
        {
            _bo = bo;
            (_width, _height) = (width, height);
            _fd = gbm_bo_get_fd(bo);
            if (_fd < 0) { gbm_bo_destroy(bo); throw new IOException("gbm_bo_get_fd failed"); }
            var planes = new List<Plane>();
            for (var i = 0; i < gbm_bo_get_plane_count(bo); i++)
                planes.Add(new Plane(_fd, gbm_bo_get_offset(bo, i), gbm_bo_get_stride_for_plane(bo, i)));
            Planes = planes;
            Modifier = gbm_bo_get_modifier(bo);
            if (linear && Modifier == Formats.ModifierInvalid) Modifier = Formats.ModifierLinear;
        }

        public IReadOnlyList<Plane> Planes { get; }
        public ulong Modifier { get; }

        public void Write(DrawPlanes draw)
        {
            uint stride;
            nint mapData = 0;
            var p = (byte*)gbm_bo_map(_bo, 0, 0, (uint)_width, (uint)_height, TransferWrite, &stride, &mapData);
            if (p == null) throw new IOException("gbm_bo_map failed (a tiled buffer the CPU cannot write?)");
            try
            {
                draw(p + Planes[0].Offset, Planes.Count > 1 ? p + Planes[1].Offset : null);
            }
            finally
            {
                gbm_bo_unmap(_bo, mapData);
            }
        }

        public void Dispose()
        {
            close(_fd);
            gbm_bo_destroy(_bo);
        }
    }

    /// <summary>Render nodes first (what clients should use), then cards.</summary>
    public static IEnumerable<string> Candidates() =>
        Directory.Exists("/dev/dri")
            ? Directory.GetFiles("/dev/dri", "renderD*").Order().Concat(Directory.GetFiles("/dev/dri", "card*").Order())
            : [];

    [LibraryImport(Lib)] private static partial nint gbm_create_device(int fd);
    [LibraryImport(Lib)] private static partial void gbm_device_destroy(nint device);
    [LibraryImport(Lib)] private static partial nint gbm_device_get_backend_name(nint device);
    [LibraryImport(Lib)] private static partial nint gbm_bo_create(nint device, uint width, uint height, uint format, uint flags);
    [LibraryImport(Lib)] private static partial nint gbm_bo_create_with_modifiers2(nint device, uint width, uint height, uint format, ulong* modifiers, uint count, uint flags);
    [LibraryImport(Lib)] private static partial void gbm_bo_destroy(nint bo);
    [LibraryImport(Lib)] private static partial int gbm_bo_get_fd(nint bo);
    [LibraryImport(Lib)] private static partial int gbm_bo_get_plane_count(nint bo);
    [LibraryImport(Lib)] private static partial uint gbm_bo_get_offset(nint bo, int plane);
    [LibraryImport(Lib)] private static partial uint gbm_bo_get_stride_for_plane(nint bo, int plane);
    [LibraryImport(Lib)] private static partial ulong gbm_bo_get_modifier(nint bo);
    [LibraryImport(Lib)] private static partial nint gbm_bo_map(nint bo, uint x, uint y, uint width, uint height, uint flags, uint* stride, nint* mapData);
    [LibraryImport(Lib)] private static partial void gbm_bo_unmap(nint bo, nint mapData);
}
