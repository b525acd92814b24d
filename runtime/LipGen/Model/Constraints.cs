// How a dense layer's weights are bounded: each kind in one class (its sound norm, its state and derived regions, and the
// gradient through what it derives). Linked into the generator; netstandard2.0.
using System;
using System.Collections.Generic;

namespace LipGen.Model;

/// <summary>The constraint a dense layer's weights are kept in. Each kind is a subclass.</summary>
internal abstract class WeightConstraint
{
    /// <summary>The declaration's name of the kind (RowNorms, Spectral, Aol).</summary>
    public abstract LayerConstraint Kind { get; }

    /// <summary>The norm of the layer's output space its bound is stated in (∞ for row bounds, 2 for ℓ2 layers).</summary>
    public abstract double OutputNorm { get; }

    /// <summary>The dual of <see cref="OutputNorm"/>: the norm a row difference w_y − w_j of the next layer is measured in.</summary>
    public double OutputDual => LipGen.Norm.Dual(OutputNorm);

    /// <summary>
    /// A sound upper bound on the operator norm of the layer as it executes, W·diag(1/scales) (W alone without scales): the
    /// certificate's factor for this layer, rounded outward; NaN if a weight or a scale is invalid.
    /// </summary>
    public abstract double Norm(DenseStep layer, ReadOnlySpan<float> parameters, ReadOnlySpan<float> scales);

    /// <summary>Places projection state (kept between steps, not saved) after the other parameters.</summary>
    public virtual void PlaceState(DenseStep layer, NetworkPlan.Layout layout)
    {
    }

    /// <summary>Places derived regions (recomputed from the weights, not saved).</summary>
    public virtual void PlaceDerived(DenseStep layer, NetworkPlan.Layout layout)
    {
    }

    /// <summary>The regions the constraint adds to its layer's.</summary>
    public virtual IEnumerable<ParameterRegion> Regions(DenseStep layer) => Array.Empty<ParameterRegion>();

    /// <summary>The parameter offset of the weights the layer executes with (its trained W, unless derived from it).</summary>
    public virtual int ExecutedWeights(DenseStep layer) => layer.WeightOffset;

    /// <summary>
    /// A sound bound on ‖W′‖₂ of the executed weights: by default Schur's √(‖W′‖₁·‖W′‖_∞) (largest column sum times largest
    /// row sum of |W′|); the ℓ2 constraints return the bound they prove.
    /// </summary>
    public virtual double EuclideanNorm(DenseStep layer, ReadOnlySpan<float> parameters)
    {
        ReadOnlySpan<float> w = parameters.Slice(ExecutedWeights(layer), layer.WeightCount);
        int rows = layer.Outputs, columns = layer.Inputs;
        var columnSums = new double[columns];
        double rowLargest = 0;
        for (int r = 0; r < rows; r++)
        {
            double sum = 0;
            for (int c = 0; c < columns; c++)
            {
                double a = Math.Abs((double)w[r * columns + c]);
                sum += a;
                columnSums[c] += a;
            }
            rowLargest = Math.Max(rowLargest, sum);
        }
        double columnLargest = 0;
        foreach (double sum in columnSums)
            columnLargest = Math.Max(columnLargest, sum);
        // Sums of non-negative doubles: within γ of exact; the outward factor covers them and the square root.
        return Certificate.RoundUp(Math.Sqrt(rowLargest * columnLargest) * (1 + GramMatrix.Gamma(Math.Max(rows, columns) + 4)));
    }

    /// <summary>Recomputes the derived regions from the trained weights.</summary>
    public virtual void Derive(DenseStep layer, Span<float> parameters)
    {
    }

    /// <summary>Folds the gradient of the derived regions into the trained weights, and clears it.</summary>
    public virtual void BackpropagateDerived(DenseStep layer, ReadOnlySpan<float> parameters, Span<float> gradient)
    {
    }
}

/// <summary>
/// Every row of W has ‖row‖_q ≤ λᵢ. The largest row norm is the operator norm ‖W‖_{p→∞} for the dual pair (p, q); with q = 1
/// it is ‖W‖_{∞→∞}.
/// </summary>
internal sealed class RowNormConstraint : WeightConstraint
{
    public RowNormConstraint(double q, bool isDualOfP)
    {
        Q = q;
        IsDualOfP = isDualOfP;
    }

    /// <summary>The norm every row is bounded in.</summary>
    public double Q { get; }

    /// <summary>True when q is the dual of the declared p (the first layer); false for the ℓ1 rows of later layers.</summary>
    public bool IsDualOfP { get; }

    public override LayerConstraint Kind => LayerConstraint.RowNorms;

    public override double OutputNorm => double.PositiveInfinity;

    public override double Norm(DenseStep layer, ReadOnlySpan<float> parameters, ReadOnlySpan<float> scales) =>
        Certificate.MaxRowNorm(layer.Weights(parameters), layer.Outputs, layer.Inputs, Q, scales);
}

/// <summary>
/// ‖W‖₂ ≤ λᵢ, the largest singular value: ℓ2 → ℓ2, for networks declared with <c>Constraint = LayerConstraint.Spectral</c>
/// (p = 2). The projection and the certificate use a sound upper bound on ‖W‖₂ from the weights (<see cref="SpectralBound"/>),
/// the projection keeping its power-iteration vector between steps.
/// </summary>
internal sealed class SpectralConstraint : WeightConstraint
{
    /// <summary>Offset, in the parameter buffer, of the power-iteration vector the projection keeps between steps.</summary>
    public int StateOffset { get; private set; } = -1;

    /// <summary>Its length: the smaller of the layer's two sides.</summary>
    public int StateLength { get; private set; }

    public override LayerConstraint Kind => LayerConstraint.Spectral;

    public override double OutputNorm => 2;

    /// <summary>The proved bound on ‖W‖₂ (the certificate's factor, without an input map's scales).</summary>
    public override double EuclideanNorm(DenseStep layer, ReadOnlySpan<float> parameters) => Norm(layer, parameters, default);

    public override void PlaceState(DenseStep layer, NetworkPlan.Layout layout)
    {
        StateLength = Math.Min(layer.Inputs, layer.Outputs);
        StateOffset = layout.Parameters(StateLength);
    }

    public override IEnumerable<ParameterRegion> Regions(DenseStep layer) =>
        new[] { new ParameterRegion($"layers.{layer.Number - 1}.power_iteration", StateOffset, new long[] { StateLength }, RegionRole.State, layer) };

    // The claim Inside(λᵢ) is the spectral projection's target: whenever the projection has proved a layer inside its
    // acceptance bound, this test proves the claim too, so the certificate and the projection never disagree.
    public override double Norm(DenseStep layer, ReadOnlySpan<float> parameters, ReadOnlySpan<float> scales) =>
        SpectralBound.Compute(layer.Weights(parameters), layer.Outputs, layer.Inputs, scales, scales.IsEmpty ? Certificate.Inside(layer.Bound) : double.NaN);
}

/// <summary>
/// Almost-orthogonal layers (Prach &amp; Lampert, 2022): the layer executes W′ = W·D with D = diag(dⱼ), dⱼ = λᵢ/√Sⱼ and
/// Sⱼ = Σₖ |(WᵀW)ⱼₖ|. Since WᵀW ⪯ diag(S) (Gershgorin), ‖W·D‖₂² ≤ maxⱼ dⱼ²·Sⱼ ≤ λᵢ²: bounded by construction, with no
/// iteration and one Gram matrix a step. W is trained free (the rescale is a reparametrisation); W′ and d are derived.
/// </summary>
/// <remarks>
/// In float: d is computed from an outward-rounded S and rounded down, with a margin of 2⁻¹⁶; W′ = fl(W·d) is what the
/// layer runs with, and the certificate bounds W′ itself: with G′ = W′ᵀW′ and any positive weights, W′ᵀW′ ⪯ diag(rⱼ),
/// rⱼ = Σₖ |G′ⱼₖ|·dⱼ/dₖ (the Schur test with weights 1/d, which for W′ = W·D exactly is dⱼ²·Sⱼ), from G′ in double with
/// its rounding bounded, so ‖W′‖₂ ≤ √maxⱼ rⱼ. The margin covers W′'s own rounding (2⁻²³ per entry, relative) for layers up
/// to 4096 wide.
/// </remarks>
internal sealed class AolConstraint : WeightConstraint
{
    /// <summary>Offset of the executed weights W′ [outputs × inputs] (derived).</summary>
    public int ExecutedOffset { get; private set; } = -1;

    /// <summary>Offset of the column scales d [inputs] (derived).</summary>
    public int ScaleOffset { get; private set; } = -1;

    /// <summary>The margin d leaves under λᵢ/√S.</summary>
    public const double Margin = 1 - 1.0 / (1 << 16);

    [ThreadStatic]
    private static double[]? t_coefficients, t_sums;

    [ThreadStatic]
    private static float[]? t_through, t_directional;

    public override LayerConstraint Kind => LayerConstraint.Aol;

    public override double OutputNorm => 2;

    /// <summary>The proved bound on ‖W·D‖₂ (the certificate's factor, without an input map's scales).</summary>
    public override double EuclideanNorm(DenseStep layer, ReadOnlySpan<float> parameters) => Norm(layer, parameters, default);

    public override void PlaceDerived(DenseStep layer, NetworkPlan.Layout layout)
    {
        ExecutedOffset = layout.Parameters(layer.WeightCount);
        ScaleOffset = layout.Parameters(layer.Inputs);
    }

    public override IEnumerable<ParameterRegion> Regions(DenseStep layer) => new[]
    {
        new ParameterRegion($"layers.{layer.Number - 1}.aol_weight", ExecutedOffset, new long[] { layer.Outputs, layer.Inputs }, RegionRole.Derived, layer),
        new ParameterRegion($"layers.{layer.Number - 1}.aol_scale", ScaleOffset, new long[] { layer.Inputs }, RegionRole.Derived, layer),
    };

    public override int ExecutedWeights(DenseStep layer) => ExecutedOffset;

    public override double Norm(DenseStep layer, ReadOnlySpan<float> parameters, ReadOnlySpan<float> scales)
    {
        ReadOnlySpan<float> executed = parameters.Slice(ExecutedOffset, layer.WeightCount);
        ReadOnlySpan<float> d = parameters.Slice(ScaleOffset, layer.Inputs);
        int n = layer.Inputs, m = layer.Outputs;
        // r_j = Σ_k |G′_jk|·(d_j/s_j)/(d_k/s_k) with G′ of W′·diag(1/s): the weights d/s make it d_j²·S_j/s_j² when W′ = W·D.
        double largest = 0;
        for (int j = 0; j < n; j++)
        {
            double dj = d[j];
            if (!(dj >= 0) || float.IsInfinity(d[j]))
                return double.NaN;
            if (!scales.IsEmpty && !InputMapStep.IsValidScale(scales[j]))
                return double.NaN;
        }
        GramMatrix gram = GramMatrix.Of(executed, m, n, ofColumns: true);
        for (int j = 0; j < n; j++)
        {
            // Row j of the Gram matrix of W′·diag(1/s): each entry of W′ᵀW′ bounded outward, then scaled.
            double sum = 0, weightJ = Weight(d, scales, j);
            if (weightJ == 0)
                continue; // a column the layer never reads: its row and column of G′ are 0
            for (int k = 0; k < n; k++)
            {
                double entry = gram.AbsoluteUpper(j, k);
                if (double.IsNaN(entry))
                    return double.NaN;
                double weightK = Weight(d, scales, k);
                sum += weightK == 0 ? 0 : entry * Scale(scales, j) * Scale(scales, k) * weightJ / weightK;
            }
            largest = Math.Max(largest, sum * (1 + GramMatrix.Gamma(n + 12) * 1.0001)); // n sums, a few products per term
        }
        return Certificate.RoundUp(Math.Sqrt(Certificate.RoundUp(largest)) * (1 + 1e-15));
    }

    private static double Scale(ReadOnlySpan<float> scales, int j) => scales.IsEmpty ? 1 : 1.0 / scales[j];

    /// <summary>The Schur test's weight of column j: dⱼ/sⱼ (any positive weights are sound; these make it tight).</summary>
    private static double Weight(ReadOnlySpan<float> d, ReadOnlySpan<float> scales, int j) => d[j] * Scale(scales, j);

    /// <summary>
    /// d = λᵢ·margin/√S rounded down (0 for a column of zeros), and W′ = fl(W·d): what the layer runs with. S is computed
    /// outward (the Gram matrix in double, its rounding added), so d·√S_exact ≤ λᵢ·margin.
    /// </summary>
    public override void Derive(DenseStep layer, Span<float> parameters) =>
        Rescale(parameters.Slice(layer.WeightOffset, layer.WeightCount), parameters.Slice(ExecutedOffset, layer.WeightCount),
            parameters.Slice(ScaleOffset, layer.Inputs), layer.Outputs, layer.Inputs, layer.Bound);

    /// <summary>d = bound·margin/√S rounded down (0 for a column of zeros), and W′ = fl(W·d), for W [rows × columns].</summary>
    internal static void Rescale(ReadOnlySpan<float> w, Span<float> executed, Span<float> d, int rows, int columns, double bound)
    {
        double[] sums = ColumnSums(w, rows, columns, GramMatrix.Buffer(ref t_sums, columns));
        double target = bound * Margin;
        for (int j = 0; j < columns; j++)
        {
            double exact = sums[j] > 0 ? target / Math.Sqrt(sums[j]) * (1 - 1e-15) : 0;
            float single = (float)Math.Min(exact, float.MaxValue);
            d[j] = double.IsNaN(exact) ? float.NaN : single > exact ? Certificate.FloatDown(single) : single;
        }
        ReadOnlySpan<float> scales = d.Slice(0, columns);
        for (int o = 0; o < rows; o++)
        {
            ReadOnlySpan<float> row = w.Slice(o * columns, columns);
            Span<float> rescaled = executed.Slice(o * columns, columns);
            for (int j = 0; j < row.Length; j++)
                rescaled[j] = row[j] * scales[j];
        }
    }

    /// <summary>Sⱼ = Σₖ |(WᵀW)ⱼₖ| rounded outward, per column (the Gram matrix in double, its rounding added).</summary>
    internal static double[] ColumnSums(ReadOnlySpan<float> w, int m, int n) => ColumnSums(w, m, n, new double[n]);

    private static double[] ColumnSums(ReadOnlySpan<float> w, int m, int n, double[] sums)
    {
        GramMatrix gram = GramMatrix.Of(w, m, n, ofColumns: true);
        for (int j = 0; j < n; j++)
            sums[j] = Certificate.RoundUp(gram.AbsoluteRowUpper(j) * (1 + GramMatrix.Gamma(n + 4) * 1.0001));
        return sums;
    }

    /// <summary>
    /// ∂L/∂W from ∂L/∂W′ (in the gradient at W′'s offset): W′ = W·D, so ∂L/∂W = ∂L/∂W′·D directly, and through d:
    /// ∂L/∂dⱼ = Σₒ Wₒⱼ·∂L/∂W′ₒⱼ, dⱼ = λ·Sⱼ^(−1/2) gives cⱼ = ∂L/∂Sⱼ = −dⱼ/(2Sⱼ)·∂L/∂dⱼ, and Sⱼ = Σₖ |Gⱼₖ| with G = WᵀW
    /// gives ∂L/∂W += W·M with Mⱼₖ = (cⱼ + cₖ)·sign(Gⱼₖ). (The rounding margins are constants and are left out.)
    /// </summary>
    public override void BackpropagateDerived(DenseStep layer, ReadOnlySpan<float> parameters, Span<float> gradient)
    {
        int n = layer.Inputs, m = layer.Outputs;
        ReadOnlySpan<float> w = parameters.Slice(layer.WeightOffset, layer.WeightCount);
        ReadOnlySpan<float> d = parameters.Slice(ScaleOffset, n);
        Span<float> executedGradient = gradient.Slice(ExecutedOffset, layer.WeightCount);
        Span<float> weightGradient = gradient.Slice(layer.WeightOffset, layer.WeightCount);
        GramMatrix gram = GramMatrix.Of(w, m, n, ofColumns: true);
        double[] c = GramMatrix.Buffer(ref t_coefficients, n);
        float[] dd = GramMatrix.FloatBuffer(ref t_directional, n);
        Array.Clear(dd, 0, n);
        for (int o = 0; o < m; o++)
        {
            // dd += wₒ ⊙ gₒ (Σₒ Wₒⱼ·∂L/∂W′ₒⱼ per column) and ∂L/∂Wₒ += gₒ ⊙ d, a row at a time on the cascade.
            ReadOnlySpan<float> row = w.Slice(o * n, n), rowGradient = executedGradient.Slice(o * n, n);
            GramMatrix.AddProducts(dd, row, rowGradient, dd);
            GramMatrix.AddProducts(weightGradient.Slice(o * n, n), rowGradient, d, weightGradient.Slice(o * n, n));
        }
        for (int j = 0; j < n; j++)
        {
            double s = gram.AbsoluteRowSum(j);
            c[j] = s > 0 ? -d[j] / (2 * s) * dd[j] : 0;
        }
        float[] through = GramMatrix.FloatBuffer(ref t_through, n * n);
        for (int k = 0; k < n; k++)
        {
            ReadOnlySpan<double> row = gram.Row(k);
            Span<float> target = through.AsSpan(k * n, n);
            for (int j = 0; j < target.Length; j++)
                target[j] = (float)((c[j] + c[k]) * GramMatrix.SignOf(row[j]));
        }
        GramMatrix.AddProduct(w, through.AsSpan(0, n * n), weightGradient, m, n, n);
        executedGradient.Clear();
        gradient.Slice(ScaleOffset, n).Clear();
    }
}
