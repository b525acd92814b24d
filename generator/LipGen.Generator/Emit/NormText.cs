using System.Globalization;
using System.Linq;
using System.Text;

namespace LipGen.Generator.Emit;

/// <summary>How numbers, norms and weights are written into generated code and its comments.</summary>
internal static class NormText
{
    /// <summary>A C# double literal (also for ±∞ and NaN, which have no literal: the emitter never writes invalid code).</summary>
    public static string Literal(double value) =>
        double.IsPositiveInfinity(value) ? "double.PositiveInfinity" : double.IsNegativeInfinity(value) ? "double.NegativeInfinity"
        : double.IsNaN(value) ? "double.NaN" : value.ToString("R", CultureInfo.InvariantCulture) + "d";

    /// <summary>A number for prose: ∞, or six significant digits.</summary>
    public static string Number(double value) =>
        double.IsPositiveInfinity(value) ? "∞" : value.ToString("G6", CultureInfo.InvariantCulture);

    /// <summary>"ℓ∞ (the dual of p = 1)" for the first layer's q, "ℓ1" for a plain q.</summary>
    public static string Name(double q, double p, bool isDualOfP) =>
        isDualOfP ? $"ℓ{Number(q)} (the dual of p = {Number(p)})" : $"ℓ{Number(q)}";

    public static string Subscript(int n) =>
        new(n.ToString(CultureInfo.InvariantCulture).Select(c => (char)('₀' + (c - '0'))).ToArray());

    /// <summary>
    /// A value as the float literal the network runs with (G9 round-trips every float); ±∞ and NaN, which have no literal,
    /// as the named constants, so that a value the analyzer refuses can never break the build inside generated code.
    /// </summary>
    public static string FloatLiteral(double value) => Single((float)value);

    private static string Single(float value) =>
        float.IsPositiveInfinity(value) ? "float.PositiveInfinity" : float.IsNegativeInfinity(value) ? "float.NegativeInfinity"
        : float.IsNaN(value) ? "float.NaN" : value.ToString("G9", CultureInfo.InvariantCulture) + "f";

    /// <summary>Eight float literals a line; G9 round-trips every float exactly.</summary>
    public static void Floats(SourceWriter w, EquatableArray<float> values, int start, int count)
    {
        var line = new StringBuilder();
        for (int i = 0; i < count; i++)
        {
            line.Append(Single(values[start + i])).Append(", ");
            if (i % 8 == 7 || i == count - 1)
            {
                w.Line("    " + line.ToString().TrimEnd());
                line.Clear();
            }
        }
    }

    /// <summary>Sixteen bfloat16 values a line, as hex literals (the bits of the float's upper half).</summary>
    public static void Halves(SourceWriter w, ushort[] values, int start, int count)
    {
        var line = new StringBuilder();
        for (int i = 0; i < count; i++)
        {
            line.Append("0x").Append(values[start + i].ToString("X4", CultureInfo.InvariantCulture)).Append(", ");
            if (i % 16 == 15 || i == count - 1)
            {
                w.Line("    " + line.ToString().TrimEnd());
                line.Clear();
            }
        }
    }
}
