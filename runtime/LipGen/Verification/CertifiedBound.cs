using LipGen.Kernels;

namespace LipGen.Verification;

/// <summary>
/// The certificate L̂ = ∏ᵢ ‖Wᵢ‖ (first layer p→∞, later layers ∞→∞) computed from the weights so that rounding can only
/// make it larger. It bounds the Lipschitz constant of the real-valued function the float weights define (exact arithmetic
/// on those weights); the float evaluation of the network adds its own rounding on top, of order 1e-7 relative.
/// </summary>
/// <remarks>
/// How the rounding is covered, with u = 2⁻⁵³:
/// - ℓ∞ row norms are maxima of |w|, exact in double.
/// - ℓ1 and ℓ2 row norms are sums of n exact terms (|w|, or w², which is exact for a float w). Summed in double in any
///   order, they are off by at most γₙ₋₁ = (n − 1)u / (1 − (n − 1)u) relative, so they are inflated by (1 + 4(n + 3)u), which also covers the rounding of sqrt;
///   every product and the inflation itself are rounded up by one ulp.
/// - For other q, Math.Pow is assumed accurate to a few ulp (glibc and .NET: under 1 ulp), which a further 1e-12 relative
///   margin covers.
/// </remarks>
public static class CertifiedBound
{
    private const double Unit = 1.0 / (1L << 53);

    /// <summary>L̂ for a network with <paramref name="description"/>'s layout and these parameters.</summary>
    public static double Compute(NetworkDescription description, ReadOnlySpan<float> parameters)
    {
        ArgumentNullException.ThrowIfNull(description);
        if (parameters.Length != description.ParameterCount)
            throw new ArgumentException($"parameters has {parameters.Length} values; {description.Name} has {description.ParameterCount}.", nameof(parameters));
        double bound = 1;
        foreach (LayerShape layer in description.Layers)
        {
            double norm = LayerNorm(parameters.Slice(layer.WeightOffset, layer.Inputs * layer.Outputs), layer.Outputs, layer.Inputs, layer.RowNorm);
            bound = RoundUp(bound * norm);
        }
        return bound;
    }

    /// <summary>An upper bound on max over rows of ‖row‖_q.</summary>
    public static double LayerNorm(ReadOnlySpan<float> weights, int rows, int columns, double q)
    {
        double max = 0;
        for (int r = 0; r < rows; r++)
        {
            double norm = RowUpperBound(weights.Slice(r * columns, columns), q);
            if (double.IsNaN(norm))
                return double.NaN;
            max = Math.Max(max, norm);
        }
        return max;
    }

    /// <summary>An upper bound on ‖row‖_q.</summary>
    public static double RowUpperBound(ReadOnlySpan<float> row, double q)
    {
        double computed = RowNorms.Norm(row, q);
        if (double.IsPositiveInfinity(q) || computed == 0 || !double.IsFinite(computed))
            return computed; // exact
        // (n + 3) rather than n: the extra terms also cover the rounding of sqrt (q = 2) and of the final product.
        double sumSlack = 1 + 4.0 * (row.Length + 3) * Unit;
        if (q == 1)
            return RoundUp(computed * sumSlack);
        if (q == 2)
            return RoundUp(computed * RoundUp(Math.Sqrt(RoundUp(sumSlack)))); // √(Σw²·(1+4nu)) = √Σw² · √(1+4nu)
        return RoundUp(computed * (sumSlack + 1e-12));
    }

    private static double RoundUp(double value) => double.IsFinite(value) ? Math.BitIncrement(value) : value;
}
