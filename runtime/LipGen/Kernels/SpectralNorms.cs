using System.ComponentModel;

namespace LipGen.Kernels;

/// <summary>
/// The projection and orthogonalisation of spectral layers (‖W‖₂ ≤ λᵢ). Called from generated code and the trainer.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class SpectralNorms
{
    [ThreadStatic]
    private static double[]? t_matrix, t_gram, t_next;

    private static double[] Scratch(ref double[]? buffer, int length)
    {
        if (buffer is null || buffer.Length < length)
            buffer = new double[length];
        return buffer;
    }

    /// <summary>
    /// Rescales W (row-major [rows, columns]) so that ‖W‖₂ ≤ <paramref name="bound"/>, by a sound upper bound on ‖W‖₂
    /// (<c>Model.SpectralBound</c>: power iteration proved by a Cholesky test), not by the power-iteration estimate, which
    /// can only be too small. <paramref name="state"/> (the smaller side's length) carries the power-iteration vector
    /// from one call to the next, so each step starts where the last converged. Rows inside stay untouched when the bound
    /// is already met. The factor leaves a 2⁻¹⁶ margin, which covers the float rounding of the rescaled weights
    /// (‖ΔW‖₂ ≤ u·‖|W|‖₂ ≤ u·√k·‖W‖₂ for k up to 4096).
    /// </summary>
    public static void Project(Span<float> weights, int rows, int columns, double bound, Span<float> state)
    {
        // A warm start (the vector the last call left) converges in a few iterations; a cold one iterates to convergence.
        bool warm = state.ContainsAnyExcept(0f);
        double sound = Model.SpectralBound.Compute(weights, rows, columns, default, state, state, iterations: warm ? 40 : 300);
        if (double.IsNaN(sound))
            throw new ArgumentException("The weights hold a NaN or an infinity; they cannot be projected onto the spectral constraint.", nameof(weights));
        double inside = bound * (1 - 1.0 / (1 << 30));
        if (sound <= inside)
            return;
        Elementwise.Apply<MultiplyOperator>(weights, (float)(bound / sound * (1 - 1.0 / (1 << 16))));
    }

    /// <summary>
    /// <paramref name="iterations"/> Björck–Bowie steps W ← W·(1.5·I − 0.5·WᵀW/λ²) (on the smaller side's Gram), which push
    /// every singular value towards λ = <paramref name="bound"/>: an orthogonal layer scaled by λ keeps the gradient norm in
    /// ℓ2. Computed in double. It converges when ‖W‖₂ &lt; √3·λ; apply <see cref="Project"/> afterwards for the guarantee.
    /// </summary>
    public static void Orthogonalize(Span<float> weights, int rows, int columns, double bound, int iterations)
    {
        if (iterations <= 0)
            return;
        bool transpose = rows > columns;
        int k = transpose ? columns : rows, m = transpose ? rows : columns;
        double[] matrix = Scratch(ref t_matrix, k * m), gram = Scratch(ref t_gram, k * k), next = Scratch(ref t_next, k * m);
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
                matrix[transpose ? c * m + r : r * m + c] = weights[r * columns + c];
        double inverse = 1 / (bound * bound);
        for (int iteration = 0; iteration < iterations; iteration++)
        {
            // G = M·Mᵀ (k × k), then M ← (1.5·I − 0.5·G/λ²)·M: the same map as W·(1.5·I − 0.5·WᵀW/λ²) on either side.
            // Row i of the result is 1.5·Mᵢ minus a combination of the rows of M: contiguous multiply-adds.
            Model.SpectralBound.Gram(matrix, k, m, gram);
            for (int i = 0; i < k; i++)
            {
                Span<double> row = next.AsSpan(i * m, m);
                for (int l = 0; l < m; l++)
                    row[l] = 1.5 * matrix[i * m + l];
                for (int j = 0; j < k; j++)
                {
                    double coefficient = -0.5 * inverse * gram[i * k + j];
                    ReadOnlySpan<double> source = matrix.AsSpan(j * m, m);
                    int l = 0;
                    if (System.Numerics.Vector.IsHardwareAccelerated)
                    {
                        int width = System.Numerics.Vector<double>.Count;
                        var c = new System.Numerics.Vector<double>(coefficient);
                        for (; l <= m - width; l += width)
                            (new System.Numerics.Vector<double>(row[l..]) + c * new System.Numerics.Vector<double>(source[l..])).CopyTo(row[l..]);
                    }
                    for (; l < m; l++)
                        row[l] += coefficient * source[l];
                }
            }
            (matrix, next) = (next, matrix); // the scratch arrays swap roles; both stay cached for this thread
        }
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
                weights[r * columns + c] = (float)matrix[transpose ? c * m + r : r * m + c];
    }
}
