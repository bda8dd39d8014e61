using Wayland.Wire;

namespace Wayland.Server;

/// <summary>
/// A global object advertised through wl_registry. <see cref="Remove"/> announces global_remove but
/// still honours binds already on the way (as libwayland does); <see cref="Destroy"/> forgets it.
/// </summary>
public abstract class Global
{
    private protected Global(Display display, uint name, InterfaceInfo info, uint version)
    {
        Display = display;
        Name = name;
        Interface = info;
        Version = version;
    }

    public Display Display { get; }
    public uint Name { get; }
    public InterfaceInfo Interface { get; }
    public uint Version { get; }
    public bool IsRemoved { get; private set; }

    /// <summary>Per-global visibility: false hides the global from that client (checked together
    /// with <see cref="Display.GlobalFilter"/>).</summary>
    public Func<Client, bool>? Filter { get; init; }

    internal abstract void Bind(Client client, uint id, uint version);

    public void Remove()
    {
        if (IsRemoved) return;
        IsRemoved = true;
        Display.AnnounceRemoval(this);
    }

    public void Destroy()
    {
        Remove();
        Display.ForgetGlobal(this);
    }

    public override string ToString() => $"global {Name} {Interface.Name} v{Version}";
}

public sealed class Global<T> : Global where T : Resource, IResourceFactory<T>
{
    private readonly Action<T> _bind;

    internal Global(Display display, uint name, uint version, Action<T> bind)
        : base(display, name, T.Info, version) => _bind = bind;

    /// <summary>Creates the client's resource and lets the owner set its handler and send initial events.</summary>
    internal override void Bind(Client client, uint id, uint version) => _bind(T.Create(client, id, version));
}
