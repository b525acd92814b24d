using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LipGen.Training;

/// <summary>What a loss needs its targets to be.</summary>
public enum LabelEncoding
{
    /// <summary>Any finite values (regression).</summary>
    None = 0,

    /// <summary>
    /// −1 / +1 labels, one column per output (binary, or one-vs-all with one +1 per row); 0 / 1 labels are accepted too, 0
    /// read as −1. A dataset uses one or the other: a column that mixes −1 and 0 is an error.
    /// </summary>
    PlusMinusOne = 1,

    /// <summary>One-hot rows: 1 for the class, 0 elsewhere (<see cref="Data.Dataset.FromClassLabels"/> builds them).</summary>
    OneHot = 2,
}

/// <summary>
/// A loss. Implemented by structs, which the trainer takes as a generic argument so that the loss is inlined into the
/// training loop. Training calls <see cref="EvaluateBatch"/>; <see cref="Evaluate"/> is the same loss on a batch of one.
/// </summary>
public interface ILoss
{
    /// <summary>A short name for reports.</summary>
    string Name { get; }

    /// <summary>Returns the loss of one sample and writes ∂loss/∂output to <paramref name="outputGradient"/>.</summary>
    float Evaluate(ReadOnlySpan<float> output, ReadOnlySpan<float> target, Span<float> outputGradient);

    /// <summary>
    /// The mean loss over a batch, and the gradient of that mean. <paramref name="outputs"/>, <paramref name="targets"/> and
    /// <paramref name="outputGradients"/> are row-major [batch, <paramref name="width"/>]: one row per sample. A loss that is
    /// defined on the batch as a whole (the Kantorovich–Rubinstein term of <see cref="MulticlassHkrLoss"/>) is computed on
    /// it here. The width is passed because three spans of equal length cannot tell rows from columns.
    /// </summary>
    float EvaluateBatch(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, Span<float> outputGradients, int width);

    /// <summary>True when the targets must be labels (classification losses): <see cref="Labels"/> is not None.</summary>
    bool NeedsLabels { get; }

    /// <summary>What the targets must be; training and evaluation check them before the first step.</summary>
    LabelEncoding Labels { get; }
}

/// <summary>Checks of the losses' arguments, written once.</summary>
internal static class LossArguments
{
    /// <summary>A hinge margin: finite and greater than 0.</summary>
    public static float Margin(float margin, string name) =>
        margin > 0 && !float.IsInfinity(margin)
            ? margin
            : throw new ArgumentOutOfRangeException(name, margin, "The hinge margin must be finite and greater than 0.");
}

/// <summary>The batch mean of a per-sample loss, shared by the losses that are sums over samples.</summary>
internal static class SampleMean
{
    /// <summary>(1/B)·Σ_b loss(row b), and the gradient of that mean (each row's gradient divided by B).</summary>
    public static float Evaluate<TLoss>(in TLoss loss, ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, Span<float> outputGradients, int width)
        where TLoss : struct, ILoss
    {
        int batch = Rows(outputs, targets, outputGradients, width);
        double sum = 0;
        float scale = 1f / batch;
        for (int b = 0; b < batch; b++)
        {
            Span<float> gradient = outputGradients.Slice(b * width, width);
            sum += loss.Evaluate(outputs.Slice(b * width, width), targets.Slice(b * width, width), gradient);
            for (int k = 0; k < width; k++)
                gradient[k] *= scale;
        }
        return (float)(sum / batch);
    }

    /// <summary>The number of rows, after checking that the three spans are whole rows of the same size.</summary>
    public static int Rows(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, ReadOnlySpan<float> outputGradients, int width)
    {
        if (width < 1)
            throw new ArgumentOutOfRangeException(nameof(width), width, "A row has at least one output.");
        if (outputs.Length == 0 || outputs.Length % width != 0)
            throw new ArgumentException($"outputs has {outputs.Length} values; a batch needs a positive whole number of rows of {width}.", nameof(outputs));
        if (targets.Length != outputs.Length || outputGradients.Length != outputs.Length)
            throw new ArgumentException($"targets and outputGradients need {outputs.Length} values, like outputs; they have {targets.Length} and {outputGradients.Length}.", nameof(targets));
        return outputs.Length / width;
    }
}

/// <summary>Squared error ½·Σ (f − t)² per sample, for regression (targets are any finite values).</summary>
public readonly struct MeanSquaredError : ILoss
{
    /// <inheritdoc/>
    public string Name => "squared error";

    /// <inheritdoc/>
    public bool NeedsLabels => false;

    /// <inheritdoc/>
    public LabelEncoding Labels => LabelEncoding.None;

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

    /// <inheritdoc/>
    public float EvaluateBatch(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, Span<float> outputGradients, int width) =>
        SampleMean.Evaluate(this, outputs, targets, outputGradients, width);
}

/// <summary>
/// Hinge loss max(0, m − y·f) per output, labels y = ±1 (or 0/1, with 0 read as −1). Samples beyond the margin m cost nothing, so a Lipschitz network
/// spends its bounded slope on the decision boundary instead of on pushing confident outputs further out.
/// </summary>
/// <remarks><c>default(HingeLoss)</c> has no margin: using it throws rather than training with m = 0.</remarks>
public readonly struct HingeLoss : ILoss
{
    private readonly float _margin;

    /// <summary>Creates a hinge loss with margin <paramref name="margin"/> &gt; 0.</summary>
    public HingeLoss(float margin)
    {
        _margin = LossArguments.Margin(margin, nameof(margin));
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
    public LabelEncoding Labels => LabelEncoding.PlusMinusOne;

    /// <inheritdoc/>
    public float Evaluate(ReadOnlySpan<float> output, ReadOnlySpan<float> target, Span<float> outputGradient)
    {
        float loss = 0, margin = Margin;
        for (int i = 0; i < output.Length; i++)
            loss += Term(margin, output[i], target[i], out outputGradient[i]);
        return loss;
    }

    /// <summary>max(0, m − y·f) for one output, and its derivative in f.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static float Term(float margin, float output, float target, out float gradient)
    {
        float y = Prediction.Sign(target);
        float slack = margin - y * output;
        gradient = slack > 0 ? -y : 0;
        return MathF.Max(slack, 0);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// The same operations in the same order as <see cref="SampleMean"/> over <see cref="Evaluate"/> (the same bits), in one
    /// pass over the batch without a slice and a call per row: per sample the generic path cost more than the hinge itself
    /// (2.2 µs for a batch of 128 of the two-moons network).
    /// </remarks>
    public float EvaluateBatch(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, Span<float> outputGradients, int width) =>
        EvaluateBatch(outputs, targets, outputGradients, width, Kernels.VectorBits.All);

    /// <summary>
    /// <see cref="EvaluateBatch(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int)"/> at the vector widths named
    /// (the tests run each): one output per row runs vectorised, the terms and gradients without a branch (the labels'
    /// signs came in shuffled order, and each mispredicted), the sum still one row at a time, in order, in double.
    /// </summary>
    internal float EvaluateBatch(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, Span<float> outputGradients, int width, Kernels.VectorBits widths)
    {
        int batch = SampleMean.Rows(outputs, targets, outputGradients, width);
        float margin = Margin, scale = 1f / batch;
        if (width == 1)
        {
            var state = new HingeState(ref MemoryMarshal.GetReference(outputs), ref MemoryMarshal.GetReference(targets),
                ref MemoryMarshal.GetReference(outputGradients), batch, margin, scale);
            Kernels.Cascade.Run<HingeRows, HingeState>(ref state, batch, widths);
            return (float)(state.Sum / batch);
        }
        double sum = 0;
        for (int b = 0, i = 0; b < batch; b++)
        {
            float loss = 0;
            for (int k = 0; k < width; k++, i++)
            {
                loss += Term(margin, outputs[i], targets[i], out float gradient);
                outputGradients[i] = gradient * scale;
            }
            sum += loss;
        }
        return (float)(sum / batch);
    }

    private ref struct HingeState(ref float outputs, ref float targets, ref float gradients, int n, float margin, float scale)
    {
        public ref float Outputs = ref outputs;
        public ref float Targets = ref targets;
        public ref float Gradients = ref gradients;
        public readonly int N = n;
        public readonly float Margin = margin, Scale = scale;
        public double Sum;
    }

    /// <summary>
    /// <see cref="Term"/> a vector at a time, in the same operations: y = ±1 by the label's sign (a label that is not
    /// greater than 0 is −1), slack = margin − y·output (a product, then a difference, not fused), gradient (slack &gt; 0 ?
    /// −y : 0)·scale and loss max(slack, 0) as MathF.Max has it (+0 for −0 and 0, NaN for NaN); each loss then joins the
    /// double sum in row order.
    /// </summary>
    private readonly struct HingeRows : Kernels.IVectorLoop<HingeState>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int Run<TV, TD, TL, TDL>(ref HingeState s, int i)
            where TV : struct where TD : struct where TL : struct, Kernels.IVectorLanes<TV, TD> where TDL : struct, Kernels.IDoubleLanes<TD>
        {
            TV margin = TL.Broadcast(s.Margin), scale = TL.Broadcast(s.Scale), one = TL.Broadcast(1), minusOne = TL.Broadcast(-1), zero = TL.Zero;
            for (; i <= s.N - TL.Count; i += TL.Count)
            {
                TV y = TL.Select(TL.GreaterThan(TL.Load(ref Unsafe.Add(ref s.Targets, i)), zero), one, minusOne);
                TV slack = TL.Subtract(margin, TL.Multiply(y, TL.Load(ref Unsafe.Add(ref s.Outputs, i))));
                TV gradient = TL.Select(TL.GreaterThan(slack, zero), TL.Select(TL.GreaterThan(y, zero), minusOne, one), zero);
                TL.Store(TL.Multiply(gradient, scale), ref Unsafe.Add(ref s.Gradients, i));
                TV loss = TL.Select(TL.LessThanOrEqual(slack, zero), zero, slack);
                for (int j = 0; j < TL.Count; j++)
                    s.Sum += TL.Element(loss, j);
            }
            return i;
        }
    }
}

/// <summary>
/// Binary cross-entropy on logits, labels y = ±1 (or 0/1, with 0 read as −1): log(1 + e^(−y·f)), i.e. BCE(σ(f), (y + 1)/2),
/// computed stably.
/// </summary>
public readonly struct BinaryCrossEntropyWithLogits : ILoss
{
    /// <inheritdoc/>
    public string Name => "BCE with logits";

    /// <inheritdoc/>
    public bool NeedsLabels => true;

    /// <inheritdoc/>
    public LabelEncoding Labels => LabelEncoding.PlusMinusOne;

    /// <inheritdoc/>
    public float Evaluate(ReadOnlySpan<float> output, ReadOnlySpan<float> target, Span<float> outputGradient)
    {
        float loss = 0;
        for (int i = 0; i < output.Length; i++)
        {
            float y = Prediction.Sign(target[i]);
            float z = -y * output[i];
            // softplus(z) = max(z, 0) + log(1 + e^−|z|); its derivative is σ(z).
            loss += MathF.Max(z, 0) + MathF.Log(1 + MathF.Exp(-MathF.Abs(z)));
            outputGradient[i] = -y / (1 + MathF.Exp(-z));
        }
        return loss;
    }

    /// <inheritdoc/>
    public float EvaluateBatch(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, Span<float> outputGradients, int width) =>
        SampleMean.Evaluate(this, outputs, targets, outputGradients, width);
}
