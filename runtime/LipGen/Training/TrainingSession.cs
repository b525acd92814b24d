using LipGen.Data;

namespace LipGen.Training;

/// <summary>What one epoch measured.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="Loss">Mean loss over the epoch's samples, each taken at the parameters of its own step.</param>
/// <param name="Accuracy">Fraction of the epoch's samples classified correctly at their step (see <see cref="Metrics.IsCorrect"/>); meaningful for ±1 labels.</param>
/// <param name="LipschitzBound">The certificate after the epoch's last projection.</param>
public readonly record struct EpochReport(int Epoch, double Loss, double Accuracy, double LipschitzBound);

/// <summary>
/// Mini-batch training of one generated network: every step accumulates the batch's gradient with the network's own
/// backward pass, takes an Adam step on the mean gradient and projects onto the Lipschitz constraint. All buffers are made
/// up front, so a step allocates nothing. The kernel and the loss are generic arguments: the JIT compiles this class once
/// per network and loss, with direct calls into the generated code.
/// </summary>
public sealed class TrainingSession<TKernel, TLoss>
    where TKernel : struct, ILipschitzKernel
    where TLoss : struct, ILoss
{
    private readonly ILipschitzNetwork<TKernel> _network;
    private readonly TLoss _loss;
    private readonly float[] _gradient = new float[TKernel.ParameterCount];
    private readonly float[] _workspace = new float[TKernel.WorkspaceLength];
    private readonly float[] _output = new float[TKernel.OutputCount];
    private readonly float[] _outputGradient = new float[TKernel.OutputCount];
    private int[] _order = [];
    private SeededRandom _shuffle;
    private int _epoch;

    /// <summary>Starts a session; the optimizer is created with <paramref name="learningRate"/>.</summary>
    public TrainingSession(ILipschitzNetwork<TKernel> network, TLoss loss, float learningRate = 1e-3f, ulong shuffleSeed = 0)
    {
        ArgumentNullException.ThrowIfNull(network);
        _network = network;
        _loss = loss;
        Optimizer = new AdamOptimizer(TKernel.ParameterCount, learningRate);
        _shuffle = new SeededRandom(shuffleSeed);
    }

    /// <summary>The optimizer and its state.</summary>
    public AdamOptimizer Optimizer { get; }

    /// <summary>
    /// One step on a contiguous batch (row-major inputs [batch, in], targets [batch, out]). Returns the summed loss and
    /// the number of correctly classified samples, both taken before the update.
    /// </summary>
    public (double LossSum, int Correct) Step(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets)
    {
        int n = TKernel.InputCount, m = TKernel.OutputCount;
        if (inputs.Length == 0 || inputs.Length % n != 0)
            throw new ArgumentException($"inputs has {inputs.Length} values; a batch needs a positive whole number of rows of {n}.", nameof(inputs));
        int batch = inputs.Length / n;
        if (targets.Length != batch * m)
            throw new ArgumentException($"targets has {targets.Length} values; {batch} rows of {m} need {batch * m}.", nameof(targets));
        Array.Clear(_gradient);
        double lossSum = 0;
        int correct = 0;
        ReadOnlySpan<float> parameters = _network.Parameters;
        for (int s = 0; s < batch; s++)
            Accumulate(parameters, inputs.Slice(s * n, n), targets.Slice(s * m, m), ref lossSum, ref correct);
        Update(batch);
        return (lossSum, correct);
    }

    /// <summary>
    /// One epoch over <paramref name="data"/> in a seeded shuffled order, in batches of <paramref name="batchSize"/>
    /// (the last one may be smaller).
    /// </summary>
    public EpochReport RunEpoch(Dataset data, int batchSize)
    {
        CheckData(data, _loss);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (_order.Length != data.Count)
        {
            _order = new int[data.Count];
            for (int i = 0; i < _order.Length; i++)
                _order[i] = i;
        }
        for (int i = _order.Length - 1; i > 0; i--) // Fisher–Yates
        {
            int j = _shuffle.NextInt(i + 1);
            (_order[i], _order[j]) = (_order[j], _order[i]);
        }

        double lossSum = 0;
        int correct = 0;
        for (int start = 0; start < _order.Length; start += batchSize)
        {
            int end = Math.Min(start + batchSize, _order.Length);
            Array.Clear(_gradient);
            ReadOnlySpan<float> parameters = _network.Parameters; // one interface call per step, none per sample
            for (int k = start; k < end; k++)
                Accumulate(parameters, data.Input(_order[k]), data.Target(_order[k]), ref lossSum, ref correct);
            Update(end - start);
        }
        if (!double.IsFinite(lossSum))
            throw new InvalidOperationException($"Training diverged in epoch {_epoch + 1}: the loss is {lossSum}. Lower the learning rate.");
        return new EpochReport(++_epoch, lossSum / data.Count, (double)correct / data.Count, TKernel.LipschitzBound(_network.Parameters));
    }

    /// <summary>Checks that <paramref name="data"/> fits the network and, for a classification loss, has ±1 targets.</summary>
    public static void CheckData(Dataset data, TLoss loss)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.InputWidth != TKernel.InputCount || data.TargetWidth != TKernel.OutputCount)
            throw new ArgumentException(
                $"The data has {data.InputWidth} inputs and {data.TargetWidth} targets per sample; {TKernel.Description.Name} takes {TKernel.InputCount} and gives {TKernel.OutputCount}.",
                nameof(data));
        if (!loss.NeedsLabels)
            return;
        ReadOnlySpan<float> targets = data.Targets;
        for (int i = 0; i < targets.Length; i++)
            if (targets[i] is not (1 or -1))
                throw new ArgumentException($"Target {i} is {targets[i]}; {loss.Name} needs labels −1 or +1.", nameof(data));
    }

    private void Accumulate(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, ReadOnlySpan<float> target, ref double lossSum, ref int correct)
    {
        TKernel.ForwardRecording(parameters, input, _output, _workspace);
        lossSum += _loss.Evaluate(_output, target, _outputGradient);
        if (Metrics.IsCorrect(_output, target))
            correct++;
        TKernel.BackwardFromRecording(parameters, input, _outputGradient, _gradient, _workspace);
    }

    private void Update(int batch)
    {
        Span<float> parameters = _network.Parameters;
        Optimizer.Step(parameters, _gradient, 1f / batch);
        TKernel.Project(parameters);
    }
}

/// <summary>Classification metrics for ±1 targets.</summary>
public static class Metrics
{
    /// <summary>
    /// One output: sign(f) matches the label (f ≥ 0 counts as +1). Several outputs: the largest output is at the position of
    /// the largest target.
    /// </summary>
    public static bool IsCorrect(ReadOnlySpan<float> output, ReadOnlySpan<float> target)
    {
        if (output.Length == 1)
            return output[0] >= 0 == target[0] > 0;
        return IndexOfMax(output) == IndexOfMax(target);
    }

    private static int IndexOfMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
            if (values[i] > values[best])
                best = i;
        return best;
    }
}
