namespace Compositor.Config;

/// <summary>One <c>key = value</c> line of an INI file, with where it came from for error messages.</summary>
public readonly record struct IniEntry(string Section, string? SectionName, string Key, string Value, int Line);

/// <summary>A problem in the config file: where, and what, in words a user acts on.</summary>
public sealed record ConfigError(string File, int Line, string Message)
{
    public override string ToString() => Line > 0 ? $"{File}:{Line}: {Message}" : $"{File}: {Message}";
}

/// <summary>
/// The INI dialect weston.ini and foot.ini use: <c>[section]</c> or <c>[section name]</c> headers,
/// <c>key = value</c> lines, <c>#</c> or <c>;</c> comment lines. Keys before any header, lines that
/// are neither, and empty keys are errors naming their line; everything else is kept for the typed
/// reader (<see cref="CompositorConfig"/>), which knows which keys a section takes.
/// </summary>
public static class IniFile
{
    public static List<IniEntry> Parse(string text, string file, List<ConfigError> errors)
    {
        var entries = new List<IniEntry>();
        string? section = null, sectionName = null;
        var badSection = false; // after a broken header its keys are skipped: one error, not one per line
        var lineNo = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNo++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';') continue;
            if (line[0] == '[')
            {
                if (line[^1] != ']' || line.Length < 3)
                {
                    errors.Add(new ConfigError(file, lineNo, $"a section header is [name] or [name argument], not '{line}'"));
                    badSection = true;
                    continue;
                }
                badSection = false;
                var inner = line[1..^1].Trim();
                var space = inner.IndexOfAny([' ', '\t']);
                (section, sectionName) = space < 0 ? (inner, null) : (inner[..space], inner[(space + 1)..].Trim());
                continue;
            }
            if (badSection) continue;
            var eq = line.IndexOf('=');
            if (eq < 0)
            {
                errors.Add(new ConfigError(file, lineNo, $"expected 'key = value', not '{line}'"));
                continue;
            }
            var key = line[..eq].Trim();
            var value = line[(eq + 1)..].Trim();
            if (key.Length == 0)
            {
                errors.Add(new ConfigError(file, lineNo, "a key is missing before '='"));
                continue;
            }
            if (section is null)
            {
                errors.Add(new ConfigError(file, lineNo, $"'{key}' is outside any [section]"));
                continue;
            }
            if (value.Length >= 2 && value[0] == '"' && value[^1] == '"') value = value[1..^1];
            entries.Add(new IniEntry(section, sectionName, key, value, lineNo));
        }
        return entries;
    }
}
