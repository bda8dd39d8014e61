using Wayland.Fuzz.Harness;
using Wayland.Wire;

namespace Wayland.Fuzz.Protocol;

/// <summary>A request ready to send: its bytes, the fds to attach, and a line for replay logs.</summary>
public sealed record Request(byte[] Bytes, FdKind[] Fds, string Description);

/// <summary>
/// Random but well-typed requests, from the generated request signatures: it keeps the objects the
/// client has made (with their interface and version), calls any request an object's version allows,
/// passes live objects of the right interface, fresh ids in sequence, and values near what handlers
/// check (sizes, offsets, formats), so sequences get past the wire checks into the handlers.
/// Everything comes from one <see cref="Random"/>: the same seed gives the same requests.
/// </summary>
public sealed class RequestGenerator
{
    private readonly Random _rng;
    private readonly IReadOnlyList<GlobalInfo> _globals;
    private readonly FdKind[] _fdKinds;
    private readonly List<(uint Id, InterfaceInfo Interface, uint Version)> _objects = [];
    private uint _nextId = 2;

    /// <param name="fdKinds">The kinds of fds to attach (the afl seeds can carry only the first four).</param>
    public RequestGenerator(Random rng, IReadOnlyList<GlobalInfo> globals, FdKind[] fdKinds)
    {
        _rng = rng;
        _globals = globals;
        _fdKinds = fdKinds;
        _objects.Add((1, ProtocolModel.Display, 1));
    }

    public int LiveObjects => _objects.Count;

    /// <summary>The start of a session: a registry, then every global bound at some version it offers.</summary>
    public IEnumerable<Request> Start()
    {
        yield return Make(1, ProtocolModel.Display, 1, "get_registry");
        var registry = _objects[^1];
        foreach (var g in _globals.OrderBy(_ => _rng.Next()).ToList())
            if (ProtocolModel.Interfaces.ContainsKey(g.Interface))
                yield return Bind(registry.Id, g);
    }

    /// <summary>A random request of a random live object.</summary>
    public Request Next()
    {
        for (var attempt = 0; ; attempt++)
        {
            var (id, iface, version) = _objects[_rng.Next(_objects.Count)];
            var requests = iface.Requests.Where(r => r.Since <= version).ToList();
            if (requests.Count == 0 && attempt < 20) continue;
            if (requests.Count == 0) return Make(1, ProtocolModel.Display, 1, "sync");
            // Requests that make objects open the way to more dispatchers; destructors close it. One
            // that needs an object the client does not have yet would only earn an invalid-arguments
            // error, so it is rarely chosen.
            var weights = requests.Select(r => !CanSatisfy(r) ? 0 : r.IsDestructor ? 1 : r.Args.Any(a => a.Type == ArgType.NewId) ? 4 : 2).ToArray();
            if (weights.Sum() == 0 || _rng.Next(50) == 0) weights = [.. requests.Select(_ => 1)];
            var pick = _rng.Next(weights.Sum());
            var i = 0;
            while (pick >= weights[i]) pick -= weights[i++];
            if (iface.Name == "wl_registry" && requests[i].Name == "bind")
                return Bind(id, _globals[_rng.Next(_globals.Count)]);
            return Make(id, iface, version, requests[i].Name);
        }
    }

    private bool CanSatisfy(MessageInfo request) =>
        request.Args.All(a => a.Type != ArgType.Object || a.Nullable || a.Interface is null || _objects.Any(o => o.Interface.Name == a.Interface));

    private Request Bind(uint registry, GlobalInfo g)
    {
        var known = ProtocolModel.Interfaces.GetValueOrDefault(g.Interface);
        var max = Math.Min(g.Version, known?.Version ?? g.Version);
        var version = _rng.Next(4) == 0 ? (uint)_rng.Next(1, (int)max + 1) : max;
        var id = _nextId++;
        var b = new MessageBuilder();
        b.Word(g.Name);
        b.String(g.Interface);
        b.Word(version);
        b.Word(id);
        if (known is not null) _objects.Add((id, known, version));
        return new Request(b.Finish(registry, 0), [], $"wl_registry@{registry}.bind({g.Name}, {g.Interface} v{version}, new id {id})");
    }

    private Request Make(uint id, InterfaceInfo iface, uint version, string name)
    {
        var opcode = Array.FindIndex(iface.Requests, r => r.Name == name);
        var info = iface.Requests[opcode];
        var b = new MessageBuilder();
        var fds = new List<FdKind>();
        var args = new List<string>();
        foreach (var arg in info.Args)
            args.Add(Argument(b, arg, version, fds));
        var description = $"{iface.Name}@{id}.{name}({string.Join(", ", args)})";
        if (info.IsDestructor) _objects.RemoveAll(o => o.Id == id);
        return new Request(b.Finish(id, (ushort)opcode), [.. fds], description);
    }

    private string Argument(MessageBuilder b, ArgInfo arg, uint version, List<FdKind> fds)
    {
        switch (arg.Type)
        {
            case ArgType.Int:
                var i = Values.Int(_rng, arg.Name);
                b.Word((uint)i);
                return i.ToString();
            case ArgType.Uint:
                var u = Values.Uint(_rng, arg.Name);
                b.Word(u);
                return u.ToString();
            case ArgType.Fixed:
                var f = Values.Int(_rng, arg.Name);
                b.Word((uint)(f * 256));
                return $"{f}.0";
            case ArgType.String:
                var s = arg.Nullable && _rng.Next(4) == 0 ? null : Values.String(_rng);
                b.String(s);
                return s is null ? "nil" : $"\"{s}\"";
            case ArgType.Array:
                var a = new byte[_rng.Next(5) * 4];
                _rng.NextBytes(a);
                b.Array(a);
                return $"array[{a.Length}]";
            case ArgType.Fd:
                // Most fd arguments are shm pools or dma-bufs: a sealed memfd half the time.
                var kind = _rng.Next(2) == 0 ? FdKind.SealedMemfd : _fdKinds[_rng.Next(_fdKinds.Length)];
                fds.Add(kind);
                return $"fd {kind}";
            case ArgType.NewId:
                var id = _nextId++;
                b.Word(id);
                if (arg.Interface is not null && ProtocolModel.Interfaces.TryGetValue(arg.Interface, out var created))
                    _objects.Add((id, created, Math.Min(version, created.Version)));
                return $"new id {id}";
            default:
                var target = PickObject(arg);
                b.Word(target);
                return target == 0 ? "nil" : target.ToString();
        }
    }

    private uint PickObject(ArgInfo arg)
    {
        var candidates = _objects.Where(o => arg.Interface is null || o.Interface.Name == arg.Interface).ToList();
        if (arg.Nullable && (candidates.Count == 0 || _rng.Next(4) == 0)) return 0;
        if (candidates.Count > 0 && _rng.Next(10) > 0) return candidates[_rng.Next(candidates.Count)].Id;
        return _objects[_rng.Next(_objects.Count)].Id; // usually of the wrong interface
    }
}
