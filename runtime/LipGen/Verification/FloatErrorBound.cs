using LipGen.Model;

namespace LipGen.Verification;

/// <summary>
/// Rigorous bounds on how far the network as it runs in float, f̃, can be from the exact function f that its float weights
/// define, which is the function the certificate L̂ bounds. Standard forward error analysis, layer by layer, in ℓ∞ over a
/// layer's outputs (docs/verification.md gives the argument):
/// <list type="bullet">
/// <item>A dense layer evaluated in float on the computed input ã is within γₙ₊₂·(Σⱼ|wₒⱼ||ãⱼ| + |bₒ|) + (n + 1)·2⁻¹⁴⁹ of
/// W·ã + b, whatever the kernel's summation order and whether or not it fuses multiply-adds (γₖ = k·u / (1 − k·u),
/// u = 2⁻²⁴; the last term covers products that underflow).</item>
/// <item>The error already in ã reaches the output through W: ‖W(ã − a)‖_∞ ≤ ‖W‖_{∞→∞}·‖ã − a‖_∞ (the first layer's input
/// is exact).</item>
/// <item>GroupSort and ReLU are computed exactly and are 1-Lipschitz in ℓ∞, per component, so they pass the error on
/// unchanged.</item>
/// </list>
/// Every sum is taken in double and the result inflated by a relative 10⁻⁹ and rounded up, which covers the double rounding
/// of sums of up to 10⁶ terms.
/// </summary>
public static class FloatErrorBound
{
    private const double DoubleSlack = ErrorWalk.DoubleSlack;

    /// <summary>γₖ = k·u / (1 − k·u), the relative error bound of k float roundings.</summary>
    public static double Gamma(int k) => ErrorWalk.Gamma(k);

    /// <summary>
    /// E(x): a bound on max over outputs k of |f̃ₖ(x) − fₖ(x)|, from the weights and the activations the float network
    /// computes at <paramref name="input"/>. Allocation-free; <paramref name="workspace"/> needs the kernel's workspace length.
    /// </summary>
    public static double AtPoint<TKernel>(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> output, Span<float> workspace)
        where TKernel : struct, ILipschitzKernel
    {
        TKernel.ForwardRecording(parameters, input, output, workspace);
        return Walk(TKernel.Description.Plan, parameters, input, output, workspace, radius: 0, box: default);
    }

    /// <summary>
    /// A bound on E(x′) for every x′ with ‖x′ − x‖_p ≤ <paramref name="radius"/>: the activations at x are widened by how
    /// far the layers can move them in the ball (their Lipschitz bounds times the radius) and by their own float errors.
    /// </summary>
    public static double InBall<TKernel>(ReadOnlySpan<float> parameters, ReadOnlySpan<float> center, double radius, Span<float> output, Span<float> workspace)
        where TKernel : struct, ILipschitzKernel
    {
        ArgumentOutOfRangeException.ThrowIfNegative(radius);
        TKernel.ForwardRecording(parameters, center, output, workspace);
        return Walk(TKernel.Description.Plan, parameters, center, output, workspace, radius, box: default);
    }

    /// <summary>
    /// A bound on E(x′) for every x′ in the box [<paramref name="low"/>, <paramref name="high"/>] (per input): the smaller of
    /// two, each layer's input magnitudes bounded over the box by propagating the box through the layers (interval
    /// arithmetic) plus the float error carried so far, and the bound over the ball around the box's centre that holds it.
    /// </summary>
    public static double InBox<TKernel>(ReadOnlySpan<float> parameters, ReadOnlySpan<double> low, ReadOnlySpan<double> high)
        where TKernel : struct, ILipschitzKernel
    {
        int n = TKernel.InputCount;
        if (low.Length != n || high.Length != n)
            throw new ArgumentException($"The box needs {n} lower and upper bounds.");
        var corners = new double[2 * n]; // low and high of each input, interleaved
        var center = new float[n];
        var halfWidth = new double[n];
        for (int j = 0; j < n; j++)
        {
            (corners[2 * j], corners[2 * j + 1]) = (low[j], high[j]);
            center[j] = (float)((low[j] + high[j]) / 2);
            // |x′ⱼ − cⱼ| for the float centre actually used, rounded up.
            halfWidth[j] = Certificate.RoundUp(Math.Max(high[j] - center[j], center[j] - low[j]));
        }
        // Two sound bounds, and the smaller is kept: the box's bounds propagated through the layers (tight when the inputs'
        // ranges differ by orders of magnitude), and the ball around the box's centre that contains it (often tighter for
        // small, even boxes).
        var workspace = new float[TKernel.WorkspaceLength];
        double propagated = Walk(TKernel.Description.Plan, parameters, default, default, workspace, radius: 0, corners);
        double radius = Certificate.RoundUp(LipschitzVerifier.Norm(halfWidth, TKernel.Description.P) * DoubleSlack);
        var output = new float[TKernel.OutputCount];
        TKernel.ForwardRecording(parameters, center, output, workspace);
        double ball = Walk(TKernel.Description.Plan, parameters, center, output, workspace, radius, box: default);
        return double.IsNaN(propagated) || double.IsNaN(ball) ? double.NaN : Math.Min(propagated, ball);
    }

    /// <summary>
    /// The fold over the plan's steps (<see cref="PlanStep.PropagateError"/>: each kind bounds its own rounding and passes the
    /// error it receives). With radius 0 the magnitudes are exactly the computed ones at the point; with a radius they are
    /// widened to hold over the ball; with a box the inputs' magnitudes come from it and each step propagates exact
    /// per-element bounds. Returns the bound on the output's error.
    /// </summary>
    private static double Walk(NetworkPlan plan, ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, ReadOnlySpan<float> output,
        ReadOnlySpan<float> workspace, double radius, ReadOnlySpan<double> box)
    {
        var walk = new ErrorWalk(plan, parameters, input, output, workspace, radius, box);
        ValueSlot x = plan.InputSlot;
        var magnitudes = new double[x.Width];
        for (int i = 0; i < magnitudes.Length; i++)
            magnitudes[i] = box.IsEmpty ? Math.Abs((double)input[i]) + radius : Math.Max(Math.Abs(box[2 * i]), Math.Abs(box[2 * i + 1]));
        walk.Errors[x.Index] = 0;
        walk.Lipschitz[x.Index] = 1;
        walk.Magnitudes[x.Index] = magnitudes;
        walk.Exact[x.Index] = box.IsEmpty ? null : magnitudes;
        for (int s = 0; s < plan.Steps.Count; s++)
        {
            plan.Steps[s].PropagateError(ref walk);
            if (double.IsNaN(walk.Errors[plan.Steps[s].Output.Index]))
                return double.NaN;
        }
        return walk.Errors[plan.OutputSlot.Index];
    }
}
