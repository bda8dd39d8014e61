using System.Runtime.InteropServices;

namespace Compositor.Input;

/// <summary>libxkbcommon: keymaps compiled from RMLVO names, key state and modifiers.</summary>
internal static partial class Xkb
{
    private const string Lib = "libxkbcommon.so.0";
    public const int KeymapFormatTextV1 = 1;
    public const int KeyUp = 0, KeyDown = 1;
    public const int ModsDepressed = 1, ModsLatched = 2, ModsLocked = 4;
    public const int LayoutEffective = 0x80;

    [StructLayout(LayoutKind.Sequential)]
    public struct RuleNames
    {
        public nint Rules, Model, Layout, Variant, Options;
    }

    [LibraryImport(Lib, EntryPoint = "xkb_context_new")]
    public static partial nint ContextNew(int flags);

    [LibraryImport(Lib, EntryPoint = "xkb_context_unref")]
    public static partial void ContextUnref(nint context);

    [LibraryImport(Lib, EntryPoint = "xkb_keymap_new_from_names")]
    public static partial nint KeymapNewFromNames(nint context, in RuleNames names, int flags);

    [LibraryImport(Lib, EntryPoint = "xkb_keymap_get_as_string")]
    public static partial nint KeymapGetAsString(nint keymap, int format);

    [LibraryImport(Lib, EntryPoint = "xkb_keymap_unref")]
    public static partial void KeymapUnref(nint keymap);

    [LibraryImport(Lib, EntryPoint = "xkb_state_new")]
    public static partial nint StateNew(nint keymap);

    [LibraryImport(Lib, EntryPoint = "xkb_state_unref")]
    public static partial void StateUnref(nint state);

    [LibraryImport(Lib, EntryPoint = "xkb_state_update_key")]
    public static partial int StateUpdateKey(nint state, uint key, int direction);

    [LibraryImport(Lib, EntryPoint = "xkb_state_serialize_mods")]
    public static partial uint StateSerializeMods(nint state, int components);

    [LibraryImport(Lib, EntryPoint = "xkb_state_serialize_layout")]
    public static partial uint StateSerializeLayout(nint state, int components);

    public const int KeysymCaseInsensitive = 1;

    [LibraryImport(Lib, EntryPoint = "xkb_keysym_from_name", StringMarshalling = StringMarshalling.Utf8)]
    public static partial uint KeysymFromName(string name, int flags);

    [LibraryImport(Lib, EntryPoint = "xkb_keysym_to_lower")]
    public static partial uint KeysymToLower(uint keysym);

    [LibraryImport(Lib, EntryPoint = "xkb_keymap_mod_get_index", StringMarshalling = StringMarshalling.Utf8)]
    public static partial uint KeymapModGetIndex(nint keymap, string name);

    [LibraryImport(Lib, EntryPoint = "xkb_state_key_get_layout")]
    public static partial uint StateKeyGetLayout(nint state, uint key);

    [LibraryImport(Lib, EntryPoint = "xkb_keymap_key_get_syms_by_level")]
    public static unsafe partial int KeymapKeyGetSymsByLevel(nint keymap, uint key, uint layout, uint level, uint** syms);

    [LibraryImport(Lib, EntryPoint = "xkb_keymap_new_from_string", StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint KeymapNewFromString(nint context, string text, int format, int flags);

    [LibraryImport(Lib, EntryPoint = "xkb_state_key_get_one_sym")]
    public static partial uint StateKeyGetOneSym(nint state, uint key);
}
