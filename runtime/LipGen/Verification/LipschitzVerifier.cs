using LipGen.Data;
using LipGen.Kernels;

namespace LipGen.Verification;

/// <summary>
/// Asks a trained network what it guarantees: the certificate from its weights, the slope it actually reaches (gradients
/// over the data and a seeded attack on difference quotients), how tight the two are, and certified robustness radii.
/// </summary>
public static class LipschitzVerifier
{
    /// <summary>
    /// Verifies <paramref name="network"/> on <paramref name="data"/> (inputs, and ±1 targets for the robustness part: one
    /// column for a binary output, or one +1 per row for several outputs). Cancellation is checked per sample and per attack
    /// start (<see cref="OperationCanceledException"/>); verification never changes the network.
    /// </summary>
    public static VerificationReport Verify<TKernel>(ILipschitzNetwork<TKernel> network, Dataset data, VerificationOptions? options = null,
        IProgress<VerificationProgress>? progress = null, CancellationToken cancellationToken = default)
        where TKernel : struct, ILipschitzKernel
    {
        ArgumentNullException.ThrowIfNull(network);
        return Verify<TKernel>(network.Parameters, data, options, progress, cancellationToken);
    }

    /// <summary>
    /// Verifies a network with bfloat16 weights as it runs (its <see cref="BFloat16Network{TKernel}.Parameters"/>, which
    /// its single-sample kernel reproduces bit for bit), and reports what the precision cost against the float network it
    /// was made from: accuracy on <paramref name="data"/> before and after, the largest change of an output, and the source's
    /// certificate (<see cref="VerificationReport.PrecisionChange"/>).
    /// </summary>
    public static VerificationReport Verify<TKernel>(BFloat16Network<TKernel> network, Dataset data, VerificationOptions? options = null,
        IProgress<VerificationProgress>? progress = null, CancellationToken cancellationToken = default)
        where TKernel : struct, ILipschitzKernel
    {
        ArgumentNullException.ThrowIfNull(network);
        VerificationReport report = Verify<TKernel>(network.Parameters, data, options, progress, cancellationToken);
        ReadOnlySpan<float> source = network.SourceParameters;
        var (reduced, original) = (new float[TKernel.OutputCount], new float[TKernel.OutputCount]);
        double largest = 0;
        int correct = 0, sourceCorrect = 0;
        bool labelled = HasLabels(data);
        for (int i = 0; i < data.Count; i++)
        {
            network.Forward(data.Input(i), reduced);
            TKernel.Forward(source, data.Input(i), original);
            for (int k = 0; k < reduced.Length; k++)
                largest = Math.Max(largest, Math.Abs((double)reduced[k] - original[k]));
            if (labelled)
            {
                correct += Training.Metrics.IsCorrect(reduced, data.Target(i)) ? 1 : 0;
                sourceCorrect += Training.Metrics.IsCorrect(original, data.Target(i)) ? 1 : 0;
            }
        }
        return report with
        {
            PrecisionChange = new PrecisionChange("bfloat16", labelled ? (double)sourceCorrect / data.Count : double.NaN,
                labelled ? (double)correct / data.Count : double.NaN, largest, TKernel.LipschitzBound(source)),
        };
    }

    private static VerificationReport Verify<TKernel>(ReadOnlySpan<float> parameters, Dataset data, VerificationOptions? options,
        IProgress<VerificationProgress>? progress, CancellationToken cancellationToken)
        where TKernel : struct, ILipschitzKernel
    {
        ArgumentNullException.ThrowIfNull(data);
        options ??= new VerificationOptions();
        options.Validate();
        NetworkDescription description = TKernel.Description;
        if (data.InputWidth != TKernel.InputCount || data.TargetWidth != TKernel.OutputCount)
            throw new ArgumentException(
                $"The data has {data.InputWidth} inputs and {data.TargetWidth} targets per sample; {description.Name} takes {TKernel.InputCount} and gives {TKernel.OutputCount}.",
                nameof(data));

        double certified = CertifiedBound.Compute(description, parameters);
        // Where the float network's output is not finite (inputs so large that a layer overflows), nothing is claimed: those
        // samples are reported, and left out of the gradient scan, whose gradients there are NaN by design.
        bool[] finite = FiniteOutputs<TKernel>(parameters, data, out int nonFinite, out int firstNonFinite);
        var gradients = new GradientScan<TKernel>();
        (double gradientBound, int gradientSample) = gradients.Run(parameters, data, finite, progress, cancellationToken);
        var attack = new Attack<TKernel>(data, options);
        InputPair? pair = attack.Run(parameters, certified, progress, cancellationToken);
        double attackBound = pair?.Ratio ?? 0;
        double rangeError = FloatErrorBound.InBox<TKernel>(parameters, attack.Low, attack.High);
        double gradientTolerance = GradientTolerance(description);

        // Monotonicity: the certified slope range of every input, and a search for pairs that break the signs checked.
        int[] signs = options.Monotone?.ToArray() ?? description.Monotone.ToArray();
        if (signs.Length != TKernel.InputCount)
            throw new ArgumentException($"options.Monotone has {signs.Length} signs; {description.Name} has {TKernel.InputCount} inputs.", nameof(options));
        InputSlope[] slopes = CertifiedBound.SlopeRanges(description, parameters).Select(s => s with { Monotone = signs[s.Input] }).ToArray();
        var search = new MonotoneSearch<TKernel>(data, attack.Low, attack.High, signs);
        search.Run(parameters, options.MonotoneSearchStarts, options.MonotoneSearchSteps, options.StepSize, options.Seed, cancellationToken);
        bool anyMonotone = signs.Any(s => s != 0);
        bool certifiedMonotone = slopes.Where(s => s.Monotone != 0).All(s => s.IsCertifiedMonotone);
        MonotonicityStatus monotonicity = !anyMonotone ? MonotonicityStatus.NotChecked
            : search.Violation is not null ? MonotonicityStatus.Violated
            : certifiedMonotone ? MonotonicityStatus.Certified : MonotonicityStatus.NotCertified;
        // A real violation of an input the certificate calls monotone would be a bug in LipGen, like a pair beating L̂; so
        // would a wrong-way move of the float network over a step its float statement covers.
        double[] floatSteps = FloatMonotoneSteps(slopes, rangeError);
        bool monotoneBroken = (search.Violation is { } broken && slopes[broken.Input].IsCertifiedMonotone)
            || (search.LargestDecrease is { } decrease && decrease.Step >= floatSteps[decrease.Input]);

        // Failed means a real violation of L̂ by the network as it runs: a pair beyond L̂·‖x − y‖ + E(x) + E(y), or a computed
        // gradient beyond L̂ by more than backpropagation's own rounding can explain.
        bool violated = attack.Violation is not null || monotoneBroken || gradientBound > Model.Certificate.RoundUp(certified * (1 + gradientTolerance));
        VerificationStatus status =
            violated || double.IsNaN(certified) || double.IsNaN(gradientBound) ? VerificationStatus.Failed
            : nonFinite > 0 || attack.NonFinitePoint is not null ? VerificationStatus.NonFiniteOutput
            : CertifiedBound.ComputeConstrained(description, parameters) > description.Lipschitz ? VerificationStatus.ExceedsDeclaredBound
            : VerificationStatus.Verified;

        // Robustness needs labels; for regression targets (|x|, say) only the Lipschitz part applies.
        bool labelled = HasLabels(data);
        cancellationToken.ThrowIfCancellationRequested();
        RadiusSummary radii = labelled ? CertifiedRadii<TKernel>(parameters, data, certified) : default;
        // The radii, checked: a class change found inside one would be a bug, like a pair beating L̂.
        var radiusAttack = new RadiusAttack<TKernel>();
        if (labelled)
            radiusAttack.Run(parameters, data, radii.Radii, options.RadiusAttackSamples, options.RadiusAttackSteps, options.Seed, cancellationToken);
        if (radiusAttack.Counterexample is not null)
            status = VerificationStatus.Failed;
        float[]? nonFiniteOutput = null;
        if (firstNonFinite >= 0)
        {
            nonFiniteOutput = new float[TKernel.OutputCount];
            TKernel.Forward(parameters, data.Input(firstNonFinite), nonFiniteOutput);
        }
        return new VerificationReport
        {
            Network = description,
            FeatureNames = data.FeatureNames,
            CertifiedBound = certified,
            GradientBound = gradientBound,
            GradientBoundSample = gradientSample,
            GradientTolerance = gradientTolerance,
            AttackBound = attackBound,
            AttackPair = pair,
            Violation = attack.Violation,
            FloatErrorBound = rangeError,
            Status = status,
            Radii = labelled ? radii.Radii : [],
            Accuracy = labelled ? (double)radii.Correct / data.Count : double.NaN,
            MeanRadius = labelled ? radii.Radii.Average(r => Math.Max(r, 0.0)) : double.NaN,
            MeanRadiusInExactArithmetic = labelled ? radii.MeanExactRadius : double.NaN,
            LargestPointError = labelled ? radii.LargestError : double.NaN,
            RadiiLostToRounding = labelled ? radii.LostToRounding : 0,
            CertifiedAccuracies = labelled ? options.Epsilons.Select(e => new CertifiedAccuracy(e, (double)radii.Radii.Count(r => r > e) / data.Count)).ToList() : [],
            AttackStarts = options.AttackStarts,
            AttackSteps = options.AttackSteps,
            RadiusAttackSamples = radiusAttack.Samples,
            RadiusAttackSteps = options.RadiusAttackSteps,
            RadiusCounterexample = radiusAttack.Counterexample,
            LargestPairBound = labelled && TKernel.OutputCount > 1 ? CertifiedBound.ClassPairBounds(description, parameters).Cast<double>().Max() : double.NaN,
            ConstrainedBound = CertifiedBound.ComputeConstrained(description, parameters),
            InputSlopes = slopes,
            FloatMonotoneSteps = floatSteps,
            Monotonicity = monotonicity,
            MonotoneViolation = search.Violation,
            LargestMonotoneDecrease = search.LargestDecrease,
            MonotoneSearchStarts = anyMonotone ? options.MonotoneSearchStarts : 0,
            MonotoneSearchSteps = options.MonotoneSearchSteps,
            MonotoneSearchPairs = search.Pairs,
            NonFiniteOutputs = nonFinite,
            NonFiniteSample = firstNonFinite,
            NonFiniteSampleOutput = nonFiniteOutput,
            NonFinitePoint = attack.NonFinitePoint,
        };
    }

    /// <summary>Per sample, whether every output of the float network is finite there; the count and first index of those that are not.</summary>
    private static bool[] FiniteOutputs<TKernel>(ReadOnlySpan<float> parameters, Dataset data, out int nonFinite, out int first)
        where TKernel : struct, ILipschitzKernel
    {
        var finite = new bool[data.Count];
        var output = new float[TKernel.OutputCount];
        (nonFinite, first) = (0, -1);
        for (int i = 0; i < data.Count; i++)
        {
            TKernel.Forward(parameters, data.Input(i), output);
            finite[i] = Guard.AllFinite(output);
            if (finite[i])
                continue;
            nonFinite++;
            if (first < 0)
                first = i;
        }
        return finite;
    }

    /// <summary>
    /// How far above L̂ a computed gradient norm can be from rounding alone: the product over the plan's steps of
    /// (1 + each step's <see cref="Model.PlanStep.GradientRounding"/>) (backpropagation through a dense layer sums its outputs'
    /// terms, γ of that many roundings, componentwise on |W|ᵀ|δ|, and |W| has the same row norms as W; the residual and the
    /// input map add one rounding each). A further 10⁻¹² covers the norm's own rounding in double.
    /// </summary>
    internal static double GradientTolerance(NetworkDescription description)
    {
        double factor = 1 + 1e-12;
        foreach (Model.PlanStep step in description.Plan.Steps)
            factor = Model.Certificate.RoundUp(factor * (1 + step.GradientRounding));
        return factor - 1;
    }

    /// <summary>
    /// Certified radii r(x) for every sample, in ‖·‖_p, sound for the network as it runs in float (docs/verification.md).
    /// One output: within r of x, y·f̃ keeps its sign. Several outputs: the largest output stays at the label.
    /// </summary>
    /// <remarks>
    /// One output: with m̃ = y·f̃(x) the margin the float network computes, E₀ = E(x) and E₁ a bound on E over the ball of
    /// radius r₀ = (m̃ − 2E₀)/L̂, r = (m̃ − E₀ − E₁)/L̂. Several outputs, label y: for each other class j, with
    /// m̃ⱼ = f̃_y(x) − f̃ⱼ(x) and Lᵧⱼ the class-pair bound (<see cref="CertifiedBound.ClassPairBounds"/>),
    /// r = minⱼ (m̃ⱼ − 2E₀ − 2E₁)/Lᵧⱼ, with E₁ over the ball of radius minⱼ (m̃ⱼ − 4E₀)/Lᵧⱼ. Rounded down; 0 where the error
    /// bound swallows the margin; negative for a misclassified sample (its exact-arithmetic distance, minⱼ m̃ⱼ/Lᵧⱼ).
    /// </remarks>
    public static float[] Radii<TKernel>(ReadOnlySpan<float> parameters, Dataset data, double certifiedBound)
        where TKernel : struct, ILipschitzKernel => CertifiedRadii<TKernel>(parameters, data, certifiedBound).Radii;

    /// <summary>Radii and what they lost to the float error allowance.</summary>
    private readonly record struct RadiusSummary(float[] Radii, int Correct, double MeanExactRadius, double LargestError, int LostToRounding);

    private static RadiusSummary CertifiedRadii<TKernel>(ReadOnlySpan<float> parameters, Dataset data, double certifiedBound)
        where TKernel : struct, ILipschitzKernel
    {
        ArgumentNullException.ThrowIfNull(data);
        int m = TKernel.OutputCount;
        var radii = new float[data.Count];
        var output = new float[m];
        var workspace = new float[TKernel.WorkspaceLength];
        // One output: the margin y·f moves by at most L̂ per unit. Several: f_y − f_j by at most its class-pair bound.
        var pairs = new double[m * m];
        if (m > 1)
            Model.Certificate.PairBounds(TKernel.Description.Plan, parameters, pairs);
        int correct = 0, lost = 0;
        double exactSum = 0, largest = 0;
        for (int i = 0; i < data.Count; i++)
        {
            ReadOnlySpan<float> x = data.Input(i);
            ReadOnlySpan<float> target = data.Target(i);
            double error = FloatErrorBound.AtPoint<TKernel>(parameters, x, output, workspace);
            largest = Math.Max(largest, error);
            // The smallest margin per unit of slope, in exact arithmetic on the float outputs, and the ball to bound E over.
            // A float margin m̃ is within 2E (two outputs) or E (one) of the exact one, at x and at every x′ in the ball.
            double factor = m == 1 ? 1 : 2;
            double exact = double.PositiveInfinity, first = double.PositiveInfinity;
            int label = Label(target);
            for (int j = 0; j < m; j++)
            {
                if (m > 1 && j == label)
                    continue;
                double margin = m == 1 ? (double)Prediction.Sign(target[0]) * output[0] : (double)output[label] - output[j];
                double slope = m == 1 ? certifiedBound : pairs[label * m + j];
                exact = Math.Min(exact, margin / slope);
                // E over the ball is at least E at its centre, so a ball this large holds the final radius below.
                first = Math.Min(first, (margin - 2 * factor * error) / slope);
                if (double.IsNaN(margin) || double.IsNaN(slope))
                    exact = first = double.NaN;
            }
            if (!(exact > 0) || !Training.Metrics.IsCorrect(output, target))
            {
                // Misclassified (or a tie, or NaN): a negative radius, the distance the exact-arithmetic bound puts it from correct.
                radii[i] = double.IsNaN(exact) ? float.NegativeInfinity : (float)Math.Min(exact, -0.0);
                continue;
            }
            correct++;
            exactSum += exact;
            double radius = 0;
            if (first > 0)
            {
                double ball = FloatErrorBound.InBall<TKernel>(parameters, x, first, output, workspace);
                radius = double.PositiveInfinity;
                for (int j = 0; j < m; j++)
                {
                    if (m > 1 && j == label)
                        continue;
                    double margin = m == 1 ? (double)Prediction.Sign(target[0]) * output[0] : (double)output[label] - output[j];
                    double slope = m == 1 ? certifiedBound : pairs[label * m + j];
                    // The numerator's own double rounding (three operations) is below 4u of its largest term.
                    double numerator = margin - factor * error - factor * ball;
                    numerator -= 4 * (Math.Abs(margin) + factor * error + factor * ball) / (1L << 53);
                    radius = Math.Min(radius, numerator > 0 ? Math.BitDecrement(numerator / slope) : 0);
                }
            }
            if (radius == 0)
                lost++;
            float rounded = (float)radius;
            radii[i] = rounded > radius ? MathF.BitDecrement(rounded) : rounded;
        }
        return new RadiusSummary(radii, correct, exactSum / data.Count, largest, lost);
    }

    /// <summary>The class a target row names: its largest entry (the sign, for one column).</summary>
    private static int Label(ReadOnlySpan<float> target)
    {
        int label = 0;
        for (int j = 1; j < target.Length; j++)
            if (target[j] > target[label])
                label = j;
        return label;
    }

    /// <summary>
    /// True when the targets are labels: −1 or +1 in one column, or 0 and 1 in one column (0 read as −1; a column that mixes
    /// −1 and 0 is not labels); or, with several outputs, rows with exactly one +1 and the rest −1, or one-hot rows (one 1,
    /// the rest 0, as <see cref="Dataset.FromClassLabels"/> builds them).
    /// </summary>
    public static bool HasLabels(Dataset data)
    {
        bool sawZero = false, sawNegative = false;
        for (int i = 0; i < data.Count; i++)
        {
            ReadOnlySpan<float> t = data.Target(i);
            int positives = 0, zeros = 0, negatives = 0;
            foreach (float v in t)
            {
                if (v is not (1 or -1 or 0))
                    return false;
                positives += v == 1 ? 1 : 0;
                zeros += v == 0 ? 1 : 0;
                negatives += v == -1 ? 1 : 0;
            }
            sawZero |= zeros > 0;
            sawNegative |= negatives > 0;
            if (t.Length > 1 && (positives != 1 || (zeros > 0 && negatives > 0)))
                return false;
        }
        return data.Count > 0 && !(data.TargetWidth == 1 && sawZero && sawNegative);
    }

    /// <summary>y·f for one output; f_y − max_{j≠y} f_j for several, y the position of the largest target.</summary>
    public static double Margin(ReadOnlySpan<float> output, ReadOnlySpan<float> target)
    {
        if (output.Length == 1)
            return (double)Prediction.Sign(target[0]) * output[0];
        int label = 0;
        for (int j = 1; j < target.Length; j++)
            if (target[j] > target[label])
                label = j;
        double runnerUp = double.NegativeInfinity;
        for (int j = 0; j < output.Length; j++)
            if (j != label)
                runnerUp = Math.Max(runnerUp, output[j]);
        return output[label] - runnerUp;
    }

    /// <summary>
    /// Per input, the step h above which the float network is monotone: with ℓ &gt; 0 the certified minimum of sᵢ·∂f/∂xᵢ and E
    /// the float error bound over the box, s·(f̃(y) − f̃(x)) ≥ ℓ·(yᵢ − xᵢ) − E(x) − E(y) &gt; 0 once yᵢ − xᵢ ≥ h = 2E/ℓ (rounded
    /// up). +∞ for a monotone input whose minimum slope is 0 (no step is enough), NaN for a free input.
    /// </summary>
    internal static double[] FloatMonotoneSteps(IReadOnlyList<InputSlope> slopes, double floatError)
    {
        var steps = new double[slopes.Count];
        for (int i = 0; i < slopes.Count; i++)
        {
            InputSlope s = slopes[i];
            double least = s.Monotone > 0 ? s.Lower : -s.Upper;
            steps[i] = s.Monotone == 0 ? double.NaN
                : least > 0 && double.IsFinite(floatError) ? Math.BitIncrement(Math.BitIncrement(2 * floatError) / least)
                : double.PositiveInfinity;
        }
        return steps;
    }

    /// <summary>‖v‖_p.</summary>
    internal static double Norm(ReadOnlySpan<double> v, double p)
    {
        if (double.IsPositiveInfinity(p))
        {
            double max = 0;
            foreach (double x in v)
                max = Math.Max(max, Math.Abs(x));
            return max;
        }
        if (p == 1 || p == 2)
        {
            double sum = 0;
            foreach (double x in v)
                sum += p == 1 ? Math.Abs(x) : x * x;
            return p == 1 ? sum : Math.Sqrt(sum);
        }
        double total = 0;
        foreach (double x in v)
            total += Math.Pow(Math.Abs(x), p);
        return Math.Pow(total, 1 / p);
    }

    /// <summary>max over samples and outputs of ‖∇ₓf_k‖_q.</summary>
    private sealed class GradientScan<TKernel> where TKernel : struct, ILipschitzKernel
    {
        private readonly float[] _gradient = new float[TKernel.InputCount];
        private readonly double[] _wide = new double[TKernel.InputCount];
        private readonly float[] _weight = new float[TKernel.OutputCount];
        private readonly float[] _workspace = new float[TKernel.WorkspaceLength];

        public (double Bound, int Sample) Run(ReadOnlySpan<float> parameters, Dataset data, bool[] finite, IProgress<VerificationProgress>? progress,
            CancellationToken cancellationToken)
        {
            double q = TKernel.Description.Q, best = 0;
            int where = -1;
            for (int i = 0; i < data.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!finite[i])
                    continue;
                for (int k = 0; k < _weight.Length; k++)
                {
                    Array.Clear(_weight);
                    _weight[k] = 1;
                    TKernel.InputGradient(parameters, data.Input(i), _weight, _gradient, _workspace);
                    for (int j = 0; j < _gradient.Length; j++)
                        _wide[j] = _gradient[j];
                    double norm = Norm(_wide, q);
                    if (norm > best || double.IsNaN(norm))
                        (best, where) = (norm, i);
                }
                if (progress is not null && (i + 1) % 1000 == 0)
                    progress.Report(new VerificationProgress("gradients", i + 1, data.Count));
            }
            return (best, where);
        }
    }

    /// <summary>
    /// Seeded projected gradient ascent on R(x, y) = |f_k(x) − f_k(y)| / ‖x − y‖_p, both points moving, inside the data's
    /// bounding box widened by 10 % on each side. Starts cycle through: two data points; a data point and a nearby point;
    /// two uniform points of the box. Outputs k are cycled over the starts.
    /// </summary>
    private sealed class Attack<TKernel> where TKernel : struct, ILipschitzKernel
    {
        private readonly Dataset _data;
        private readonly VerificationOptions _options;
        private readonly double[] _low, _high;
        private readonly float[] _errorOutput = new float[TKernel.OutputCount], _errorWorkspace = new float[TKernel.WorkspaceLength];
        private double _certified, _worstViolation;
        private readonly double _scale;
        private readonly float[] _x, _y, _gx, _gy, _fx, _fy, _weight, _workspace, _bestX, _bestY, _proposal, _fProposal;
        private readonly double[] _difference, _direction, _stepX, _stepY;

        public Attack(Dataset data, VerificationOptions options)
        {
            _data = data;
            _options = options;
            int n = TKernel.InputCount, m = TKernel.OutputCount;
            (_low, _high) = (new double[n], new double[n]);
            Array.Fill(_low, double.PositiveInfinity);
            Array.Fill(_high, double.NegativeInfinity);
            for (int i = 0; i < data.Count; i++)
            {
                ReadOnlySpan<float> x = data.Input(i);
                for (int j = 0; j < n; j++)
                    (_low[j], _high[j]) = (Math.Min(_low[j], x[j]), Math.Max(_high[j], x[j]));
            }
            double rangeSum = 0;
            for (int j = 0; j < n; j++)
            {
                double range = _high[j] - _low[j];
                double margin = range > 0 ? 0.1 * range : 0.5;
                // Widened, but never past the floats: a point the attack picks must be an input the network can be given.
                (_low[j], _high[j]) = (Math.Max(_low[j] - margin, -float.MaxValue), Math.Min(_high[j] + margin, float.MaxValue));
                rangeSum += _high[j] - _low[j];
            }
            _scale = rangeSum / n;
            (_x, _y, _gx, _gy, _bestX, _bestY) = (new float[n], new float[n], new float[n], new float[n], new float[n], new float[n]);
            (_fx, _fy, _weight, _fProposal) = (new float[m], new float[m], new float[m], new float[m]);
            _proposal = new float[n];
            _workspace = new float[TKernel.WorkspaceLength];
            (_difference, _direction, _stepX, _stepY) = (new double[n], new double[n], new double[n], new double[n]);
        }

        /// <summary>Lower corner of the box the attack searches (the data's bounding box widened by 10 %).</summary>
        public double[] Low => _low;

        /// <summary>Upper corner of the box.</summary>
        public double[] High => _high;

        /// <summary>
        /// The pair found furthest beyond L̂·‖x − y‖ + E(x) + E(y), if any: a real violation of the certificate by the network
        /// as it runs in float.
        /// </summary>
        public InputPair? Violation { get; private set; }

        /// <summary>The first point the attack met where the float network's output is not finite (null: none).</summary>
        public float[]? NonFinitePoint { get; private set; }

        public InputPair? Run(ReadOnlySpan<float> parameters, double certified, IProgress<VerificationProgress>? progress,
            CancellationToken cancellationToken)
        {
            _certified = certified;
            _worstViolation = 0;
            var random = new SeededRandom(_options.Seed);
            double p = TKernel.Description.P, minimum = _options.MinimumSeparation * _scale;
            double bestRatio = -1;
            int m = TKernel.OutputCount;
            for (int start = 0; start < _options.AttackStarts; start++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int k = start % m;
                Start(start % 3, ref random);
                double step = _options.StepSize * _scale;
                for (int t = 0; t <= _options.AttackSteps; t++)
                {
                    TKernel.Forward(parameters, _x, _fx);
                    TKernel.Forward(parameters, _y, _fy);
                    for (int j = 0; j < _x.Length; j++)
                        _difference[j] = (double)_x[j] - _y[j];
                    double distance = Norm(_difference, p);
                    Record(parameters, k, distance, minimum, ref bestRatio);
                    if (t == _options.AttackSteps)
                        break;
                    if (distance >= minimum)
                    {
                        distance = ProposeDualDirection(parameters, k, distance, p);
                        Record(parameters, k, distance, minimum, ref bestRatio);
                    }
                    Ascend(parameters, k, distance, step, minimum, p);
                    step *= 0.97;
                }
                if (progress is not null && (start + 1) % 16 == 0)
                    progress.Report(new VerificationProgress("attack", start + 1, _options.AttackStarts));
            }
            return bestRatio < 0 ? null : new InputPair(_bestX, _bestY, bestRatio);
        }

        /// <summary>
        /// Keeps the current pair if its difference quotient is the best so far, and checks it against the certificate
        /// with the float error allowance of both points.
        /// </summary>
        private void Record(ReadOnlySpan<float> parameters, int k, double distance, double minimum, ref double bestRatio)
        {
            if (distance < minimum * (1 - 1e-9))
                return;
            if (!Guard.AllFinite(_fx) || !Guard.AllFinite(_fy))
            {
                // No Lipschitz claim holds where the output overflows; the report names the point instead.
                NonFinitePoint ??= (float[])(Guard.AllFinite(_fx) ? _y : _x).Clone();
                return;
            }
            double change = Math.Abs((double)_fx[k] - _fy[k]);
            double excess = change - _certified * distance;
            if (excess > 0 || double.IsNaN(change))
            {
                double allowance = FloatErrorBound.AtPoint<TKernel>(parameters, _x, _errorOutput, _errorWorkspace)
                    + FloatErrorBound.AtPoint<TKernel>(parameters, _y, _errorOutput, _errorWorkspace);
                double beyond = excess - allowance * (1 + 1e-12);
                if (beyond > _worstViolation || double.IsNaN(change))
                {
                    _worstViolation = double.IsNaN(change) ? double.PositiveInfinity : beyond;
                    Violation = new InputPair((float[])_x.Clone(), (float[])_y.Clone(), change / distance);
                }
            }
            double ratio = change / distance;
            if (ratio > bestRatio || double.IsNaN(ratio))
            {
                bestRatio = ratio;
                _x.CopyTo(_bestX, 0);
                _y.CopyTo(_bestY, 0);
            }
        }

        private void Start(int kind, ref SeededRandom random)
        {
            int n = _x.Length;
            switch (kind)
            {
                case 0:
                    _data.Input(random.NextInt(_data.Count)).CopyTo(_x);
                    _data.Input(random.NextInt(_data.Count)).CopyTo(_y);
                    break;
                case 1:
                    _data.Input(random.NextInt(_data.Count)).CopyTo(_x);
                    for (int j = 0; j < n; j++)
                        _y[j] = (float)(_x[j] + 0.05 * _scale * random.NextGaussian());
                    break;
                default:
                    for (int j = 0; j < n; j++)
                    {
                        _x[j] = (float)(_low[j] + random.NextDouble() * (_high[j] - _low[j]));
                        _y[j] = (float)(_low[j] + random.NextDouble() * (_high[j] - _low[j]));
                    }
                    break;
            }
            Clamp(_x);
            Clamp(_y);
        }

        /// <summary>
        /// Where f is locally linear with gradient g, the best y at distance D from x is x − D·u with u the unit vector (in
        /// ‖·‖_p) that maximises g·u (u ∝ sign(g)|g|^(q−1)), reaching the ratio ‖g‖_q. Try that y; keep it if it is better.
        /// Returns the distance of the pair kept.
        /// </summary>
        private double ProposeDualDirection(ReadOnlySpan<float> parameters, int k, double distance, double p)
        {
            Array.Clear(_weight);
            _weight[k] = 1;
            TKernel.InputGradient(parameters, _x, _weight, _gx, _workspace);
            if (!Guard.AllFinite(_gx))
                return distance; // f̃(x) is not finite: no direction to follow
            double q = TKernel.Description.Q;
            for (int j = 0; j < _gx.Length; j++)
            {
                double g = _gx[j];
                _direction[j] = double.IsPositiveInfinity(q) ? 0 : q == 1 ? Math.Sign(g) : Math.Sign(g) * Math.Pow(Math.Abs(g), q - 1);
            }
            if (double.IsPositiveInfinity(q)) // p = 1: all the budget on the largest |g_j|
            {
                int at = 0;
                for (int j = 1; j < _gx.Length; j++)
                    if (Math.Abs(_gx[j]) > Math.Abs(_gx[at]))
                        at = j;
                _direction[at] = Math.Sign(_gx[at]);
            }
            double length = Norm(_direction, p);
            if (!(length > 0))
                return distance;
            // Within a linear piece the ratio does not depend on the length, and a long jump would leave the box (where
            // clamping bends it): propose at a moderate length, on both sides of x.
            double minimum = _options.MinimumSeparation * _scale;
            double reach = Math.Max(2 * minimum, Math.Min(distance, 0.25 * _scale));
            double current = Math.Abs((double)_fx[k] - _fy[k]) / distance;
            foreach (double sign in (ReadOnlySpan<double>)[1.0, -1.0])
            {
                for (int j = 0; j < _x.Length; j++)
                    _proposal[j] = (float)(_x[j] - sign * reach * _direction[j] / length);
                Clamp(_proposal);
                TKernel.Forward(parameters, _proposal, _fProposal);
                for (int j = 0; j < _x.Length; j++)
                    _stepX[j] = (double)_x[j] - _proposal[j];
                double proposedDistance = Norm(_stepX, p);
                if (proposedDistance < minimum * (1 - 1e-9))
                    continue;
                double proposed = Math.Abs((double)_fx[k] - _fProposal[k]) / proposedDistance;
                if (!(proposed > current))
                    continue;
                (current, distance) = (proposed, proposedDistance);
                _proposal.CopyTo(_y, 0);
                _fProposal.CopyTo(_fy, 0);
                _stepX.CopyTo(_difference, 0);
            }
            return distance;
        }

        /// <summary>One normalised ascent step on R, then projection onto the box; pairs closer than the minimum are pushed apart.</summary>
        private void Ascend(ReadOnlySpan<float> parameters, int k, double distance, double step, double minimum, double p)
        {
            int n = _x.Length;
            if (distance < minimum)
            {
                // Too close to measure a difference quotient: move y away from x along the current difference (or any axis).
                double scale = distance > 0 ? minimum * 1.5 / distance : 0;
                for (int j = 0; j < n; j++)
                    _y[j] = distance > 0 ? (float)(_x[j] - _difference[j] * scale) : _x[j] + (j == 0 ? (float)(minimum * 1.5) : 0);
                Clamp(_y);
                return;
            }
            Array.Clear(_weight);
            _weight[k] = 1;
            TKernel.InputGradient(parameters, _x, _weight, _gx, _workspace);
            TKernel.InputGradient(parameters, _y, _weight, _gy, _workspace);
            double change = (double)_fx[k] - _fy[k];
            double sign = change >= 0 ? 1 : -1, magnitude = Math.Abs(change);
            NormGradient(_difference, distance, p, _direction); // ∇_x ‖x − y‖_p; ∇_y is its negative
            double length = 0;
            for (int j = 0; j < n; j++)
            {
                _stepX[j] = sign * _gx[j] / distance - magnitude * _direction[j] / (distance * distance);
                _stepY[j] = -sign * _gy[j] / distance + magnitude * _direction[j] / (distance * distance);
                length += _stepX[j] * _stepX[j] + _stepY[j] * _stepY[j];
            }
            length = Math.Sqrt(length);
            if (!(length > 0))
                return;
            for (int j = 0; j < n; j++)
            {
                _x[j] = (float)(_x[j] + step * _stepX[j] / length);
                _y[j] = (float)(_y[j] + step * _stepY[j] / length);
            }
            Clamp(_x);
            Clamp(_y);
        }

        private static void NormGradient(ReadOnlySpan<double> v, double norm, double p, Span<double> gradient)
        {
            if (double.IsPositiveInfinity(p))
            {
                gradient.Clear();
                int at = 0;
                for (int j = 1; j < v.Length; j++)
                    if (Math.Abs(v[j]) > Math.Abs(v[at]))
                        at = j;
                gradient[at] = Math.Sign(v[at]);
                return;
            }
            for (int j = 0; j < v.Length; j++)
                gradient[j] = p == 1 ? Math.Sign(v[j]) : Math.Sign(v[j]) * Math.Pow(Math.Abs(v[j]) / norm, p - 1);
        }

        private void Clamp(float[] point)
        {
            for (int j = 0; j < point.Length; j++)
                point[j] = (float)Math.Clamp(point[j], _low[j], _high[j]);
        }
    }
}
