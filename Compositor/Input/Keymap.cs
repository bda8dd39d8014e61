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
        _context = Xkb.ContextNew(0);
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
    public static Keymap FromEnvironment() => new(
        Environment.GetEnvironmentVariable("XKB_DEFAULT_RULES"),
        Environment.GetEnvironmentVariable("XKB_DEFAULT_MODEL"),
        Environment.GetEnvironmentVariable("XKB_DEFAULT_LAYOUT"),
        Environment.GetEnvironmentVariable("XKB_DEFAULT_VARIANT"),
        Environment.GetEnvironmentVariable("XKB_DEFAULT_OPTIONS"));

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
