using LipGen.Model;

namespace LipGen.Training;

/// <summary>How training keeps the weights inside the Lipschitz constraint.</summary>
public enum ConstraintMethod
{
    /// <summary>
    /// Adam updates the weights themselves, and every step ends by projecting them back onto the constraint (each row of
    /// W whose norm exceeds λᵢ is rescaled onto the ball). LipGen's default.
    /// </summary>
    Projection = 0,

    /// <summary>
    /// The norm is applied inside the forward pass, as <c>monotonicnetworks</c> and deel-torchlip train: Adam updates free
    /// weights V, and the network runs on W = N(V), each row wᵣ = vᵣ·min(1, λᵢ / ‖vᵣ‖_q). Gradients flow through N, so a
    /// row on the boundary is only pushed along it (see <see cref="Reparametrization"/> for the gradient).
    /// </summary>
    Reparametrization = 1,
}

/// <summary>
/// Training by reparametrisation: the effective weights are W = N(V), where for every row v of every dense layer
/// (in that layer's norm q: the dual of p for the first layer, ℓ1 after it) wᵣ = v when ‖v‖_q ≤ λᵢ and wᵣ = λᵢ·v / ‖v‖_q
/// otherwise. N is the projection itself, so W meets the same certificate. Biases and the input map pass unchanged.
/// </summary>
/// <remarks>
/// The gradient through a rescaled row, with n = ‖v‖_q and G = ∂L/∂w: ∂L/∂vⱼ = (λᵢ/n)·(Gⱼ − (G·v)·∂n/∂vⱼ / n), where
/// ∂n/∂vⱼ = sign(vⱼ) for q = 1, vⱼ/n for q = 2, sign(vⱼ)·(|vⱼ|/n)^(q−1) for other q, and for q = ∞ sign(vⱼ) at the
/// largest |vⱼ| (0 elsewhere). Rows inside the ball pass G unchanged. The float projection scales by λᵢ/n less 2⁻²²; the
/// gradient uses the exact λᵢ/n, a relative difference far below the optimizer's noise.
/// </remarks>
internal static class Reparametrization
{
    /// <summary>W = N(V): <paramref name="effective"/> gets <paramref name="original"/> projected onto the constraint.</summary>
    public static void Apply<TKernel>(ReadOnlySpan<float> original, Span<float> effective) where TKernel : struct, ILipschitzKernel
    {
        original.CopyTo(effective);
        TKernel.Project(effective); // rejects non-finite values before it changes any
    }

    /// <summary>
    /// True when every layer of <paramref name="plan"/> has a normalisation this class differentiates (row bounds) or is
    /// reparametrised by construction (AOL, whose rescale the trainer differentiates for every constraint method).
    /// </summary>
    public static bool Supports(NetworkPlan plan)
    {
        foreach (DenseStep layer in plan.DenseLayers)
            if (layer.Constraint is not (RowNormConstraint or AolConstraint))
                return false;
        return true;
    }

    /// <summary>Turns ∂L/∂W in <paramref name="gradient"/> into ∂L/∂V, in place, for V = <paramref name="original"/>.</summary>
    public static void Backpropagate(NetworkPlan plan, ReadOnlySpan<float> original, Span<float> gradient)
    {
        IReadOnlyList<DenseStep> layers = plan.DenseLayers;
        for (int l = 0; l < layers.Count; l++)
        {
            DenseStep layer = layers[l];
            if (layer.Constraint is AolConstraint)
                continue; // W′ = W·D is derived from the free W: the trainer folds its gradient in (NetworkPlan.BackpropagateDerived)
            double q = layer.Constraint is RowNormConstraint rows ? rows.Q
                : throw new NotSupportedException($"Layer {layer.Number} has a {layer.Constraint.GetType().Name}, which reparametrised training does not differentiate.");
            double threshold = Kernels.RowNorms.Threshold(layer.Inputs, q, layer.Bound);
            for (int r = 0; r < layer.Outputs; r++)
            {
                ReadOnlySpan<float> v = original.Slice(layer.WeightOffset + r * layer.Inputs, layer.Inputs);
                double n = Kernels.RowNorms.Norm(v, q);
                if (!(n > threshold))
                    continue; // inside the ball: N is the identity there
                Span<float> g = gradient.Slice(layer.WeightOffset + r * layer.Inputs, layer.Inputs);
                double dot = 0;
                for (int j = 0; j < v.Length; j++)
                    dot += (double)g[j] * v[j];
                int largest = 0;
                if (double.IsPositiveInfinity(q))
                    for (int j = 1; j < v.Length; j++)
                        if (Math.Abs(v[j]) > Math.Abs(v[largest]))
                            largest = j;
                double scale = layer.Bound / n, along = dot / n;
                // ∂L/∂vⱼ = scale·(Gⱼ − along·∂n/∂vⱼ), one loop per norm so the inner loop has no branches.
                if (q == 1)
                    for (int j = 0; j < v.Length; j++)
                        g[j] = (float)(scale * (g[j] - along * Math.Sign(v[j])));
                else if (q == 2)
                    for (int j = 0; j < v.Length; j++)
                        g[j] = (float)(scale * (g[j] - along * v[j] / n));
                else if (double.IsPositiveInfinity(q))
                {
                    double atLargest = g[largest];
                    for (int j = 0; j < v.Length; j++)
                        g[j] = (float)(scale * g[j]);
                    g[largest] = (float)(scale * (atLargest - along * Math.Sign(v[largest]))); // only the largest |vⱼ| moves n
                }
                else
                    for (int j = 0; j < v.Length; j++)
                        g[j] = (float)(scale * (g[j] - along * Math.Sign(v[j]) * Math.Pow(Math.Abs(v[j]) / n, q - 1)));
            }
        }
    }
}
