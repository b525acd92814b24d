using System.ComponentModel;
using System.Numerics;
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
        if (q == 1)
            return SumAbsolute(row);
        if (q == 2)
            return Math.Sqrt(SumSquares(row));
        if (double.IsPositiveInfinity(q))
        {
            // Widening is exact, so the float maximum is the double maximum.
            float max = 0;
            foreach (float w in row)
                max = float.IsNaN(w) ? float.NaN : MathF.Max(max, MathF.Abs(w));
            return max;
        }
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
            ReadOnlySpan<float> row = weights.Slice(r * columns, columns);
            double norm = outward ? UpperBound(row, q) : Norm(row, q);
            if (double.IsNaN(norm))
                return double.NaN;
            max = Math.Max(max, norm);
        }
        return max;
    }

    /// <summary>An upper bound on ‖row‖_q.</summary>
    public static double UpperBound(ReadOnlySpan<float> row, double q)
    {
        double computed = Norm(row, q);
        if (double.IsPositiveInfinity(q) || computed == 0 || !double.IsFinite(computed))
            return computed; // exact
        // (n + 3) rather than n: the extra terms also cover the rounding of sqrt (q = 2) and of the final product.
        double sumSlack = 1 + 4.0 * (row.Length + 3) / (1L << 53);
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

    // Σ|w| and Σw² in double: floats are widened (exactly) and accumulated in double lanes.
    private static double SumAbsolute(ReadOnlySpan<float> row)
    {
        int i = 0;
        double sum = 0;
        if (Vector.IsHardwareAccelerated && row.Length >= Vector<float>.Count)
        {
            Vector<double> acc = Vector<double>.Zero;
            for (; i <= row.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                Vector.Widen(Vector.Abs(new Vector<float>(row.Slice(i))), out Vector<double> low, out Vector<double> high);
                acc += low + high;
            }
            sum = Vector.Sum(acc);
        }
        for (; i < row.Length; i++)
            sum += Math.Abs((double)row[i]);
        return sum;
    }

    private static double SumSquares(ReadOnlySpan<float> row)
    {
        int i = 0;
        double sum = 0;
        if (Vector.IsHardwareAccelerated && row.Length >= Vector<float>.Count)
        {
            Vector<double> acc = Vector<double>.Zero;
            for (; i <= row.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                Vector.Widen(new Vector<float>(row.Slice(i)), out Vector<double> low, out Vector<double> high);
                acc += low * low + high * high;
            }
            sum = Vector.Sum(acc);
        }
        for (; i < row.Length; i++)
            sum += (double)row[i] * row[i];
        return sum;
    }

    /// <summary>The next double up: covers a rounding to nearest of <paramref name="value"/>.</summary>
    internal static double RoundUp(double value) => double.IsFinite(value) ? Math.BitIncrement(value) : value;

    private static void Scale(Span<float> row, float factor)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            Span<Vector<float>> vectors = System.Runtime.InteropServices.MemoryMarshal.Cast<float, Vector<float>>(row);
            for (int k = 0; k < vectors.Length; k++)
                vectors[k] *= factor;
            i = vectors.Length * Vector<float>.Count;
        }
        for (; i < row.Length; i++)
            row[i] *= factor;
    }
}
