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
    /// Rescales every row that is not safely inside <paramref name="bound"/> onto it; other rows are left as they are.
    /// A row counts as inside when its norm rounded outward by the certificate's own rule is at most
    /// <c>Certificate.Inside(bound)</c> = bound·(1 − 2⁻³⁰): that margin covers the certificate's rounding of each product and
    /// of ∏λᵢ, so after the projection the certificate (<see cref="Verification.CertifiedBound"/>) is within λ, not only the
    /// norms as computed. A row outside is multiplied by bound·(1 − 2⁻²²)/‖row‖ with every product rounded towards zero
    /// (<see cref="ShrinkOperator"/>), so its exact norm is at most that factor times the old one: one pass, with no float
    /// rounding to correct afterwards, subnormal weights included. <paramref name="bound"/> must lie between
    /// <c>NetworkPlan.MinimumBound</c> (2⁻¹⁰⁰) and float.MaxValue.
    /// </summary>
    public static void Project(Span<float> weights, int rows, int columns, double q, double bound)
    {
        Guard.LayerBound(bound, nameof(bound));
        // Outward(x) = RoundUp(x·c) with c ≤ Outward(1) for rows of this length, so any norm at most inside/Outward(1), less
        // 2⁻⁵⁰ for the division's rounding, has Outward(norm) ≤ inside: one threshold per layer, one comparison per row.
        double threshold = Threshold(columns, q, bound);
        double target = bound * (1 - 1.0 / (1 << 22));
        // In ℓ∞ every row's norm is its largest magnitude, exactly, so one pass over the layer settles every row when its
        // largest is inside (a first layer of a few inputs: one short call per row cost more than the layer's pass).
        if (double.IsPositiveInfinity(q) && Norm(weights.Slice(0, rows * columns), q) <= threshold)
            return;
        for (int r = 0; r < rows; r++)
        {
            Span<float> row = weights.Slice(r * columns, columns);
            double norm = Norm(row, q);
            // The computed norm is within a relative 10⁻¹² of the exact one, so one shrink lands far below the threshold; the
            // loop only re-checks, and a bounded number of passes is the proof that it cannot spin.
            for (int pass = 0; norm > threshold; pass++)
            {
                if (pass == 4)
                    throw new InvalidOperationException($"Row {r} keeps a norm of {norm} above {threshold} after rescaling; this is a bug in LipGen.");
                Shrink(row, target / norm);
                norm = Norm(row, q);
            }
        }
    }

    /// <summary>The largest row norm <see cref="Project"/> leaves as it is, for rows of <paramref name="columns"/> in ℓq.</summary>
    internal static double Threshold(int columns, double q, double bound) =>
        Model.Certificate.Inside(bound) / Model.Certificate.Outward(1, columns, q) * (1 - 1.0 / (1L << 50));

    /// <summary>
    /// values·factor (factor in (0, 1]) rounded towards zero, so no norm grows past factor times its old value. A factor
    /// below float's range is applied in exact steps of 2⁻⁶⁴ first.
    /// </summary>
    internal static void Shrink(Span<float> values, double factor)
    {
        const double Step = 1.0 / (1L << 32) / (1L << 32);
        while (factor < Step)
        {
            Elementwise.Apply<ShrinkOperator>(values, (float)Step);
            factor /= Step;
        }
        float single = (float)factor;
        if (single > factor)
            single = MathF.BitDecrement(single);
        Elementwise.Apply<ShrinkOperator>(values, single);
    }
}
