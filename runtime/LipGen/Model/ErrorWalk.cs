// The state of the float error fold (Verification/FloatErrorBound.cs runs it; each step kind propagates its own part).
// Linked into the generator with the rest of the model; netstandard2.0.
using System;

namespace LipGen.Model;

/// <summary>
/// The float error bound as a fold over the plan's steps. For every slot it keeps two bounds on how far the float network's
/// values are from the exact function's, in ℓ∞ (<see cref="Errors"/>) and in ℓ2 (<see cref="Errors2"/>: through a step
/// bounded in ℓ2 an error grows by the step's ℓ2 norm, where the ℓ∞ route can only use |W|, up to √n times more), a bound on
/// the float values' magnitudes over the region (<see cref="Magnitudes"/>, per element), and a Lipschitz bound of x ↦ the
/// slot in the network's p (<see cref="Lipschitz"/>).
/// The region is a point (radius 0), a ball around it, or a box (per-input intervals, propagated through the steps as exact
/// per-element bounds, <see cref="Exact"/>). docs/verification.md gives the argument.
/// </summary>
internal ref struct ErrorWalk
{
    /// <summary>u for float, round to nearest.</summary>
    public const double Unit = 1.0 / (1 << 24);

    /// <summary>2⁻¹⁴⁹, the smallest positive float: the absolute error of a product that underflows.</summary>
    public const double Underflow = 1.401298464324817E-45;

    /// <summary>Covers the double rounding of the bound's own sums (of up to 10⁶ terms).</summary>
    public const double DoubleSlack = 1 + 1e-9;

    /// <summary>γₖ = k·u / (1 − k·u), the relative error bound of k float roundings.</summary>
    public static double Gamma(int k) => Certificate.RoundUp(k * Unit / (1 - k * Unit));

    public ErrorWalk(NetworkPlan plan, ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, ReadOnlySpan<float> output,
        ReadOnlySpan<float> workspace, double radius, ReadOnlySpan<double> box)
    {
        Plan = plan;
        Parameters = parameters;
        Input = input;
        Output = output;
        Workspace = workspace;
        Radius = radius;
        Box = box;
        int slots = plan.Slots.Count;
        Errors = new double[slots];
        Errors2 = new double[slots];
        Lipschitz = new double[slots];
        Magnitudes = new double[slots][];
        Exact = new double[slots][];
    }

    public NetworkPlan Plan { get; }

    public ReadOnlySpan<float> Parameters { get; }

    /// <summary>The input at the point or the ball's centre (empty for a box).</summary>
    public ReadOnlySpan<float> Input { get; }

    /// <summary>The output at that point.</summary>
    public ReadOnlySpan<float> Output { get; }

    /// <summary>The workspace of a recording forward pass at that point.</summary>
    public ReadOnlySpan<float> Workspace { get; }

    /// <summary>The ball's radius in ℓp (0 at a point).</summary>
    public double Radius { get; }

    /// <summary>The box: low and high of each input, interleaved (empty for a point or a ball).</summary>
    public ReadOnlySpan<double> Box { get; }

    public bool IsBox => !Box.IsEmpty;

    /// <summary>Per slot: ‖ṽ − v‖_∞ over the region.</summary>
    public double[] Errors { get; }

    /// <summary>Per slot: ‖ṽ − v‖₂ over the region.</summary>
    public double[] Errors2 { get; }

    /// <summary>
    /// A sound bound on the ℓ2 operator norm of a step's exact map (‖W′‖₂ of a dense step, a residual block's factor), from
    /// the parameters, computed once per plan and parameters on this thread (<see cref="OperatorNorms"/>).
    /// </summary>
    public double OperatorNorm(PlanStep step) => OperatorNorms.For(Plan, Parameters).Get(step, Parameters);

    /// <summary>Per slot: a Lipschitz bound of x ↦ v in the network's norms (for widening magnitudes over a ball).</summary>
    public double[] Lipschitz { get; }

    /// <summary>Per slot and element: a bound on |ṽⱼ| over the region.</summary>
    public double[]?[] Magnitudes { get; }

    /// <summary>Per slot and element, for a box: a bound on the exact |vⱼ| over it.</summary>
    public double[]?[] Exact { get; }

    /// <summary>The float values of a slot at the point (the input, the output, or the workspace's).</summary>
    public ReadOnlySpan<float> Values(ValueSlot slot) =>
        slot.IsInput ? Input : slot.IsOutput ? Output : Workspace.Slice(slot.ValueOffset, slot.Width);

    /// <summary>
    /// The magnitudes of a slot's float values over the region from its values at the point, its error and Lipschitz bound:
    /// |ṽⱼ| (a point), |ṽⱼ| + L·r + 2E (a ball: the exact value moves by at most L·r, and each float one is within E of it),
    /// or the exact bound plus E (a box).
    /// </summary>
    public double[] Widened(ValueSlot slot)
    {
        var magnitudes = new double[slot.Width];
        double error = Errors[slot.Index];
        if (IsBox)
        {
            double[] exact = Exact[slot.Index]!;
            for (int j = 0; j < magnitudes.Length; j++)
                magnitudes[j] = Certificate.RoundUp((exact[j] + error) * DoubleSlack);
            return magnitudes;
        }
        ReadOnlySpan<float> values = Values(slot);
        double widen = Radius == 0 ? 0 : Certificate.RoundUp((Lipschitz[slot.Index] * Radius + 2 * error) * DoubleSlack);
        for (int j = 0; j < magnitudes.Length; j++)
            magnitudes[j] = Math.Abs((double)values[j]) + widen;
        return magnitudes;
    }

    /// <summary>
    /// The rounding of a dense product computed in float on inputs of these magnitudes: row o is within
    /// γₙ₊₂·(Σⱼ|wₒⱼ|·mⱼ + |bₒ|) + (n + 1)·2⁻¹⁴⁹ of W·ã + b, whatever the summation order and whether or not it fuses
    /// multiply-adds; the largest over the rows, and in <paramref name="euclidean"/> the ℓ2 norm of the rows' bounds.
    /// <paramref name="weights"/> row-major [rows, columns].
    /// </summary>
    public static double ProductRounding(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, int rows, int columns, double[] magnitudes,
        out double euclidean, int extraTerms = 0)
    {
        int terms = columns + extraTerms;
        double largest = 0, squares = 0, gamma = Gamma(terms + 2), underflow = (terms + 1) * Underflow;
        for (int o = 0; o < rows; o++)
        {
            ReadOnlySpan<float> row = weights.Slice(o * columns, columns);
            double sum = bias.IsEmpty ? 0 : Math.Abs((double)bias[o]);
            for (int j = 0; j < columns; j++)
                sum += Math.Abs((double)row[j]) * magnitudes[j];
            largest = Math.Max(largest, sum);
            double bound = sum * gamma + underflow;
            squares += bound * bound;
        }
        euclidean = Certificate.RoundUp(Math.Sqrt(squares) * DoubleSlack);
        return largest * gamma + underflow;
    }

    /// <summary>|W|·bound + |b| per row, rounded up: a bound on the exact W·v + b from one on |v| (box propagation).</summary>
    public static double[] PropagateExact(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, int rows, int columns, double[] bound)
    {
        var next = new double[rows];
        for (int o = 0; o < rows; o++)
        {
            double sum = bias.IsEmpty ? 0 : Math.Abs((double)bias[o]);
            for (int j = 0; j < columns; j++)
                sum += Math.Abs((double)weights[o * columns + j]) * bound[j];
            next[o] = Certificate.RoundUp(sum * DoubleSlack);
        }
        return next;
    }

    /// <summary>
    /// Sets a slot's errors and Lipschitz bound, and its magnitudes from its values (or its exact box bound). Each error
    /// bound also caps the other: ‖e‖_∞ ≤ ‖e‖₂ ≤ √width·‖e‖_∞.
    /// </summary>
    public void Set(ValueSlot slot, double error, double error2, double lipschitz, double[]? exact = null)
    {
        double largest = Certificate.RoundUp(error * DoubleSlack), euclidean = Certificate.RoundUp(error2 * DoubleSlack);
        Errors[slot.Index] = double.IsNaN(largest) || double.IsNaN(euclidean) ? double.NaN : Math.Min(largest, euclidean);
        Errors2[slot.Index] = double.IsNaN(largest) || double.IsNaN(euclidean) ? double.NaN
            : Math.Min(euclidean, Certificate.RoundUp(largest * Math.Sqrt(slot.Width) * DoubleSlack));
        Lipschitz[slot.Index] = lipschitz;
        Exact[slot.Index] = exact;
        Magnitudes[slot.Index] = Widened(slot);
    }
}
