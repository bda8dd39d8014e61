using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace Wayland.Scanner;

/// <summary>How protocol names become C# names: wl_surface → WlSurface, set_buffer_scale → SetBufferScale.</summary>
internal static class Naming
{
    private static readonly HashSet<string> Keywords = new()
    {
        "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const",
        "continue", "decimal", "default", "delegate", "do", "double", "else", "enum", "event", "explicit", "extern",
        "false", "finally", "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "int", "interface",
        "internal", "is", "lock", "long", "namespace", "new", "null", "object", "operator", "out", "override",
        "params", "private", "protected", "public", "readonly", "ref", "return", "sbyte", "sealed", "short",
        "sizeof", "stackalloc", "static", "string", "struct", "switch", "this", "throw", "true", "try", "typeof",
        "uint", "ulong", "unchecked", "unsafe", "ushort", "using", "virtual", "void", "volatile", "while",
    };

    public static string Pascal(string snake)
    {
        var sb = new StringBuilder();
        foreach (var part in snake.Split('_').Where(p => p.Length > 0))
            sb.Append(char.ToUpperInvariant(part[0])).Append(part.Substring(1));
        var s = sb.ToString();
        return s.Length == 0 || char.IsDigit(s[0]) ? "_" + s : s;
    }

    public static string Camel(string snake)
    {
        var p = Pascal(snake);
        if (p.StartsWith("_")) return p;
        var c = char.ToLowerInvariant(p[0]) + p.Substring(1);
        return Keywords.Contains(c) ? "@" + c : c;
    }

    public static string Type(string interfaceName) => Pascal(interfaceName);

    public static string HandlerInterface(string interfaceName) => "I" + Pascal(interfaceName) + "Handler";

    /// <summary>The interfaces of the generation run in progress, for resolving enum references.</summary>
    [System.ThreadStatic] public static Dictionary<string, InterfaceModel>? Interfaces;

    /// <summary>C# name of an enum nested in its interface's classes. An enum named like a request
    /// (wl_shell_surface.resize) gets an "Enum" suffix so it does not collide with the request method.</summary>
    public static string EnumName(InterfaceModel iface, string enumName)
    {
        var p = Pascal(enumName);
        return iface.Requests.Any(r => Pascal(r.Name) == p) ? p + "Enum" : p;
    }

    /// <summary>C# reference to the enum an arg names: "wl_shm.format" or "format" (of the current interface).</summary>
    public static string EnumType(string enumAttr, string currentInterface)
    {
        var dot = enumAttr.IndexOf('.');
        var owner = dot < 0 ? currentInterface : enumAttr.Substring(0, dot);
        var name = dot < 0 ? enumAttr : enumAttr.Substring(dot + 1);
        var nested = Interfaces is not null && Interfaces.TryGetValue(owner, out var model) ? EnumName(model, name) : Pascal(name);
        return Type(owner) + "." + nested;
    }

    public static string Xml(string? text) => (text ?? "")
        .Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\r", "").Replace("\n", " ");

    public static string Literal(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}

/// <summary>Indenting text builder for generated files.</summary>
internal sealed class CodeWriter
{
    private readonly StringBuilder _sb = new();
    private int _indent;

    public CodeWriter Line(string text = "")
    {
        if (text.Length > 0) _sb.Append(' ', _indent * 4).Append(text);
        _sb.Append('\n');
        return this;
    }

    public CodeWriter Open(string text) { Line(text); Line("{"); _indent++; return this; }
    public CodeWriter Close(string suffix = "") { _indent--; Line("}" + suffix); return this; }

    public void Summary(string? text, string? extra = null)
    {
        if (string.IsNullOrWhiteSpace(text) && extra is null) return;
        var body = Naming.Xml(text?.Trim());
        if (extra is not null) body = body.Length > 0 ? body + " " + extra : extra;
        Line($"/// <summary>{body}</summary>");
    }

    public override string ToString() => _sb.ToString();
}
