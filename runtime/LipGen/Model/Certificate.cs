// The one certificate L̂. Compiled into the runtime (generated LipschitzBound(), training reports, the verifier, Load) and
// into the generator (weights compiled into an assembly must satisfy the declared λ), so both sides compute the same number.
// It must compile for netstandard2.0.
using System;
using System.Collections.Generic;

namespace LipGen.Model;

/// <summary>
/// L̂ = ∏ over the plan's dense layers of an upper bound on each layer's operator norm in its constraint, computed from the
/// float weights in double so that rounding can only make it larger (docs/verification.md gives the argument):
/// <list type="bullet">
/// <item>ℓ∞ row norms are maxima of |w|, exact in double.</item>
/// <item>ℓ1 and ℓ2 row norms are sums of n terms that are exact in double (|w|, w²); in any order their sum is within
/// γₙ₋₁ = (n − 1)u/(1 − (n − 1)u) of the exact sum (u = 2⁻⁵³), covered by the factor 1 + 4(n + 3)u, which also covers sqrt.</item>
/// <item>For other q, Math.Pow is assumed accurate to a few ulp, covered by a further 10⁻¹² relative.</item>
/// <item>The inflation is monotone and depends only on the row length, so it is applied once, to the largest row norm; every
/// product is rounded up by one ulp.</item>
/// </list>
/// </summary>
internal static class Certificate
{
    /// <summary>L̂ of the network with this plan and these parameters (NaN if a weight is NaN).</summary>
    public static double Compute(NetworkPlan plan, ReadOnlySpan<float> parameters)
    {
        IReadOnlyList<DenseStep> layers = plan.DenseLayers;
        double bound = 1;
        for (int i = 0; i < layers.Count; i++) // indexed: a foreach over the interface would allocate its enumerator
            bound = RoundUp(bound * LayerNorm(layers[i], parameters.Slice(layers[i].WeightOffset, layers[i].WeightCount)));
        return bound;
    }

    /// <summary>
    /// For each input i, an upper bound on |∂fₖ/∂xᵢ| over every output k and every x, rounded outward: how far any output
    /// can move per unit of input i. The Jacobian is W_L·P_{L−1}·…·P₁·W₁ with each Pᵢ a permutation or a 0/1 diagonal
    /// (GroupSort, ReLU), so its column i is at most ‖W₁eᵢ‖_∞ = maxₒ |W₁[o, i]| (exact in double) times the later layers'
    /// ‖Wₗ‖_{∞→∞}. Each is at most L̂·‖eᵢ‖_p = L̂. Writes NaN if a weight is NaN.
    /// </summary>
    public static void InputSlopes(NetworkPlan plan, ReadOnlySpan<float> parameters, Span<double> slopes)
    {
        IReadOnlyList<DenseStep> layers = plan.DenseLayers;
        var norms = new double[layers.Count];
        for (int l = 1; l < layers.Count; l++)
            norms[l] = LayerNorm(layers[l], parameters.Slice(layers[l].WeightOffset, layers[l].WeightCount));
        DenseStep first = layers[0];
        ReadOnlySpan<float> w = parameters.Slice(first.WeightOffset, first.WeightCount);
        for (int i = 0; i < first.Inputs; i++)
        {
            double column = 0;
            for (int o = 0; o < first.Outputs && !double.IsNaN(column); o++)
            {
                float value = w[o * first.Inputs + i];
                column = float.IsNaN(value) ? double.NaN : Math.Max(column, Math.Abs((double)value));
            }
            if (column == 0)
            {
                slopes[i] = 0; // no weight reads the input: nothing moves with it, exactly
                continue;
            }
            // The products in the order and rounding of Compute, with the first factor replaced by a smaller one: since
            // rounding up and multiplying by a positive number are monotone, every slope bound is at most L̂.
            double bound = RoundUp(column);
            for (int l = 1; l < layers.Count; l++)
                bound = RoundUp(bound * norms[l]);
            slopes[i] = bound;
        }
    }

    /// <summary>An upper bound on one layer's operator norm, for each kind of constraint.</summary>
    public static double LayerNorm(DenseStep layer, ReadOnlySpan<float> weights) => layer.Constraint switch
    {
        RowNormConstraint rows => MaxRowNorm(weights, layer.Outputs, layer.Inputs, rows.Q),
        _ => throw new NotSupportedException($"No certificate for constraint {layer.Constraint.GetType().Name}."),
    };

    /// <summary>An upper bound on max over rows of ‖row‖_q: ‖W‖_{p→∞} for the dual pair (p, q).</summary>
    public static double MaxRowNorm(ReadOnlySpan<float> weights, int rows, int columns, double q)
    {
        double max = 0;
        for (int r = 0; r < rows; r++)
        {
            double norm = RowNorm(weights.Slice(r * columns, columns), q);
            if (double.IsNaN(norm))
                return double.NaN;
            max = Math.Max(max, norm);
        }
        return Outward(max, columns, q);
    }

    /// <summary>
    /// An upper bound on the exact ‖row‖_q of a row of <paramref name="columns"/> floats, from its norm as computed in double
    /// (any summation order). Monotone in <paramref name="computed"/>, so it may be applied to a maximum of rows.
    /// </summary>
    public static double Outward(double computed, int columns, double q)
    {
        if (double.IsPositiveInfinity(q) || computed == 0 || double.IsNaN(computed) || double.IsInfinity(computed))
            return computed; // exact
        // (n + 3) rather than n: the extra terms also cover the rounding of sqrt (q = 2) and of the final product.
        double sumSlack = 1 + 4.0 * (columns + 3) / (1L << 53);
        if (q == 1)
            return RoundUp(computed * sumSlack);
        if (q == 2)
            return RoundUp(computed * RoundUp(Math.Sqrt(RoundUp(sumSlack)))); // √(Σw²·(1+4nu)) = √Σw² · √(1+4nu)
        return RoundUp(computed * (sumSlack + 1e-12));
    }

    /// <summary>‖row‖_q as computed in double (before the outward inflation).</summary>
    private static double RowNorm(ReadOnlySpan<float> row, double q)
    {
        double result = 0;
        if (q == 1 || q == 2)
        {
            foreach (float w in row)
                result += q == 1 ? Math.Abs((double)w) : (double)w * w;
            return q == 1 ? result : Math.Sqrt(result);
        }
        foreach (float w in row)
            result = float.IsNaN(w) ? double.NaN : Math.Max(result, Math.Abs((double)w));
        if (double.IsPositiveInfinity(q) || result == 0 || double.IsNaN(result) || double.IsInfinity(result))
            return result;
        // General q: scaled by the largest entry so that |w|^q can neither overflow nor underflow.
        double largest = result, total = 0;
        foreach (float w in row)
            total += Math.Pow(Math.Abs(w) / largest, q);
        return largest * Math.Pow(total, 1 / q);
    }

    /// <summary>The next double up (Math.BitIncrement, which netstandard2.0 lacks): covers one rounding to nearest.</summary>
    public static double RoundUp(double value)
    {
        if (double.IsNaN(value) || double.IsPositiveInfinity(value))
            return value;
        if (double.IsNegativeInfinity(value))
            return double.MinValue;
        if (value == 0)
            return double.Epsilon;
        long bits = BitConverter.DoubleToInt64Bits(value);
        return BitConverter.Int64BitsToDouble(value > 0 ? bits + 1 : bits - 1);
    }
}
