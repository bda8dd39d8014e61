using Compositor.Backends;
using Serilog;
using Wayland.Protocols.Server;
using Wayland.Wire;

namespace Compositor.Dmabuf;

/// <summary>
/// zwp_linux_buffer_params_v1: collects a client's planes (fds arrive with add and are owned here
/// until a buffer takes them or the params die), checks them in the order the issue and the spec
/// list, and imports. Every zwp_linux_buffer_params_v1 request is handled here.
/// </summary>
public sealed class BufferParams : IZwpLinuxBufferParamsV1Handler
{
    private readonly LinuxDmabuf _dmabuf;
    private readonly OwnedFd?[] _fds = new OwnedFd?[DmaBufAttributes.MaxPlanes];
    private readonly uint[] _offsets = new uint[DmaBufAttributes.MaxPlanes];
    private readonly uint[] _strides = new uint[DmaBufAttributes.MaxPlanes];
    private ulong _modifier;
    private bool _used;

    public BufferParams(LinuxDmabuf dmabuf, ZwpLinuxBufferParamsV1 resource)
    {
        _dmabuf = dmabuf;
        resource.Handler = this;
        // Fds never given to a buffer are closed with the params (destroyed or their client gone).
        resource.Destroyed += _ => CloseFds();
    }

    public void Destroy(ZwpLinuxBufferParamsV1 resource) { }

    public void Add(ZwpLinuxBufferParamsV1 resource, OwnedFd fd, uint planeIdx, uint offset, uint stride, uint modifierHi, uint modifierLo)
    {
        if (_used) { resource.PostError(ZwpLinuxBufferParamsV1.Error.AlreadyUsed, "params were already used to create a wl_buffer"); return; }
        if (planeIdx >= DmaBufAttributes.MaxPlanes) { resource.PostError(ZwpLinuxBufferParamsV1.Error.PlaneIdx, $"plane index {planeIdx} is not below {DmaBufAttributes.MaxPlanes}"); return; }
        if (_fds[planeIdx] is not null) { resource.PostError(ZwpLinuxBufferParamsV1.Error.PlaneSet, $"plane {planeIdx} was already set"); return; }
        var modifier = ((ulong)modifierHi << 32) | modifierLo;
        if (resource.Version >= 5 && HasAnyPlane() && modifier != _modifier)
        {
            resource.PostError(ZwpLinuxBufferParamsV1.Error.InvalidFormat, $"plane {planeIdx} has modifier 0x{modifier:x}, other planes 0x{_modifier:x}");
            return;
        }
        _modifier = modifier;
        _fds[planeIdx] = fd.Take();
        _offsets[planeIdx] = offset;
        _strides[planeIdx] = stride;
    }

    public void Create(ZwpLinuxBufferParamsV1 resource, int width, int height, uint format, ZwpLinuxBufferParamsV1.Flags flags)
    {
        var result = Build(resource, width, height, format, flags, out var attributes);
        if (result == Outcome.ProtocolError) return;
        WlBuffer? created = null;
        if (result == Outcome.Failed || Make(() => created = new WlBuffer(resource.Client, 0, 1), attributes!) is null)
        {
            resource.SendFailed();
            return;
        }
        resource.SendCreated(created!);
    }

    public void CreateImmed(ZwpLinuxBufferParamsV1 resource, WlBuffer bufferId, int width, int height, uint format, ZwpLinuxBufferParamsV1.Flags flags)
    {
        var result = Build(resource, width, height, format, flags, out var attributes);
        if (result == Outcome.ProtocolError) return;
        if (result == Outcome.Failed || Make(() => bufferId, attributes!) is null)
        {
            // The spec lets us choose; like wlroots we end the client rather than hand out a dead buffer.
            resource.PostError(ZwpLinuxBufferParamsV1.Error.InvalidWlBuffer, $"importing the {width}x{height} {FourccName(format)} DMA-BUF failed");
        }
    }

    /// <summary>The buffer: imported by the renderer (zero-copy), or else, for a linear single-plane
    /// buffer, read through a CPU mapping; null when neither works. It takes the attributes (their
    /// fds): they are the buffer's when it is made, closed here when it is not. The wl_buffer is made
    /// only once one of them works.</summary>
    private Buffers.ClientBuffer? Make(Func<WlBuffer> resource, DmaBufAttributes attributes)
    {
        var buffer = TryMake(resource, attributes);
        if (buffer is null) attributes.Dispose();
        return buffer;
    }

    private Buffers.ClientBuffer? TryMake(Func<WlBuffer> resource, DmaBufAttributes attributes)
    {
        // Every path maps the memory (a software renderer, or our CPU read): it must not be able to shrink.
        foreach (var plane in attributes.Planes)
        {
            if (ClientMemory.CannotShrink(plane.Fd.Value)) continue;
            _dmabuf.Log.Information("DMA-BUF plane is neither a DMA-BUF nor a file sealed against shrinking: refused, it could be truncated under a mapping");
            return null;
        }
        if (_dmabuf.Importer.ImportDmaBuf(attributes) is { } texture) return new DmabufBuffer(resource(), attributes, texture);
        if (MappedDmabufBuffer.Qualifies(attributes, _dmabuf.UploadFormats) && MappedDmabufBuffer.TryCreate(resource, attributes) is { } mapped)
        {
            _dmabuf.Log.Information("DMA-BUF {Width}x{Height} {Format}: the renderer does not import it; read through a CPU mapping, copied when composited",
                attributes.Width, attributes.Height, FourccName(attributes.Fourcc));
            return mapped;
        }
        _dmabuf.Log.Information("DMA-BUF import of {Width}x{Height} {Format} (modifier 0x{Modifier:x}) failed",
            attributes.Width, attributes.Height, FourccName(attributes.Fourcc), attributes.Modifier);
        return null;
    }

    private enum Outcome { Ok, Failed, ProtocolError }

    /// <summary>Checks the params; on <see cref="Outcome.Ok"/> the planes' fds move into
    /// <paramref name="attributes"/>, on the other outcomes they are closed (failed) or left for the
    /// params to close (a protocol error ends the client).</summary>
    private Outcome Build(ZwpLinuxBufferParamsV1 resource, int width, int height, uint format, ZwpLinuxBufferParamsV1.Flags flags,
        out DmaBufAttributes? attributes)
    {
        attributes = null;
        if (_used) { resource.PostError(ZwpLinuxBufferParamsV1.Error.AlreadyUsed, "params were already used to create a wl_buffer"); return Outcome.ProtocolError; }
        _used = true;

        var count = 0;
        while (count < DmaBufAttributes.MaxPlanes && _fds[count] is not null) count++;
        if (count == 0) { resource.PostError(ZwpLinuxBufferParamsV1.Error.Incomplete, "no planes were added"); return Outcome.ProtocolError; }
        for (var i = count; i < DmaBufAttributes.MaxPlanes; i++)
            if (_fds[i] is not null) { resource.PostError(ZwpLinuxBufferParamsV1.Error.Incomplete, $"plane {i} is set but plane {count} is missing"); return Outcome.ProtocolError; }
        var expected = Fourcc.PlaneCount(format);
        if (count != expected) { resource.PostError(ZwpLinuxBufferParamsV1.Error.Incomplete, $"{FourccName(format)} has {expected} planes, {count} were added"); return Outcome.ProtocolError; }

        if (!_dmabuf.IsAdvertised(format, _modifier))
        {
            resource.PostError(ZwpLinuxBufferParamsV1.Error.InvalidFormat, $"format {FourccName(format)} with modifier 0x{_modifier:x} was not advertised");
            return Outcome.ProtocolError;
        }
        if (width < 1 || height < 1) { resource.PostError(ZwpLinuxBufferParamsV1.Error.InvalidDimensions, $"invalid size {width}x{height}"); return Outcome.ProtocolError; }

        for (var i = 0; i < count; i++)
        {
            if (!WithinBounds(i, format, (uint)height, out var why))
            {
                resource.PostError(ZwpLinuxBufferParamsV1.Error.OutOfBounds, why);
                return Outcome.ProtocolError;
            }
        }

        // Interlaced buffers (and flags this version does not know) are not supported: a runtime
        // "failed", not a client bug, as in weston. Y-inverted ones are drawn flipped.
        if ((flags & ~ZwpLinuxBufferParamsV1.Flags.YInvert) != 0)
        {
            _dmabuf.Log.Information("DMA-BUF with flags {Flags} refused: only y_invert is supported", flags);
            CloseFds();
            return Outcome.Failed;
        }

        var planes = new DmaBufPlane[count];
        for (var i = 0; i < count; i++)
        {
            planes[i] = new DmaBufPlane(_fds[i]!, _offsets[i], _strides[i]);
            _fds[i] = null;
        }
        attributes = new DmaBufAttributes
        {
            Width = width, Height = height, Fourcc = format, Modifier = _modifier, Planes = planes,
            YInverted = (flags & ZwpLinuxBufferParamsV1.Flags.YInvert) != 0,
        };
        return Outcome.Ok;
    }

    /// <summary>Offset and stride against the fd's real size (lseek to the end), overflow-safe.</summary>
    private bool WithinBounds(int plane, uint format, uint height, out string why)
    {
        why = "";
        var offset = (ulong)_offsets[plane];
        var stride = (ulong)_strides[plane];
        var rows = Fourcc.PlaneHeight(format, plane, height);
        // 64-bit products of 32-bit values cannot overflow; the protocol's values must fit 32 bits.
        var end = offset + stride * rows;
        if (end > uint.MaxValue)
        {
            why = $"plane {plane}: offset {offset} + stride {stride} x {rows} rows overflows";
            return false;
        }
        var size = Compositor.Native.FileSize(_fds[plane]!.Value);
        if (size < 0) return true; // not seekable: the driver checks at import
        if (offset >= (ulong)size)
        {
            why = $"plane {plane}: offset {offset} is beyond the buffer's {size} bytes";
            return false;
        }
        // Linear layouts can be checked row by row; tiled ones have their own geometry.
        if (_modifier is DmaBufAttributes.ModifierLinear or DmaBufAttributes.ModifierInvalid && end > (ulong)size)
        {
            why = $"plane {plane}: offset {offset} + stride {stride} x {rows} rows exceeds the buffer's {size} bytes";
            return false;
        }
        return true;
    }

    private bool HasAnyPlane()
    {
        foreach (var fd in _fds) if (fd is not null) return true;
        return false;
    }

    private void CloseFds()
    {
        for (var i = 0; i < _fds.Length; i++)
        {
            _fds[i]?.Dispose();
            _fds[i] = null;
        }
    }

    internal static string FourccName(uint f)
    {
        Span<char> c = [(char)(f & 0xff), (char)((f >> 8) & 0xff), (char)((f >> 16) & 0xff), (char)(f >> 24)];
        foreach (var ch in c) if (ch < 32 || ch > 126) return $"0x{f:x8}";
        return new string(c).TrimEnd();
    }
}
