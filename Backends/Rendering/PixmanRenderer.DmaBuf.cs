using Compositor.Backends.Native;

namespace Compositor.Backends.Rendering;

/// <summary>DMA-BUFs through CPU mappings: client buffers sampled in place (zero-copy), scanout
/// buffers drawn into in place. Only linear single-plane layouts have a meaning without the driver.</summary>
public sealed unsafe partial class PixmanRenderer
{
    public IReadOnlyList<DmaBufFormat> DmaBufFormats { get; }

    /// <summary>No device: the CPU renders.</summary>
    public ulong? MainDevice => null;

    /// <summary>Every format it samples, linear, and with the implicit modifier (a buffer whose
    /// allocator named no modifier: on a device that renders nothing, dumb buffers and memfds, linear).</summary>
    private List<DmaBufFormat> ImportFormats()
    {
        var formats = new List<DmaBufFormat>();
        foreach (var fourcc in ShmFormats)
        {
            formats.Add(new DmaBufFormat(fourcc, DmaBufAttributes.ModifierLinear, ExternalOnly: false));
            formats.Add(new DmaBufFormat(fourcc, DmaBufAttributes.ModifierInvalid, ExternalOnly: false));
        }
        return formats;
    }

    public ITexture? ImportDmaBuf(DmaBufAttributes a)
    {
        var format = PixmanFormat(a.Fourcc);
        if ((format == 0 ? "pixman does not sample that format" : Unmappable(a)) is { } why)
        {
            _log.Debug("DMA-BUF {Width}x{Height} {Format} modifier 0x{Modifier:x} not imported: {Why}",
                a.Width, a.Height, Fourcc.Name(a.Fourcc), a.Modifier, why);
            return null;
        }
        if (MappedPlane.Map(a, 4, writable: false, out var whyNot) is not { } mapping)
        {
            _log.Debug("DMA-BUF {Width}x{Height} not imported: {Why}", a.Width, a.Height, whyNot);
            return null;
        }
        var image = Pixman.ImageCreateBits(format, a.Width, a.Height, mapping.Pixels, (int)a.Planes[0].Stride);
        if (image == 0)
        {
            mapping.Dispose();
            _log.Debug("pixman refused an image over the {Width}x{Height} DMA-BUF", a.Width, a.Height);
            return null;
        }
        PrepareSource(image);
        Counters.DmaBufImports++;
        return new PixmanTexture(image, a.Width, a.Height, a.Fourcc, mapping) { YInverted = a.YInverted };
    }

    public IRenderTarget? CreateTarget(DmaBufAttributes buffer, out string whyNot)
    {
        if (buffer.Fourcc is not (Fourcc.Xrgb8888 or Fourcc.Argb8888))
        {
            whyNot = $"the renderer draws into XRGB8888 and ARGB8888 buffers, not {Fourcc.Name(buffer.Fourcc)}";
            return null;
        }
        if (Unmappable(buffer) is { } why)
        {
            whyNot = why;
            return null;
        }
        if (MappedPlane.Map(buffer, 4, writable: true, out whyNot) is not { } mapping) return null;
        var image = Pixman.ImageCreateBits(PixmanFormat(buffer.Fourcc), buffer.Width, buffer.Height, mapping.Pixels, (int)buffer.Planes[0].Stride);
        if (image == 0)
        {
            mapping.Dispose();
            whyNot = "pixman refused an image over the buffer";
            return null;
        }
        return new PixmanTarget(image, buffer.Width, buffer.Height, mapping);
    }

    /// <summary>Why the CPU cannot address the buffer's pixels as rows of 32-bit pixels; null when it can.</summary>
    private static string? Unmappable(DmaBufAttributes a)
    {
        if (a.Planes.Length != 1) return $"{a.Planes.Length} planes (only single-plane buffers are mapped)";
        if (a.Modifier is not (DmaBufAttributes.ModifierLinear or DmaBufAttributes.ModifierInvalid))
            return $"modifier 0x{a.Modifier:x} is not linear (a tiled layout only its driver can read)";
        if (a.Width <= 0 || a.Height <= 0) return $"size {a.Width}x{a.Height}";
        var plane = a.Planes[0];
        // pixman addresses rows as 32-bit words.
        if (plane.Stride % 4 != 0 || plane.Offset % 4 != 0) return $"stride {plane.Stride} or offset {plane.Offset} is not a multiple of 4";
        if (plane.Stride < (ulong)a.Width * 4) return $"stride {plane.Stride} is shorter than a row of {a.Width} pixels";
        if (plane.Stride > int.MaxValue) return $"stride {plane.Stride} is too large";
        return null;
    }
}
