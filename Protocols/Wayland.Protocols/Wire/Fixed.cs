namespace Wayland.Wire;

/// <summary>wl_fixed_t: a signed 24.8 fixed-point number.</summary>
public readonly record struct Fixed(int Raw)
{
    public static Fixed FromDouble(double value) => new((int)Math.Round(value * 256.0));
    public static Fixed FromInt(int value) => new(value << 8);
    public double ToDouble() => Raw / 256.0;
    public int ToInt() => Raw / 256;
    public override string ToString() => ToDouble().ToString("F6", System.Globalization.CultureInfo.InvariantCulture);
}
