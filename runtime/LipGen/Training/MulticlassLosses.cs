namespace LipGen.Training;

/// <summary>
/// deel-torchlip's <c>HingeMulticlassLoss</c>: one-vs-all hinge on one-hot targets, with the positive term re-weighted.
/// Per sample with K classes, s_k = +1 for the true class and −1 otherwise:
/// L = (1/K)·Σ_k w_k·max(0, m/2 − s_k·f_k), w = K − 1 for the true class and 1 for the others; the batch loss is the mean
/// over samples. Every output is pushed to the right side of 0 by at least m/2, so the true class leads by at least m.
/// </summary>
/// <remarks><c>default(MulticlassHingeLoss)</c> has no margin: using it throws.</remarks>
public readonly struct MulticlassHingeLoss : ILoss
{
    private readonly float _margin;

    /// <summary>Creates the loss with margin <paramref name="margin"/> &gt; 0 (deel-torchlip's <c>min_margin</c>).</summary>
    public MulticlassHingeLoss(float margin)
    {
        _margin = LossArguments.Margin(margin, nameof(margin));
    }

    /// <summary>The margin m.</summary>
    public float Margin => _margin > 0
        ? _margin
        : throw new InvalidOperationException("default(MulticlassHingeLoss) has no margin: create it with new MulticlassHingeLoss(margin).");

    /// <inheritdoc/>
    public string Name => $"multiclass hinge (margin {Margin})";

    /// <inheritdoc/>
    public bool NeedsLabels => true;

    /// <inheritdoc/>
    public LabelEncoding Labels => LabelEncoding.OneHot;

    /// <inheritdoc/>
    public float Evaluate(ReadOnlySpan<float> output, ReadOnlySpan<float> target, Span<float> outputGradient) =>
        EvaluateBatch(output, target, outputGradient, output.Length);

    /// <inheritdoc/>
    public float EvaluateBatch(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, Span<float> outputGradients, int width)
    {
        int batch = SampleMean.Rows(outputs, targets, outputGradients, width);
        return (float)MulticlassTerms.Hinge(outputs, targets, outputGradients, width, batch, Margin, weight: 1);
    }
}

/// <summary>
/// deel-torchlip's <c>TauCrossEntropyLoss</c>: cross-entropy on logits scaled by a temperature τ, divided by τ:
/// L = CE(τ·f, y) / τ = (log Σ_k e^(τ·f_k) − τ·f_y) / τ per sample, the mean over the batch. Its gradient is
/// softmax(τ·f) − onehot(y), of norm at most √2, whatever τ; a large τ makes it act like a hinge on the margin, a small τ
/// like a linear loss. With probability targets it is −Σ_k t_k·log softmax(τ·f)_k / τ.
/// </summary>
public readonly struct TauCrossEntropyLoss : ILoss
{
    private readonly float _tau;

    /// <summary>Creates the loss with temperature <paramref name="tau"/> &gt; 0.</summary>
    public TauCrossEntropyLoss(float tau)
    {
        if (!(tau > 0) || float.IsInfinity(tau))
            throw new ArgumentOutOfRangeException(nameof(tau), tau, "τ must be finite and greater than 0.");
        _tau = tau;
    }

    /// <summary>The temperature τ.</summary>
    public float Tau => _tau > 0 ? _tau : throw new InvalidOperationException("default(TauCrossEntropyLoss) has no τ: create it with new TauCrossEntropyLoss(tau).");

    /// <inheritdoc/>
    public string Name => $"τ-cross-entropy (τ {Tau})";

    /// <inheritdoc/>
    public bool NeedsLabels => true;

    /// <inheritdoc/>
    public LabelEncoding Labels => LabelEncoding.OneHot;

    /// <inheritdoc/>
    public float Evaluate(ReadOnlySpan<float> output, ReadOnlySpan<float> target, Span<float> outputGradient) =>
        EvaluateBatch(output, target, outputGradient, output.Length);

    /// <inheritdoc/>
    public float EvaluateBatch(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, Span<float> outputGradients, int width)
    {
        int batch = SampleMean.Rows(outputs, targets, outputGradients, width);
        double tau = Tau, total = 0;
        for (int b = 0; b < batch; b++)
        {
            ReadOnlySpan<float> f = outputs.Slice(b * width, width), t = targets.Slice(b * width, width);
            Span<float> g = outputGradients.Slice(b * width, width);
            double largest = double.NegativeInfinity, mass = 0, dot = 0;
            for (int k = 0; k < width; k++)
                largest = Math.Max(largest, tau * f[k]);
            double sum = 0;
            for (int k = 0; k < width; k++)
            {
                sum += Math.Exp(tau * f[k] - largest);
                mass += t[k];
                dot += t[k] * tau * f[k];
            }
            double logSum = largest + Math.Log(sum); // log Σ e^(τ·f), without overflow
            total += (logSum * mass - dot) / tau;
            for (int k = 0; k < width; k++)
                g[k] = (float)((mass * Math.Exp(tau * f[k] - logSum) - t[k]) / batch);
        }
        return (float)(total / batch);
    }
}

/// <summary>
/// deel-torchlip's <c>HKRMulticlassLoss</c>: α·(multiclass hinge) − (1 − α)·KR, where the Kantorovich–Rubinstein term is
/// defined on the batch: KR = (1/K)·Σ_k (mean of f_k over the samples of class k − mean of f_k over the others), a class
/// absent from the batch (or present in every sample) contributing 0 to its side. Maximising KR under a 1-Lipschitz
/// constraint estimates the Wasserstein-1 distance between each class and the rest; the hinge term makes the network a
/// classifier with margin m. α = 1 is the hinge alone, α = 0 the KR term alone.
/// </summary>
public readonly struct MulticlassHkrLoss : ILoss
{
    private readonly float _alpha, _margin;

    /// <summary>Creates the loss: <paramref name="alpha"/> in [0, 1], margin <paramref name="margin"/> &gt; 0.</summary>
    public MulticlassHkrLoss(float alpha, float margin)
    {
        if (!(alpha >= 0 && alpha <= 1))
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "α weighs the hinge against the KR term and must lie in [0, 1].");
        (_alpha, _margin) = (alpha, LossArguments.Margin(margin, nameof(margin)));
    }

    /// <summary>α, the hinge's weight.</summary>
    public float Alpha => _alpha;

    /// <summary>The hinge's margin m.</summary>
    public float Margin => _margin > 0
        ? _margin
        : throw new InvalidOperationException("default(MulticlassHkrLoss) has no margin: create it with new MulticlassHkrLoss(alpha, margin).");

    /// <inheritdoc/>
    public string Name => $"multiclass HKR (α {Alpha}, margin {Margin})";

    /// <inheritdoc/>
    public bool NeedsLabels => true;

    /// <inheritdoc/>
    public LabelEncoding Labels => LabelEncoding.OneHot;

    /// <inheritdoc/>
    public float Evaluate(ReadOnlySpan<float> output, ReadOnlySpan<float> target, Span<float> outputGradient) =>
        EvaluateBatch(output, target, outputGradient, output.Length);

    /// <inheritdoc/>
    public float EvaluateBatch(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, Span<float> outputGradients, int width)
    {
        int batch = SampleMean.Rows(outputs, targets, outputGradients, width);
        float margin = Margin;
        double hinge = MulticlassTerms.Hinge(outputs, targets, outputGradients, width, batch, margin, weight: _alpha);
        double kr = MulticlassTerms.KantorovichRubinstein(outputs, targets, outputGradients, width, batch, weight: -(1 - (double)_alpha));
        return (float)(_alpha * hinge - (1 - (double)_alpha) * kr);
    }
}

/// <summary>The terms the multiclass losses share, each writing its weighted gradient.</summary>
internal static class MulticlassTerms
{
    /// <summary>The batch mean of deel-torchlip's multiclass hinge; writes weight × its gradient (overwriting).</summary>
    public static double Hinge(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, Span<float> gradients, int width, int batch, float margin, double weight)
    {
        double total = 0, half = margin / 2.0, positive = width - 1;
        for (int i = 0; i < outputs.Length; i++)
        {
            bool truth = targets[i] > 0;
            double sign = truth ? 1 : -1, factor = truth ? positive : 1;
            double slack = half - sign * outputs[i];
            if (slack > 0)
                total += factor * slack;
            gradients[i] = slack > 0 ? (float)(-weight * sign * factor / ((double)width * batch)) : 0f;
        }
        return total / ((double)width * batch);
    }

    /// <summary>
    /// The batch's KR term (1/K)·Σ_k (mean over class k of f_k − mean over the rest of f_k); adds weight × its gradient.
    /// </summary>
    public static double KantorovichRubinstein(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, Span<float> gradients, int width, int batch, double weight)
    {
        Span<int> positives = width <= 1024 ? stackalloc int[width] : new int[width];
        positives.Clear();
        for (int i = 0; i < targets.Length; i++)
            if (targets[i] > 0)
                positives[i % width]++;
        Span<double> sums = width <= 512 ? stackalloc double[2 * width] : new double[2 * width]; // per class: Σ over its samples, Σ over the rest
        sums.Clear();
        for (int i = 0; i < outputs.Length; i++)
            sums[2 * (i % width) + (targets[i] > 0 ? 0 : 1)] += outputs[i];
        double kr = 0;
        for (int k = 0; k < width; k++)
        {
            int inside = positives[k], outside = batch - positives[k];
            kr += (inside > 0 ? sums[2 * k] / inside : 0) - (outside > 0 ? sums[2 * k + 1] / outside : 0);
        }
        for (int i = 0; i < outputs.Length; i++)
        {
            int k = i % width, inside = positives[k], outside = batch - inside;
            double derivative = targets[i] > 0 ? 1.0 / inside : -1.0 / outside;
            gradients[i] += (float)(weight * derivative / width);
        }
        return kr / width;
    }
}
