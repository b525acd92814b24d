// The one certificate L̂. Compiled into the runtime (generated LipschitzBound(), training reports, the verifier, Load) and
// into the generator (weights compiled into an assembly must satisfy the declared λ), so both sides compute the same number.
// It must compile for netstandard2.0.
using System;
using System.Collections.Generic;

namespace LipGen.Model;

/// <summary>
/// L̂ = ∏ over the plan's dense layers of an upper bound on each layer's operator norm in its constraint, computed from the
/// float weights in double so that rounding can only make it larger (docs/verification.md gives the argument):
/// <list type="bullet">
/// <item>ℓ∞ row norms are maxima of |w|, exact in double.</item>
/// <item>ℓ1 and ℓ2 row norms are sums of n terms that are exact in double (|w|, w²); in any order their sum is within
/// γₙ₋₁ = (n − 1)u/(1 − (n − 1)u) of the exact sum (u = 2⁻⁵³), covered by the factor 1 + 4(n + 3)u, which also covers sqrt.</item>
/// <item>For other q, Math.Pow is assumed accurate to a few ulp, covered by a further 10⁻¹² relative.</item>
/// <item>The inflation is monotone and depends only on the row length, so it is applied once, to the largest row norm; every
/// product is rounded up by one ulp.</item>
/// </list>
/// </summary>
internal static class Certificate
{
    /// <summary>
    /// L̂ of the network with this plan and these parameters, in the units of the network's input x and output y (NaN if a
    /// weight is NaN, or a scale of a map is not valid): the fold of every step's <see cref="PlanStep.ComposeBound"/>. With an
    /// input map, the first layer's norm is taken of W₁·diag(1/scale), the matrix x actually meets; with a monotone residual,
    /// its slope ‖c·s ⊘ scale‖_q is added to the product; an output map multiplies by its largest scale.
    /// </summary>
    public static double Compute(NetworkPlan plan, ReadOnlySpan<float> parameters) => Fold(plan, parameters, constrainedOnly: false, 0, plan.Steps.Count);

    /// <summary>
    /// The certificate of the constrained part g alone, in the units its layers see (after the input map): ∏ of the layer
    /// norms (and residual blocks). The declaration bounds exactly this by λ, so it is what "the weights left the
    /// constraint" is judged by.
    /// </summary>
    public static double Constrained(NetworkPlan plan, ReadOnlySpan<float> parameters) => Fold(plan, parameters, constrainedOnly: true, 0, plan.Steps.Count);

    /// <summary>The certificate fold over steps [<paramref name="from"/>, <paramref name="to"/>), starting from 1.</summary>
    private static double Fold(NetworkPlan plan, ReadOnlySpan<float> parameters, bool constrainedOnly, int from, int to, double start = 1)
    {
        var state = new BoundState { Bound = start, ConstrainedOnly = constrainedOnly };
        for (int i = from; i < to; i++) // indexed: a foreach over the interface would allocate its enumerator
            plan.Steps[i].ComposeBound(ref state, parameters);
        return state.Bound;
    }

    /// <summary>
    /// What the declaration guarantees for the whole network in the units its layers see: λ, plus c·‖s‖_q with a monotone
    /// residual (λ·(1 + ‖s‖_q), and 2λ for p = 1 whenever an input is monotone), rounded up.
    /// </summary>
    public static double DeclaredBound(NetworkPlan plan) =>
        plan.Residual is { } residual ? RoundUp(plan.Lipschitz + ResidualNorm(residual, default, plan.Q)) : plan.Lipschitz;

    /// <summary>
    /// Class-pair bounds: element [y·m + j] bounds the Lipschitz constant of f_y − f_j in ℓp (m outputs), which is what a
    /// multi-class margin needs. f_y − f_j = (w_y − w_j)·a + (b_y − b_j), with a the last layer's input, which moves by at most
    /// K = the fold of the earlier steps (the certificate's own factors) per unit of ‖Δx‖_p in the hidden layers' norm; so
    /// the bound is ‖w_y − w_j‖ in that norm's dual (ℓ1 after ℓ∞ layers, ℓ2 after ℓ2 layers; the first layer's q for a
    /// one-layer network, over the input map's scales) times K, rounded outward. A monotone residual adds the same term to
    /// every output, so it cancels. Each is at most 2·L̂ of the layers (√2·L̂ with ℓ2 outputs; where it would be larger,
    /// that is used): never looser than the generic bound.
    /// </summary>
    public static void PairBounds(NetworkPlan plan, ReadOnlySpan<float> parameters, Span<double> bounds)
    {
        IReadOnlyList<DenseStep> layers = plan.DenseLayers;
        DenseStep last = layers[layers.Count - 1];
        int lastIndex = IndexOf(plan, last);
        double before = Fold(plan, parameters, constrainedOnly: false, 0, lastIndex);
        ReadOnlySpan<float> scales = Scales(plan, parameters);
        double layersBound = Product(plan, parameters);
        // Generic: |Δf_y − Δf_j| ≤ 2‖Δf‖_∞ in the row-bounded mode, and ≤ √2‖Δf‖₂ with ℓ2 layers (outputs in ℓ2).
        double generic = last.Constraint.OutputNorm == 2
            ? RoundUp(RoundUp(Math.Sqrt(2)) * layersBound)
            : RoundUp(2 * layersBound);
        ReadOnlySpan<float> w = last.ExecutedWeights(parameters);
        ReadOnlySpan<float> lastScales = layers.Count == 1 ? scales : default;
        // The norm the last layer's input is measured in: the first layer's q (one layer), else the hidden layers' dual.
        double q = last.Constraint is RowNormConstraint rowBound ? rowBound.Q : 2;
        int m = last.Outputs, n = last.Inputs;
        Span<double> terms = n <= 1024 ? stackalloc double[n] : new double[n];
        for (int y = 0; y < m; y++)
        {
            bounds[y * m + y] = 0;
            for (int j = y + 1; j < m; j++)
            {
                for (int k = 0; k < n; k++)
                {
                    // |w_y − w_j| as computed in double is within half an ulp of the exact difference: one ulp up covers it.
                    double difference = Math.Abs((double)w[y * n + k] - w[j * n + k]);
                    double bound = double.IsNaN(difference) ? double.NaN : difference == 0 ? 0 : RoundUp(difference);
                    if (!lastScales.IsEmpty)
                        bound = InputMapStep.IsValidScale(lastScales[k]) ? (bound == 0 ? 0 : RoundUp(bound / lastScales[k])) : double.NaN;
                    terms[k] = bound;
                }
                double pair = RoundUp(Outward(NormOf(terms, q), n, q) * before);
                bounds[y * m + j] = bounds[j * m + y] = double.IsNaN(pair) || double.IsNaN(generic) ? double.NaN : Math.Min(pair, generic);
            }
        }
        if (plan.OutputMap is { } outputMap)
            ScalePairBounds(plan, outputMap, parameters, bounds, last.Constraint.OutputNorm == 2);
    }

    /// <summary>
    /// The class-pair bounds through an output map y = m + s·g: y_a − y_b = s_a·g_a − s_b·g_b + const, so with equal scales
    /// the core's pair bound times s, and in any case (s_a + s_b)·K (ℓ∞ outputs) or √(s_a² + s_b²)·K (ℓ2 outputs), K the
    /// core's certificate with its residual (which no longer cancels when the scales differ); the smaller, rounded up.
    /// </summary>
    private static void ScalePairBounds(NetworkPlan plan, OutputMapStep map, ReadOnlySpan<float> parameters, Span<double> bounds, bool euclidean)
    {
        ReadOnlySpan<float> s = parameters.Slice(map.ScaleOffset, map.Outputs);
        double core = Fold(plan, parameters, constrainedOnly: false, 0, IndexOf(plan, map));
        int m = map.Outputs;
        for (int a = 0; a < m; a++)
            for (int b = a + 1; b < m; b++)
            {
                if (!InputMapStep.IsValidScale(s[a]) || !InputMapStep.IsValidScale(s[b]))
                {
                    bounds[a * m + b] = bounds[b * m + a] = double.NaN;
                    continue;
                }
                double pair = euclidean ? RoundUp(Math.Sqrt(RoundUp((double)s[a] * s[a] + (double)s[b] * s[b]))) : RoundUp((double)s[a] + s[b]);
                double generic = RoundUp(pair * core);
                double scaled = s[a] == s[b] ? RoundUp(bounds[a * m + b] * s[a]) : double.PositiveInfinity;
                bounds[a * m + b] = bounds[b * m + a] = double.IsNaN(generic) || double.IsNaN(scaled) ? double.NaN : Math.Min(generic, scaled);
            }
    }

    private static int IndexOf(NetworkPlan plan, PlanStep step)
    {
        for (int i = 0; i < plan.Steps.Count; i++)
            if (ReferenceEquals(plan.Steps[i], step))
                return i;
        return -1;
    }

    /// <summary>The input map's scales in the parameters, or an empty span without a map.</summary>
    public static ReadOnlySpan<float> Scales(NetworkPlan plan, ReadOnlySpan<float> parameters) =>
        plan.InputMap is { } map ? parameters.Slice(map.ScaleOffset, map.Inputs) : default;

    /// <summary>The certificate of the core's steps in the units x meets them, without a residual's parallel term or an output map.</summary>
    private static double Product(NetworkPlan plan, ReadOnlySpan<float> parameters)
    {
        var state = new BoundState { Bound = 1 };
        for (int i = 0; i < plan.Steps.Count; i++)
            if (plan.Steps[i] is not (MonotoneResidualStep or OutputMapStep))
                plan.Steps[i].ComposeBound(ref state, parameters);
        return state.Bound;
    }

    /// <summary>
    /// An upper bound on ‖t‖_q for the residual's slopes tᵢ = c·|sᵢ| / scaleᵢ (c·|sᵢ| without a map): the Lipschitz bound of
    /// x ↦ c·Σ sᵢzᵢ in ℓp.
    /// </summary>
    public static double ResidualNorm(MonotoneResidualStep residual, ReadOnlySpan<float> scales, double q)
    {
        Span<double> terms = residual.Inputs <= 256 ? stackalloc double[residual.Inputs] : new double[residual.Inputs];
        for (int i = 0; i < terms.Length; i++)
            terms[i] = residual.Signs[i] == 0 ? 0 : Magnitude(residual.Coefficient, scales, i);
        return Outward(NormOf(terms, q), terms.Length, q);
    }

    /// <summary>
    /// An upper bound on |w| / scaleᵢ (|w| exactly without scales): the division is rounded up, and a scale that is not a
    /// valid one gives NaN, so no certificate is claimed for it.
    /// </summary>
    public static double Magnitude(float w, ReadOnlySpan<float> scales, int column)
    {
        double magnitude = Math.Abs((double)w);
        if (scales.IsEmpty || float.IsNaN(w))
            return float.IsNaN(w) ? double.NaN : magnitude;
        float scale = scales[column];
        if (!InputMapStep.IsValidScale(scale))
            return double.NaN;
        return magnitude == 0 ? 0 : RoundUp(magnitude / scale);
    }

    /// <summary>
    /// For each input i, an upper bound on |∂fₖ/∂xᵢ| over every output k and every x, rounded outward: how far any output
    /// can move per unit of input i (in the input's own units). It is the largest magnitude of <see cref="SlopeRanges"/>;
    /// each is at most L̂ (with an input map, up to a few ulps: the slopes divide by the scale last, L̂ first). Writes NaN if a
    /// weight is NaN.
    /// </summary>
    public static void InputSlopes(NetworkPlan plan, ReadOnlySpan<float> parameters, Span<double> slopes)
    {
        Span<double> lower = plan.InputCount <= 256 ? stackalloc double[plan.InputCount] : new double[plan.InputCount];
        SlopeRanges(plan, parameters, lower, slopes);
        for (int i = 0; i < slopes.Length; i++)
            slopes[i] = double.IsNaN(lower[i]) || double.IsNaN(slopes[i]) ? double.NaN : Math.Max(-lower[i], slopes[i]);
    }

    /// <summary>
    /// For each input i, an interval [lowerᵢ, upperᵢ] that holds ∂fₖ/∂xᵢ for every output k at every x, in the input's own
    /// units, rounded outward. The Jacobian of the constrained part is the later steps' Jacobians times W₁·diag(1/scale),
    /// so its column i is at most Bᵢ = ‖W₁eᵢ‖ / scaleᵢ (in the hidden layers' norm: ℓ∞ for row bounds, ℓ2 for ℓ2 layers,
    /// of the weights as executed) times the fold of the later steps; the residual adds exactly tᵢ = c·sᵢ / scaleᵢ. So
    /// ∂fₖ/∂xᵢ ∈ [tᵢ − Bᵢ, tᵢ + Bᵢ]: a monotone input is certified when that interval does not cross 0. Writes NaN if a weight
    /// is NaN.
    /// </summary>
    public static void SlopeRanges(NetworkPlan plan, ReadOnlySpan<float> parameters, Span<double> lower, Span<double> upper)
    {
        ReadOnlySpan<float> scales = Scales(plan, parameters);
        DenseStep first = plan.DenseLayers[0];
        int afterFirst = IndexOf(plan, first) + 1;
        ReadOnlySpan<float> w = first.ExecutedWeights(parameters);
        bool euclidean = first.Constraint.OutputNorm == 2;
        for (int i = 0; i < first.Inputs; i++)
        {
            // In the units the layers see (z): Bᵢ from column i of W₁ and the later steps' fold.
            double column = 0;
            for (int o = 0; o < first.Outputs && !double.IsNaN(column); o++)
            {
                float value = w[o * first.Inputs + i];
                column = float.IsNaN(value) ? double.NaN : euclidean ? column + (double)value * value : Math.Max(column, Math.Abs((double)value));
            }
            if (euclidean)
                column = Outward(Math.Sqrt(column), first.Outputs, 2);
            // No weight reads the input: the constrained part does not move with it, exactly. Otherwise the later steps' fold,
            // in the order and rounding of Compute: rounding up and multiplying by a positive number are monotone, so every Bᵢ
            // is at most the product there.
            double bound = column == 0 ? 0 : Fold(plan, parameters, constrainedOnly: true, afterFirst, plan.Steps.Count, RoundUp(column));
            // The residual's slope c·sᵢ is exact; c·sᵢ − Bᵢ is rounded down unless exact (Sterbenz: equal neighbours
            // subtract exactly), so a weight projected exactly onto its bound still certifies.
            double t = (plan.Residual?.Signs[i] ?? 0) * (double)(plan.Residual?.Coefficient ?? 0);
            double low = Subtract(t, bound, down: true), high = Subtract(t, -bound, down: false);
            if (scales.IsEmpty)
            {
                (lower[i], upper[i]) = (low, high);
                continue;
            }
            // In the input's own units: ∂f/∂xᵢ = ∂f/∂zᵢ / scaleᵢ, a positive scale, so both ends keep their sign.
            float scale = scales[i];
            bool valid = InputMapStep.IsValidScale(scale);
            lower[i] = valid ? Divide(low, scale, down: true) : double.NaN;
            upper[i] = valid ? Divide(high, scale, down: false) : double.NaN;
        }
        if (plan.OutputMap is not { } map)
            return;
        // In the outputs' own units: ∂yₖ/∂xᵢ = sₖ·∂gₖ/∂xᵢ with sₖ > 0, so each end keeps its sign and moves furthest with the
        // largest scale (outward) or least with the smallest (inward, for an end on the far side of 0).
        double smallest = map.SmallestScale(parameters), largest = map.LargestScale(parameters);
        for (int i = 0; i < lower.Length; i++)
        {
            lower[i] = ScaleEnd(lower[i], lower[i] < 0 ? largest : smallest, down: true);
            upper[i] = ScaleEnd(upper[i], upper[i] > 0 ? largest : smallest, down: false);
        }
    }

    /// <summary>a·s rounded down (or up); 0 stays 0 and a scale that is not valid (NaN) gives NaN.</summary>
    private static double ScaleEnd(double a, double s, bool down)
    {
        if (double.IsNaN(s))
            return double.NaN;
        if (a == 0 || double.IsNaN(a))
            return a;
        double product = a * s;
        return down ? -RoundUp(-product) : RoundUp(product);
    }

    /// <summary>a − b rounded down (or up), exact when the result is exact (Sterbenz's lemma, or a zero operand).</summary>
    private static double Subtract(double a, double b, bool down)
    {
        double difference = a - b;
        bool exact = b == 0 || a == 0 || (a > 0 && b > 0 || a < 0 && b < 0) && Math.Abs(b) / 2 <= Math.Abs(a) && Math.Abs(a) <= 2 * Math.Abs(b);
        return exact ? difference : down ? -RoundUp(-difference) : RoundUp(difference);
    }

    /// <summary>a / scale rounded down (or up); 0 stays 0, so the sign of a is kept.</summary>
    private static double Divide(double a, float scale, bool down)
    {
        if (a == 0 || double.IsNaN(a))
            return a;
        double quotient = a / scale;
        return down ? -RoundUp(-quotient) : RoundUp(quotient);
    }

    /// <summary>An upper bound on max over rows of ‖row‖_q: ‖W‖_{p→∞} for the dual pair (p, q).</summary>
    public static double MaxRowNorm(ReadOnlySpan<float> weights, int rows, int columns, double q) => MaxRowNorm(weights, rows, columns, q, default);

    /// <summary>
    /// An upper bound on max over rows of ‖row ⊘ scales‖_q. Each term |w|/scale is rounded up, so it is an upper bound held
    /// exactly in double; squaring it (q = 2) adds one rounding per term, which the sum's (n + 3) slack in
    /// <see cref="Outward"/> covers with room to spare.
    /// </summary>
    public static double MaxRowNorm(ReadOnlySpan<float> weights, int rows, int columns, double q, ReadOnlySpan<float> scales)
    {
        double max = 0;
        Span<double> terms = columns <= 1024 ? stackalloc double[columns] : new double[columns];
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> row = weights.Slice(r * columns, columns);
            for (int j = 0; j < columns; j++)
                terms[j] = Magnitude(row[j], scales, j);
            double norm = NormOf(terms, q);
            if (double.IsNaN(norm))
                return double.NaN;
            max = Math.Max(max, norm);
        }
        return Outward(max, columns, q);
    }

    /// <summary>
    /// An upper bound on the exact ‖row‖_q of a row of <paramref name="columns"/> floats, from its norm as computed in double
    /// (any summation order). Monotone in <paramref name="computed"/>, so it may be applied to a maximum of rows.
    /// </summary>
    public static double Outward(double computed, int columns, double q)
    {
        if (double.IsPositiveInfinity(q) || computed == 0 || double.IsNaN(computed) || double.IsInfinity(computed))
            return computed; // exact
        // (n + 3) rather than n: the extra terms also cover the rounding of sqrt (q = 2) and of the final product.
        double sumSlack = 1 + 4.0 * (columns + 3) / (1L << 53);
        if (q == 1)
            return RoundUp(computed * sumSlack);
        if (q == 2)
            return RoundUp(computed * RoundUp(Math.Sqrt(RoundUp(sumSlack)))); // √(Σw²·(1+4nu)) = √Σw² · √(1+4nu)
        return RoundUp(computed * (sumSlack + 1e-12));
    }

    /// <summary>‖t‖_q of non-negative terms as computed in double (before the outward inflation); NaN if a term is NaN.</summary>
    private static double NormOf(ReadOnlySpan<double> terms, double q)
    {
        double result = 0;
        if (q == 1 || q == 2)
        {
            foreach (double t in terms)
                result += q == 1 ? t : t * t;
            return q == 1 ? result : Math.Sqrt(result);
        }
        foreach (double t in terms)
            result = double.IsNaN(t) ? double.NaN : Math.Max(result, t);
        if (double.IsPositiveInfinity(q) || result == 0 || double.IsNaN(result) || double.IsInfinity(result))
            return result;
        // General q: scaled by the largest entry so that t^q can neither overflow nor underflow.
        double largest = result, total = 0;
        foreach (double t in terms)
            total += Math.Pow(t / largest, q);
        return largest * Math.Pow(total, 1 / q);
    }

    /// <summary>
    /// What a projection aims inside of: λᵢ·(1 − 2⁻³⁰). The margin covers the certificate's rounding of each product and of
    /// ∏λᵢ (λᵢ = λ^(1/L) is itself rounded), so a network whose every layer is within it has L̂ ≤ λ.
    /// </summary>
    public static double Inside(double layerBound) => layerBound * (1 - 1.0 / (1 << 30));

    /// <summary>The next float down from a positive float (MathF.BitDecrement, which netstandard2.0 lacks).</summary>
    public static float FloatDown(float value) =>
#if LIPGEN_GENERATOR
        value <= 0 ? value : BitConverter.ToSingle(BitConverter.GetBytes(BitConverter.ToInt32(BitConverter.GetBytes(value), 0) - 1), 0); // netstandard2.0 has no SingleToInt32Bits
#else
        value <= 0 ? value : BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(value) - 1); // no allocation: a projection runs it per column
#endif

    /// <summary>The next double up (Math.BitIncrement, which netstandard2.0 lacks): covers one rounding to nearest.</summary>
    public static double RoundUp(double value)
    {
        if (double.IsNaN(value) || double.IsPositiveInfinity(value))
            return value;
        if (double.IsNegativeInfinity(value))
            return double.MinValue;
        if (value == 0)
            return double.Epsilon;
        long bits = BitConverter.DoubleToInt64Bits(value);
        return BitConverter.Int64BitsToDouble(value > 0 ? bits + 1 : bits - 1);
    }
}
