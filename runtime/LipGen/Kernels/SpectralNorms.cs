using System.Runtime.CompilerServices;
using System.ComponentModel;

namespace LipGen.Kernels;

/// <summary>
/// The projection and orthogonalisation of spectral layers (‖W‖₂ ≤ λᵢ). Called from generated code and the trainer.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class SpectralNorms
{
    [ThreadStatic]
    private static float[]? t_matrix, t_gram, t_next, t_sums;

    private static float[] Scratch(ref float[]? buffer, int length)
    {
        if (buffer is null || buffer.Length < length)
            buffer = new float[length];
        return buffer;
    }

    /// <summary>
    /// Rescales W (row-major [rows, columns]) so that ‖W‖₂ ≤ <paramref name="bound"/>, by a sound upper bound on ‖W‖₂
    /// (<c>Model.SpectralBound</c>: power iteration proved by a Cholesky test), not by the power-iteration estimate, which
    /// can only be too small. <paramref name="state"/> (the smaller side's length) carries the power-iteration vector
    /// from one call to the next, so each step starts where the last converged.
    /// </summary>
    /// <remarks>
    /// W is left as it is when ‖W‖₂ ≤ bound·(1 − 2⁻²⁴) is proved, the acceptance bound. Otherwise it is multiplied by
    /// f = bound·(1 − 2⁻¹⁶)/σ̂ with every product rounded towards zero, so W′ = f·W − E with |Eᵢⱼ| at most one ulp of W′ᵢⱼ
    /// (2⁻²³|W′ᵢⱼ|, or 2⁻¹⁴⁹ where it is subnormal): ‖W′‖₂ ≤ f·σ̂ + 2⁻²³‖W′‖_F + √(rows·columns)·2⁻¹⁴⁹, which is below the
    /// acceptance bound for every layer up to 4096 wide (‖W′‖_F ≤ 64‖W′‖₂), and is checked. Within the acceptance bound the
    /// certificate's own test of its claim bound·(1 − 2⁻³⁰) succeeds (a margin of 2⁻²⁴ against rounding terms of k²·2⁻⁵³), so
    /// the certificate never reads a projected layer as above its bound. <paramref name="bound"/> must lie between
    /// <c>NetworkPlan.MinimumBound</c> (2⁻¹⁰⁰) and float.MaxValue.
    /// </remarks>
    public static void Project(Span<float> weights, int rows, int columns, double bound, Span<float> state)
    {
        Guard.LayerBound(bound, nameof(bound));
        double accept = bound * (1 - 1.0 / (1 << 24));
        // A warm start (the vector the last call left) converges in a few iterations; a cold one iterates to convergence.
        bool warm = state.ContainsAnyExcept(0f);
        double sound = Model.SpectralBound.Compute(weights, rows, columns, default, state, state, iterations: warm ? 40 : 300, claim: accept, claimFirst: true);
        if (double.IsNaN(sound))
            throw new ArgumentException("The weights hold a NaN or an infinity; they cannot be projected onto the spectral constraint.", nameof(weights));
        for (int pass = 0; sound > accept; pass++)
        {
            if (pass == 3)
                throw new InvalidOperationException($"A {rows} × {columns} layer keeps a spectral norm bound of {sound} above {accept} after rescaling; this is a bug in LipGen.");
            double factor = bound * (1 - 1.0 / (1 << 16)) / sound;
            RowNorms.Shrink(weights, factor);
            double frobenius = Model.Certificate.Outward(Math.Sqrt(Elementwise.Reduce<SquareOperator, AddOperator>(weights)), weights.Length, 2);
            double rescaled = Model.Certificate.RoundUp(Model.Certificate.RoundUp(factor * sound) + Model.Certificate.RoundUp(frobenius / (1 << 23) * (1 + 1e-9))
                + Math.Sqrt(weights.Length) * 2 * float.Epsilon);
            // The bound the rescale carries over is proved by the argument above; only if it is not enough is W tested again.
            sound = rescaled <= accept ? rescaled
                : Model.SpectralBound.Compute(weights, rows, columns, default, state, state, iterations: 40, claim: accept, claimFirst: true);
        }
    }

    /// <summary>
    /// <paramref name="iterations"/> Björck–Bowie steps W ← W·(1.5·I − 0.5·WᵀW/λ²) (on the smaller side's Gram), which push
    /// every singular value towards λ = <paramref name="bound"/>: an orthogonal layer scaled by λ keeps the gradient norm in
    /// ℓ2. It converges when ‖W‖₂ &lt; √3·λ; apply <see cref="Project"/> afterwards for the guarantee.
    /// </summary>
    /// <remarks>
    /// Computed in float on the batched products' register-blocked kernels (the Gram matrix as the weight-gradient product
    /// M·Mᵀ, the update as a forward product): the steps only steer the weights, and the projection after them proves the
    /// bound whatever they did, so float rounding costs nothing in the guarantee. In double, with one dot product or
    /// multiply-add per pair of rows, three steps of a 128 × 128 layer took 3.0 ms on the Zen 3 machine of docs/benchmarks.md.
    /// </remarks>
    public static void Orthogonalize(Span<float> weights, int rows, int columns, double bound, int iterations)
    {
        if (iterations <= 0)
            return;
        // M: the smaller side, k × m, feature-major with its rows padded to whole 16-column blocks (the products' layout).
        bool transpose = rows > columns;
        int k = transpose ? columns : rows, m = transpose ? rows : columns;
        int ld = (m + 15) / 16 * 16;
        float[] matrix = Scratch(ref t_matrix, k * ld), next = Scratch(ref t_next, k * ld), gram = Scratch(ref t_gram, k * k), sums = Scratch(ref t_sums, k);
        Array.Clear(matrix, 0, k * ld);
        Array.Clear(next, 0, k * ld);
        // The steps run on M/λ, whose singular values are near 1 (the same map: W·(1.5·I − 0.5·WᵀW/λ²) = λ·Ŵ·(1.5·I − 0.5·ŴᵀŴ)
        // with Ŵ = W/λ), so that a Gram matrix in float neither underflows at λ = 2⁻¹⁰⁰ nor overflows near float.MaxValue.
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
                matrix[transpose ? c * ld + r : r * ld + c] = (float)(weights[r * columns + c] / bound);
        for (int iteration = 0; iteration < iterations; iteration++)
        {
            // G = M·Mᵀ (k × k), then P = 1.5·I − 0.5·G and M ← P·M: the same map as Ŵ·(1.5·I − 0.5·ŴᵀŴ) on either side.
            Array.Clear(gram, 0, k * k);
            Batched.Gemm.OuterProduct(ref gram[0], ref sums[0], ref matrix[0], ref matrix[0], k, ld, ld, 0, k);
            for (int i = 0; i < k; i++)
                for (int j = 0; j < k; j++)
                    gram[i * k + j] = (i == j ? 1.5f : 0f) - 0.5f * gram[i * k + j];
            Batched.Gemm.Product<Batched.NoEpilogue>(ref gram[0], k, 1, ref sums[0], false, ref matrix[0], ref next[0], ref Unsafe.NullRef<int>(), k, k, ld, 0, ld);
            (matrix, next) = (next, matrix); // the scratch arrays swap roles; both stay cached for this thread
        }
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
                weights[r * columns + c] = (float)(matrix[transpose ? c * ld + r : r * ld + c] * bound);
    }
}
