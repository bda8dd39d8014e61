using System.Collections.Generic;
using System.Linq;

namespace Wayland.Scanner;

/// <summary>
/// Emits the server side of a protocol: per interface a resource class (typed event senders that
/// honour <c>since</c>, a dispatcher) and a handler interface whose methods are the requests.
/// </summary>
internal static class ServerEmitter
{
    public static string Emit(ProtocolModel protocol, string ns)
    {
        var w = new CodeWriter();
        w.Line(SharedEmitter.Header).Line("#nullable enable").Line("using Wayland.Server;").Line("using Wayland.Wire;").Line()
            .Line($"namespace {ns}.Server;").Line()
            // The sibling namespace ...Client would otherwise shadow the Client type.
            .Line("using Client = global::Wayland.Server.Client;").Line();
        foreach (var iface in protocol.Interfaces)
        {
            Resource(w, iface);
            w.Line();
            if (iface.Requests.Count > 0) { Handler(w, iface); w.Line(); }
        }
        return w.ToString();
    }

    private static void Resource(CodeWriter w, InterfaceModel iface)
    {
        var type = Naming.Type(iface.Name);
        w.Summary(iface.Summary, $"Server side of {iface.Name} (version {iface.Version}).");
        w.Open($"public sealed partial class {type} : Resource, IResourceFactory<{type}>");
        w.Line($"public {type}(Client client, uint id, uint version) : base(client, id, version) {{ }}").Line();
        w.Line($"public static {type} Create(Client client, uint id, uint version) => new(client, id, version);");
        w.Line($"public static InterfaceInfo Info => Interfaces.{type};");
        w.Line($"public override InterfaceInfo Interface => Interfaces.{type};").Line();
        if (iface.Requests.Count > 0)
        {
            w.Summary("Receives this object's requests; set it when the resource is created.");
            w.Line($"public {Naming.HandlerInterface(iface.Name)}? Handler {{ get; set; }}").Line();
        }
        SharedEmitter.Opcodes(w, iface);
        SharedEmitter.Enums(w, iface);
        if (iface.Enums.Any(e => e.Name == "error") && !iface.Requests.Any(r => r.Name == "error"))
        {
            w.Summary("Sends wl_display.error with one of this interface's error codes and disconnects the client.");
            w.Line("public void PostError(Error code, string message) => PostError((uint)code, message);").Line();
        }
        foreach (var ev in iface.Events) EventSender(w, iface, ev);
        Dispatcher(w, iface);
        w.Close();
    }

    private static string EventParamType(ArgModel a, string iface)
    {
        var n = a.AllowNull ? "?" : "";
        return a.Type switch
        {
            "int" => a.Enum is null ? "int" : Naming.EnumType(a.Enum, iface),
            "uint" => a.Enum is null ? "uint" : Naming.EnumType(a.Enum, iface),
            "fixed" => "Fixed",
            "string" => "string" + n,
            "object" => (a.Interface is null ? "IWaylandObject" : Naming.Type(a.Interface)) + n,
            "new_id" => (a.Interface is null ? "IWaylandObject" : Naming.Type(a.Interface)) + n,
            "array" => "System.ReadOnlySpan<byte>",
            _ => "int",
        };
    }

    private static void EventSender(CodeWriter w, InterfaceModel iface, MessageModel ev)
    {
        var names = SharedEmitter.ParamNames(ev, "w");
        var ps = string.Join(", ", ev.Args.Select((a, i) => $"{EventParamType(a, iface.Name)} {names[i]}"));
        var note = ev.Since > 1 ? $"Not sent to clients that bound a version below {ev.Since}." : null;
        w.Summary(ev.Summary, note);
        foreach (var (a, i) in ev.Args.Select((a, i) => (a, i)).Where(x => x.a.Type == "fd"))
            w.Line($"/// <param name=\"{names[i].TrimStart('@')}\">Duplicated for sending; the caller keeps its own fd.</param>");
        w.Open($"public void Send{Naming.Pascal(ev.Name)}({ps})");
        if (ev.Since > 1) w.Line($"if (Version < {ev.Since}) return;");
        w.Line("var w = BeginEvent();");
        for (var i = 0; i < ev.Args.Count; i++) w.Line(Write(ev.Args[i], names[i]));
        w.Line($"EndEvent(ref w, Events.{Naming.Pascal(ev.Name)});");
        w.Close().Line();
    }

    internal static string Write(ArgModel a, string name) => a.Type switch
    {
        "int" => a.Enum is null ? $"w.WriteInt({name});" : $"w.WriteInt((int){name});",
        "uint" => a.Enum is null ? $"w.WriteUint({name});" : $"w.WriteUint((uint){name});",
        "fixed" => $"w.WriteFixed({name});",
        "string" => $"w.WriteString({name});",
        "object" => a.AllowNull ? $"w.WriteObjectId({name}?.Id ?? 0);" : $"w.WriteObjectId({name}.Id);",
        "new_id" => a.AllowNull ? $"w.WriteNewId({name}?.Id ?? 0);" : $"w.WriteNewId({name}.Id);",
        "array" => $"w.WriteArray({name});",
        _ => $"w.WriteFd({name});",
    };

    private static void Dispatcher(CodeWriter w, InterfaceModel iface)
    {
        w.Open("protected internal override void Dispatch(ushort opcode, ref MessageReader reader)");
        if (iface.Requests.Count == 0)
        {
            w.Line("throw new WireFormatException(\"" + iface.Name + " has no requests\");");
            w.Close();
            return;
        }
        w.Line("var handler = Handler ?? throw MissingHandler();");
        w.Open("switch (opcode)");
        for (var op = 0; op < iface.Requests.Count; op++)
        {
            var req = iface.Requests[op];
            var names = SharedEmitter.ParamNames(req, "handler", "reader", "opcode");
            w.Open($"case {op}:");
            var call = new List<string> { "this" };
            var creations = new List<string>();
            for (var i = 0; i < req.Args.Count; i++)
            {
                var a = req.Args[i];
                var n = names[i];
                switch (a.Type)
                {
                    case "new_id" when a.Interface is null:
                        w.Line($"var {n} = new NewId(reader.ReadString(false)!, reader.ReadUint(), reader.ReadNewId());");
                        call.Add(n);
                        break;
                    case "new_id":
                        w.Line($"var {n.TrimStart('@')}Id = reader.ReadNewId();");
                        // Created only once every argument checked out, so a bad message leaves no object behind.
                        creations.Add($"var {n} = new {Naming.Type(a.Interface)}(Client, {n.TrimStart('@')}Id, Version);");
                        call.Add(n);
                        break;
                    default:
                        w.Line($"var {n} = {Read(a, iface.Name)};");
                        call.Add(n);
                        break;
                }
            }
            foreach (var c in creations) w.Line(c);
            w.Line($"handler.{Naming.Pascal(req.Name)}({string.Join(", ", call)});");
            // A destructor ends the object whatever the handler did (unless it already destroyed it).
            if (req.IsDestructor) w.Line("Destroy();");
            w.Line("return;");
            w.Close();
        }
        w.Close();
        w.Close();
    }

    internal static string Read(ArgModel a, string iface)
    {
        var nullable = a.AllowNull ? "true" : "false";
        var bang = a.AllowNull ? "" : "!";
        return a.Type switch
        {
            "int" => a.Enum is null ? "reader.ReadInt()" : $"({Naming.EnumType(a.Enum, iface)})(uint)reader.ReadInt()",
            "uint" => a.Enum is null ? "reader.ReadUint()" : $"({Naming.EnumType(a.Enum, iface)})reader.ReadUint()",
            "fixed" => "reader.ReadFixed()",
            "string" => $"reader.ReadString({nullable}){bang}",
            "object" => a.Interface is null
                ? $"reader.ReadObject<Resource>({nullable}, \"object\"){bang}"
                : $"reader.ReadObject<{Naming.Type(a.Interface)}>({nullable}, {Naming.Literal(a.Interface)}){bang}",
            "array" => "reader.ReadArray()",
            _ => "reader.ReadFd()",
        };
    }

    private static string RequestParamType(ArgModel a, string iface)
    {
        var n = a.AllowNull ? "?" : "";
        return a.Type switch
        {
            "int" => a.Enum is null ? "int" : Naming.EnumType(a.Enum, iface),
            "uint" => a.Enum is null ? "uint" : Naming.EnumType(a.Enum, iface),
            "fixed" => "Fixed",
            "string" => "string" + n,
            "object" => (a.Interface is null ? "Resource" : Naming.Type(a.Interface)) + n,
            "new_id" => a.Interface is null ? "NewId" : Naming.Type(a.Interface),
            "array" => "System.ReadOnlySpan<byte>",
            _ => "OwnedFd",
        };
    }

    private static void Handler(CodeWriter w, InterfaceModel iface)
    {
        var type = Naming.Type(iface.Name);
        w.Summary($"Requests of {iface.Name}. New objects arrive already created; set their handlers. "
            + "Fds are closed after the call unless taken with OwnedFd.Take(); destructor requests destroy the resource after the call.");
        w.Open($"public interface {Naming.HandlerInterface(iface.Name)}");
        foreach (var req in iface.Requests)
        {
            var names = SharedEmitter.ParamNames(req, "resource");
            var ps = string.Join("", req.Args.Select((a, i) => $", {RequestParamType(a, iface.Name)} {names[i]}"));
            var note = SharedEmitter.SinceNote(req);
            w.Summary(req.Summary, note.Length > 0 ? note : null);
            w.Line($"void {Naming.Pascal(req.Name)}({type} resource{ps});");
        }
        w.Close();
    }
}
