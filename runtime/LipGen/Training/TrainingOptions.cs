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

    /// <summary>Adam step size: the base rate, which <see cref="Schedule"/> varies per epoch.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>The learning rate of each epoch (default <see cref="LearningRateSchedule.Constant"/>).</summary>
    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Constant;

    /// <summary>Adam's β₁, the decay of the first moment (PyTorch's default 0.9).</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>Adam's β₂, the decay of the second moment (PyTorch's default 0.999).</summary>
    public double Beta2 { get; init; } = 0.999;

    /// <summary>Adam's ε, added to the denominator (PyTorch's default 1e-8).</summary>
    public double Epsilon { get; init; } = 1e-8;

    /// <summary>
    /// Visit the samples in a new seeded order every epoch (the default), or in their order in the data: with
    /// <c>Shuffle = false</c> and <c>BatchSize = data.Count</c>, every step is a full-batch step.
    /// </summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>Seed of the shuffle (initialisation has its own seed: <see cref="ILipschitzNetwork.Initialize"/>).</summary>
    public ulong Seed { get; init; }

    /// <summary>
    /// Held-out data evaluated after every epoch (<see cref="EpochReport.Validation"/>); null (the default) for none. Early
    /// stopping, a plateau schedule and <see cref="RestoreBest"/> watch it.
    /// </summary>
    public Dataset? Validation { get; init; }

    /// <summary>Stop when the validation metric stops improving (null, the default: run every epoch). Needs <see cref="Validation"/>.</summary>
    public EarlyStopping? EarlyStopping { get; init; }

    /// <summary>
    /// End with the weights of the best epoch (<see cref="TrainingResult.BestEpoch"/>) rather than the last. Null (the
    /// default) means true when a validation set is given and false otherwise.
    /// </summary>
    public bool? RestoreBest { get; init; }

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
/// <param name="Accuracy">For a classification loss (labels), the fraction classified correctly; NaN for a regression loss.</param>
/// <param name="MeanAbsoluteError">For a regression loss, the mean of |f − t| over every output; NaN for classification.</param>
/// <param name="RootMeanSquaredError">For a regression loss, √(mean of (f − t)²) over every output; NaN for classification.</param>
/// <param name="RSquared">
/// For a regression loss, 1 − Σ(f − t)² / Σ(t − t̄)² (per output column, pooled): 1 is a perfect fit, 0 is no better than
/// the mean of the targets; NaN for classification, or when the targets are all equal.
/// </param>
public readonly record struct Evaluation(double Loss, double Accuracy, double MeanAbsoluteError = double.NaN,
    double RootMeanSquaredError = double.NaN, double RSquared = double.NaN)
{
    /// <summary>True for a classification loss's evaluation (accuracy), false for a regression loss's (errors and R²).</summary>
    public bool IsClassification => !double.IsNaN(Accuracy);

    /// <summary>A short line: the loss with accuracy, or with MAE, RMSE and R² (invariant culture, 4 significant digits).</summary>
    public override string ToString() => IsClassification
        ? Text.Format($"loss {Loss:G4}, accuracy {Accuracy:P1}")
        : Text.Format($"loss {Loss:G4}, MAE {MeanAbsoluteError:G4}, RMSE {RootMeanSquaredError:G4}, R² {RSquared:F3}");
}

/// <summary>The outcome of <see cref="Trainer.Train"/>.</summary>
/// <param name="Epochs">One report per epoch run.</param>
/// <param name="Final">A clean pass over the training data with the weights the network ends with (the best epoch's with <see cref="TrainingOptions.RestoreBest"/>).</param>
public sealed record TrainingResult(IReadOnlyList<EpochReport> Epochs, Evaluation Final)
{
    /// <summary>
    /// The epoch (1-based) whose watched value was best: the validation metric of <see cref="TrainingOptions.EarlyStopping"/>,
    /// else the validation loss, else the training loss. The network ends with its weights when
    /// <see cref="TrainingOptions.RestoreBest"/> is on.
    /// </summary>
    public int BestEpoch { get; init; }

    /// <summary>True when early stopping ended the run before <see cref="TrainingOptions.Epochs"/>.</summary>
    public bool StoppedEarly { get; init; }

    /// <summary>True when the network ends with <see cref="BestEpoch"/>'s weights rather than the last epoch's.</summary>
    public bool RestoredBest { get; init; }

    /// <summary>The validation set with the weights the network ends with; null without a validation set.</summary>
    public Evaluation? Validation { get; init; }

    /// <summary>
    /// Things that went wrong without an error: a loss that diverged or never fell, accuracy that collapsed, targets the
    /// bound cannot reach. Each names what to change. Empty when none.
    /// </summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>A short summary: epochs run, the best epoch, the final evaluations and any warnings.</summary>
    public override string ToString()
    {
        var text = new System.Text.StringBuilder();
        text.Append(Text.Format($"{Epochs.Count} epochs"));
        if (StoppedEarly)
            text.Append(" (stopped early)");
        text.Append(Text.Format($", best epoch {BestEpoch}{(RestoredBest ? " (restored)" : "")}; training: {Final}"));
        if (Validation is { } validation)
            text.Append(Text.Format($"; validation: {validation}"));
        foreach (string warning in Warnings)
            text.Append("\n  warning: ").Append(warning);
        return text.ToString();
    }
}

/// <summary>
/// Thrown by <see cref="Trainer.Train"/> when its token is cancelled. The network keeps the weights of its last completed
/// epoch (the contract of every cancelled run), and <see cref="Result"/> holds what those epochs measured.
/// </summary>
public sealed class TrainingCanceledException : OperationCanceledException
{
    /// <summary>Creates the exception for a run cancelled after the epochs in <paramref name="result"/>.</summary>
    public TrainingCanceledException(TrainingResult result, CancellationToken cancellationToken)
        : base($"Training was cancelled after {result?.Epochs.Count} completed epochs; the network keeps the last one's weights.", cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(result);
        Result = result;
    }

    /// <summary>The completed epochs, and an evaluation of the weights the network keeps.</summary>
    public TrainingResult Result { get; }
}

/// <summary>Number formatting for reports' short lines: invariant culture, whatever the thread's.</summary>
internal static class Text
{
    public static string Format(FormattableString text) => text.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
