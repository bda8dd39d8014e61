using System.Collections.Generic;
using System.Linq;

namespace Wayland.Scanner;

/// <summary>
/// Emits the client side of a protocol: per interface a proxy class with typed request methods
/// (new objects returned) and a C# event per protocol event.
/// </summary>
internal static class ClientEmitter
{
    private static readonly string[] ProxyMembers =
        { "Requests", "Events", "Info", "Interface", "Id", "Version", "Display", "IsDestroyed", "Create", "Bind" };

    public static string Emit(ProtocolModel protocol, string ns)
    {
        var w = new CodeWriter();
        w.Line(SharedEmitter.Header).Line("#nullable enable").Line("using Wayland.Client;").Line("using Wayland.Wire;").Line()
            .Line($"namespace {ns}.Client;").Line();
        foreach (var iface in protocol.Interfaces) { Proxy(w, iface); w.Line(); }
        return w.ToString();
    }

    /// <summary>C# event name; protocol events that collide with a request, enum or member get an "Event" suffix.</summary>
    private static string EventName(InterfaceModel iface, MessageModel ev)
    {
        var p = Naming.Pascal(ev.Name);
        var taken = iface.Requests.Select(r => Naming.Pascal(r.Name))
            .Concat(iface.Enums.Select(e => Naming.Pascal(e.Name))).Concat(ProxyMembers);
        return taken.Contains(p) ? p + "Event" : p;
    }

    private static void Proxy(CodeWriter w, InterfaceModel iface)
    {
        var type = Naming.Type(iface.Name);
        w.Summary(iface.Summary, $"Client side of {iface.Name} (version {iface.Version}).");
        w.Open($"public sealed partial class {type} : Proxy, IProxyFactory<{type}>");
        w.Line($"public {type}(ClientDisplay display, uint id, uint version) : base(display, id, version) {{ }}").Line();
        w.Line($"public static {type} Create(ClientDisplay display, uint id, uint version) => new(display, id, version);");
        w.Line($"public static InterfaceInfo Info => Interfaces.{type};");
        w.Line($"public override InterfaceInfo Interface => Interfaces.{type};").Line();
        SharedEmitter.Opcodes(w, iface);
        SharedEmitter.Enums(w, iface);
        foreach (var ev in iface.Events)
        {
            var names = SharedEmitter.ParamNames(ev, "sender");
            var ps = string.Join("", ev.Args.Select((a, i) => $", {EventParamType(a, iface.Name)} {names[i]}"));
            var name = EventName(iface, ev);
            w.Line($"public delegate void {name}Handler({type} sender{ps});");
            w.Summary(ev.Summary, ev.Since > 1 ? $"(since {ev.Since})" : null);
            w.Line($"public event {name}Handler? {name};").Line();
        }
        foreach (var req in iface.Requests) Request(w, iface, req);
        Dispatcher(w, iface);
        w.Close();
    }

    private static string EventParamType(ArgModel a, string iface) => a.Type switch
    {
        "int" => a.Enum is null ? "int" : Naming.EnumType(a.Enum, iface),
        "uint" => a.Enum is null ? "uint" : Naming.EnumType(a.Enum, iface),
        "fixed" => "Fixed",
        "string" => a.AllowNull ? "string?" : "string",
        // The object may already be destroyed on our side; the event then carries null.
        "object" => (a.Interface is null ? "Proxy" : Naming.Type(a.Interface)) + "?",
        "new_id" => a.Interface is null ? "Proxy" : Naming.Type(a.Interface),
        "array" => "System.ReadOnlySpan<byte>",
        _ => "OwnedFd",
    };

    private static string RequestParamType(ArgModel a, string iface) => a.Type switch
    {
        "int" => a.Enum is null ? "int" : Naming.EnumType(a.Enum, iface),
        "uint" => a.Enum is null ? "uint" : Naming.EnumType(a.Enum, iface),
        "fixed" => "Fixed",
        "string" => a.AllowNull ? "string?" : "string",
        "object" => (a.Interface is null ? "Proxy" : Naming.Type(a.Interface)) + (a.AllowNull ? "?" : ""),
        "array" => "System.ReadOnlySpan<byte>",
        _ => "int",
    };

    private static void Request(CodeWriter w, InterfaceModel iface, MessageModel req)
    {
        var newIds = req.Args.Where(a => a.Type == "new_id").ToList();
        var created = newIds.FirstOrDefault();
        var untyped = created is not null && created.Interface is null;
        var names = SharedEmitter.ParamNames(req, "w", "T");
        var ps = string.Join(", ", req.Args.Select((a, i) => (a, i)).Where(x => x.a.Type != "new_id")
            .Select(x => $"{RequestParamType(x.a, iface.Name)} {names[x.i]}")
            .Concat(untyped ? new[] { "uint version" } : new string[0]));
        var note = SharedEmitter.SinceNote(req);
        w.Summary(req.Summary, note.Length > 0 ? note : null);
        var ret = created is null ? "void" : untyped ? "T" : Naming.Type(created.Interface!);
        var generic = untyped ? "<T>" : "";
        w.Open($"public {ret} {Naming.Pascal(req.Name)}{generic}({ps})" + (untyped ? " where T : Proxy, IProxyFactory<T>" : ""));
        if (req.Since > 1)
            w.Line($"if (Version < {req.Since}) throw new System.InvalidOperationException(\"{iface.Name}.{req.Name} needs version {req.Since}, the object has \" + Version);");
        if (created is not null)
        {
            var n = names[req.Args.IndexOf(created)];
            w.Line(untyped
                ? $"var {n} = T.Create(Display, 0, version);"
                : $"var {n} = new {Naming.Type(created.Interface!)}(Display, 0, Version);");
        }
        w.Line("var w = BeginRequest();");
        for (var i = 0; i < req.Args.Count; i++)
        {
            var a = req.Args[i];
            if (a.Type == "new_id" && a.Interface is null)
            {
                w.Line("w.WriteString(T.Info.Name);");
                w.Line("w.WriteUint(version);");
            }
            w.Line(ServerEmitter.Write(a, names[i]));
        }
        w.Line($"EndRequest(ref w, Requests.{Naming.Pascal(req.Name)});");
        if (req.IsDestructor) w.Line("MarkDestroyed();");
        if (created is not null) w.Line($"return {names[req.Args.IndexOf(created)]};");
        w.Close().Line();
    }

    private static void Dispatcher(CodeWriter w, InterfaceModel iface)
    {
        w.Open("protected internal override void DispatchEvent(ushort opcode, ref MessageReader reader)");
        if (iface.Events.Count == 0)
        {
            w.Line("throw new WireFormatException(\"" + iface.Name + " has no events\");");
            w.Close();
            return;
        }
        w.Open("switch (opcode)");
        for (var op = 0; op < iface.Events.Count; op++)
        {
            var ev = iface.Events[op];
            var names = SharedEmitter.ParamNames(ev, "reader", "opcode");
            w.Open($"case {op}:");
            for (var i = 0; i < ev.Args.Count; i++)
            {
                var a = ev.Args[i];
                var n = names[i];
                var read = a.Type switch
                {
                    "new_id" => $"new {Naming.Type(a.Interface ?? "wl_proxy")}(Display, reader.ReadNewId(), Version)",
                    "object" => a.Interface is null
                        ? "reader.ReadObject<Proxy>(true, \"object\")"
                        : $"reader.ReadObject<{Naming.Type(a.Interface)}>(true, {Naming.Literal(a.Interface)})",
                    _ => ServerEmitter.Read(a, iface.Name),
                };
                w.Line($"var {n} = {read};");
            }
            // Events for an object we already destroyed are decoded (fds closed, ids tracked) but not delivered.
            w.Line($"if (!IsDestroyed) {EventName(iface, ev)}?.Invoke(this{string.Join("", names.Select(n => ", " + n))});");
            w.Line("return;");
            w.Close();
        }
        w.Close();
        w.Close();
    }
}
