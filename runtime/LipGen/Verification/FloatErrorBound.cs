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
    private const double Unit = 1.0 / (1 << 24); // u for float, round to nearest
    private const double Underflow = 1.401298464324817E-45; // 2⁻¹⁴⁹, the smallest positive float
    private const double DoubleSlack = 1 + 1e-9;

    /// <summary>
    /// A per-neuron bound on the exact activations after <paramref name="layer"/> and its activation, given one on its input:
    /// |W·a + b| ≤ |W|·bound + |b|, then GroupSort moves values only within a group (so each is bounded by the group's
    /// largest bound) and ReLU only shrinks them. Sums in double, inflated like the rest.
    /// </summary>
    private static double[] NextBound(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, double[] bound, DenseStep layer, ActivationStep activation)
    {
        var next = new double[layer.Outputs];
        for (int o = 0; o < layer.Outputs; o++)
        {
            double sum = Math.Abs((double)bias[o]);
            for (int j = 0; j < layer.Inputs; j++)
                sum += Math.Abs((double)weights[o * layer.Inputs + j]) * bound[j];
            next[o] = Certificate.RoundUp(sum * DoubleSlack);
        }
        if (activation.Kind == Activation.GroupSort)
            for (int start = 0; start < next.Length; start += activation.GroupSize)
            {
                double largest = 0;
                for (int k = start; k < start + activation.GroupSize; k++)
                    largest = Math.Max(largest, next[k]);
                for (int k = start; k < start + activation.GroupSize; k++)
                    next[k] = largest;
            }
        return next;
    }

    /// <summary>γₖ = k·u / (1 − k·u), the relative error bound of k float roundings.</summary>
    public static double Gamma(int k) => Certificate.RoundUp(k * Unit / (1 - k * Unit));

    /// <summary>
    /// E(x): a bound on max over outputs k of |f̃ₖ(x) − fₖ(x)|, from the weights and the activations the float network
    /// computes at <paramref name="input"/>. Allocation-free; <paramref name="workspace"/> needs the kernel's workspace length.
    /// </summary>
    public static double AtPoint<TKernel>(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> output, Span<float> workspace)
        where TKernel : struct, ILipschitzKernel
    {
        TKernel.ForwardRecording(parameters, input, output, workspace);
        return Walk(TKernel.Description.Plan, parameters, input, workspace, radius: 0, box: default);
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
        return Walk(TKernel.Description.Plan, parameters, center, workspace, radius, box: default);
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
        double propagated = Walk(TKernel.Description.Plan, parameters, default, workspace, radius: 0, corners);
        double radius = Certificate.RoundUp(LipschitzVerifier.Norm(halfWidth, TKernel.Description.P) * DoubleSlack);
        TKernel.ForwardRecording(parameters, center, new float[TKernel.OutputCount], workspace);
        double ball = Walk(TKernel.Description.Plan, parameters, center, workspace, radius, box: default);
        return double.IsNaN(propagated) || double.IsNaN(ball) ? double.NaN : Math.Min(propagated, ball);
    }

    /// <summary>
    /// The layer-by-layer walk. With radius 0 the magnitudes are exactly the computed ones at the point; with a radius they
    /// are widened to hold over the ball (and, for a box, the inputs' magnitudes come from the box).
    /// </summary>
    /// <remarks>
    /// The input map z̃ = fl(fl(x − o) / s) is within γ₂·|z| (+ 2⁻¹⁴⁹ for an underflowing quotient) of the exact z, so the first
    /// layer's input carries that error. The residual's sum Σ aᵢzᵢ and its addition to the output layer's result make the
    /// output a sum of (m + 1) + n terms, within γ_{m+n+3} of their magnitudes in any order the kernels use, and the error in
    /// z̃ reaches it through ‖a‖₁.
    /// </remarks>
    private static double Walk(NetworkPlan plan, ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, ReadOnlySpan<float> workspace,
        double radius, ReadOnlySpan<double> box)
    {
        // What the first layer (and the residual) read: its magnitudes over the ball, and the error it carries.
        int n = plan.InputCount;
        var magnitudes = new double[n];
        double error = 0;      // ‖ã − a‖_∞ of the current layer's input, over the ball
        ReadOnlySpan<float> scales = Certificate.Scales(plan, parameters);
        if (plan.InputMap is { } map)
        {
            ReadOnlySpan<float> mapped = workspace.Slice(map.MappedOffset, n);
            for (int i = 0; i < n; i++)
            {
                double scale = scales[i];
                magnitudes[i] = box.IsEmpty
                    ? Math.Abs((double)mapped[i]) * (1 + Gamma(3)) + (radius == 0 ? 0 : radius / scale)
                    : Math.Max(Math.Abs(box[2 * i] - parameters[map.OffsetOffset + i]), Math.Abs(box[2 * i + 1] - parameters[map.OffsetOffset + i])) / scale;
                magnitudes[i] = Certificate.RoundUp(magnitudes[i] * DoubleSlack);
                error = Math.Max(error, magnitudes[i]);
            }
            error = Certificate.RoundUp((error * Gamma(2) + Underflow) * DoubleSlack);
            for (int i = 0; i < n; i++)
                magnitudes[i] = Certificate.RoundUp((magnitudes[i] + (box.IsEmpty && radius == 0 ? 0 : 2 * error)) * DoubleSlack);
        }
        else
            for (int i = 0; i < n; i++)
                magnitudes[i] = box.IsEmpty ? Math.Abs((double)input[i]) + radius : Math.Max(Math.Abs(box[2 * i]), Math.Abs(box[2 * i + 1]));
        double inputError = error; // what the residual's sum inherits from z̃

        double lipschitz = 1;  // a Lipschitz bound (p → ∞) of x ↦ the current layer's input
        // Over a box, each layer's exact input is bounded per neuron by propagating magnitudes (interval arithmetic), which
        // stays tight when the inputs' ranges differ by orders of magnitude, unlike the ball around the box.
        double[] exactBound = magnitudes;
        IReadOnlyList<DenseStep> layers = plan.DenseLayers;
        for (int l = 0; l < layers.Count; l++)
        {
            DenseStep layer = layers[l];
            ReadOnlySpan<float> weights = parameters.Slice(layer.WeightOffset, layer.WeightCount);
            ReadOnlySpan<float> bias = parameters.Slice(layer.BiasOffset, layer.Outputs);
            ReadOnlySpan<float> activations = layer.Input is null ? default : workspace.Slice(layer.Input.ActivationOffset, layer.Inputs);
            double widen = radius == 0 || layer.Input is null ? 0 : Certificate.RoundUp((lipschitz * radius + 2 * error) * DoubleSlack);
            bool residual = layer.IsHidden is false && plan.Residual is not null;
            double residualSum = 0;
            if (residual)
                for (int i = 0; i < n; i++)
                    residualSum += plan.Residual!.Signs[i] == 0 ? 0 : plan.Residual.Coefficient * magnitudes[i];
            double rounding = 0;
            for (int o = 0; o < layer.Outputs; o++)
            {
                ReadOnlySpan<float> row = weights.Slice(o * layer.Inputs, layer.Inputs);
                double sum = Math.Abs((double)bias[o]) + residualSum;
                for (int j = 0; j < row.Length; j++)
                    sum += Math.Abs((double)row[j]) * (layer.Input is null ? magnitudes[j]
                        : box.IsEmpty ? Math.Abs((double)activations[j]) + widen : exactBound[j] + error);
                rounding = Math.Max(rounding, sum);
            }
            if (!box.IsEmpty && layer.Activation is { } next)
                exactBound = NextBound(weights, bias, exactBound, layer, next);
            int terms = layer.Inputs + (residual ? n + 1 : 0);
            rounding = rounding * Gamma(terms + 2) + (terms + 1) * Underflow;
            double propagated = Certificate.MaxRowNorm(weights, layer.Outputs, layer.Inputs, q: 1) * error;
            if (residual)
                propagated += plan.Residual!.Coefficient * (double)plan.Residual.MonotoneCount * inputError;
            error = Certificate.RoundUp((rounding + propagated) * DoubleSlack);
            lipschitz = Certificate.RoundUp(lipschitz * (l == 0 ? Certificate.LayerNorm(layer, weights, scales) : Certificate.LayerNorm(layer, weights)));
            if (double.IsNaN(error))
                return double.NaN;
        }
        return error;
    }
}
