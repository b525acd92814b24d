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
    /// <summary>
    /// L̂ for a network with <paramref name="description"/>'s plan and these parameters: the product over the plan's dense
    /// layers of an upper bound on each layer's operator norm in its constraint, every product rounded up. This is the one
    /// certificate: generated <c>LipschitzBound()</c>, training reports and the verifier all call it.
    /// </summary>
    public static double Compute(NetworkDescription description, ReadOnlySpan<float> parameters)
    {
        ArgumentNullException.ThrowIfNull(description);
        if (parameters.Length != description.ParameterCount)
            throw new ArgumentException($"parameters has {parameters.Length} values; {description.Name} has {description.ParameterCount}.", nameof(parameters));
        IReadOnlyList<Model.DenseStep> layers = description.Plan.DenseLayers;
        double bound = 1;
        for (int i = 0; i < layers.Count; i++) // indexed: a foreach over the interface would allocate its enumerator
            bound = RowNorms.RoundUp(bound * LayerNorm(layers[i], parameters.Slice(layers[i].WeightOffset, layers[i].WeightCount)));
        return bound;
    }

    /// <summary>An upper bound on one layer's operator norm, for each kind of constraint.</summary>
    internal static double LayerNorm(Model.DenseStep layer, ReadOnlySpan<float> weights) => layer.Constraint switch
    {
        Model.RowNormConstraint rows => RowNorms.MaxRowNorm(weights, layer.Outputs, layer.Inputs, rows.Q, outward: true),
        _ => throw new NotSupportedException($"No certificate for constraint {layer.Constraint.GetType().Name}."),
    };
}
