using System.Runtime.InteropServices;
using Compositor.Backends.Native;

namespace Compositor.Backends.Rendering;

/// <summary>DMA-BUF import: formats and modifiers as EGL reports them, EGLImages bound to textures.</summary>
public sealed unsafe partial class GlesRenderer
{
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

    public ITexture? ImportDmaBuf(DmaBufAttributes a)
    {
        if (!CanImportDmaBuf) return null;
        var attributes = stackalloc int[7 + DmaBufAttributes.MaxPlanes * 10 + 1];
        var n = 0;
        attributes[n++] = Egl.Width; attributes[n++] = a.Width;
        attributes[n++] = Egl.Height; attributes[n++] = a.Height;
        attributes[n++] = Egl.LinuxDrmFourcc; attributes[n++] = (int)a.Fourcc;
        for (var i = 0; i < a.Planes.Length; i++)
        {
            attributes[n++] = Egl.PlaneFd[i]; attributes[n++] = a.Planes[i].Fd;
            attributes[n++] = Egl.PlaneOffset[i]; attributes[n++] = (int)a.Planes[i].Offset;
            attributes[n++] = Egl.PlanePitch[i]; attributes[n++] = (int)a.Planes[i].Stride;
            if (a.Modifier != DmaBufAttributes.ModifierInvalid)
            {
                attributes[n++] = Egl.PlaneModifierLo[i]; attributes[n++] = (int)(uint)a.Modifier;
                attributes[n++] = Egl.PlaneModifierHi[i]; attributes[n++] = (int)(uint)(a.Modifier >> 32);
            }
        }
        attributes[n] = Egl.None;
        var image = Egl.Ext.CreateImage(_display, 0, Egl.LinuxDmaBuf, 0, attributes);
        if (image == 0)
        {
            _log.Debug("eglCreateImageKHR failed: {Error}", Egl.ErrorName(Egl.GetError()));
            return null;
        }
        var external = IsExternalOnly(a.Fourcc, a.Modifier);
        var target = external ? Gles.TextureExternalOes : Gles.Texture2D;
        uint id;
        _gl.GenTextures(1, &id);
        _gl.BindTexture(target, id);
        SetSampling(target);
        _gl.EglImageTargetTexture2DOes(target, image);
        var error = _gl.GetError();
        if (error != 0)
        {
            _log.Debug("binding the EGLImage failed: GL error 0x{Error:x}", error);
            _gl.DeleteTextures(1, &id);
            Egl.Ext.DestroyImage(_display, image);
            return null;
        }
        return new GlesTexture(this, id, target, a.Width, a.Height, a.Fourcc, image);
    }

    private bool IsExternalOnly(uint fourcc, ulong modifier)
    {
        foreach (var f in DmaBufFormats)
            if (f.Fourcc == fourcc && f.Modifier == modifier) return f.ExternalOnly;
        return false;
    }
}
