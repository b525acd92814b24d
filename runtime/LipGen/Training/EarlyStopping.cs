namespace LipGen.Training;

/// <summary>What early stopping and a plateau schedule watch on the validation set after every epoch.</summary>
public enum ValidationMetric
{
    /// <summary>The validation loss (lower is better). The default.</summary>
    Loss = 0,

    /// <summary>Accuracy, for a classification loss (higher is better).</summary>
    Accuracy = 1,

    /// <summary>R², for a regression loss (higher is better).</summary>
    RSquared = 2,

    /// <summary>
    /// Certified accuracy at <see cref="EarlyStopping.Epsilon"/>: the share of validation samples classified correctly
    /// whose class provably cannot change within that distance, radii allowing for float rounding (higher is better).
    /// </summary>
    CertifiedAccuracy = 3,
}

/// <summary>
/// Stops training after <see cref="Patience"/> epochs in which the watched validation metric did not improve on its best
/// by more than <see cref="MinDelta"/>. Needs <see cref="TrainingOptions.Validation"/>.
/// </summary>
/// <remarks>Keras' and PyTorch Lightning's EarlyStopping, with an absolute threshold.</remarks>
public sealed record EarlyStopping
{
    /// <summary>Stops after <paramref name="patience"/> epochs without improvement of <paramref name="metric"/>.</summary>
    public EarlyStopping(int patience, ValidationMetric metric = ValidationMetric.Loss)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(patience);
        if (!Enum.IsDefined(metric))
            throw new ArgumentOutOfRangeException(nameof(metric), metric, "Unknown validation metric.");
        Patience = patience;
        Metric = metric;
    }

    /// <summary>Epochs without improvement after which training stops.</summary>
    public int Patience { get; }

    /// <summary>The metric watched.</summary>
    public ValidationMetric Metric { get; }

    /// <summary>An improvement must beat the best value by more than this (in the metric's units; default 0).</summary>
    public double MinDelta
    {
        get => _minDelta;
        init => _minDelta = FiniteNonNegative(value, "The improvement threshold");
    }

    private readonly double _minDelta;

    /// <summary>The radius of <see cref="ValidationMetric.CertifiedAccuracy"/>, in the input norm (must be &gt; 0 for that metric).</summary>
    public double Epsilon
    {
        get => _epsilon;
        init => _epsilon = FiniteNonNegative(value, "The radius");
    }

    private readonly double _epsilon;

    private static double FiniteNonNegative(double value, string what) => value >= 0 && double.IsFinite(value)
        ? value
        : throw new ArgumentOutOfRangeException(nameof(value), value, $"{what} must be finite and not negative.");

    /// <inheritdoc/>
    public override string ToString() =>
        $"stop after {Patience} epochs without improvement of the validation {Describe(Metric, Epsilon)}";

    internal static string Describe(ValidationMetric metric, double epsilon) => metric switch
    {
        ValidationMetric.Loss => "loss",
        ValidationMetric.Accuracy => "accuracy",
        ValidationMetric.RSquared => "R²",
        ValidationMetric.CertifiedAccuracy => $"certified accuracy at ε = {epsilon:G4}",
        _ => metric.ToString(),
    };
}
