using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace LipGen.Kernels;

/// <summary>
/// Row norms of a row-major matrix and the projection of its rows onto a norm ball. The largest row norm is the operator
/// norm that matters here: max over rows of ‖wᵢ‖_q is ‖W‖_{p→∞} (q the dual of p), and with q = 1 it is ‖W‖_{∞→∞}.
/// Norms are accumulated in double.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class RowNorms
{
    /// <summary>‖row‖_q for q = 1, 2, ∞ or any real q ≥ 1.</summary>
    public static double Norm(ReadOnlySpan<float> row, double q)
    {
        // Σ|w|, Σw² and max|w| in double: floats widen exactly, and w² of a float is exact in double.
        if (q == 1)
            return Elementwise.Reduce<AbsoluteOperator, AddOperator>(row);
        if (q == 2)
            return Math.Sqrt(Elementwise.Reduce<SquareOperator, AddOperator>(row));
        if (double.IsPositiveInfinity(q))
            return Elementwise.Reduce<AbsoluteOperator, MaxOperator>(row);
        // General q: scale by the largest entry first so that |w|^q cannot overflow or underflow.
        double largest = Norm(row, double.PositiveInfinity);
        if (largest == 0 || double.IsNaN(largest))
            return largest;
        double total = 0;
        foreach (float w in row)
            total += Math.Pow(Math.Abs(w) / largest, q);
        return largest * Math.Pow(total, 1 / q);
    }

    /// <summary>
    /// max over rows of ‖row‖_q: the operator norm ‖W‖_{p→∞} for the dual pair (p, q). With <paramref name="outward"/>,
    /// every row norm is rounded so that it can only be too large (see <see cref="Verification.CertifiedBound"/>).
    /// </summary>
    public static double MaxRowNorm(ReadOnlySpan<float> weights, int rows, int columns, double q, bool outward = false)
    {
        double max = 0;
        for (int r = 0; r < rows; r++)
        {
            double norm = Norm(weights.Slice(r * columns, columns), q);
            if (double.IsNaN(norm))
                return double.NaN;
            max = Math.Max(max, norm);
        }
        // The outward inflation depends only on the row length and is monotone, so inflating the largest computed norm once
        // equals the largest of the inflated row norms.
        return outward ? Outward(max, columns, q) : max;
    }

    /// <summary>An upper bound on ‖row‖_q.</summary>
    public static double UpperBound(ReadOnlySpan<float> row, double q) => Outward(Norm(row, q), row.Length, q);

    /// <summary>The computed q-norm of n floats, inflated to cover its rounding error.</summary>
    private static double Outward(double computed, int n, double q)
    {
        if (double.IsPositiveInfinity(q) || computed == 0 || !double.IsFinite(computed))
            return computed; // exact
        // (n + 3) rather than n: the extra terms also cover the rounding of sqrt (q = 2) and of the final product.
        double sumSlack = 1 + 4.0 * (n + 3) / (1L << 53);
        if (q == 1)
            return RoundUp(computed * sumSlack);
        if (q == 2)
            return RoundUp(computed * RoundUp(Math.Sqrt(RoundUp(sumSlack)))); // √(Σw²·(1+4nu)) = √Σw² · √(1+4nu)
        return RoundUp(computed * (sumSlack + 1e-12));
    }

    /// <summary>
    /// Rescales every row whose q-norm exceeds <paramref name="bound"/> onto the bound; other rows are left as they are.
    /// The factor is bound/norm less 2⁻²² relative: the rounding of the float factor and of each float product is at most
    /// about 2⁻²³ relative, so the rescaled row cannot end above the bound. It is checked again in double all the same,
    /// and nudged down if it ever were.
    /// </summary>
    public static void Project(Span<float> weights, int rows, int columns, double q, double bound)
    {
        for (int r = 0; r < rows; r++)
        {
            Span<float> row = weights.Slice(r * columns, columns);
            double norm = Norm(row, q);
            if (!(norm > bound))
                continue;
            Scale(row, (float)(bound / norm * (1 - 1.0 / (1 << 22))));
            while (Norm(row, q) > bound)
                Scale(row, 1 - 1f / (1 << 20));
        }
    }

    /// <summary>The next double up: covers a rounding to nearest of <paramref name="value"/>.</summary>
    internal static double RoundUp(double value) => double.IsFinite(value) ? Math.BitIncrement(value) : value;

    private static void Scale(Span<float> row, float factor) => Elementwise.Apply<MultiplyOperator>(row, factor);
}
