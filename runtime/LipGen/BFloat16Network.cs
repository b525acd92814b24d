using LipGen.Model;

namespace LipGen;

/// <summary>
/// A trained network for inference with its dense layers' weights in bfloat16 (8 significant bits, a float's upper half):
/// half the bytes a single-sample forward pass reads, for networks whose weights no longer fit the cache they ran from.
/// Made by <see cref="BFloat16Network.From{TKernel}"/>; the source network is not changed.
/// </summary>
/// <remarks>
/// <para>
/// The guarantee is that of the network as it runs. Each executed weight is rounded toward zero, which never raises a row's
/// norm or AOL's bound; a spectral layer whose proved bound the rounding pushed over λᵢ is scaled down and rounded again.
/// <see cref="Parameters"/> are the source's parameters with every executed weight replaced by its bfloat16 value, and
/// <see cref="Forward(ReadOnlySpan{float}, Span{float})"/> widens the bfloat16 copy in registers and then runs the float
/// kernel's operations in its order: its outputs are bit for bit those of the float network with <see cref="Parameters"/>.
/// So the certificate, the float error bound, the slope ranges and the radii of <see cref="Parameters"/> are those of this
/// network, and <see cref="Verification.LipschitzVerifier.Verify{TKernel}(BFloat16Network{TKernel}, Data.Dataset, Verification.VerificationOptions?, IProgress{Verification.VerificationProgress}?, CancellationToken)"/>
/// reports them with the change against the float source.
/// </para>
/// <para>SLL residual blocks, maps and biases stay in float.</para>
/// </remarks>
public sealed class BFloat16Network<TKernel> where TKernel : struct, ILipschitzKernel
{
    private readonly float[] _parameters, _source;
    private readonly ushort[] _weights;

    internal BFloat16Network(float[] parameters, ushort[] weights, float[] source)
    {
        _parameters = parameters;
        _weights = weights;
        _source = source;
    }

    /// <summary>The declaration and parameter layout.</summary>
    public NetworkDescription Description => TKernel.Description;

    /// <summary>The parameters as this network computes with them: the source's, every executed weight its bfloat16 value.</summary>
    public ReadOnlySpan<float> Parameters => _parameters;

    /// <summary>The bfloat16 copy of the executed weights, dense layer after dense layer, each row-major [out, in].</summary>
    public ReadOnlySpan<ushort> Weights => _weights;

    /// <summary>The float parameters this network was made from.</summary>
    public ReadOnlySpan<float> SourceParameters => _source;

    /// <summary>Bytes the dense layers' weights take here (2 each), against 4 in float.</summary>
    public int WeightBytes => _weights.Length * sizeof(ushort);

    /// <summary>Writes f(input) to <paramref name="output"/> from the bfloat16 weights. Thread-safe, allocation-free.</summary>
    public void Forward(ReadOnlySpan<float> input, Span<float> output) => TKernel.ForwardBFloat16(_parameters, _weights, input, output);

    /// <summary>f(input) of a single-output network.</summary>
    public float Forward(ReadOnlySpan<float> input)
    {
        if (TKernel.OutputCount != 1)
            throw new InvalidOperationException($"{Description.Name} has {TKernel.OutputCount} outputs; use Forward(input, output).");
        Span<float> output = stackalloc float[1];
        Forward(input, output);
        return output[0];
    }

    /// <summary>
    /// Forward over row-major [batch, inputs] into [batch, outputs] on the batched (float) kernels with <see cref="Parameters"/>,
    /// on every core or at most <paramref name="maxDegreeOfParallelism"/> threads: the same function, as a float network's
    /// batches are its single samples'.
    /// </summary>
    public void ForwardBatch(ReadOnlySpan<float> inputs, Span<float> outputs, int maxDegreeOfParallelism = -1) =>
        NetworkOperations.ForwardBatch<TKernel>(_parameters, inputs, outputs, maxDegreeOfParallelism);

    /// <summary>The certificate L̂ of the network as it runs (of <see cref="Parameters"/>).</summary>
    public double LipschitzBound() => TKernel.LipschitzBound(_parameters);

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Description.Name} with bfloat16 weights ({WeightBytes:N0} bytes, against {2 * WeightBytes:N0} in float), L̂ {LipschitzBound():G6}";
}

/// <summary>Makes <see cref="BFloat16Network{TKernel}"/>s.</summary>
public static class BFloat16Network
{
    /// <summary>
    /// The bfloat16 version of <paramref name="network"/>: every executed weight rounded toward zero to bfloat16, spectral
    /// layers scaled down where that rounding left their proved bound above λᵢ. The network must be within its declared
    /// bound (project it first); NaN or ∞ weights are refused. The source is not changed.
    /// </summary>
    public static BFloat16Network<TKernel> From<TKernel>(ILipschitzNetwork<TKernel> network) where TKernel : struct, ILipschitzKernel
    {
        ArgumentNullException.ThrowIfNull(network);
        NetworkDescription description = TKernel.Description;
        NetworkPlan plan = description.Plan;
        float[] source = network.Parameters.ToArray();
        if (!Kernels.Guard.AllFinite(source))
            throw new ArgumentException($"{description.Name} has NaN or infinite parameters; a bfloat16 copy of them would not be a network.", nameof(network));
        double declared = Verification.CertifiedBound.ComputeConstrained(description, source);
        if (!(declared <= description.Lipschitz))
            throw new ArgumentException(
                $"{description.Name}'s layers' certificate is {declared:G6}, above its λ = {description.Lipschitz:G6}: project it (Project()) before making a bfloat16 copy.", nameof(network));
        float[] parameters = (float[])source.Clone();
        if (!BFloat16Rounding.TryRound(plan, source, parameters))
            throw new InvalidOperationException($"{description.Name}'s spectral layers stay above λ after rounding to bfloat16 and scaling down; this is a bug in LipGen.");
        ushort[] weights = BFloat16Rounding.Pack(plan, parameters);
        return new BFloat16Network<TKernel>(parameters, weights, source);
    }
}
