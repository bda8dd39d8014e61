using System.Globalization;
using System.Text.RegularExpressions;

namespace Compositor.Backends;

/// <summary>An output mode: "1280x720@60" (refresh optional, 60 by default; decimals allowed).</summary>
public readonly partial record struct OutputMode(int Width, int Height, int RefreshMilliHz)
{
    public static readonly OutputMode Default = new(1280, 720, 60000);

    public static OutputMode Parse(string text)
    {
        var m = ModePattern().Match(text);
        if (!m.Success)
            throw new ArgumentException($"output mode '{text}' is not WIDTHxHEIGHT[@HZ], e.g. 1280x720@60");
        var width = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        var height = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        var hz = m.Groups[3].Success ? double.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture) : 60.0;
        if (width is < 1 or > 16384 || height is < 1 or > 16384)
            throw new ArgumentException($"output size {width}x{height} is out of range (1..16384)");
        if (hz is < 1 or > 1000)
            throw new ArgumentException($"refresh rate {hz} Hz is out of range (1..1000)");
        return new OutputMode(width, height, (int)Math.Round(hz * 1000));
    }

    [GeneratedRegex(@"^(\d{1,5})x(\d{1,5})(?:@(\d{1,4}(?:\.\d{1,3})?))?$")]
    private static partial Regex ModePattern();

    public override string ToString() => $"{Width}x{Height}@{RefreshMilliHz / 1000.0:0.###}";
}
