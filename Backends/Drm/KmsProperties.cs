using System.Text;
using static Compositor.Backends.Native.DrmIoctl;

namespace Compositor.Backends.Drm;

/// <summary>
/// The properties of one KMS object (plane, CRTC, connector) by name: atomic commits address
/// properties by id, and ids differ between drivers and boots, so they are looked up once here and
/// kept by the caller. Each comes with the value it had when read (a plane's "type", the CRTC's
/// "MODE_ID" blob at start-up); later commits do not update it.
/// </summary>
internal sealed class KmsProperties
{
    private readonly Dictionary<string, (uint Id, ulong Value)> _byName;

    internal KmsProperties(IEnumerable<(string Name, uint Id, ulong Value)> properties)
    {
        _byName = new Dictionary<string, (uint, ulong)>(StringComparer.Ordinal);
        foreach (var (name, id, value) in properties) _byName[name] = (id, value);
    }

    public int Count => _byName.Count;

    /// <summary>The property's id, or 0 (never a valid id) when the object has no such property.</summary>
    public uint this[string name] => _byName.TryGetValue(name, out var p) ? p.Id : 0;

    public bool Contains(string name) => _byName.ContainsKey(name);

    public bool TryGet(string name, out uint id)
    {
        var found = _byName.TryGetValue(name, out var p);
        id = p.Id;
        return found;
    }

    /// <summary>The value the property had when read.</summary>
    public bool TryGetValue(string name, out ulong value)
    {
        var found = _byName.TryGetValue(name, out var p);
        value = p.Value;
        return found;
    }

    /// <summary>
    /// Reads the object's properties; null when the kernel refuses (no such object). Call after
    /// DRM_CLIENT_CAP_ATOMIC is set: without it the kernel hides the properties only atomic commits
    /// use (FB_ID, CRTC_ID, SRC_*, CRTC_*, MODE_ID, ACTIVE, IN_FENCE_FD...).
    /// </summary>
    public static unsafe KmsProperties? Read(int fd, uint objectId, uint objectType)
    {
        // Count first, then the arrays; the count is fixed for an object's life, but retry as the
        // connector read does in case it is not.
        for (var attempt = 0; attempt < 4; attempt++)
        {
            var request = new ObjGetProperties { ObjId = objectId, ObjType = objectType };
            if (Ioctl(fd, IoctlModeObjGetProperties, ref request) != 0) return null;
            var count = request.CountProps;
            var ids = new uint[count];
            var values = new ulong[count];
            fixed (uint* i = ids)
            fixed (ulong* v = values)
            {
                request.PropsPtr = (ulong)i;
                request.PropValuesPtr = (ulong)v;
                if (Ioctl(fd, IoctlModeObjGetProperties, ref request) != 0) return null;
            }
            if (request.CountProps != count) continue;
            var properties = new List<(string, uint, ulong)>((int)count);
            for (var k = 0; k < ids.Length; k++)
                if (Name(fd, ids[k]) is { } name) properties.Add((name, ids[k], values[k]));
            return new KmsProperties(properties);
        }
        return null;
    }

    private static unsafe string? Name(int fd, uint propertyId)
    {
        var property = new GetProperty { PropId = propertyId };
        if (Ioctl(fd, IoctlModeGetProperty, ref property) != 0) return null;
        var name = new ReadOnlySpan<byte>(property.Name, 32);
        var end = name.IndexOf((byte)0);
        return Encoding.ASCII.GetString(end < 0 ? name : name[..end]);
    }
}
