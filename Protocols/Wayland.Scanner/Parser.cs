using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Xml;
using System.Xml.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Wayland.Scanner;

/// <summary>Reads one protocol XML file into a <see cref="ProtocolModel"/>, reporting what is wrong with it.</summary>
internal static class Parser
{
    private static readonly HashSet<string> ArgTypes = new() { "int", "uint", "fixed", "string", "object", "new_id", "array", "fd" };

    public static ProtocolModel? Parse(string path, string text, List<Diagnostic> diagnostics)
    {
        XDocument doc;
        try
        {
            doc = XDocument.Parse(text, LoadOptions.SetLineInfo);
        }
        catch (XmlException e)
        {
            var pos = new LinePosition(Math.Max(0, e.LineNumber - 1), Math.Max(0, e.LinePosition - 1));
            diagnostics.Add(Diagnostic.Create(Diagnostics.MalformedXml,
                Location.Create(path, default, new LinePositionSpan(pos, pos)), System.IO.Path.GetFileName(path), e.Message));
            return null;
        }
        var root = doc.Root;
        if (root is null || root.Name.LocalName != "protocol")
        {
            diagnostics.Add(Diagnostic.Create(Diagnostics.MalformedXml, Loc(path, root),
                System.IO.Path.GetFileName(path), "the root element must be <protocol>"));
            return null;
        }
        var protocol = new ProtocolModel { Path = path, Name = Required(path, root, "name", diagnostics) ?? "" };
        foreach (var e in root.Elements("interface"))
        {
            var iface = new InterfaceModel
            {
                Name = Required(path, e, "name", diagnostics) ?? "",
                Version = UInt(path, e, "version", 1, diagnostics),
                Summary = Summary(e),
                Protocol = protocol.Name,
                Location = Loc(path, e),
            };
            foreach (var m in e.Elements())
            {
                switch (m.Name.LocalName)
                {
                    case "request": iface.Requests.Add(ParseMessage(path, m, iface.Name, diagnostics)); break;
                    case "event": iface.Events.Add(ParseMessage(path, m, iface.Name, diagnostics)); break;
                    case "enum": iface.Enums.Add(ParseEnum(path, m, diagnostics)); break;
                }
            }
            protocol.Interfaces.Add(iface);
        }
        return protocol;
    }

    private static MessageModel ParseMessage(string path, XElement e, string iface, List<Diagnostic> diagnostics)
    {
        var msg = new MessageModel
        {
            Name = Required(path, e, "name", diagnostics) ?? "",
            Since = UInt(path, e, "since", 1, diagnostics),
            Summary = Summary(e),
            Location = Loc(path, e),
        };
        var type = (string?)e.Attribute("type");
        if (type == "destructor") msg.IsDestructor = true;
        else if (type is not null)
            diagnostics.Add(Diagnostic.Create(Diagnostics.BadAttribute, Loc(path, e), "type", e.Name.LocalName, type, "only 'destructor' is allowed"));
        foreach (var a in e.Elements("arg"))
        {
            var arg = new ArgModel
            {
                Name = Required(path, a, "name", diagnostics) ?? "",
                Type = Required(path, a, "type", diagnostics) ?? "",
                Interface = (string?)a.Attribute("interface"),
                Enum = (string?)a.Attribute("enum"),
                Summary = (string?)a.Attribute("summary"),
                Location = Loc(path, a),
            };
            var allowNull = (string?)a.Attribute("allow-null");
            if (allowNull is not null && allowNull != "true" && allowNull != "false")
                diagnostics.Add(Diagnostic.Create(Diagnostics.BadAttribute, arg.Location, "allow-null", "arg", allowNull, "must be 'true' or 'false'"));
            arg.AllowNull = allowNull == "true";
            var where = $"{iface}.{msg.Name}";
            if (arg.Type.Length > 0 && !ArgTypes.Contains(arg.Type))
                diagnostics.Add(Diagnostic.Create(Diagnostics.UnknownArgType, arg.Location, arg.Name, where, arg.Type));
            if (arg.AllowNull && arg.Type is not ("string" or "object" or "new_id"))
                diagnostics.Add(Diagnostic.Create(Diagnostics.BadNullable, arg.Location, arg.Name, where, arg.Type));
            msg.Args.Add(arg);
        }
        return msg;
    }

    private static EnumModel ParseEnum(string path, XElement e, List<Diagnostic> diagnostics)
    {
        var en = new EnumModel
        {
            Name = Required(path, e, "name", diagnostics) ?? "",
            Bitfield = (string?)e.Attribute("bitfield") == "true",
            Summary = Summary(e),
        };
        foreach (var x in e.Elements("entry"))
        {
            var entry = new EntryModel
            {
                Name = Required(path, x, "name", diagnostics) ?? "",
                Value = UInt(path, x, "value", 0, diagnostics, required: true),
                Summary = (string?)x.Attribute("summary") ?? Summary(x),
                Since = UInt(path, x, "since", 1, diagnostics),
            };
            en.Entries.Add(entry);
        }
        return en;
    }

    private static string? Required(string path, XElement e, string attribute, List<Diagnostic> diagnostics)
    {
        var v = (string?)e.Attribute(attribute);
        if (string.IsNullOrEmpty(v))
        {
            diagnostics.Add(Diagnostic.Create(Diagnostics.MissingAttribute, Loc(path, e), e.Name.LocalName, attribute));
            return null;
        }
        return v;
    }

    private static uint UInt(string path, XElement e, string attribute, uint fallback, List<Diagnostic> diagnostics, bool required = false)
    {
        var v = (string?)e.Attribute(attribute);
        if (v is null)
        {
            if (required) diagnostics.Add(Diagnostic.Create(Diagnostics.MissingAttribute, Loc(path, e), e.Name.LocalName, attribute));
            return fallback;
        }
        var ok = v.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? uint.TryParse(v.Substring(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var r)
            : uint.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out r);
        if (!ok)
        {
            diagnostics.Add(Diagnostic.Create(Diagnostics.BadAttribute, Loc(path, e), attribute, e.Name.LocalName, v, "not an unsigned integer"));
            return fallback;
        }
        return r;
    }

    private static string? Summary(XElement e) =>
        (string?)e.Element("description")?.Attribute("summary") ?? (string?)e.Attribute("summary");

    public static Location Loc(string path, XElement? e)
    {
        var info = (IXmlLineInfo?)e;
        var line = info is not null && info.HasLineInfo() ? info.LineNumber - 1 : 0;
        var col = info is not null && info.HasLineInfo() ? info.LinePosition - 1 : 0;
        var pos = new LinePosition(line, col);
        return Location.Create(path, default, new LinePositionSpan(pos, pos));
    }

    public static IEnumerable<InterfaceModel> AllInterfaces(IEnumerable<ProtocolModel> protocols) =>
        protocols.SelectMany(p => p.Interfaces);
}
