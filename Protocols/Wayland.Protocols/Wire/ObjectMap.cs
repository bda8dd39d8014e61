namespace Wayland.Wire;

/// <summary>
/// The objects of one connection by id: client-allocated ids (1..0xfeffffff) and server-allocated ids
/// (0xff000000..). Like libwayland, a new id must reuse a free slot or be the next unused one, so a
/// peer cannot make the table grow by jumping ahead.
/// </summary>
public sealed class ObjectMap
{
    private readonly List<object?> _client = [null];
    private readonly List<object?> _server = [];
    private readonly Stack<uint> _freeClient = new();
    private readonly Stack<uint> _freeServer = new();

    public object? Lookup(uint id)
    {
        if (WireFormat.IsServerId(id))
        {
            var i = id - WireFormat.ServerIdMin;
            return i < (uint)_server.Count ? _server[(int)i] : null;
        }
        return id < (uint)_client.Count ? _client[(int)id] : null;
    }

    /// <summary>Whether the peer may create an object with this id now.</summary>
    public bool CanInsert(uint id)
    {
        var (list, index) = Slot(id);
        return index == list.Count || (index < list.Count && list[index] is null);
    }

    public void Insert(uint id, object value)
    {
        var (list, index) = Slot(id);
        if (index == list.Count) list.Add(value);
        else if (index < list.Count && list[index] is null) list[index] = value;
        else throw new InvalidOperationException($"object id {id} is in use or out of sequence");
    }

    public void Remove(uint id)
    {
        var (list, index) = Slot(id);
        if (index < list.Count) list[index] = null;
    }

    /// <summary>Allocates an id in our own range (server ids on the server, client ids on the client)
    /// and returns it; freed ids are reused, as libwayland does.</summary>
    public uint Allocate(object value, bool serverSide)
    {
        var free = serverSide ? _freeServer : _freeClient;
        var list = serverSide ? _server : _client;
        uint id;
        if (free.Count > 0) id = free.Pop();
        else id = serverSide ? WireFormat.ServerIdMin + (uint)list.Count : (uint)list.Count;
        Insert(id, value);
        return id;
    }

    /// <summary>Returns an id we allocated to the free list.</summary>
    public void Release(uint id, bool serverSide)
    {
        Remove(id);
        (serverSide ? _freeServer : _freeClient).Push(id);
    }

    /// <summary>The live objects, lowest id first (client range, then server range), without a copy:
    /// it walks by index, so objects may be removed meanwhile (those not reached yet are skipped) and
    /// ones added are seen.</summary>
    public IEnumerable<object> Live()
    {
        for (var i = 0; i < _client.Count; i++) if (_client[i] is { } o) yield return o;
        for (var i = 0; i < _server.Count; i++) if (_server[i] is { } o) yield return o;
    }

    /// <summary>Forgets every object and gives back the tables' memory (the connection is gone).</summary>
    public void Clear()
    {
        _client.Clear();
        _client.TrimExcess();
        _client.Add(null);
        _server.Clear();
        _server.TrimExcess();
        _freeClient.Clear();
        _freeClient.TrimExcess();
        _freeServer.Clear();
        _freeServer.TrimExcess();
    }

    public int Count
    {
        get
        {
            var n = 0;
            foreach (var o in _client) if (o is not null) n++;
            foreach (var o in _server) if (o is not null) n++;
            return n;
        }
    }

    private (List<object?> List, int Index) Slot(uint id) => WireFormat.IsServerId(id)
        ? (_server, checked((int)(id - WireFormat.ServerIdMin)))
        : (_client, id > int.MaxValue ? int.MaxValue : (int)id);
}
