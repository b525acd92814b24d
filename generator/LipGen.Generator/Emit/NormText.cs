using System.Globalization;
using System.Linq;
using System.Text;

namespace LipGen.Generator.Emit;

/// <summary>How numbers, norms and weights are written into generated code and its comments.</summary>
internal static class NormText
{
    /// <summary>A C# double literal.</summary>
    public static string Literal(double value) =>
        double.IsPositiveInfinity(value) ? "double.PositiveInfinity" : value.ToString("R", CultureInfo.InvariantCulture) + "d";

    /// <summary>A number for prose: ∞, or six significant digits.</summary>
    public static string Number(double value) =>
        double.IsPositiveInfinity(value) ? "∞" : value.ToString("G6", CultureInfo.InvariantCulture);

    /// <summary>"ℓ∞ (the dual of p = 1)" for the first layer's q, "ℓ1" for a plain q.</summary>
    public static string Name(double q, double p, bool isDualOfP) =>
        isDualOfP ? $"ℓ{Number(q)} (the dual of p = {Number(p)})" : $"ℓ{Number(q)}";

    public static string Subscript(int n) =>
        new(n.ToString(CultureInfo.InvariantCulture).Select(c => (char)('₀' + (c - '0'))).ToArray());

    /// <summary>A value as the float literal the network runs with (G9 round-trips every float).</summary>
    public static string FloatLiteral(double value) => ((float)value).ToString("G9", CultureInfo.InvariantCulture) + "f";

    /// <summary>Eight float literals a line; G9 round-trips every float exactly.</summary>
    public static void Floats(SourceWriter w, EquatableArray<float> values, int start, int count)
    {
        var line = new StringBuilder();
        for (int i = 0; i < count; i++)
        {
            line.Append(values[start + i].ToString("G9", CultureInfo.InvariantCulture)).Append("f, ");
            if (i % 8 == 7 || i == count - 1)
            {
                w.Line("    " + line.ToString().TrimEnd());
                line.Clear();
            }
        }
    }
}
