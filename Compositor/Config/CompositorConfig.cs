using System.Globalization;
using Compositor.Backends;
using Serilog;

namespace Compositor.Config;

/// <summary>[keyboard]: the XKB keymap's names (unset: XKB_DEFAULT_*, then libxkbcommon's "us")
/// and key repeat.</summary>
public sealed record KeyboardConfig
{
    public string? Rules { get; init; }
    public string? Model { get; init; }
    public string? Layout { get; init; }
    public string? Variant { get; init; }
    public string? Options { get; init; }
    /// <summary>Repeats per second (0: no repeat) and the delay before the first, as weston's defaults.</summary>
    public int RepeatRate { get; init; } = 25;
    public int RepeatDelay { get; init; } = 600;
}

/// <summary>[cursor]: the XCursor theme (unset: XCURSOR_THEME, then "default") and size (unset: XCURSOR_SIZE, then 24).</summary>
public sealed record CursorConfig
{
    public string? Theme { get; init; }
    public int? Size { get; init; }
}

/// <summary>[output NAME]: a screen's mode, place in the layout, scale and transform.</summary>
public sealed record OutputConfig(string Name)
{
    public OutputMode? Mode { get; init; }
    public (int X, int Y)? Position { get; init; }
    /// <summary>Null: the backend's (1, or the parent's for a nested window).</summary>
    public double? Scale { get; init; }
    /// <summary>wl_output.transform, 0-7.</summary>
    public int Transform { get; init; }
}

/// <summary>
/// The compositor's config file: an INI file (<see cref="IniFile"/>) at
/// <c>$XDG_CONFIG_HOME/compositor/compositor.ini</c> (or <c>--config PATH</c>). Every problem is
/// an error naming its line, and the value it was about keeps its default: a typo never stops the
/// compositor from starting. docs/config.md describes every key.
/// </summary>
public sealed class CompositorConfig
{
    public string? Path { get; private init; }
    public KeyboardConfig Keyboard { get; private set; } = new();
    public CursorConfig Cursor { get; private set; } = new();
    /// <summary>[input-method] path: the input method (input-method v1, e.g. weston-keyboard) the compositor
    /// starts as its one privileged client; unset: none.</summary>
    public string? InputMethodPath { get; private set; }
    public IReadOnlyDictionary<string, OutputConfig> Outputs => _outputs;
    /// <summary>Key bindings: the defaults (<see cref="KeyBinding.Defaults"/>) with the file's [bindings] over them.</summary>
    public IReadOnlyList<KeyBinding> Bindings => _bindings;
    /// <summary>[windows] drag-modifier: held, a left drag moves the window under the pointer and a right drag resizes it.</summary>
    public ModifierMask DragModifier { get; private set; } = ModifierMask.Super;
    public IReadOnlyList<ConfigError> Errors => _errors;

    private readonly Dictionary<string, OutputConfig> _outputs = [];
    private readonly List<KeyBinding> _bindings = [.. KeyBinding.Defaults];
    private readonly List<ConfigError> _errors = [];

    /// <summary>Defaults only (no file).</summary>
    public static CompositorConfig Default() => new();

    /// <summary>$XDG_CONFIG_HOME/compositor/compositor.ini, or ~/.config/compositor/compositor.ini.</summary>
    /// <param name="getEnv">Reads the environment (tests pass their own).</param>
    public static string DefaultPath(Func<string, string?>? getEnv = null)
    {
        getEnv ??= Environment.GetEnvironmentVariable;
        var home = getEnv("XDG_CONFIG_HOME");
        if (string.IsNullOrEmpty(home))
            home = System.IO.Path.Combine(getEnv("HOME") ?? "/", ".config");
        return System.IO.Path.Combine(home, "compositor", "compositor.ini");
    }

    /// <summary>Reads <paramref name="path"/> (or the default path, where a missing file is no error)
    /// and logs each error; never throws for what the file says.</summary>
    public static CompositorConfig Load(string? path, ILogger log, Func<string, string?>? getEnv = null)
    {
        var explicitPath = path is not null;
        path ??= DefaultPath(getEnv);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (!explicitPath && e is FileNotFoundException or DirectoryNotFoundException)
            {
                log.Debug("No config file at {Path}: defaults", path);
                return new CompositorConfig { Path = null };
            }
            var c = new CompositorConfig { Path = path };
            c._errors.Add(new ConfigError(path, 0, $"cannot read it ({e.Message}): using the defaults"));
            c.LogErrors(log);
            return c;
        }
        var config = Parse(text, path);
        log.Information("Config {Path}: {Count} error(s)", path, config.Errors.Count);
        config.LogErrors(log);
        return config;
    }

    private void LogErrors(ILogger log)
    {
        foreach (var e in _errors) log.Error("Config {Error}", e.ToString());
    }

    public static CompositorConfig Parse(string text, string file)
    {
        var c = new CompositorConfig { Path = file };
        foreach (var e in IniFile.Parse(text, file, c._errors)) c.Apply(e);
        return c;
    }

    private void Error(IniEntry e, string message) => _errors.Add(new ConfigError(Path ?? "config", e.Line, message));

    private void Apply(IniEntry e)
    {
        switch (e.Section)
        {
            case "keyboard": ApplyKeyboard(e); break;
            case "cursor": ApplyCursor(e); break;
            case "output": ApplyOutput(e); break;
            case "bindings": ApplyBinding(e); break;
            case "windows": ApplyWindows(e); break;
            case "input-method": ApplyInputMethod(e); break;
            default:
                Error(e, $"unknown section [{e.Section}] (keyboard, cursor, output NAME, bindings, windows, input-method)");
                break;
        }
    }

    private void ApplyKeyboard(IniEntry e)
    {
        var k = Keyboard;
        string? v = e.Value.Length == 0 ? null : e.Value;
        switch (e.Key)
        {
            case "rules": Keyboard = k with { Rules = v }; break;
            case "model": Keyboard = k with { Model = v }; break;
            case "layout": Keyboard = k with { Layout = v }; break;
            case "variant": Keyboard = k with { Variant = v }; break;
            case "options": Keyboard = k with { Options = v }; break;
            case "repeat-rate":
                if (Int(e, 0, 1000) is { } rate) Keyboard = k with { RepeatRate = rate };
                break;
            case "repeat-delay":
                if (Int(e, 0, 10_000) is { } delay) Keyboard = k with { RepeatDelay = delay };
                break;
            default:
                Error(e, $"unknown key '{e.Key}' in [keyboard] (rules, model, layout, variant, options, repeat-rate, repeat-delay)");
                break;
        }
    }

    private void ApplyCursor(IniEntry e)
    {
        switch (e.Key)
        {
            case "theme": Cursor = Cursor with { Theme = e.Value.Length == 0 ? null : e.Value }; break;
            case "size":
                if (Int(e, 8, 512) is { } size) Cursor = Cursor with { Size = size };
                break;
            default:
                Error(e, $"unknown key '{e.Key}' in [cursor] (theme, size)");
                break;
        }
    }

    private void ApplyOutput(IniEntry e)
    {
        if (string.IsNullOrEmpty(e.SectionName))
        {
            Error(e, "[output] needs the output's name, e.g. [output Virtual-1] (the log lists them)");
            return;
        }
        var o = _outputs.TryGetValue(e.SectionName, out var existing) ? existing : new OutputConfig(e.SectionName);
        switch (e.Key)
        {
            case "mode":
                try { o = o with { Mode = OutputMode.Parse(e.Value) }; }
                catch (ArgumentException bad) { Error(e, bad.Message); }
                break;
            case "position":
                var parts = e.Value.Split(',');
                if (parts.Length == 2 && int.TryParse(parts[0].Trim(), CultureInfo.InvariantCulture, out var x) && int.TryParse(parts[1].Trim(), CultureInfo.InvariantCulture, out var y)
                    && Math.Abs(x) <= 65536 && Math.Abs(y) <= 65536)
                    o = o with { Position = (x, y) };
                else Error(e, $"position is X,Y in layout pixels, e.g. 1920,0, not '{e.Value}'");
                break;
            case "scale":
                if (double.TryParse(e.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var scale) && scale is >= 0.25 and <= 10)
                    o = o with { Scale = scale };
                else Error(e, $"scale is a number from 0.25 to 10, e.g. 1.5, not '{e.Value}'");
                break;
            case "transform":
                var t = Array.IndexOf(TransformNames, e.Value);
                if (t >= 0) o = o with { Transform = t };
                else Error(e, $"transform is one of {string.Join(", ", TransformNames)}, not '{e.Value}'");
                break;
            default:
                Error(e, $"unknown key '{e.Key}' in [output] (mode, position, scale, transform)");
                break;
        }
        _outputs[e.SectionName] = o;
    }

    /// <summary>wl_output.transform's values in order, named as weston.ini names them.</summary>
    public static readonly string[] TransformNames = ["normal", "90", "180", "270", "flipped", "flipped-90", "flipped-180", "flipped-270"];

    private void ApplyBinding(IniEntry e)
    {
        if (!KeyChord.TryParse(e.Key, out var chord, out var why))
        {
            Error(e, why);
            return;
        }
        if (e.Value == "none")
        {
            _bindings.RemoveAll(b => b.Chord == chord);
            return;
        }
        // A bad action keeps whatever the chord did before (a default), like any bad value.
        if (!KeyBinding.TryParseAction(e.Value, out var action, out var argument, out why))
        {
            Error(e, why);
            return;
        }
        _bindings.RemoveAll(b => b.Chord == chord);
        _bindings.Add(new KeyBinding(chord, action, argument));
    }

    private void ApplyInputMethod(IniEntry e)
    {
        switch (e.Key)
        {
            case "path": InputMethodPath = e.Value.Length == 0 ? null : e.Value; break;
            default:
                Error(e, $"unknown key '{e.Key}' in [input-method] (path)");
                break;
        }
    }

    private void ApplyWindows(IniEntry e)
    {
        switch (e.Key)
        {
            case "drag-modifier":
                if (e.Value == "none") DragModifier = ModifierMask.None;
                else if (KeyChord.TryParseModifiers(e.Value, out var mask) && mask != ModifierMask.None) DragModifier = mask;
                else Error(e, $"drag-modifier is a modifier (Super, Alt, Ctrl, Shift, or several joined by +) or none, not '{e.Value}'");
                break;
            default:
                Error(e, $"unknown key '{e.Key}' in [windows] (drag-modifier)");
                break;
        }
    }

    private int? Int(IniEntry e, int min, int max)
    {
        if (int.TryParse(e.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max) return v;
        Error(e, $"{e.Key} is a whole number from {min} to {max}, not '{e.Value}'");
        return null;
    }
}
