using System.Globalization;
using System.Text;

namespace LipGen.Verification;

/// <summary>The outcome of a verification.</summary>
public enum VerificationStatus
{
    /// <summary>No pair beats the certificate, and the certificate is within the declared λ.</summary>
    Verified,

    /// <summary>The certificate holds, but it exceeds the declared λ (the weights left the constraint).</summary>
    ExceedsDeclaredBound,

    /// <summary>
    /// A real violation: a pair with |f̃(x) − f̃(y)| &gt; L̂·‖x − y‖_p + E(x) + E(y), or a computed gradient beyond L̂ by more
    /// than backpropagation's rounding (or a NaN). This would be a bug in LipGen; the pair is in the report.
    /// </summary>
    Failed,

    /// <summary>
    /// The float network's output is not finite at some data points, or at a point of the box the attack searched (an input
    /// so large that a layer overflows): no guarantee is stated there, and the report names the first such point. Nothing
    /// beats the certificate elsewhere.
    /// </summary>
    NonFiniteOutput,
}

/// <summary>What the monotonicity part of a verification found.</summary>
public enum MonotonicityStatus
{
    /// <summary>No input is monotone (neither declared nor asked for in the options).</summary>
    NotChecked,

    /// <summary>Every monotone input's certified slope range keeps its sign, and the search found no violation.</summary>
    Certified,

    /// <summary>Some monotone input's slope range crosses 0, but the search found no violation beyond float rounding.</summary>
    NotCertified,

    /// <summary>The search found a pair whose output moves the wrong way by more than float rounding explains.</summary>
    Violated,
}

/// <summary>A pair of inputs and the difference quotient max_k |f_k(x) − f_k(y)| / ‖x − y‖_p it reaches.</summary>
public sealed record InputPair(float[] X, float[] Y, double Ratio)
{
    /// <inheritdoc/>
    public override string ToString() =>
        $"x = [{string.Join(", ", X.Select(v => v.ToString("G6", CultureInfo.InvariantCulture)))}], " +
        $"y = [{string.Join(", ", Y.Select(v => v.ToString("G6", CultureInfo.InvariantCulture)))}], ratio {Ratio.ToString("G7", CultureInfo.InvariantCulture)}";
}

/// <summary>
/// What a reduced-precision network (<see cref="BFloat16Network{TKernel}"/>) changed against the float network it was made
/// from, on the verified data.
/// </summary>
/// <param name="Precision">The weights' format ("bfloat16").</param>
/// <param name="SourceAccuracy">The float network's accuracy (NaN without labels).</param>
/// <param name="Accuracy">This network's accuracy (NaN without labels).</param>
/// <param name="LargestOutputChange">max over the data and the outputs of |f_reduced(x) − f_float(x)|.</param>
/// <param name="SourceCertifiedBound">The float network's certificate, for comparison with this one's.</param>
public sealed record PrecisionChange(string Precision, double SourceAccuracy, double Accuracy, double LargestOutputChange, double SourceCertifiedBound);

/// <summary>Certified accuracy at one radius: the fraction of samples whose prediction is correct and provably cannot change within ε.</summary>
public readonly record struct CertifiedAccuracy(double Epsilon, double Accuracy);

/// <summary>What <see cref="LipschitzVerifier"/>'s Verify found. <see cref="ToString"/> prints it for people.</summary>
public sealed record VerificationReport
{
    /// <summary>The network's declaration.</summary>
    public required NetworkDescription Network { get; init; }

    /// <summary>L̂: ∏ of the layers' operator norms from the actual weights, rounded outward.</summary>
    public required double CertifiedBound { get; init; }

    /// <summary>L̲ = max(<see cref="GradientBound"/>, <see cref="AttackBound"/>): a Lipschitz constant actually reached.</summary>
    public double EmpiricalBound => Math.Max(GradientBound, AttackBound);

    /// <summary>max over the data and the outputs of ‖∇ₓf_k(x)‖_q.</summary>
    public required double GradientBound { get; init; }

    /// <summary>Where <see cref="GradientBound"/> was reached (sample index).</summary>
    public required int GradientBoundSample { get; init; }

    /// <summary>The best difference quotient the attack found.</summary>
    public required double AttackBound { get; init; }

    /// <summary>The pair that reached <see cref="AttackBound"/> (null when the attack had no budget).</summary>
    public required InputPair? AttackPair { get; init; }

    /// <summary>The pair furthest beyond L̂·‖x − y‖_p + E(x) + E(y), if the attack found one (a real violation).</summary>
    public InputPair? Violation { get; init; }

    /// <summary>
    /// The relative allowance for computed gradients: ‖∇f̃‖_q ≤ L̂·(1 + this) holds whatever backpropagation's rounding.
    /// </summary>
    public double GradientTolerance { get; init; }

    /// <summary>
    /// E: a bound on |f̃ₖ(x) − fₖ(x)| (the float network against the exact function L̂ bounds) for every x in the data's
    /// bounding box widened by 10 %, the box the attack searches.
    /// </summary>
    public double FloatErrorBound { get; init; }

    /// <summary>The largest E(x) over the data points: what the radii allow for float rounding at most.</summary>
    public double LargestPointError { get; init; }

    /// <summary>Mean radius the exact-arithmetic formula m̃/(kL̂) would claim, for comparison with <see cref="MeanRadius"/>.</summary>
    public double MeanRadiusInExactArithmetic { get; init; }

    /// <summary>Correctly classified samples whose radius is 0 because their float error bound exceeds their margin.</summary>
    public int RadiiLostToRounding { get; init; }

    /// <summary>L̲ / L̂: how much of the certified slope the network actually uses.</summary>
    public double Tightness => CertifiedBound > 0 ? EmpiricalBound / CertifiedBound : 0;

    /// <summary>The outcome.</summary>
    public required VerificationStatus Status { get; init; }

    /// <summary>Per sample: the certified radius r(x) in ‖·‖_p (negative when the prediction is wrong).</summary>
    public required float[] Radii { get; init; }

    /// <summary>The fraction of samples classified correctly.</summary>
    public required double Accuracy { get; init; }

    /// <summary>Mean of max(r(x), 0) over the samples: misclassified samples count as radius 0.</summary>
    public required double MeanRadius { get; init; }

    /// <summary>Certified accuracy at each requested ε.</summary>
    public required IReadOnlyList<CertifiedAccuracy> CertifiedAccuracies { get; init; }

    /// <summary>
    /// Per input, the step above which the network as it runs in float is monotone in it over the data's range: for a
    /// monotone input whose certified minimum slope ℓ is positive (<c>MonotoneResidual</c> above λ), 2E/ℓ rounded up, E the
    /// float error bound; +∞ when ℓ is 0; NaN for a free input. Empty for reports made without it.
    /// </summary>
    public IReadOnlyList<double> FloatMonotoneSteps { get; init; } = [];

    /// <summary>The names of the inputs (the data's <see cref="Data.Dataset.FeatureNames"/>), which the slope table prints; null prints x0, x1, ….</summary>
    public IReadOnlyList<string>? FeatureNames { get; init; }

    /// <summary>For a reduced-precision network, what the precision changed against its float source; null otherwise.</summary>
    public PrecisionChange? PrecisionChange { get; init; }

    /// <summary>Attack budget used.</summary>
    public required int AttackStarts { get; init; }

    /// <summary>Ascent steps per start.</summary>
    public required int AttackSteps { get; init; }

    /// <summary>Samples the class-change search attacked inside their certified radii.</summary>
    public int RadiusAttackSamples { get; init; }

    /// <summary>Ascent steps per sample of that search.</summary>
    public int RadiusAttackSteps { get; init; }

    /// <summary>A class change found inside a certified radius (null: none; one would be a bug, and the report FAILED).</summary>
    public RadiusCounterexample? RadiusCounterexample { get; init; }

    /// <summary>The largest class-pair bound (several outputs), against the generic 2·L̂; NaN for one output.</summary>
    public double LargestPairBound { get; init; } = double.NaN;

    /// <summary>
    /// The certificate of the constrained part g alone, in the units its layers see: what the declaration bounds by λ. Equal
    /// to <see cref="CertifiedBound"/> without a monotone residual or an input map.
    /// </summary>
    public double ConstrainedBound { get; init; }

    /// <summary>Per input: the certified range of ∂fₖ/∂xᵢ (every output, every x), with the sign checked.</summary>
    public IReadOnlyList<InputSlope> InputSlopes { get; init; } = [];

    /// <summary>The monotonicity verdict.</summary>
    public MonotonicityStatus Monotonicity { get; init; }

    /// <summary>The pair furthest beyond float rounding that breaks a monotone input (null when none was found).</summary>
    public MonotonePair? MonotoneViolation { get; init; }

    /// <summary>The largest wrong-way move the search saw, within rounding or not (null when the output never moved the wrong way).</summary>
    public MonotonePair? LargestMonotoneDecrease { get; init; }

    /// <summary>Starts of the monotonicity search (0 when nothing was checked).</summary>
    public int MonotoneSearchStarts { get; init; }

    /// <summary>Steps per start of the monotonicity search.</summary>
    public int MonotoneSearchSteps { get; init; }

    /// <summary>Pairs of points the monotonicity search compared.</summary>
    public int MonotoneSearchPairs { get; init; }

    /// <summary>Samples of the data at which some output of the float network is not finite (overflow, or a NaN).</summary>
    public int NonFiniteOutputs { get; init; }

    /// <summary>The first such sample (−1: none).</summary>
    public int NonFiniteSample { get; init; } = -1;

    /// <summary>The network's output at <see cref="NonFiniteSample"/> (null: none).</summary>
    public float[]? NonFiniteSampleOutput { get; init; }

    /// <summary>The first point of the searched box where the output is not finite (null: none met).</summary>
    public float[]? NonFinitePoint { get; init; }

    /// <inheritdoc/>
    public override string ToString()
    {
        var c = CultureInfo.InvariantCulture;
        string p = NetworkDescription.FormatNorm(Network.P), q = NetworkDescription.FormatNorm(Network.Q);
        var text = new StringBuilder();
        text.AppendLine(c, $"Lipschitz verification of {Network}");
        string first = Network.HasInputMap ? "W1·diag(1/scale)" : "W1";
        string layers = Network.Constraint switch
        {
            LayerConstraint.Spectral => $"∏ of sound bounds on the spectral norms ‖{first}‖₂·‖Wᵢ‖₂ (ℓ2 → ℓ2)",
            LayerConstraint.Aol => $"∏ of AOL bounds on ‖{first}·D1‖₂·‖Wᵢ·Dᵢ‖₂ from the executed weights (weighted Gershgorin)",
            _ => $"‖{first}‖_{{{p}→∞}}·∏‖Wᵢ‖_{{∞→∞}}",
        };
        string blocks = Network.ResidualBlocks > 0 ? " × each SLL block's max(1, 2ρ − 1)" : "";
        string residual = Network.HasMonotoneResidual ? $" + the residual's ‖c·s{(Network.HasInputMap ? " ⊘ scale" : "")}‖_{q}" : "";
        string outputMap = Network.HasOutputMap ? ", × the output map's largest scale (units: output per input)" : "";
        text.AppendLine(c, $"  certified bound  L̂ = {CertifiedBound:F6}   {(Network.HasOutputMap ? "(" : "")}{layers}{blocks}{residual}{(Network.HasOutputMap ? ")" : "")}{outputMap}, rounded outward");
        if (Network.HasMonotoneResidual || Network.HasInputMap || Network.HasOutputMap)
            text.AppendLine(c, $"                                the layers alone, against λ = {Network.Lipschitz}: {ConstrainedBound:F6}");
        text.AppendLine(c, $"  empirical bound  L̲ = {EmpiricalBound:F6}   max ‖∇f‖_{q} over the data {GradientBound:F6}; attack ({AttackStarts} starts × {AttackSteps} steps) {AttackBound:F6}");
        text.AppendLine(c, $"  tightness    L̲ / L̂ = {Tightness:F4}");
        text.AppendLine(c, $"  float error      E ≤ {FloatErrorBound:G3} for |f̃ − f| over the data's range (f̃: the network as it runs in float)");
        text.AppendLine(c, $"  tolerance        a pair agrees with L̂ when |f̃(x) − f̃(y)| ≤ L̂·‖x − y‖ + E(x) + E(y); a gradient when ‖∇f̃‖_{q} ≤ L̂·(1 + {GradientTolerance:G2})");
        if (NonFiniteOutputs > 0)
            text.AppendLine(c, $"  NOT FINITE       the output is not finite at {NonFiniteOutputs} of the data's samples (first: sample {NonFiniteSample}, f = [{string.Join(", ", NonFiniteSampleOutput!.Select(v => v.ToString(c)))}]): the float network overflows there, and nothing is claimed about those points");
        if (NonFinitePoint is { } point)
            text.AppendLine(c, $"  NOT FINITE       the attack met a point of the searched box where the output is not finite: x = [{string.Join(", ", point.Select(v => v.ToString("G6", c)))}]");
        if (PrecisionChange is { } change)
            text.AppendLine(c, $"  {change.Precision} weights: outputs move by at most {change.LargestOutputChange:G3} against the float network{(double.IsNaN(change.Accuracy) ? "" : $", accuracy {change.SourceAccuracy:P1} → {change.Accuracy:P1}")}, L̂ {change.SourceCertifiedBound:F6} → {CertifiedBound:F6} (every figure here is the {change.Precision} network's, as it runs)");
        AppendSlopes(text, c);
        if (Radii.Length == 0)
            text.AppendLine("  robustness: not computed (the targets are not ±1 labels)");
        else
            AppendRobustness(text, c, p);
        text.Append(Status switch

        {
            VerificationStatus.Verified => $"  VERIFIED: no pair or gradient beats L̂ beyond float rounding, and {(ConstrainedBound == CertifiedBound ? "L̂" : "the layers' certificate")} ≤ λ = {Network.Lipschitz.ToString(c)}.",
            VerificationStatus.NonFiniteOutput => "  NOT VERIFIED: the output is not finite at some of these inputs (see NOT FINITE above); no pair or gradient beats L̂ where it is. Keep the inputs within a range the network can compute.",
            VerificationStatus.ExceedsDeclaredBound => $"  FLAGGED: {(ConstrainedBound == CertifiedBound ? "L̂" : "the layers' certificate")} = {ConstrainedBound.ToString("F6", c)} exceeds the declared λ = {Network.Lipschitz.ToString(c)}; the weights left the constraint (call Project())."
                + (AttackPair is { } pair && pair.Ratio > Network.Lipschitz ? $"{Environment.NewLine}  pair violating λ: {pair}" : ""),
            _ => Violation is { } violation
                ? $"  FAILED: a pair beats L̂ = {CertifiedBound.ToString("F6", c)} beyond its float error allowance; the certificate does not hold. Pair: {violation}"
                : RadiusCounterexample is { } inside
                ? $"  FAILED: the class changes inside a certified radius: {inside.Class} → {inside.FoundClass} at distance {inside.Distance.ToString("G6", c)} ≤ {inside.Radius.ToString("G6", c)}"
                : MonotoneViolation is { } broken && InputSlopes[broken.Input].IsCertifiedMonotone
                ? $"  FAILED: input {broken.Input} is certified monotone, yet a pair breaks it beyond float rounding: {broken.ToString(FeatureNames)}"
                : $"  FAILED: a computed gradient ({GradientBound.ToString("F6", c)}, sample {GradientBoundSample}) beats L̂ = {CertifiedBound.ToString("F6", c)} beyond rounding, or L̂ is NaN.",
        });
        return text.ToString();
    }

    private void AppendSlopes(StringBuilder text, CultureInfo c)
    {
        if (InputSlopes.Count == 0)
            return;
        text.AppendLine(Network.HasInputMap || Network.HasOutputMap
            ? "  per-input slopes (certified range of ∂f/∂xᵢ, every output, every x; output units per unit of each input as given):"
            : "  per-input slopes (certified range of ∂f/∂xᵢ, every output, every x):");
        int width = Math.Max(4, FeatureNames?.Max(n => n.Length) ?? 0);
        foreach (InputSlope slope in InputSlopes)
        {
            string verdict = slope.Monotone == 0 ? "" : slope.IsCertifiedMonotone
                ? $"   {(slope.Monotone > 0 ? "non-decreasing" : "non-increasing")}: certified"
                : $"   {(slope.Monotone > 0 ? "non-decreasing" : "non-increasing")}: NOT certified";
            if (slope.Monotone != 0 && slope.Input < FloatMonotoneSteps.Count && double.IsFinite(FloatMonotoneSteps[slope.Input]))
                verdict += string.Format(c, "; in float too, for steps ≥ {0:G3}", FloatMonotoneSteps[slope.Input]);
            string name = FeatureNames is { } names ? names[slope.Input] : $"x{slope.Input}";
            text.AppendLine(c, $"    {name.PadRight(width)} [{slope.Lower,12:G6}, {slope.Upper,12:G6}]{verdict}");
        }
        if (Monotonicity == MonotonicityStatus.NotChecked)
            return;
        string search = $"search ({MonotoneSearchStarts} starts × {MonotoneSearchSteps} steps, {MonotoneSearchPairs} pairs)";
        text.AppendLine(Monotonicity switch
        {
            MonotonicityStatus.Certified => $"  monotonicity: CERTIFIED for every monotone input; the {search} found no pair breaking it",
            MonotonicityStatus.NotCertified => $"  monotonicity: not certified; the {search} found no pair breaking it beyond float rounding",
            _ => $"  monotonicity: VIOLATED; the {search} found {MonotoneViolation?.ToString(FeatureNames)}",
        });
        // What the search saw, always against what float rounding allows at those points: a wrong-way move within E(x) + E(y)
        // is the float network's rounding, which the certificate of the exact function does not rule out.
        text.AppendLine(LargestMonotoneDecrease is { } d
            ? $"    largest wrong-way move seen: {d.ToString(FeatureNames)}; {(d.IsBeyondRounding ? "BEYOND" : "within")} float rounding"
            : "    no output moved the wrong way in any pair the search compared");
    }

    private void AppendRobustness(StringBuilder text, CultureInfo c, string p)
    {
        text.AppendLine(c, $"  robustness (ℓ{p} balls): accuracy {Accuracy:P1}, mean certified radius {MeanRadius:F4} ({MeanRadiusInExactArithmetic - MeanRadius:G2} less than in exact arithmetic)");
        string lost = RadiiLostToRounding > 0
            ? $"; {RadiiLostToRounding} correctly classified sample(s) have radius 0 because E(x) exceeds their margin"
            : "";
        text.AppendLine(c, $"    radii allow for float rounding: largest E(x) on the data {LargestPointError:G3}{lost}");
        if (!double.IsNaN(LargestPairBound) && Network.Constraint != LayerConstraint.RowNorms)
            text.AppendLine(c, $"    radii use class-pair bounds ‖w_y − w_j‖₂·∏ of the earlier layers: largest {LargestPairBound:F4}, against the generic √2·L̂ = {Math.Sqrt(2) * ConstrainedBound:F4}");
        else if (!double.IsNaN(LargestPairBound))
            text.AppendLine(c, $"    radii use class-pair bounds ‖w_y − w_j‖₁·∏ of the earlier layers: largest {LargestPairBound:F4}, against the generic 2·L̂ = {2 * ConstrainedBound:F4}");
        if (RadiusCounterexample is { } broken)
            text.AppendLine(c, $"    class-change search ({RadiusAttackSamples} samples × {RadiusAttackSteps} steps): FOUND class {broken.FoundClass} at distance {broken.Distance:G6} inside radius {broken.Radius:G6}");
        else
            text.AppendLine(c, $"    class-change search ({RadiusAttackSamples} samples × {RadiusAttackSteps} steps inside their radii): none found");
        text.Append("    ε          ");
        foreach (CertifiedAccuracy a in CertifiedAccuracies)
            text.Append(c, $"{a.Epsilon,8:G4}");
        text.AppendLine();
        text.Append("    certified  ");
        foreach (CertifiedAccuracy a in CertifiedAccuracies)
            text.Append(c, $"{a.Accuracy,8:P1}");
        text.AppendLine();
    }
}
