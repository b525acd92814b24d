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
    /// <summary>L̂ for a network with <paramref name="description"/>'s plan and these parameters.</summary>
    public static double Compute(NetworkDescription description, ReadOnlySpan<float> parameters)
    {
        ArgumentNullException.ThrowIfNull(description);
        if (parameters.Length != description.ParameterCount)
            throw new ArgumentException($"parameters has {parameters.Length} values; {description.Name} has {description.ParameterCount}.", nameof(parameters));
        return Model.Certificate.Compute(description.Plan, parameters);
    }

    /// <summary>
    /// Per-input slope bounds: element i bounds |∂fₖ/∂xᵢ| for every output k at every input, so no output moves by more
    /// than it times |Δxᵢ| when only input i changes (maxₒ |W₁[o, i]| times the later layers' ‖Wₗ‖_{∞→∞}, rounded outward).
    /// Each is at most <see cref="Compute"/>; together they show which inputs the network can respond to, and how strongly.
    /// Like L̂, they bound the function the float weights define; <see cref="FloatErrorBound"/> bounds the float network's
    /// distance from it.
    /// </summary>
    public static double[] InputSlopes(NetworkDescription description, ReadOnlySpan<float> parameters)
    {
        ArgumentNullException.ThrowIfNull(description);
        if (parameters.Length != description.ParameterCount)
            throw new ArgumentException($"parameters has {parameters.Length} values; {description.Name} has {description.ParameterCount}.", nameof(parameters));
        var slopes = new double[description.InputCount];
        Model.Certificate.InputSlopes(description.Plan, parameters, slopes);
        return slopes;
    }
}
