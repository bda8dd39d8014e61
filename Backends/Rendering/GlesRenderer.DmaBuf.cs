using System.Runtime.InteropServices;
using Compositor.Backends.Native;

namespace Compositor.Backends.Rendering;

/// <summary>DMA-BUF import: formats and modifiers as EGL reports them, EGLImages bound to textures.</summary>
public sealed unsafe partial class GlesRenderer
{
    /// <summary>Formats for which the driver names no modifier: linear buffers of these are imported
    /// in the driver's implicit layout (see <see cref="QueryDmaBufFormats"/>).</summary>
    private readonly HashSet<uint> _linearWithoutModifiers = [];

    private List<DmaBufFormat> QueryDmaBufFormats(bool withModifiers)
    {
        var result = new List<DmaBufFormat>();
        if (Egl.Ext.QueryDmaBufFormats == null) return result;
        int count;
        if (Egl.Ext.QueryDmaBufFormats(_display, 0, null, &count) == 0 || count == 0) return result;
        var formats = new int[count];
        fixed (int* f = formats) Egl.Ext.QueryDmaBufFormats(_display, count, f, &count);
        foreach (var format in formats)
        {
            var anyExternal = false;
            if (withModifiers && Egl.Ext.QueryDmaBufModifiers != null)
            {
                int n;
                if (Egl.Ext.QueryDmaBufModifiers(_display, format, 0, null, null, &n) != 0 && n > 0)
                {
                    var modifiers = new ulong[n];
                    var external = new int[n];
                    fixed (ulong* m = modifiers)
                    fixed (int* e = external)
                        Egl.Ext.QueryDmaBufModifiers(_display, format, n, m, e, &n);
                    for (var i = 0; i < n; i++)
                    {
                        result.Add(new DmaBufFormat((uint)format, modifiers[i], external[i] != 0));
                        anyExternal |= external[i] != 0;
                    }
                }
            }
            // Every format also imports with the implicit modifier (the driver's own layout).
            result.Add(new DmaBufFormat((uint)format, DmaBufAttributes.ModifierInvalid, anyExternal));
            // A driver that names no modifiers for a format (virgl names none at all) is taken to import
            // linear buffers too, as wlroots does: a linear buffer from a client's allocator (GBM with
            // GBM_BO_USE_LINEAR, dumb buffers) is then imported without modifier attributes.
            if (!result.Exists(f => f.Fourcc == (uint)format && f.Modifier != DmaBufAttributes.ModifierInvalid))
            {
                result.Add(new DmaBufFormat((uint)format, DmaBufAttributes.ModifierLinear, anyExternal));
                _linearWithoutModifiers.Add((uint)format);
            }
        }
        return result;
    }

    private ulong? QueryMainDevice(string eglExtensions)
    {
        if (Egl.Ext.QueryDisplayAttrib == null || Egl.Ext.QueryDeviceString == null
            || !eglExtensions.Contains("EGL_EXT_device_query", StringComparison.Ordinal)) return null;
        nint device;
        if (Egl.Ext.QueryDisplayAttrib(_display, Egl.DeviceExt, &device) == 0 || device == 0) return null;
        // A software device (llvmpipe) has neither string: there is no DRM device to name.
        var path = Marshal.PtrToStringUTF8(Egl.Ext.QueryDeviceString(device, Egl.DrmRenderNodeFile))
            ?? Marshal.PtrToStringUTF8(Egl.Ext.QueryDeviceString(device, Egl.DrmDeviceFile));
        return path is null ? null : DeviceNumber(path);
    }

    private static ulong? DeviceNumber(string path)
    {
        // stat's st_rdev through /sys: /sys/dev/char/MAJ:MIN is what udev uses; reading the node's
        // "dev" attribute avoids a stat binding.
        var sys = $"/sys/class/drm/{Path.GetFileName(path)}/dev";
        if (!File.Exists(sys)) return null;
        var parts = File.ReadAllText(sys).Trim().Split(':');
        return (ulong.Parse(parts[0]) << 8) | ulong.Parse(parts[1]);
    }

    private readonly bool _cpuRenderer;

    public ITexture? ImportDmaBuf(DmaBufAttributes a)
    {
        var texture = Import(a);
        if (texture is not null) Counters.DmaBufImports++;
        return texture;
    }

    private GlesTexture? Import(DmaBufAttributes a)
    {
        if (!CanImportDmaBuf) return null;
        if (_cpuRenderer && !CpuMappable(a)) return null;
        var target = IsExternalOnly(a.Fourcc, a.Modifier) ? Gles.TextureExternalOes : Gles.Texture2D;
        if (ImportImage(a.Fourcc, a.Width, a.Height, a.Planes, a.Modifier, target) is { } whole)
            return new GlesTexture(this, whole.Id, target, a.Width, a.Height, a.Fourcc, whole.Image) { YInverted = a.YInverted };
        if (a.Fourcc == Fourcc.Nv12 && a.Planes.Length == 2) return ImportNv12ByPlane(a);
        return null;
    }

    /// <summary>
    /// Whether a software renderer can read the planes in place: it maps each plane's fd for
    /// reading and writing, so a plane must have a size and map that way. And Mesa 25's llvmpipe
    /// imports DMA-BUFs of some exporters and then reads their texels through a null pointer in its
    /// rasterizer threads, taking the whole compositor down. Seen in the VM: udmabuf, the system DMA
    /// heap and virtio-gpu crash it; vgem's (exported by the DRM core as "drm") and plain memfds work.
    /// So only those are read in place; the rest are refused here and, when linear, shown through a
    /// CPU mapping instead (see MappedDmabufBuffer). The exporter's name comes from /proc/self/fdinfo.
    /// </summary>
    private bool CpuMappable(DmaBufAttributes a)
    {
        foreach (var plane in a.Planes)
        {
            if (DmaBufFd.ExporterOf(plane.Fd.Value) is { } exporter and not "drm")
            {
                _log.Debug("DMA-BUF from {Exporter} not imported: llvmpipe reads only memfds and DRM-core exports safely", exporter);
                return false;
            }
            var size = (long)Tmds.Linux.LibC.lseek(plane.Fd.Value, 0, Tmds.Linux.LibC.SEEK_END);
            Tmds.Linux.LibC.lseek(plane.Fd.Value, 0, Tmds.Linux.LibC.SEEK_SET);
            if (size <= 0)
            {
                _log.Information("DMA-BUF plane (fd {Fd}) has no size (lseek: errno {Errno}): a software renderer cannot read it",
                    plane.Fd.Value, Marshal.GetLastSystemError());
                return false;
            }
            var map = Tmds.Linux.LibC.mmap(null, (Tmds.Linux.size_t)(ulong)size,
                Tmds.Linux.LibC.PROT_READ | Tmds.Linux.LibC.PROT_WRITE, Tmds.Linux.LibC.MAP_SHARED, plane.Fd.Value, 0);
            if (map == Tmds.Linux.LibC.MAP_FAILED)
            {
                _log.Information("DMA-BUF plane (fd {Fd}, {Size} bytes) cannot be mapped for the software renderer: errno {Errno}",
                    plane.Fd.Value, size, Marshal.GetLastSystemError());
                return false;
            }
            Tmds.Linux.LibC.munmap(map, (Tmds.Linux.size_t)(ulong)size);
        }
        return true;
    }

    /// <summary>
    /// NV12 for drivers that cannot import a second plane (llvmpipe refuses any plane but the
    /// first, though it lists NV12): each plane becomes an image of its own, Y as R8 and CbCr as
    /// GR88 at half size, and the YUV shader converts, as weston's GL renderer does.
    /// </summary>
    private GlesTexture? ImportNv12ByPlane(DmaBufAttributes a)
    {
        if (ImportImage(Fourcc.R8, a.Width, a.Height, a.Planes.AsSpan(0, 1), a.Modifier, Gles.Texture2D) is not { } y) return null;
        if (ImportImage(Fourcc.Gr88, (a.Width + 1) / 2, (a.Height + 1) / 2, a.Planes.AsSpan(1, 1), a.Modifier, Gles.Texture2D) is not { } uv)
        {
            DeleteImage(y.Id, y.Image);
            return null;
        }
        _log.Debug("NV12 {Width}x{Height} imported as separate Y and CbCr planes", a.Width, a.Height);
        return new GlesTexture(this, y.Id, Gles.Texture2D, a.Width, a.Height, a.Fourcc, y.Image) { UvId = uv.Id, UvImage = uv.Image, YInverted = a.YInverted };
    }

    /// <summary>One EGLImage of the planes, bound to a new texture; null when the driver refuses.</summary>
    private (uint Id, nint Image)? ImportImage(uint fourcc, int width, int height, ReadOnlySpan<DmaBufPlane> planes, ulong modifier, int target)
    {
        var attributes = stackalloc int[7 + DmaBufAttributes.MaxPlanes * 10 + 1];
        var n = 0;
        attributes[n++] = Egl.Width; attributes[n++] = width;
        attributes[n++] = Egl.Height; attributes[n++] = height;
        attributes[n++] = Egl.LinuxDrmFourcc; attributes[n++] = (int)fourcc;
        for (var i = 0; i < planes.Length; i++)
        {
            attributes[n++] = Egl.PlaneFd[i]; attributes[n++] = planes[i].Fd.Value;
            attributes[n++] = Egl.PlaneOffset[i]; attributes[n++] = (int)planes[i].Offset;
            attributes[n++] = Egl.PlanePitch[i]; attributes[n++] = (int)planes[i].Stride;
            if (modifier != DmaBufAttributes.ModifierInvalid && !(modifier == DmaBufAttributes.ModifierLinear && _linearWithoutModifiers.Contains(fourcc)))
            {
                attributes[n++] = Egl.PlaneModifierLo[i]; attributes[n++] = (int)(uint)modifier;
                attributes[n++] = Egl.PlaneModifierHi[i]; attributes[n++] = (int)(uint)(modifier >> 32);
            }
        }
        attributes[n] = Egl.None;
        var image = Egl.Ext.CreateImage(_display, 0, Egl.LinuxDmaBuf, 0, attributes);
        if (image == 0)
        {
            _log.Debug("eglCreateImageKHR of {Width}x{Height} 0x{Fourcc:x8} failed: {Error}", width, height, fourcc, Egl.ErrorName(Egl.GetError()));
            return null;
        }
        uint id;
        _gl.GenTextures(1, &id);
        _gl.BindTexture(target, id);
        SetSampling(target);
        _gl.EglImageTargetTexture2DOes(target, image);
        var error = _gl.GetError();
        if (error != 0)
        {
            _log.Debug("binding the EGLImage failed: GL error 0x{Error:x}", error);
            DeleteImage(id, image);
            return null;
        }
        return (id, image);
    }

    private void DeleteImage(uint id, nint image)
    {
        _gl.DeleteTextures(1, &id);
        Egl.Ext.DestroyImage(_display, image);
    }

    private bool IsExternalOnly(uint fourcc, ulong modifier)
    {
        foreach (var f in DmaBufFormats)
            if (f.Fourcc == fourcc && f.Modifier == modifier) return f.ExternalOnly;
        return false;
    }
}
