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
}
