using System.Runtime.InteropServices;
using Wayland.Wire;

namespace Compositor.Input;

/// <summary>
/// A compiled XKB keymap, and its text in a sealed memfd that every client gets (read-only, the
/// same fd for all, as weston and wlroots do) with wl_keyboard.keymap.
/// </summary>
public sealed class Keymap : IDisposable
{
    private nint _context, _keymap;

    private Keymap(string? rules, string? model, string? layout, string? variant, string? options)
    {
        // XKB_CONTEXT_NO_ENVIRONMENT_NAMES: XKB_DEFAULT_* are read here (From), so that a config
        // value wins over them and the fallback (Default) is libxkbcommon's own "us".
        _context = Xkb.ContextNew(2);
        if (_context == 0) throw new InvalidOperationException("xkb_context_new failed");
        var strings = new[] { rules, model, layout, variant, options }.Select(s => s is null ? 0 : Marshal.StringToCoTaskMemUTF8(s)).ToArray();
        try
        {
            var names = new Xkb.RuleNames { Rules = strings[0], Model = strings[1], Layout = strings[2], Variant = strings[3], Options = strings[4] };
            _keymap = Xkb.KeymapNewFromNames(_context, names, 0);
        }
        finally
        {
            foreach (var p in strings) if (p != 0) Marshal.FreeCoTaskMem(p);
        }
        if (_keymap == 0)
        {
            Xkb.ContextUnref(_context);
            throw new ArgumentException($"cannot compile the XKB keymap (layout '{layout ?? "us"}', variant '{variant}', options '{options}')");
        }
        Names = $"layout {layout ?? "us"}" + (variant is null ? "" : $", variant {variant}") + (options is null ? "" : $", options {options}") + (model is null ? "" : $", model {model}");
        var text = Xkb.KeymapGetAsString(_keymap, Xkb.KeymapFormatTextV1);
        try
        {
            var length = 0;
            while (Marshal.ReadByte(text, length) != 0) length++;
            // The size clients map includes the terminating NUL.
            var bytes = new byte[length + 1];
            Marshal.Copy(text, bytes, 0, length);
            Text = System.Text.Encoding.UTF8.GetString(bytes, 0, length);
            Fd = Util.SealedMemfd.Create("xkb-keymap", bytes);
            Size = (uint)bytes.Length;
        }
        finally
        {
            Wayland.Interop.Libc.free(text);
        }
    }

    /// <summary>The keymap named by XKB_DEFAULT_RULES/MODEL/LAYOUT/VARIANT/OPTIONS, like weston; "us" by default.</summary>
    public static Keymap FromEnvironment() => From(new Config.KeyboardConfig());

    /// <summary>The keymap the config's [keyboard] names; each name it leaves unset comes from
    /// XKB_DEFAULT_*, then libxkbcommon's defaults (evdev, pc105, us). Throws ArgumentException
    /// when libxkbcommon cannot compile it (an unknown layout, variant or option).</summary>
    public static Keymap From(Config.KeyboardConfig k) => new(
        k.Rules ?? Env("XKB_DEFAULT_RULES"),
        k.Model ?? Env("XKB_DEFAULT_MODEL"),
        k.Layout ?? Env("XKB_DEFAULT_LAYOUT"),
        k.Variant ?? Env("XKB_DEFAULT_VARIANT"),
        k.Options ?? Env("XKB_DEFAULT_OPTIONS"));

    /// <summary>libxkbcommon's built-in default keymap (evdev, pc105, us), whatever the config and environment say.</summary>
    public static Keymap Default() => new(null, null, null, null, null);

    private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;

    /// <summary>For logs: "layout de, variant nodeadkeys".</summary>
    public string Names { get; private set; } = "";

    internal nint Handle => _keymap;
    public string Text { get; }
    /// <summary>Sealed memfd with the text and its NUL; sent to clients as it is.</summary>
    public OwnedFd Fd { get; }
    public uint Size { get; }

    public void Dispose()
    {
        Fd.Dispose();
        if (_keymap != 0) { Xkb.KeymapUnref(_keymap); _keymap = 0; }
        if (_context != 0) { Xkb.ContextUnref(_context); _context = 0; }
    }
}
