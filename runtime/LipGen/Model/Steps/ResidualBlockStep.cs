// An SLL residual block (Araujo et al., 2023). Linked into the generator; netstandard2.0.
using System;
using System.Collections.Generic;

namespace LipGen.Model;

/// <summary>
/// An SDP-based Lipschitz residual block: y = x − 2·Wᵀ·diag(t)·ReLU(W·x + b), with W [inner × width] (inner = width), and
/// tᵢ = 1/Sᵢ, Sᵢ = Σⱼ |(W·Wᵀ)ᵢⱼ|·e^(qⱼ − qᵢ) for trained exponents q. Its Jacobian is I − 2·Wᵀ·diag(t ⊙ m)·W with m the ReLU
/// mask, m ∈ [0, 1]; Wᵀ·diag(t)·W ⪯ I because diag(1/t) − W·Wᵀ is diagonally dominant with the weights e^q (Gershgorin), so
/// every eigenvalue of the Jacobian lies in [−1, 1]: the block is 1-Lipschitz in ℓ2 by construction. ReLU is what the proof
/// needs (an element-wise activation with slopes in [0, 1]); GroupSort is not element-wise.
/// </summary>
/// <remarks>
/// In float, t is computed from an outward-rounded S, with a margin of 2⁻²⁰, and rounded down; the certificate reads the stored
/// t back: with ρ = maxᵢ tᵢ·Sᵢ (S outward again, with any positive weights, here e^q as computed), Wᵀ·diag(t)·W ⪯ ρ·I, so
/// the Jacobian's eigenvalues lie in [1 − 2ρ, 1] and the block is max(1, 2ρ − 1)-Lipschitz, which is 1 whenever ρ ≤ 1.
/// </remarks>
internal sealed class ResidualBlockStep : PlanStep
{
    private readonly ValueSlot[] _inputs;

    [ThreadStatic]
    private static double[]? t_coefficients, t_sums, t_exponentials, t_scaled, t_weights, t_derived;

    [ThreadStatic]
    private static float[]? t_symmetric;

    public ResidualBlockStep(int number, int layer, int index, ValueSlot input, ValueSlot output, int width, NetworkPlan.Layout layout)
    {
        Number = number;
        Layer = layer;
        Index = index;
        _inputs = new[] { input };
        Output = output;
        Width = width;
        Inner = width;
        Hidden = layout.Temporary($"u{number}", Inner);
        RecordOffset = layout.Workspace(Inner);
    }

    /// <summary>1-based over the network's blocks.</summary>
    public int Number { get; }

    /// <summary>The hidden layer it follows (1-based).</summary>
    public int Layer { get; }

    /// <summary>Its place among that layer's blocks (1-based).</summary>
    public int Index { get; }

    public ValueSlot Input => _inputs[0];

    public override IReadOnlyList<ValueSlot> Reads => _inputs;

    public override ValueSlot Output { get; }

    /// <summary>The width of x and y.</summary>
    public int Width { get; }

    /// <summary>The inner width: rows of W, entries of b, q and t.</summary>
    public int Inner { get; }

    /// <summary>The inner activations ReLU(W·x + b), kept for the backward pass, with their gradient.</summary>
    public ValueSlot Hidden { get; }

    /// <summary>The ReLU mask.</summary>
    public int RecordOffset { get; }

    public override IReadOnlyList<ValueSlot> Temporaries => new[] { Hidden };

    public int WeightOffset { get; private set; } = -1;

    public int BiasOffset { get; private set; } = -1;

    /// <summary>The trained exponents q [inner].</summary>
    public int ExponentOffset { get; private set; } = -1;

    /// <summary>The derived diagonal t [inner].</summary>
    public int DiagonalOffset { get; private set; } = -1;

    /// <summary>The margin t leaves under 1/S.</summary>
    public const double Margin = 1 - 1.0 / (1 << 20);

    internal void PlaceParameters(NetworkPlan.Layout layout)
    {
        WeightOffset = layout.Parameters(Inner * Width);
        BiasOffset = layout.Parameters(Inner);
        ExponentOffset = layout.Parameters(Inner);
    }

    internal void PlaceDerived(NetworkPlan.Layout layout) => DiagonalOffset = layout.Parameters(Inner);

    private string Tensor(string name) => $"blocks.{Number - 1}.{name}";

    public override IEnumerable<ParameterRegion> Regions => new[]
    {
        new ParameterRegion(Tensor("weight"), WeightOffset, new long[] { Inner, Width }, RegionRole.Weight, this),
        new ParameterRegion(Tensor("bias"), BiasOffset, new long[] { Inner }, RegionRole.Bias, this),
        new ParameterRegion(Tensor("q"), ExponentOffset, new long[] { Inner }, RegionRole.Trainable, this),
        new ParameterRegion(Tensor("t"), DiagonalOffset, new long[] { Inner }, RegionRole.Derived, this),
    };

    public override T Accept<T>(IPlanVisitor<T> visitor) => visitor.Visit(this);

    /// <summary>In sequence: times max(1, 2ρ − 1), which is 1 for every block whose t was derived by <see cref="Derive"/>.</summary>
    public override void ComposeBound(ref BoundState state, ReadOnlySpan<float> parameters)
    {
        double factor = BlockBound(parameters);
        state.Bound = factor == 1 ? state.Bound : Certificate.RoundUp(state.Bound * factor);
    }

    /// <summary>max(1, 2ρ − 1) from the stored W, q and t (NaN if one is not finite or t is negative).</summary>
    public double BlockBound(ReadOnlySpan<float> parameters)
    {
        ReadOnlySpan<float> t = parameters.Slice(DiagonalOffset, Inner);
        double[] sums = WeightedSums(parameters);
        double rho = 0;
        for (int i = 0; i < Inner; i++)
        {
            if (!(t[i] >= 0) || float.IsInfinity(t[i]) || double.IsNaN(sums[i]))
                return double.NaN;
            rho = Math.Max(rho, Certificate.RoundUp(t[i] * sums[i]));
        }
        return rho <= 1 ? 1 : Certificate.RoundUp(2 * rho - 1);
    }

    /// <summary>Sᵢ of this block's stored W and q (see <see cref="WeightedSums(ReadOnlySpan{float}, ReadOnlySpan{float}, int, int)"/>).</summary>
    internal double[] WeightedSums(ReadOnlySpan<float> parameters) =>
        WeightedSums(parameters.Slice(WeightOffset, Inner * Width), parameters.Slice(ExponentOffset, Inner), Width, Inner);

    /// <summary>
    /// Sᵢ = Σⱼ |(W·Wᵀ)ᵢⱼ|·q̂ⱼ/q̂ᵢ rounded outward, with q̂ = e^q as computed in double (any positive weights are sound): the
    /// Gram matrix in double, each entry within γ_width·Σ|w||w| of its computed value, and every product and sum rounded up.
    /// NaN where a weight or an exponent is not finite.
    /// </summary>
    internal static double[] WeightedSums(ReadOnlySpan<float> w, ReadOnlySpan<float> q, int width, int inner) =>
        WeightedSums(w, q, width, inner, new double[inner], new double[inner]);

    private static double[] WeightedSums(ReadOnlySpan<float> w, ReadOnlySpan<float> q, int width, int inner, double[] weights, double[] sums)
    {
        for (int i = 0; i < inner; i++)
            weights[i] = Math.Exp(q[i]);
        GramMatrix gram = GramMatrix.Of(w, inner, width, ofColumns: false);
        const double Unit = 1.0 / (1L << 53);
        for (int i = 0; i < inner; i++)
        {
            // Σⱼ upper(i, j)·q̂ⱼ, then / q̂ᵢ: a product and a sum per term and one division, within γ_{inner+2}, rounded out.
            double sum = 0;
            for (int j = 0; j < inner; j++)
                sum += gram.AbsoluteUpper(i, j) * weights[j];
            sum /= weights[i];
            bool valid = !double.IsNaN(sum) && !double.IsInfinity(sum) && weights[i] > 0 && !double.IsInfinity(weights[i]);
            sums[i] = valid ? Certificate.RoundUp(sum * (1 + (inner + 6) * Unit * 1.0001)) : double.NaN;
        }
        return sums;
    }

    /// <summary>tᵢ = margin/Sᵢ rounded down (0 where Sᵢ is 0: a row of zeros does nothing).</summary>
    public override void Derive(Span<float> parameters) =>
        Diagonal(parameters.Slice(WeightOffset, Inner * Width), parameters.Slice(ExponentOffset, Inner), parameters.Slice(DiagonalOffset, Inner), Width, Inner);

    /// <summary>tᵢ = margin/Sᵢ rounded down (0 where Sᵢ is 0), from W [inner × width] and q [inner].</summary>
    internal static void Diagonal(ReadOnlySpan<float> w, ReadOnlySpan<float> q, Span<float> t, int width, int inner)
    {
        double[] sums = WeightedSums(w, q, width, inner, GramMatrix.Buffer(ref t_weights, inner), GramMatrix.Buffer(ref t_derived, inner));
        for (int i = 0; i < inner; i++)
        {
            double exact = sums[i] > 0 ? Margin / sums[i] * (1 - 1e-15) : 0;
            float single = (float)Math.Min(exact, float.MaxValue);
            t[i] = double.IsNaN(exact) ? float.NaN : single > exact ? Certificate.FloatDown(single) : single;
        }
    }

    /// <summary>
    /// ∂L/∂W and ∂L/∂q from ∂L/∂t: with t = margin/S, cᵢ = ∂L/∂Sᵢ = −(tᵢ/Sᵢ)·∂L/∂tᵢ. Sᵢ = Σⱼ |Gᵢⱼ|·e^(qⱼ − qᵢ) with
    /// G = W·Wᵀ gives ∂L/∂W += (A + Aᵀ)·W with Aᵢⱼ = cᵢ·sign(Gᵢⱼ)·e^(qⱼ − qᵢ), and
    /// ∂L/∂qₖ = −cₖ·(Sₖ − |Gₖₖ|) + Σ_{i≠k} cᵢ·|Gᵢₖ|·e^(qₖ − qᵢ).
    /// </summary>
    public override void BackpropagateDerived(ReadOnlySpan<float> parameters, Span<float> gradient)
    {
        int n = Inner, m = Width;
        ReadOnlySpan<float> w = parameters.Slice(WeightOffset, n * m), q = parameters.Slice(ExponentOffset, n), t = parameters.Slice(DiagonalOffset, n);
        Span<float> tGradient = gradient.Slice(DiagonalOffset, n);
        GramMatrix gram = GramMatrix.Of(w, n, m, ofColumns: false);
        double[] c = GramMatrix.Buffer(ref t_coefficients, n), s = GramMatrix.Buffer(ref t_sums, n), e = GramMatrix.Buffer(ref t_exponentials, n);
        float largest = float.NegativeInfinity;
        foreach (float exponent in q)
            largest = Math.Max(largest, exponent);
        for (int i = 0; i < n; i++)
            e[i] = Math.Exp((double)q[i] - largest); // only ratios appear: shifted so that none overflows
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<double> row = gram.Row(i);
            double sum = 0;
            for (int j = 0; j < row.Length; j++)
                sum += Math.Abs(row[j]) * e[j];
            s[i] = sum / e[i];
            c[i] = s[i] > 0 ? -(t[i] / s[i]) * tGradient[i] : 0;
        }
        double[] ce = GramMatrix.Buffer(ref t_scaled, n); // cᵢ/eᵢ
        for (int i = 0; i < n; i++)
            ce[i] = c[i] / e[i];
        Span<float> qGradient = gradient.Slice(ExponentOffset, n);
        for (int k = 0; k < n; k++)
        {
            // Σ_{i≠k} cᵢ·|Gᵢₖ|·e^(qₖ − qᵢ), with G symmetric: row k against c/e, less the diagonal term.
            ReadOnlySpan<double> row = gram.Row(k);
            double sum = 0;
            for (int i = 0; i < row.Length; i++)
                sum += ce[i] * Math.Abs(row[i]);
            sum -= ce[k] * Math.Abs(row[k]);
            qGradient[k] += (float)(-c[k] * (s[k] - Math.Abs(row[k])) + sum * e[k]);
        }
        // A + Aᵀ, then (A + Aᵀ)·W into the weight gradient.
        float[] symmetric = GramMatrix.FloatBuffer(ref t_symmetric, n * n);
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<double> row = gram.Row(i);
            Span<float> target = symmetric.AsSpan(i * n, n);
            for (int j = 0; j < target.Length; j++)
                target[j] = (float)((ce[i] * e[j] + ce[j] * e[i]) * GramMatrix.SignOf(row[j]));
        }
        GramMatrix.AddProduct(symmetric.AsSpan(0, n * n), w, gradient.Slice(WeightOffset, n * m), n, n, m);
        tGradient.Clear();
    }

    /// <remarks>
    /// u = fl(W·x̃ + b) is within γ_{w+2}·(|b| + |W|·|x̃|) of W·x̃ + b, and x̃'s error reaches it through |W|; ReLU passes it; v = fl(t ⊙ r)
    /// adds one rounding; y = fl(x̃ − 2·Wᵀ·ṽ) sums inner + 1 terms (the factor 2 is exact), within γ_{inner+2}·(|x̃| + 2|W|ᵀ|ṽ|),
    /// and the errors in x̃ and ṽ pass through (the latter times 2|W|ᵀ). Per element, then the largest; in ℓ2, the block's own
    /// rounding plus its factor times the ℓ2 error of x̃.
    /// </remarks>
    public override void PropagateError(ref ErrorWalk walk)
    {
        int n = Inner, m = Width;
        ReadOnlySpan<float> w = walk.Parameters.Slice(WeightOffset, n * m), b = walk.Parameters.Slice(BiasOffset, n), t = walk.Parameters.Slice(DiagonalOffset, n);
        double[] x = walk.Magnitudes[Input.Index]!;
        double errorX = walk.Errors[Input.Index], lipschitzX = walk.Lipschitz[Input.Index];
        var errorV = new double[n];
        var ownV = new double[n]; // errorV without the error x̃ brings: this block's own rounding, for the ℓ2 route
        var magnitudeV = new double[n];
        var exactU = walk.IsBox ? new double[n] : null;
        double[]? exactX = walk.IsBox ? walk.Exact[Input.Index] : null;
        ReadOnlySpan<float> r = walk.IsBox ? default : walk.Workspace.Slice(Hidden.ValueOffset, n);
        double gammaU = ErrorWalk.Gamma(m + 2), one = ErrorWalk.Gamma(1);
        for (int i = 0; i < n; i++)
        {
            double sum = Math.Abs((double)b[i]), rowAbs = 0, exact = Math.Abs((double)b[i]);
            for (int k = 0; k < m; k++)
            {
                double a = Math.Abs((double)w[i * m + k]);
                sum += a * x[k];
                rowAbs += a;
                if (exactX is not null)
                    exact += a * exactX[k];
            }
            double ownU = sum * gammaU + (m + 1) * ErrorWalk.Underflow, errorU = rowAbs * errorX + ownU;
            // |r̃ᵢ| over the region: at the point as computed, widened over a ball, or the exact bound plus the error over a box.
            double magnitudeR = walk.IsBox ? exact + errorU
                : Math.Abs((double)r[i]) + (walk.Radius == 0 ? 0 : rowAbs * lipschitzX * walk.Radius + 2 * errorU);
            if (exactU is not null)
                exactU[i] = exact;
            errorV[i] = t[i] * errorU + one * t[i] * magnitudeR + ErrorWalk.Underflow;
            ownV[i] = t[i] * ownU + one * t[i] * magnitudeR + ErrorWalk.Underflow;
            magnitudeV[i] = t[i] * magnitudeR * (1 + one);
        }
        double largest = 0, ownSquares = 0;
        var exactY = walk.IsBox ? new double[m] : null;
        double gammaY = ErrorWalk.Gamma(n + 2);
        for (int k = 0; k < m; k++)
        {
            double terms = x[k], propagated = errorX, own = 0, exact = exactX?[k] ?? 0;
            for (int i = 0; i < n; i++)
            {
                double a = 2 * Math.Abs((double)w[i * m + k]);
                terms += a * magnitudeV[i];
                propagated += a * errorV[i];
                own += a * ownV[i];
                if (exactU is not null)
                    exact += a * t[i] * exactU[i];
            }
            double rounding = terms * gammaY + (n + 1) * ErrorWalk.Underflow;
            largest = Math.Max(largest, propagated + rounding);
            ownSquares += (own + rounding) * (own + rounding);
            if (exactY is not null)
                exactY[k] = Certificate.RoundUp(exact * ErrorWalk.DoubleSlack);
        }
        // ℓ2: ỹ − y = (ỹ − F(x̃)) + (F(x̃) − F(x)); the first is this block's rounding at x̃, the second at most the block's
        // factor times ‖x̃ − x‖₂.
        double factor = walk.OperatorNorm(this), error2 = walk.Errors2[Input.Index];
        double euclidean = Math.Sqrt(ownSquares) + (error2 == 0 ? 0 : factor * error2);
        walk.Set(Output, largest, euclidean, factor * lipschitzX, exactY);
    }

    public override double EuclideanNorm(ReadOnlySpan<float> parameters) => BlockBound(parameters);

    /// <summary>Gemm (u = W·x + b), Relu, Mul by t, MatMul by W (Wᵀ·v per sample), then y = x − 2·that: Mul and Sub.</summary>
    public override void Export(IOnnxGraph graph)
    {
        string name = $"block{Number - 1}", w = Tensor("weight"), b = Tensor("bias"), t = Tensor("t"), two = Tensor("two");
        graph.Initializer(w, new long[] { Inner, Width }, graph.Parameters.Slice(WeightOffset, Inner * Width));
        graph.Initializer(b, new long[] { Inner }, graph.Parameters.Slice(BiasOffset, Inner));
        graph.Initializer(t, new long[] { Inner }, graph.Parameters.Slice(DiagonalOffset, Inner));
        graph.Initializer(two, new long[] { 1 }, new float[] { 2 });
        string x = graph[Input];
        graph.Node("Gemm", $"{name}_gemm", new[] { x, w, b }, new[] { Tensor("u") }, ("transB", 1L));
        graph.Node("Relu", $"{name}_relu", new[] { Tensor("u") }, new[] { Tensor("r") });
        graph.Node("Mul", $"{name}_scale", new[] { Tensor("r"), t }, new[] { Tensor("v") });
        graph.Node("MatMul", $"{name}_back", new[] { Tensor("v"), w }, new[] { Tensor("s") });
        graph.Node("Mul", $"{name}_double", new[] { Tensor("s"), two }, new[] { Tensor("s2") });
        graph.Node("Sub", $"{name}_residual", new[] { x, Tensor("s2") }, new[] { Tensor("output") });
        graph[Output] = Tensor("output");
    }

    /// <summary>
    /// The backward pass computes δ + Wᵀ·(m ⊙ t ⊙ (−2·W·δ)) in float: within γ_{w+inner+4} of the magnitudes
    /// |δ| + 2|W|ᵀ·diag(t)·|W|·|δ|, and ‖|W|ᵀ·diag(t)·|W|‖₂ ≤ Σᵢ tᵢ‖wᵢ‖² ≤ inner (tᵢ ≤ 1/‖wᵢ‖²).
    /// </summary>
    public override double GradientRounding => ErrorWalk.Gamma(Width + Inner + 4) * (1 + 2.0 * Inner);
}
