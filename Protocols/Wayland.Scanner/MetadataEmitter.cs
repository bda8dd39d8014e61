using System.Linq;

namespace Wayland.Scanner;

/// <summary>Emits the Interfaces class (Wayland.Protocols.Interfaces by default): the runtime's description of each interface.</summary>
internal static class MetadataEmitter
{
    public static string Emit(ProtocolModel protocol, string ns)
    {
        var w = new CodeWriter();
        w.Line(SharedEmitter.Header).Line("#nullable enable").Line("using Wayland.Wire;").Line()
            .Line($"namespace {ns};").Line();
        w.Open("public static partial class Interfaces");
        foreach (var iface in protocol.Interfaces)
        {
            w.Summary($"{iface.Name} version {iface.Version}, from protocol {protocol.Name}.");
            w.Line($"public static readonly InterfaceInfo {Naming.Type(iface.Name)} = new({Naming.Literal(iface.Name)}, {iface.Version},");
            w.Line($"    Requests: [{string.Join(", ", iface.Requests.Select(Message))}],");
            w.Line($"    Events: [{string.Join(", ", iface.Events.Select(Message))}]);");
        }
        w.Close();
        return w.ToString();
    }

    private static string Message(MessageModel m) =>
        $"new({Naming.Literal(m.Name)}, {m.Since}, {(m.IsDestructor ? "true" : "false")}, [{string.Join(", ", m.Args.Select(Arg))}])";

    private static string Arg(ArgModel a)
    {
        var type = a.Type switch
        {
            "int" => "Int", "uint" => "Uint", "fixed" => "Fixed", "string" => "String", "object" => "Object",
            "new_id" => "NewId", "array" => "Array", _ => "Fd",
        };
        var s = $"new({Naming.Literal(a.Name)}, ArgType.{type}";
        if (a.AllowNull) s += ", Nullable: true";
        if (a.Interface is not null) s += $", Interface: {Naming.Literal(a.Interface)}";
        if (a.Enum is not null) s += $", Enum: {Naming.Literal(a.Enum)}";
        return s + ")";
    }
}
