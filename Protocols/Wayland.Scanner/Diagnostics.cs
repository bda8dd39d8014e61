using Microsoft.CodeAnalysis;

namespace Wayland.Scanner;

/// <summary>Errors in protocol XML, reported as compiler diagnostics pointing into the XML file.</summary>
internal static class Diagnostics
{
    private const string Category = "WaylandScanner";

    public static readonly DiagnosticDescriptor MalformedXml = new("WLS001", "Malformed protocol XML",
        "Protocol file '{0}' is not well-formed XML: {1}", Category, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor MissingAttribute = new("WLS002", "Missing attribute",
        "<{0}> needs a '{1}' attribute", Category, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor BadAttribute = new("WLS003", "Invalid attribute value",
        "Attribute '{0}' of <{1}> has invalid value '{2}': {3}", Category, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor UnknownArgType = new("WLS004", "Unknown argument type",
        "Argument '{0}' of {1} has unknown type '{2}'", Category, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor UnknownInterface = new("WLS005", "Unknown interface",
        "Argument '{0}' of {1} refers to interface '{2}', which no protocol XML defines", Category, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor UnknownEnum = new("WLS006", "Unknown enum",
        "Argument '{0}' of {1} refers to enum '{2}', which is not defined", Category, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor DuplicateInterface = new("WLS007", "Duplicate interface",
        "Interface '{0}' is defined more than once", Category, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor Unsupported = new("WLS008", "Unsupported construct",
        "{0}", Category, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor BadNullable = new("WLS009", "allow-null on a type that cannot be null",
        "Argument '{0}' of {1} has allow-null but its type is '{2}'; only string, object and new_id can be null",
        Category, DiagnosticSeverity.Error, true);
}
