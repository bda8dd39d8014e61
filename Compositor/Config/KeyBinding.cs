using System.Globalization;
using Compositor.Input;

namespace Compositor.Config;

[Flags]
public enum ModifierMask { None = 0, Shift = 1, Ctrl = 2, Alt = 4, Super = 8 }

/// <summary>Modifiers and a key, as a config file names them: <c>Super+Return</c>, <c>Ctrl+Alt+F2</c>.
/// The key is an XKB keysym name (xkbcommon's, case-insensitive); it matches the key's keysym on
/// the layout's first level, so <c>Super+Shift+q</c> is the Q key with Shift, whatever Shift makes of it.</summary>
public readonly record struct KeyChord(ModifierMask Modifiers, uint Keysym)
{
    public static bool TryParse(string text, out KeyChord chord, out string why)
    {
        chord = default;
        var parts = text.Split('+', StringSplitOptions.TrimEntries);
        if (parts.Length == 0 || parts[^1].Length == 0)
        {
            why = $"'{text}' is not MODIFIER+...+KEY, e.g. Super+Return";
            return false;
        }
        var mods = ModifierMask.None;
        foreach (var m in parts[..^1])
        {
            if (ParseModifier(m) is not { } bit)
            {
                why = $"'{m}' in '{text}' is not a modifier (Super, Alt, Ctrl, Shift)";
                return false;
            }
            mods |= bit;
        }
        var keysym = Xkb.KeysymFromName(parts[^1], Xkb.KeysymCaseInsensitive);
        if (keysym == 0)
        {
            why = $"'{parts[^1]}' in '{text}' is not an XKB key name (e.g. Return, q, F1, BackSpace, Tab)";
            return false;
        }
        chord = new KeyChord(mods, Xkb.KeysymToLower(keysym));
        why = "";
        return true;
    }

    public static bool TryParseModifiers(string text, out ModifierMask mask)
    {
        mask = ModifierMask.None;
        foreach (var m in text.Split('+', StringSplitOptions.TrimEntries))
        {
            if (ParseModifier(m) is not { } bit) return false;
            mask |= bit;
        }
        return true;
    }

    private static ModifierMask? ParseModifier(string m) => m.ToLowerInvariant() switch
    {
        "super" or "logo" or "mod4" or "win" => ModifierMask.Super,
        "alt" or "mod1" => ModifierMask.Alt,
        "ctrl" or "control" => ModifierMask.Ctrl,
        "shift" => ModifierMask.Shift,
        _ => null,
    };
}

public enum BindingAction { Launch, Close, CycleFocus, Fullscreen, Maximize, Quit, SwitchVt }

/// <summary>A chord and what it does. <see cref="Argument"/>: the command line of <c>launch</c>, the
/// console number of <c>vt</c>.</summary>
public sealed record KeyBinding(KeyChord Chord, BindingAction Action, string Argument = "")
{
    /// <summary>What the compositor knows without a config file (sway's and weston's habits).</summary>
    public static IReadOnlyList<KeyBinding> Defaults { get; } = BuildDefaults();

    private static List<KeyBinding> BuildDefaults()
    {
        var list = new List<KeyBinding>();
        void Add(string chord, string action)
        {
            if (!KeyChord.TryParse(chord, out var c, out var why) || !TryParseAction(action, out var a, out var arg, out why))
                throw new InvalidOperationException(why);
            list.Add(new KeyBinding(c, a, arg));
        }
        Add("Super+Return", "launch foot");
        Add("Super+Shift+q", "close");
        Add("Alt+Tab", "cycle-focus");
        Add("Super+f", "fullscreen");
        Add("Super+m", "maximize");
        Add("Ctrl+Alt+BackSpace", "quit");
        for (var n = 1; n <= 12; n++) Add($"Ctrl+Alt+F{n}", $"vt {n}");
        return list;
    }

    public static bool TryParseAction(string text, out BindingAction action, out string argument, out string why)
    {
        var space = text.IndexOf(' ');
        var verb = space < 0 ? text : text[..space];
        argument = space < 0 ? "" : text[(space + 1)..].Trim();
        why = "";
        switch (verb)
        {
            case "launch" when argument.Length > 0: action = BindingAction.Launch; return true;
            case "launch":
                action = default;
                why = "launch needs a command, e.g. 'launch foot'";
                return false;
            case "close": action = BindingAction.Close; break;
            case "cycle-focus": action = BindingAction.CycleFocus; break;
            case "fullscreen": action = BindingAction.Fullscreen; break;
            case "maximize": action = BindingAction.Maximize; break;
            case "quit": action = BindingAction.Quit; break;
            case "vt":
                action = BindingAction.SwitchVt;
                if (int.TryParse(argument, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 63) return true;
                why = $"vt needs a console number from 1 to 63, not '{argument}'";
                return false;
            default:
                action = default;
                why = $"unknown action '{verb}' (launch COMMAND, close, cycle-focus, fullscreen, maximize, quit, vt N, or none)";
                return false;
        }
        if (argument.Length == 0) return true;
        why = $"{verb} takes no argument, not '{argument}'";
        return false;
    }
}
