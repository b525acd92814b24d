namespace LipGen.Verification;

/// <summary>
/// The certificate L̂ = ∏ᵢ ‖Wᵢ‖ (first layer p→∞, later layers ∞→∞), computed from the weights so that rounding can only
/// make it larger. It bounds the Lipschitz constant of the real-valued function the float weights define (exact arithmetic
/// on those weights); <see cref="FloatErrorBound"/> bounds how far the network as it runs in float is from that function.
/// </summary>
/// <remarks>
/// One implementation (<c>Model/Certificate.cs</c>) serves generated <c>LipschitzBound()</c>, training reports, the
/// verifier, <c>Load</c>, and the generator's check of compiled-in weights. docs/verification.md gives the rounding argument.
/// </remarks>
public static class CertifiedBound
{
    /// <summary>
    /// L̂ for a network with <paramref name="description"/>'s plan and these parameters, in the units of the network's input:
    /// with an input map, the first layer's norm is that of W₁·diag(1/scale); with a monotone residual, its slope
    /// ‖c·s ⊘ scale‖_q is added. NaN if a weight is NaN or a scale is not positive.
    /// </summary>
    public static double Compute(NetworkDescription description, ReadOnlySpan<float> parameters)
    {
        Check(description, parameters);
        return Model.Certificate.Compute(description.Plan, parameters);
    }

    /// <summary>
    /// The certificate of the constrained part g alone (every dense layer and activation, without the residual), in the units
    /// its layers see (after the input map): the number the declaration bounds by λ, so the one that shows whether the weights
    /// left the constraint. Equal to <see cref="Compute"/> for a network with neither a residual nor an input map.
    /// </summary>
    public static double ComputeConstrained(NetworkDescription description, ReadOnlySpan<float> parameters)
    {
        Check(description, parameters);
        return Model.Certificate.Constrained(description.Plan, parameters);
    }

    /// <summary>
    /// Per-input certified slope ranges: ∂fₖ/∂xᵢ ∈ [Lower, Upper] for every output k and every x, in the input's own units,
    /// rounded outward. A monotone input is certified when its range does not cross 0 in the wrong direction (see
    /// <see cref="InputSlope.IsCertifiedMonotone"/>). Like L̂, they hold for the function the float weights define.
    /// </summary>
    public static InputSlope[] SlopeRanges(NetworkDescription description, ReadOnlySpan<float> parameters)
    {
        Check(description, parameters);
        var lower = new double[description.InputCount];
        var upper = new double[description.InputCount];
        Model.Certificate.SlopeRanges(description.Plan, parameters, lower, upper);
        var slopes = new InputSlope[lower.Length];
        for (int i = 0; i < slopes.Length; i++)
            slopes[i] = new InputSlope(i, description.Monotone[i], lower[i], upper[i]);
        return slopes;
    }

    /// <summary>
    /// Class-pair bounds, [m, m]: element [y, j] bounds the Lipschitz constant of f_y − f_j in ℓp, from the last layer's row
    /// difference w_y − w_j and the earlier layers' norms, rounded outward; never above 2·L̂ of the layers, the generic bound.
    /// A sample of class y keeps its class within min over j of (f_y − f_j) / bound[y, j] (less the float error allowance):
    /// the certified radius <see cref="LipschitzVerifier.Radii"/> computes. docs/verification.md gives the argument.
    /// </summary>
    public static double[,] ClassPairBounds(NetworkDescription description, ReadOnlySpan<float> parameters)
    {
        Check(description, parameters);
        int m = description.OutputCount;
        var flat = new double[m * m];
        Model.Certificate.PairBounds(description.Plan, parameters, flat);
        var bounds = new double[m, m];
        for (int y = 0; y < m; y++)
            for (int j = 0; j < m; j++)
                bounds[y, j] = flat[y * m + j];
        return bounds;
    }

    private static void Check(NetworkDescription description, ReadOnlySpan<float> parameters)
    {
        ArgumentNullException.ThrowIfNull(description);
        if (parameters.Length != description.ParameterCount)
            throw new ArgumentException($"parameters has {parameters.Length} values; {description.Name} has {description.ParameterCount}.", nameof(parameters));
    }

    /// <summary>
    /// Per-input slope bounds: element i bounds |∂fₖ/∂xᵢ| for every output k at every input, so no output moves by more
    /// than it times |Δxᵢ| when only input i changes (maxₒ |W₁[o, i]| times the later layers' ‖Wₗ‖_{∞→∞}, rounded outward).
    /// Each is at most <see cref="Compute"/> (with an input map, up to a few ulps); together they show which inputs the
    /// network can respond to, and how strongly. With a monotone residual they include its slope, c·|sᵢ| / scaleᵢ.
    /// Like L̂, they bound the function the float weights define; <see cref="FloatErrorBound"/> bounds the float network's
    /// distance from it.
    /// </summary>
    public static double[] InputSlopes(NetworkDescription description, ReadOnlySpan<float> parameters)
    {
        Check(description, parameters);
        var slopes = new double[description.InputCount];
        Model.Certificate.InputSlopes(description.Plan, parameters, slopes);
        return slopes;
    }
}

/// <summary>
/// The certified range of one input's slope: ∂fₖ/∂xᵢ ∈ [<see cref="Lower"/>, <see cref="Upper"/>] for every output k and
/// every x, in the input's own units.
/// </summary>
/// <param name="Input">The input's index.</param>
/// <param name="Monotone">Its declared monotonicity: +1, −1 or 0 (free).</param>
/// <param name="Lower">A lower bound on ∂fₖ/∂xᵢ, rounded down.</param>
/// <param name="Upper">An upper bound on ∂fₖ/∂xᵢ, rounded up.</param>
public readonly record struct InputSlope(int Input, int Monotone, double Lower, double Upper)
{
    /// <summary>How far any output can move per unit of this input: max(|Lower|, |Upper|).</summary>
    public double Bound => Math.Max(-Lower, Upper);

    /// <summary>
    /// True when the input is declared monotone and certified so: Lower ≥ 0 for +1, Upper ≤ 0 for −1. The function the float
    /// weights define is then monotone in the input; the network as it runs in float can fall short of that by at most its
    /// float error bound at the two points (docs/verification.md).
    /// </summary>
    public bool IsCertifiedMonotone => Monotone > 0 ? Lower >= 0 : Monotone < 0 && Upper <= 0;
}
