using System.Reflection;
using Wayland.Wire;

namespace Wayland.Fuzz.Protocol;

/// <summary>A global as the registry advertised it.</summary>
public sealed record GlobalInfo(uint Name, string Interface, uint Version);

/// <summary>Every interface the scanner generated, by name: the request signatures the generator fills in.</summary>
public static class ProtocolModel
{
    public static IReadOnlyDictionary<string, InterfaceInfo> Interfaces { get; } =
        typeof(Wayland.Protocols.Interfaces).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(InterfaceInfo))
            .Select(f => (InterfaceInfo)f.GetValue(null)!)
            .ToDictionary(i => i.Name);

    public static InterfaceInfo Display => Interfaces["wl_display"];
}
