namespace LipGen.Training;

/// <summary>
/// A per-sample loss. Implemented by structs, which the trainer takes as a generic argument so that the loss is inlined
/// into the training loop. Targets follow the binary ±1 convention (one column per output).
/// </summary>
public interface ILoss
{
    /// <summary>A short name for reports.</summary>
    string Name { get; }

    /// <summary>Returns the loss of one sample and writes ∂loss/∂output to <paramref name="outputGradient"/>.</summary>
    float Evaluate(ReadOnlySpan<float> output, ReadOnlySpan<float> target, Span<float> outputGradient);

    /// <summary>True when the targets must be −1 / +1 labels (classification losses).</summary>
    bool NeedsLabels { get; }
}

/// <summary>Squared error ½·Σ (f − t)² per sample, for regression (targets are any finite values).</summary>
public readonly struct MeanSquaredError : ILoss
{
    /// <inheritdoc/>
    public string Name => "squared error";

    /// <inheritdoc/>
    public bool NeedsLabels => false;

    /// <inheritdoc/>
    public float Evaluate(ReadOnlySpan<float> output, ReadOnlySpan<float> target, Span<float> outputGradient)
    {
        float loss = 0;
        for (int i = 0; i < output.Length; i++)
        {
            float error = output[i] - target[i];
            loss += 0.5f * error * error;
            outputGradient[i] = error;
        }
        return loss;
    }
}

/// <summary>
/// Hinge loss max(0, m − y·f) per output, labels y = ±1. Samples beyond the margin m cost nothing, so a Lipschitz network
/// spends its bounded slope on the decision boundary instead of on pushing confident outputs further out.
/// </summary>
/// <remarks><c>default(HingeLoss)</c> has no margin: using it throws rather than training with m = 0.</remarks>
public readonly struct HingeLoss : ILoss
{
    private readonly float _margin;

    /// <summary>Creates a hinge loss with margin <paramref name="margin"/> &gt; 0.</summary>
    public HingeLoss(float margin)
    {
        if (!(margin > 0) || float.IsInfinity(margin))
            throw new ArgumentOutOfRangeException(nameof(margin), margin, "The hinge margin must be finite and greater than 0.");
        _margin = margin;
    }

    /// <summary>The margin m. Throws for <c>default(HingeLoss)</c>, which was never given one.</summary>
    public float Margin => _margin > 0
        ? _margin
        : throw new InvalidOperationException("default(HingeLoss) has no margin: create the loss with new HingeLoss(margin), margin > 0.");

    /// <inheritdoc/>
    public string Name => $"hinge (margin {Margin})";

    /// <inheritdoc/>
    public bool NeedsLabels => true;

    /// <inheritdoc/>
    public float Evaluate(ReadOnlySpan<float> output, ReadOnlySpan<float> target, Span<float> outputGradient)
    {
        float loss = 0, margin = Margin;
        for (int i = 0; i < output.Length; i++)
        {
            float slack = margin - target[i] * output[i];
            loss += MathF.Max(slack, 0);
            outputGradient[i] = slack > 0 ? -target[i] : 0;
        }
        return loss;
    }
}

/// <summary>
/// Binary cross-entropy on logits, labels y = ±1: log(1 + e^(−y·f)), i.e. BCE(σ(f), (y + 1)/2), computed stably.
/// </summary>
public readonly struct BinaryCrossEntropyWithLogits : ILoss
{
    /// <inheritdoc/>
    public string Name => "BCE with logits";

    /// <inheritdoc/>
    public bool NeedsLabels => true;

    /// <inheritdoc/>
    public float Evaluate(ReadOnlySpan<float> output, ReadOnlySpan<float> target, Span<float> outputGradient)
    {
        float loss = 0;
        for (int i = 0; i < output.Length; i++)
        {
            float z = -target[i] * output[i];
            // softplus(z) = max(z, 0) + log(1 + e^−|z|); its derivative is σ(z).
            loss += MathF.Max(z, 0) + MathF.Log(1 + MathF.Exp(-MathF.Abs(z)));
            outputGradient[i] = -target[i] / (1 + MathF.Exp(-z));
        }
        return loss;
    }
}
