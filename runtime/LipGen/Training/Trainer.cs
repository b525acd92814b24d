using System.Globalization;
using LipGen.Data;

namespace LipGen.Training;

/// <summary>Runs training sessions and evaluations.</summary>
public static class Trainer
{
    /// <summary>
    /// Trains <paramref name="network"/> on <paramref name="data"/> with Adam, keeping it within its bound after every step.
    /// After each epoch the validation set (if any) is evaluated, early stopping and the schedule see the watched value, and
    /// <paramref name="progress"/> (optional) receives the epoch's report (use <see cref="SynchronousProgress{T}"/> to print
    /// them in order, or <see cref="ConsoleProgress"/>). The network ends with the best epoch's weights when
    /// <see cref="TrainingOptions.RestoreBest"/> is on (the default with a validation set).
    /// </summary>
    /// <exception cref="TrainingCanceledException">
    /// The token was cancelled: training stops at the next batch, the network keeps the weights of its last completed epoch,
    /// and the exception's <see cref="TrainingCanceledException.Result"/> holds those epochs.
    /// </exception>
    public static TrainingResult Train<TKernel, TLoss>(ILipschitzNetwork<TKernel> network, Dataset data, TLoss loss,
        TrainingOptions options, IProgress<EpochReport>? progress = null, CancellationToken cancellationToken = default)
        where TKernel : struct, ILipschitzKernel
        where TLoss : struct, ILoss
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Epochs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.BatchSize);
        ArgumentNullException.ThrowIfNull(options.Schedule);
        TrainingSession<TKernel, TLoss>.CheckData(data, loss);
        if (options.Validation is { } validationSet)
            CheckValidation<TKernel, TLoss>(validationSet, loss);
        ValidationMetric metric = CheckEarlyStopping(options, loss);
        var session = new TrainingSession<TKernel, TLoss>(network, loss, options.LearningRate, options.Seed, options.Beta1, options.Beta2, options.Epsilon)
        {
            MaxDegreeOfParallelism = options.MaxDegreeOfParallelism,
            Constraint = options.Constraint,
            BjorckIterations = options.BjorckIterations,
            Shuffle = options.Shuffle,
        };
        double initialLoss = Evaluate(network, data, loss).Loss; // what a diverging run ends above
        bool restoreBest = options.RestoreBest ?? options.Validation is not null;
        float[]? best = restoreBest ? new float[TKernel.ParameterCount] : null;
        double minDelta = options.EarlyStopping?.MinDelta ?? 0, epsilon = options.EarlyStopping?.Epsilon ?? 0;
        var epochs = new List<EpochReport>(options.Epochs);
        var history = new List<double>(options.Epochs); // the watched value per epoch, lower is better
        double bestValue = double.PositiveInfinity;
        int bestEpoch = 0;
        bool stoppedEarly = false;
        for (int e = 1; e <= options.Epochs; e++)
        {
            session.LearningRate = options.Schedule.Rate(e, options.LearningRate, history);
            EpochReport report;
            try
            {
                report = session.RunEpoch(data, options.BatchSize, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw new TrainingCanceledException(Result(network, data, loss, options, initialLoss, epochs, bestEpoch, false, false), cancellationToken);
            }
            Evaluation? validation = options.Validation is { } v ? Evaluate(network, v, loss) : null;
            report = report with { Validation = validation, LearningRate = session.LearningRate };
            double watched = Watched<TKernel>(network, options.Validation, metric, epsilon, report);
            history.Add(watched);
            if (bestEpoch == 0 || watched < bestValue - minDelta)
            {
                bestValue = watched;
                bestEpoch = e;
                if (best is not null)
                    network.Parameters.CopyTo(best);
            }
            epochs.Add(report);
            progress?.Report(report);
            if (options.EarlyStopping is { } stopping && e - bestEpoch >= stopping.Patience && e < options.Epochs)
            {
                stoppedEarly = true;
                break;
            }
        }
        bool restored = best is not null && bestEpoch != epochs.Count;
        if (restored)
            best!.CopyTo(network.Parameters);
        return Result(network, data, loss, options, initialLoss, epochs, bestEpoch, stoppedEarly, restored);
    }

    private static TrainingResult Result<TKernel, TLoss>(ILipschitzNetwork<TKernel> network, Dataset data, TLoss loss, TrainingOptions options,
        double initialLoss, List<EpochReport> epochs, int bestEpoch, bool stoppedEarly, bool restored)
        where TKernel : struct, ILipschitzKernel
        where TLoss : struct, ILoss
    {
        Evaluation final = Evaluate(network, data, loss);
        return new TrainingResult(epochs, final)
        {
            BestEpoch = bestEpoch,
            StoppedEarly = stoppedEarly,
            RestoredBest = restored,
            Validation = options.Validation is { } v ? Evaluate(network, v, loss) : null,
            Warnings = TrainingWarnings.Of<TKernel>(network, data, loss.NeedsLabels, initialLoss, epochs),
        };
    }

    /// <summary>The watched value of an epoch, lower is better: the early-stopping metric, else the validation loss, else the training loss.</summary>
    private static double Watched<TKernel>(ILipschitzNetwork<TKernel> network, Dataset? validation, ValidationMetric metric, double epsilon, in EpochReport report)
        where TKernel : struct, ILipschitzKernel
    {
        if (report.Validation is not { } v || validation is null)
            return Orient(report.Loss);
        return metric switch
        {
            ValidationMetric.Loss => Orient(v.Loss),
            ValidationMetric.Accuracy => Orient(-v.Accuracy),
            ValidationMetric.RSquared => Orient(-v.RSquared),
            ValidationMetric.CertifiedAccuracy => Orient(-CertifiedAccuracy(network, validation, epsilon)),
            _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "Unknown validation metric."),
        };

        // A value that is not a number never counts as an improvement.
        static double Orient(double value) => double.IsNaN(value) ? double.PositiveInfinity : value;
    }

    /// <summary>The share of <paramref name="data"/> classified correctly with a certified radius above <paramref name="epsilon"/>.</summary>
    internal static double CertifiedAccuracy<TKernel>(ILipschitzNetwork<TKernel> network, Dataset data, double epsilon)
        where TKernel : struct, ILipschitzKernel
    {
        ReadOnlySpan<float> parameters = network.Parameters;
        float[] radii = Verification.LipschitzVerifier.Radii<TKernel>(parameters, data, TKernel.LipschitzBound(parameters));
        int certified = 0;
        foreach (float r in radii)
            certified += r > epsilon ? 1 : 0; // as the verification report counts
        return (double)certified / radii.Length;
    }

    private static void CheckValidation<TKernel, TLoss>(Dataset validation, TLoss loss)
        where TKernel : struct, ILipschitzKernel
        where TLoss : struct, ILoss
    {
        try
        {
            TrainingSession<TKernel, TLoss>.CheckData(validation, loss);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"The validation set does not fit: {e.Message}", "options", e);
        }
    }

    /// <summary>Checks that the early-stopping metric can be computed for this loss, and returns the metric watched.</summary>
    private static ValidationMetric CheckEarlyStopping<TLoss>(TrainingOptions options, TLoss loss) where TLoss : struct, ILoss
    {
        if (options.EarlyStopping is not { } stopping)
            return ValidationMetric.Loss;
        if (options.Validation is null)
            throw new ArgumentException("Early stopping watches a validation set: set TrainingOptions.Validation (Dataset.Split makes one).", nameof(options));
        string? problem = stopping.Metric switch
        {
            ValidationMetric.Accuracy or ValidationMetric.CertifiedAccuracy when !loss.NeedsLabels =>
                $"{EarlyStopping.Describe(stopping.Metric, stopping.Epsilon)} needs a classification loss; {loss.Name} is a regression loss (watch Loss or RSquared)",
            ValidationMetric.RSquared when loss.NeedsLabels =>
                $"R² needs a regression loss; {loss.Name} is a classification loss (watch Loss, Accuracy or CertifiedAccuracy)",
            ValidationMetric.CertifiedAccuracy when !(stopping.Epsilon > 0) =>
                "certified accuracy needs a radius: set EarlyStopping.Epsilon > 0",
            _ => null,
        };
        return problem is null ? stopping.Metric : throw new ArgumentException($"Early stopping cannot watch this metric: {problem}.", nameof(options));
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
