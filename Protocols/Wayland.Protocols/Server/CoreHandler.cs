using Wayland.Protocols.Server;

namespace Wayland.Server;

/// <summary>wl_display and wl_registry: the two interfaces every connection starts with.</summary>
internal sealed class CoreHandler(Display display) : IWlDisplayHandler, IWlRegistryHandler
{
    public void Sync(WlDisplay resource, WlCallback callback)
    {
        callback.SendDone(display.Serial);
        callback.Destroy();
    }

    public void GetRegistry(WlDisplay resource, WlRegistry registry)
    {
        var client = resource.Client;
        registry.Handler = this;
        client.Registries.Add(registry);
        registry.Destroyed += r => client.Registries.Remove((WlRegistry)r);
        // A removed global is no longer announced; a bind already on its way is still honoured.
        foreach (var global in display.Globals)
            if (!global.IsRemoved && display.IsVisible(client, global))
                registry.SendGlobal(global.Name, global.Interface.Name, global.Version);
    }

    public void Bind(WlRegistry resource, uint name, NewId id)
    {
        var client = resource.Client;
        var global = display.FindGlobal(name);
        const uint invalidObject = (uint)WlDisplay.Error.InvalidObject;
        // The checks and messages of libwayland's registry_bind.
        if (global is null || !display.IsVisible(client, global))
            resource.PostError(invalidObject, $"invalid global {id.Interface} ({name})");
        else if (id.Interface != global.Interface.Name)
            resource.PostError(invalidObject, $"invalid interface for global {name}: have {id.Interface}, wanted {global.Interface.Name}");
        else if (id.Version == 0)
            resource.PostError(invalidObject, $"invalid version for global {id.Interface} ({name}): 0 is not a valid version");
        else if (global.Version < id.Version)
            resource.PostError(invalidObject, $"invalid version for global {id.Interface} ({name}): have {global.Version}, wanted {id.Version}");
        else
            global.Bind(client, id.Id, id.Version);
    }
}
