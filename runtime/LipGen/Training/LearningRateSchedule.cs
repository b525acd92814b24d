namespace LipGen.Training;

/// <summary>
/// The learning rate of each epoch, from the base rate (<see cref="TrainingOptions.LearningRate"/>). Training asks for the
/// rate before every epoch and keeps it for the whole epoch. Epochs are numbered from 1.
/// </summary>
/// <remarks>
/// Four schedules, each PyTorch's of the same name stepped once per epoch: <see cref="Constant"/>,
/// <see cref="Step"/> (StepLR), <see cref="CosineWithWarmup"/> (linear warm-up, then CosineAnnealingLR) and
/// <see cref="ReduceOnPlateau"/> (ReduceLROnPlateau with an absolute threshold). A schedule is a pure function of the epoch
/// and of what training watched so far, so a run is reproducible and a schedule can be tested by itself.
/// </remarks>
public abstract class LearningRateSchedule
{
    private protected LearningRateSchedule() { }

    /// <summary>
    /// The rate for <paramref name="epoch"/> (1-based). <paramref name="history"/> holds one value per completed epoch of the
    /// quantity training watches (the validation metric of <see cref="TrainingOptions.EarlyStopping"/>, else the validation
    /// loss, else the training loss), oriented so that lower is better: accuracy, R² and certified accuracy enter negated.
    /// </summary>
    public abstract double Rate(int epoch, double baseRate, IReadOnlyList<double> history);

    /// <summary>The base rate in every epoch (the default).</summary>
    public static LearningRateSchedule Constant { get; } = new ConstantSchedule();

    /// <summary>base·factor^⌊(epoch − 1)/every⌋: the rate is multiplied by <paramref name="factor"/> every <paramref name="every"/> epochs.</summary>
    public static LearningRateSchedule Step(int every, double factor = 0.1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(every);
        CheckFactor(factor, nameof(factor));
        return new StepSchedule(every, factor);
    }

    /// <summary>
    /// A linear warm-up over the first <paramref name="warmupEpochs"/> epochs (base·e/w in epoch e ≤ w), then a half cosine
    /// from the base rate in epoch w + 1 down to base·<paramref name="minimumFraction"/> in epoch
    /// <paramref name="totalEpochs"/> (and after it): base·(f + (1 − f)·(1 + cos(π·(e − w − 1)/(T − w − 1)))/2).
    /// </summary>
    public static LearningRateSchedule CosineWithWarmup(int warmupEpochs, int totalEpochs, double minimumFraction = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(warmupEpochs);
        if (totalEpochs <= warmupEpochs)
            throw new ArgumentOutOfRangeException(nameof(totalEpochs), totalEpochs, $"The schedule needs more epochs than its {warmupEpochs} warm-up epochs.");
        if (!(minimumFraction >= 0 && minimumFraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(minimumFraction), minimumFraction, "The final fraction of the base rate must lie in [0, 1].");
        return new CosineSchedule(warmupEpochs, totalEpochs, minimumFraction);
    }

    /// <summary>
    /// Multiplies the rate by <paramref name="factor"/> when the watched quantity has not improved (fallen by more than
    /// <paramref name="minDelta"/> below its best) for more than <paramref name="patience"/> epochs, never below
    /// <paramref name="minimumRate"/>; after a cut the count starts again.
    /// </summary>
    public static LearningRateSchedule ReduceOnPlateau(int patience = 10, double factor = 0.1, double minimumRate = 0, double minDelta = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(patience);
        CheckFactor(factor, nameof(factor));
        if (!(minimumRate >= 0) || double.IsPositiveInfinity(minimumRate))
            throw new ArgumentOutOfRangeException(nameof(minimumRate), minimumRate, "The minimum rate must be finite and not negative.");
        if (!(minDelta >= 0) || double.IsPositiveInfinity(minDelta))
            throw new ArgumentOutOfRangeException(nameof(minDelta), minDelta, "The improvement threshold must be finite and not negative.");
        return new PlateauSchedule(patience, factor, minimumRate, minDelta);
    }

    private static void CheckFactor(double factor, string name)
    {
        if (!(factor > 0 && factor < 1))
            throw new ArgumentOutOfRangeException(name, factor, "The factor must lie strictly between 0 and 1.");
    }

    private protected static void CheckEpoch(int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(epoch);
    }

    private sealed class ConstantSchedule : LearningRateSchedule
    {
        public override double Rate(int epoch, double baseRate, IReadOnlyList<double> history)
        {
            CheckEpoch(epoch);
            return baseRate;
        }

        public override string ToString() => "constant";
    }

    private sealed class StepSchedule(int every, double factor) : LearningRateSchedule
    {
        public override double Rate(int epoch, double baseRate, IReadOnlyList<double> history)
        {
            CheckEpoch(epoch);
            return baseRate * Math.Pow(factor, (epoch - 1) / every);
        }

        public override string ToString() => $"×{factor:G4} every {every} epochs";
    }

    private sealed class CosineSchedule(int warmup, int total, double minimum) : LearningRateSchedule
    {
        public override double Rate(int epoch, double baseRate, IReadOnlyList<double> history)
        {
            CheckEpoch(epoch);
            if (epoch <= warmup)
                return baseRate * epoch / warmup;
            double t = Math.Min(1, (double)(epoch - warmup - 1) / Math.Max(1, total - warmup - 1));
            return baseRate * (minimum + (1 - minimum) * (1 + Math.Cos(Math.PI * t)) / 2);
        }

        public override string ToString() => $"cosine to ×{minimum:G4} by epoch {total}, {warmup} warm-up epochs";
    }

    private sealed class PlateauSchedule(int patience, double factor, double minimumRate, double minDelta) : LearningRateSchedule
    {
        public override double Rate(int epoch, double baseRate, IReadOnlyList<double> history)
        {
            CheckEpoch(epoch);
            ArgumentNullException.ThrowIfNull(history);
            double rate = baseRate, best = double.PositiveInfinity;
            int bad = 0;
            // Replays what PyTorch's scheduler would have done after each completed epoch before this one.
            for (int i = 0; i < Math.Min(history.Count, epoch - 1); i++)
            {
                if (history[i] < best - minDelta)
                {
                    best = history[i];
                    bad = 0;
                }
                else if (++bad > patience)
                {
                    rate = Math.Max(rate * factor, Math.Min(minimumRate, rate));
                    bad = 0;
                }
            }
            return rate;
        }

        public override string ToString() => $"×{factor:G4} after {patience} epochs without improvement";
    }
}
