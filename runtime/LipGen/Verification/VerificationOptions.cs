namespace LipGen.Verification;

/// <summary>Settings of <see cref="LipschitzVerifier"/>'s Verify.</summary>
public sealed record VerificationOptions
{
    /// <summary>Starting pairs of the gradient-ascent attack (cycled over: two data points, a data point and a nearby point, two random points).</summary>
    public int AttackStarts { get; init; } = 96;

    /// <summary>Ascent steps per starting pair.</summary>
    public int AttackSteps { get; init; } = 100;

    /// <summary>First step length, as a fraction of the data's typical range; it decays by 3 % per step.</summary>
    public double StepSize { get; init; } = 0.05;

    /// <summary>
    /// Smallest distance between the two points of a pair, as a fraction of the data's typical range. Closer pairs only
    /// measure the local gradient (which the gradient pass already covers) and amplify float rounding.
    /// </summary>
    public double MinimumSeparation { get; init; } = 0.02;

    /// <summary>Seed of the attack.</summary>
    public ulong Seed { get; init; }

    /// <summary>Radii at which certified accuracy is reported (in the input norm p).</summary>
    public IReadOnlyList<double> Epsilons { get; init; } = [0.01, 0.05, 0.1, 0.2, 0.3];

    /// <summary>
    /// The monotonicity to check, one sign per input (+1 must not fall, −1 must not rise, 0 free), or null for the network's
    /// own <c>Monotone</c> declaration. Set it to check a network that declares none, such as an unconstrained twin.
    /// </summary>
    public IReadOnlyList<int>? Monotone { get; init; }

    /// <summary>Starts of the search for monotonicity violations (cycled over the monotone inputs and the outputs).</summary>
    public int MonotoneSearchStarts { get; init; } = 64;

    /// <summary>Steps per start of the monotonicity search.</summary>
    public int MonotoneSearchSteps { get; init; } = 40;

    /// <summary>Correctly classified samples whose certified radius the class-change search attacks.</summary>
    public int RadiusAttackSamples { get; init; } = 64;

    /// <summary>Ascent steps per sample of the class-change search.</summary>
    public int RadiusAttackSteps { get; init; } = 30;

    internal void Validate()
    {
        if (RadiusAttackSamples < 0 || RadiusAttackSteps < 0)
            throw new ArgumentOutOfRangeException(nameof(RadiusAttackSamples), "The class-change search's budget (samples, steps) cannot be negative.");
        if (MonotoneSearchStarts < 0 || MonotoneSearchSteps < 0)
            throw new ArgumentOutOfRangeException(nameof(MonotoneSearchStarts), "The monotonicity search's budget (starts, steps) cannot be negative.");
        if (Monotone is not null && Monotone.Any(s => s is < -1 or > 1))
            throw new ArgumentOutOfRangeException(nameof(Monotone), "Every monotone sign must be -1, 0 or 1.");
        if (AttackStarts < 0 || AttackSteps < 0)
            throw new ArgumentOutOfRangeException(nameof(AttackStarts), "The attack budget (starts, steps) cannot be negative.");
        if (!(StepSize > 0) || !double.IsFinite(StepSize))
            throw new ArgumentOutOfRangeException(nameof(StepSize), StepSize, "The step size must be a finite number greater than 0.");
        if (!(MinimumSeparation > 0) || !double.IsFinite(MinimumSeparation))
            throw new ArgumentOutOfRangeException(nameof(MinimumSeparation), MinimumSeparation, "The minimum separation must be a finite number greater than 0.");
        ArgumentNullException.ThrowIfNull(Epsilons);
        foreach (double e in Epsilons)
            if (!(e >= 0) || !double.IsFinite(e))
                throw new ArgumentOutOfRangeException(nameof(Epsilons), e, "Every ε must be a finite number ≥ 0.");
    }
}

/// <summary>Where a running verification is: which phase, how far through it.</summary>
public readonly record struct VerificationProgress(string Phase, int Done, int Total);
