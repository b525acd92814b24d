using LipGen.Data;

namespace LipGen.Training;

/// <summary>Settings of a training run.</summary>
public sealed record TrainingOptions
{
    /// <summary>Number of passes over the data.</summary>
    public int Epochs { get; init; } = 100;

    /// <summary>Samples per Adam step.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Adam step size.</summary>
    public float LearningRate { get; init; } = 1e-3f;

    /// <summary>Seed of the shuffle (initialisation has its own seed: <see cref="ILipschitzNetwork.Initialize"/>).</summary>
    public ulong Seed { get; init; }
}

/// <summary>The loss and accuracy of a network on a dataset.</summary>
public readonly record struct Evaluation(double Loss, double Accuracy);

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
        var session = new TrainingSession<TKernel, TLoss>(network, loss, options.LearningRate, options.Seed);
        var epochs = new List<EpochReport>(options.Epochs);
        for (int e = 0; e < options.Epochs; e++)
        {
            EpochReport report = session.RunEpoch(data, options.BatchSize, cancellationToken);
            epochs.Add(report);
            progress?.Report(report);
        }
        return new TrainingResult(epochs, Evaluate(network, data, loss));
    }

    /// <summary>Mean loss and accuracy of <paramref name="network"/> on <paramref name="data"/>.</summary>
    public static Evaluation Evaluate<TKernel, TLoss>(ILipschitzNetwork<TKernel> network, Dataset data, TLoss loss)
        where TKernel : struct, ILipschitzKernel
        where TLoss : struct, ILoss
    {
        ArgumentNullException.ThrowIfNull(network);
        TrainingSession<TKernel, TLoss>.CheckData(data, loss);
        Span<float> output = stackalloc float[TKernel.OutputCount];
        Span<float> gradient = stackalloc float[TKernel.OutputCount];
        ReadOnlySpan<float> parameters = network.Parameters;
        double lossSum = 0;
        int correct = 0;
        for (int i = 0; i < data.Count; i++)
        {
            TKernel.Forward(parameters, data.Input(i), output);
            lossSum += loss.Evaluate(output, data.Target(i), gradient);
            if (Metrics.IsCorrect(output, data.Target(i)))
                correct++;
        }
        return new Evaluation(lossSum / data.Count, (double)correct / data.Count);
    }
}
