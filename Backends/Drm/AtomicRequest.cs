using Compositor.Backends.Native;

namespace Compositor.Backends.Drm;

/// <summary>
/// One atomic commit, reused frame after frame: the (object, property, value) triples of a frame
/// in any order, turned at commit into the arrays DRM_IOCTL_MODE_ATOMIC reads, which are grouped
/// by object (the distinct objects, how many properties each, then the properties and values of
/// each object in turn). The arrays only grow, so a commit in steady state allocates nothing.
/// A property added twice is set twice, in order: the later value wins.
/// </summary>
internal sealed unsafe class AtomicRequest
{
    // The triples as added.
    private uint[] _objectOf = new uint[16], _propertyOf = new uint[16];
    private ulong[] _valueOf = new ulong[16];
    private int _count;

    // What the kernel reads, and for each triple the index of its object in _objects.
    private uint[] _objects = new uint[4], _propertyCounts = new uint[4], _properties = new uint[16];
    private ulong[] _values = new ulong[16];
    private int[] _slotOf = new int[16], _nextOfObject = new int[4];
    private int _objectCount;

    /// <summary>How many properties the request sets.</summary>
    public int Count => _count;

    public void Clear() => _count = 0;

    public void Add(uint objectId, uint propertyId, ulong value)
    {
        if (_count == _objectOf.Length)
        {
            var size = _count * 2;
            Array.Resize(ref _objectOf, size);
            Array.Resize(ref _propertyOf, size);
            Array.Resize(ref _valueOf, size);
        }
        _objectOf[_count] = objectId;
        _propertyOf[_count] = propertyId;
        _valueOf[_count] = value;
        _count++;
    }

    /// <summary>
    /// Commits the request; 0 or the errno. EINTR and EAGAIN are retried (DrmIoctl.Ioctl), nothing
    /// else: EBUSY, which a NONBLOCK commit gets while the previous one is pending, comes back
    /// for the caller to wait for its flip event, and a TEST_ONLY commit's error (EINVAL, mostly)
    /// is the answer to the question it asked. With PageFlipEvent, <paramref name="userData"/> comes
    /// back in the event.
    /// </summary>
    public int Commit(int fd, uint flags, ulong userData)
    {
        Build();
        fixed (uint* objects = _objects, counts = _propertyCounts, properties = _properties)
        fixed (ulong* values = _values)
        {
            var atomic = new DrmIoctl.Atomic
            {
                Flags = flags,
                CountObjs = (uint)_objectCount,
                ObjsPtr = (ulong)objects,
                CountPropsPtr = (ulong)counts,
                PropsPtr = (ulong)properties,
                PropValuesPtr = (ulong)values,
                UserData = userData,
            };
            return DrmIoctl.Ioctl(fd, DrmIoctl.IoctlModeAtomic, ref atomic);
        }
    }

    /// <summary>
    /// Fills the arrays the ioctl reads from the triples: objects in the order they were first
    /// added, each object's properties in the order they were added. Linear in objects × triples,
    /// which is small (a handful of planes and a CRTC and connector per commit).
    /// </summary>
    internal void Build()
    {
        if (_slotOf.Length < _count)
        {
            _slotOf = new int[_objectOf.Length];
            _properties = new uint[_objectOf.Length];
            _values = new ulong[_objectOf.Length];
        }
        _objectCount = 0;
        for (var i = 0; i < _count; i++)
        {
            var slot = Array.IndexOf(_objects, _objectOf[i], 0, _objectCount);
            if (slot < 0)
            {
                if (_objectCount == _objects.Length)
                {
                    Array.Resize(ref _objects, _objectCount * 2);
                    Array.Resize(ref _propertyCounts, _objectCount * 2);
                    _nextOfObject = new int[_objectCount * 2];
                }
                slot = _objectCount++;
                _objects[slot] = _objectOf[i];
                _propertyCounts[slot] = 0;
            }
            _propertyCounts[slot]++;
            _slotOf[i] = slot;
        }
        // Where each object's run starts, then each triple to the next place in its object's run.
        for (int slot = 0, start = 0; slot < _objectCount; start += (int)_propertyCounts[slot++])
            _nextOfObject[slot] = start;
        for (var i = 0; i < _count; i++)
        {
            var at = _nextOfObject[_slotOf[i]]++;
            _properties[at] = _propertyOf[i];
            _values[at] = _valueOf[i];
        }
    }

    /// <summary>After Build: objs_ptr's array.</summary>
    internal ReadOnlySpan<uint> Objects => _objects.AsSpan(0, _objectCount);

    /// <summary>After Build: count_props_ptr's array, one count per object.</summary>
    internal ReadOnlySpan<uint> PropertyCounts => _propertyCounts.AsSpan(0, _objectCount);

    /// <summary>After Build: props_ptr's array.</summary>
    internal ReadOnlySpan<uint> Properties => _properties.AsSpan(0, _count);

    /// <summary>After Build: prop_values_ptr's array.</summary>
    internal ReadOnlySpan<ulong> Values => _values.AsSpan(0, _count);

    /// <summary>
    /// Makes a property blob of <paramref name="mode"/> for a CRTC's MODE_ID; 0 or the errno.
    /// The kernel takes only a blob of exactly sizeof(drm_mode_modeinfo) there. The blob lives
    /// until DestroyBlob or the fd closes; a CRTC state that uses it holds its own reference, so it
    /// may be destroyed once a commit has taken it, unless a later commit is to set it again (after
    /// a VT switch, say).
    /// </summary>
    public static int CreateModeBlob(int fd, in DrmIoctl.ModeInfo mode, out uint blobId)
    {
        fixed (DrmIoctl.ModeInfo* m = &mode)
        {
            var blob = new DrmIoctl.CreateBlob { Data = (ulong)m, Length = (uint)sizeof(DrmIoctl.ModeInfo) };
            var error = DrmIoctl.Ioctl(fd, DrmIoctl.IoctlModeCreatePropBlob, ref blob);
            blobId = error == 0 ? blob.BlobId : 0;
            return error;
        }
    }

    /// <summary>Drops a blob made by CreateModeBlob; 0 or the errno.</summary>
    public static int DestroyBlob(int fd, uint blobId)
    {
        var blob = new DrmIoctl.DestroyBlob { BlobId = blobId };
        return DrmIoctl.Ioctl(fd, DrmIoctl.IoctlModeDestroyPropBlob, ref blob);
    }
}
