using LipGen.Data;

namespace LipGen.Training;

/// <summary>Settings of a training run.</summary>
/// <remarks>
/// Like <see cref="Verification.VerificationOptions"/>, options hold every real number as a double. The optimizer and the
/// losses, which compute in float, take float; Adam rounds the learning rate to float once.
/// </remarks>
public sealed record TrainingOptions
{
    /// <summary>Number of passes over the data.</summary>
    public int Epochs { get; init; } = 100;

    /// <summary>Samples per Adam step.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Adam step size.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Seed of the shuffle (initialisation has its own seed: <see cref="ILipschitzNetwork.Initialize"/>).</summary>
    public ulong Seed { get; init; }

    /// <summary>
    /// Threads a step may use: −1 (the default) for every core, or a positive count. Large products split between threads
    /// in a fixed way, so the trained weights are bit-identical for every value: a seed reproduces a network.
    /// </summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;

    /// <summary>
    /// How the weights are kept inside the constraint: projection after every step (the default), or reparametrisation,
    /// the norm applied inside the forward pass as <c>monotonicnetworks</c> and deel-torchlip train.
    /// </summary>
    public ConstraintMethod Constraint { get; init; } = ConstraintMethod.Projection;

    /// <summary>
    /// Björck–Bowie orthogonalisation steps after every Adam step, for networks with spectral layers (0, the default: none).
    /// They push every singular value of each layer towards λᵢ, so GroupSort networks keep their gradient norm; the
    /// projection still follows, so the bound holds whatever they do. Projection training only.
    /// </summary>
    public int BjorckIterations { get; init; }
}

/// <summary>How a network does on a dataset.</summary>
/// <param name="Loss">Mean loss per sample.</param>
/// <param name="Accuracy">For a classification loss (±1 labels), the fraction classified correctly; NaN for a regression loss.</param>
/// <param name="MeanAbsoluteError">For a regression loss, the mean of |f − t| over every output; NaN for classification.</param>
/// <param name="RootMeanSquaredError">For a regression loss, √(mean of (f − t)²) over every output; NaN for classification.</param>
/// <param name="RSquared">
/// For a regression loss, 1 − Σ(f − t)² / Σ(t − t̄)² (per output column, pooled): 1 is a perfect fit, 0 is no better than
/// the mean of the targets; NaN for classification, or when the targets are all equal.
/// </param>
public readonly record struct Evaluation(double Loss, double Accuracy, double MeanAbsoluteError = double.NaN,
    double RootMeanSquaredError = double.NaN, double RSquared = double.NaN);

/// <summary>The outcome of <see cref="Trainer.Train"/>.</summary>
/// <param name="Epochs">One report per epoch.</param>
/// <param name="Final">A clean pass over the training data with the final parameters.</param>
public sealed record TrainingResult(IReadOnlyList<EpochReport> Epochs, Evaluation Final);

/// <summary>Runs training sessions and evaluations.</summary>
public static class Trainer
{
    /// <summary>
    /// Trains <paramref name="network"/> on <paramref name="data"/> with Adam, projecting after every step.
    /// <paramref name="progress"/> (optional) receives every epoch's report as it finishes (use
    /// <see cref="SynchronousProgress{T}"/> to print them in order). Cancelling stops at the next batch and leaves the
    /// network with the weights of its last completed epoch, then throws <see cref="OperationCanceledException"/>.
    /// </summary>
    public static TrainingResult Train<TKernel, TLoss>(ILipschitzNetwork<TKernel> network, Dataset data, TLoss loss,
        TrainingOptions options, IProgress<EpochReport>? progress = null, CancellationToken cancellationToken = default)
        where TKernel : struct, ILipschitzKernel
        where TLoss : struct, ILoss
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Epochs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.BatchSize);
        TrainingSession<TKernel, TLoss>.CheckData(data, loss);
        var session = new TrainingSession<TKernel, TLoss>(network, loss, options.LearningRate, options.Seed)
        {
            MaxDegreeOfParallelism = options.MaxDegreeOfParallelism,
            Constraint = options.Constraint,
            BjorckIterations = options.BjorckIterations,
        };
        var epochs = new List<EpochReport>(options.Epochs);
        for (int e = 0; e < options.Epochs; e++)
        {
            EpochReport report = session.RunEpoch(data, options.BatchSize, cancellationToken);
            epochs.Add(report);
            progress?.Report(report);
        }
        return new TrainingResult(epochs, Evaluate(network, data, loss));
    }

    /// <summary>
    /// Mean loss of <paramref name="network"/> on <paramref name="data"/>, with accuracy for a classification loss, or MAE,
    /// RMSE and R² for a regression loss.
    /// </summary>
    public static Evaluation Evaluate<TKernel, TLoss>(ILipschitzNetwork<TKernel> network, Dataset data, TLoss loss)
        where TKernel : struct, ILipschitzKernel
        where TLoss : struct, ILoss
    {
        ArgumentNullException.ThrowIfNull(network);
        TrainingSession<TKernel, TLoss>.CheckData(data, loss);
        int m = TKernel.OutputCount;
        // The loss over the whole set as one batch (a batch-level loss such as multiclass HKR is defined on it).
        var outputs = new float[data.Count * m];
        var gradients = new float[data.Count * m];
        ReadOnlySpan<float> parameters = network.Parameters;
        int correct = 0;
        // Regression: Σ|e|, Σe² and the targets' column sums for R² (two passes over the targets would read the data twice).
        double absolute = 0, squared = 0;
        Span<double> targetSum = m <= 256 ? stackalloc double[m] : new double[m];
        Span<double> targetSquares = m <= 256 ? stackalloc double[m] : new double[m];
        for (int i = 0; i < data.Count; i++)
        {
            ReadOnlySpan<float> target = data.Target(i);
            Span<float> output = outputs.AsSpan(i * m, m);
            TKernel.Forward(parameters, data.Input(i), output);
            if (loss.NeedsLabels)
            {
                if (Metrics.IsCorrect(output, target))
                    correct++;
                continue;
            }
            for (int k = 0; k < m; k++)
            {
                double error = (double)output[k] - target[k];
                absolute += Math.Abs(error);
                squared += error * error;
                targetSum[k] += target[k];
                targetSquares[k] += (double)target[k] * target[k];
            }
        }
        double meanLoss = loss.EvaluateBatch(outputs, data.Targets, gradients, m);
        if (loss.NeedsLabels)
            return new Evaluation(meanLoss, (double)correct / data.Count);
        double variation = 0; // Σ over columns of Σ(t − t̄)²
        for (int k = 0; k < m; k++)
            variation += targetSquares[k] - targetSum[k] * targetSum[k] / data.Count;
        int values = data.Count * m;
        return new Evaluation(meanLoss, double.NaN, absolute / values, Math.Sqrt(squared / values),
            variation > 0 ? 1 - squared / variation : double.NaN);
    }
}
