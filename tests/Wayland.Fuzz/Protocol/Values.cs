namespace Wayland.Fuzz.Protocol;

/// <summary>Argument values: mostly ones a handler accepts or checks right at its limit (chosen by the
/// argument's name), sometimes anything at all.</summary>
internal static class Values
{
    private static readonly int[] Edges = [0, 1, -1, 2, 3, 4, 8, 64, 255, 256, 4096, 65536, int.MaxValue, int.MinValue, int.MaxValue / 4];

    /// <summary>DRM fourccs and wl_shm's two own codes.</summary>
    private static readonly uint[] Formats = [0, 1, 0x34325241, 0x34325258, 0x3231564e, 0x20203852, 0xdeadbeef];

    private static readonly string[] Strings = ["", "a", "text/plain", "text/plain;charset=utf-8", "seat0", "title", "org.example.app",
        "wl_surface", new string('x', 300), "\u00e9t\u00e9"];

    public static int Int(Random rng, string name)
    {
        if (rng.Next(5) == 0) return rng.Next(2) == 0 ? Edges[rng.Next(Edges.Length)] : rng.Next(int.MinValue, int.MaxValue);
        return name switch
        {
            "width" or "height" => rng.Next(1, 65),
            "stride" => 4 * rng.Next(1, 65),
            "offset" => rng.Next(3) == 0 ? 4096 * rng.Next(4) : 0,
            "size" => rng.Next(2) == 0 ? 4096 : 65536,
            "scale" => rng.Next(1, 4),
            "transform" => rng.Next(8),
            _ => rng.Next(-8, 128),
        };
    }

    public static uint Uint(Random rng, string name)
    {
        if (rng.Next(5) == 0) return rng.Next(2) == 0 ? (uint)Edges[rng.Next(Edges.Length)] : (uint)rng.NextInt64(uint.MaxValue + 1L);
        return name switch
        {
            "format" => Formats[rng.Next(Formats.Length)],
            "width" or "height" => (uint)rng.Next(1, 65),
            "stride" => (uint)(4 * rng.Next(1, 65)),
            "offset" => rng.Next(3) == 0 ? (uint)(4096 * rng.Next(4)) : 0,
            "modifier_hi" or "modifier_lo" => rng.Next(3) switch { 0 => 0, 1 => 0xffffffff, _ => 0x00ffffff },
            "plane_idx" => (uint)rng.Next(5),
            "serial" => (uint)rng.Next(16),
            "version" => (uint)rng.Next(1, 10),
            _ => (uint)rng.Next(16),
        };
    }

    public static string String(Random rng) => rng.Next(4) == 0
        ? new string(Enumerable.Range(0, rng.Next(1, 24)).Select(_ => (char)rng.Next(0x21, 0x7f)).ToArray())
        : Strings[rng.Next(Strings.Length)];
}
