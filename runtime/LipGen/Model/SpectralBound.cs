// A sound upper bound on the spectral norm ‖W‖₂ of float weights, for spectral layers. Compiled into the runtime (the
// certificate and the projection) and into the generator (compiled-in weights are checked against λ), so it must compile
// for netstandard2.0. docs/verification.md gives the argument.
using System;

namespace LipGen.Model;

/// <summary>
/// σ_max(E) for E = W·diag(1/scale) (or W), bounded from above by a test that proves it, not by an estimate:
/// <list type="number">
/// <item>G̃ = fl(M·Mᵀ) in double for the smaller side M of E (k × m), so λ_max(G) = σ_max(E)². Each entry is within
/// γ_m of Σ|M||M|, so ‖G̃ − G‖₂ ≤ e_G = γ_m·maxᵢ (|M|·(|M|ᵀ·1))ᵢ.</item>
/// <item>Candidates t ≥ σ² come from power iteration on G̃ (which only estimates from below), enlarged by a ladder of
/// relative margins, and, when the caller names one, the claim t = c² (the bound a layer is meant to meet). They are
/// tried in increasing order, so the result is the smallest candidate proved.</item>
/// <item>t is proved: with B = fl((t − c)·I − G̃), a floating-point Cholesky B + ΔB = R̂ᵀR̂ that runs to completion has
/// ‖ΔB‖₂ ≤ γ_{k+1}·‖R̂‖_F² (Higham, Theorem 10.3), the diagonal's own rounding is at most e_B, so
/// λ_min(t·I − G) ≥ c − e_B − γ_{k+1}‖R̂‖_F² − e_G; when that is ≥ 0, σ_max(E) ≤ √t.</item>
/// <item>A Cholesky that fails at column j yields a witness x = [−L₁⁻ᵀl, 1, 0…] with xᵀ((t − c)·I − G̃)x ≤ 0, i.e. a
/// Rayleigh quotient of at least t − c: it has a component in the eigenvectors above t whatever the start was, so power
/// iteration restarts from it (a start orthogonal to the top singular vector cannot hide it).</item>
/// <item>If no candidate is proved, min(‖E‖_F, √(‖E‖₁·‖E‖_∞)) is used: both always hold.</item>
/// </list>
/// With scales, E is formed in double (each entry within u of the exact one), and u·√(‖Ẽ‖₁‖Ẽ‖_∞) covers the difference.
/// The test for a claim depends only on the weights, so two callers that name the same claim agree on whether it holds.
/// </summary>
internal static class SpectralBound
{
    /// <summary>Per-thread scratch, grown to the largest layer seen, so a training step's projection allocates nothing.</summary>
    [ThreadStatic]
    private static double[]? t_matrix, t_gram, t_factor, t_sums, t_v, t_w;

    private static double[] Scratch(ref double[]? buffer, int length)
    {
        if (buffer is null || buffer.Length < length)
            buffer = new double[length];
        return buffer;
    }

    private const double Unit = 1.0 / (1L << 53);
    private const double Slack = 1 + 1e-9; // covers the double rounding of the error terms' own sums

    /// <summary>The relative enlargements of the power-iteration estimate tried as candidates, smallest first.</summary>
    private static readonly double[] Enlargements = [1e-9, 1e-7, 1e-6, 1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 0.05, 0.25];

    /// <summary>Cholesky tests one bound may take, and power-iteration restarts from their witnesses.</summary>
    private const int MaxTests = 24, MaxRestarts = 6, RestartIterations = 60;

    private static double Gamma(int k) => k * Unit / (1 - k * Unit);

    /// <summary>
    /// An upper bound on ‖W·diag(1/scales)‖₂ (‖W‖₂ without scales); NaN if a weight or a scale is invalid. With a
    /// <paramref name="claim"/> (finite, positive), √t = claim is among the candidates (see the class summary).
    /// </summary>
    public static double Compute(ReadOnlySpan<float> weights, int rows, int columns, ReadOnlySpan<float> scales, double claim = double.NaN) =>
        Compute(weights, rows, columns, scales, default, default, iterations: 300, claim);

    /// <summary>
    /// As above, with the power iteration started from <paramref name="start"/> (the smaller side's length; ignored if
    /// empty or zero) and its final vector written to <paramref name="finish"/>: a projection keeps it between steps and
    /// needs few <paramref name="iterations"/>. Fewer iterations never make the bound unsound, only, at worst, looser.
    /// </summary>
    public static double Compute(ReadOnlySpan<float> weights, int rows, int columns, ReadOnlySpan<float> scales, ReadOnlySpan<float> start, Span<float> finish,
        int iterations, double claim = double.NaN)
    {
        // M: the smaller side, k × m, as doubles (exact for floats; within u for a quotient by a scale).
        bool transpose = rows > columns;
        int k = transpose ? columns : rows, m = transpose ? rows : columns;
        double[] matrix = Scratch(ref t_matrix, k * m);
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
            {
                double value = weights[r * columns + c];
                if (!scales.IsEmpty)
                {
                    float scale = scales[c];
                    if (!InputMapStep.IsValidScale(scale))
                        return double.NaN;
                    value /= scale;
                }
                if (double.IsNaN(value) || double.IsInfinity(value))
                    return double.NaN;
                matrix[transpose ? c * m + r : r * m + c] = value;
            }
        double oneNorm = 0, infinityNorm = 0, frobenius = 0;
        double[] columnSums = Scratch(ref t_sums, m);
        Array.Clear(columnSums, 0, m);
        for (int i = 0; i < k; i++)
        {
            double rowSum = 0;
            for (int l = 0; l < m; l++)
            {
                double a = Math.Abs(matrix[i * m + l]);
                rowSum += a;
                columnSums[l] += a;
                frobenius += a * a;
            }
            infinityNorm = Math.Max(infinityNorm, rowSum);
        }
        for (int l = 0; l < m; l++)
            oneNorm = Math.Max(oneNorm, columnSums[l]);
        // Always sound: ‖E‖₂ ≤ ‖E‖_F and ‖E‖₂ ≤ √(‖E‖₁‖E‖_∞) (sums of exact |·| rounded: inflated).
        double fallback = Certificate.RoundUp(Math.Min(Math.Sqrt(frobenius), Math.Sqrt(oneNorm * infinityNorm)) * (1 + Gamma(k * m + 4)) * Slack);
        if (fallback == 0)
            return 0;
        double quotientError = scales.IsEmpty ? 0 : Certificate.RoundUp(Unit * Math.Sqrt(oneNorm * infinityNorm) * 2 * Slack);

        double[] gram = Gram(matrix, k, m, Scratch(ref t_gram, k * k));
        // e_G = γ_m·maxᵢ (|M|·(|M|ᵀ·1))ᵢ: |M|ᵀ·1 is columnSums.
        double gramError = 0;
        for (int i = 0; i < k; i++)
        {
            double sum = 0;
            for (int l = 0; l < m; l++)
                sum += Math.Abs(matrix[i * m + l]) * columnSums[l];
            gramError = Math.Max(gramError, sum);
        }
        gramError = Certificate.RoundUp(gramError * Gamma(m + 1) * Slack);

        double[] v = Scratch(ref t_v, k);
        bool started = false;
        if (start.Length == k)
            for (int i = 0; i < k; i++)
                started |= (v[i] = start[i]) != 0;
        if (!started)
            for (int i = 0; i < k; i++)
                v[i] = 1 + 0.01 * ((i * 7919) % 101) / 101.0; // a fixed, non-special start
        double estimate = PowerIteration(gram, k, v, iterations);
        double proved = Prove(gram, k, gramError, estimate, v, fallback * fallback, claim > 0 && !double.IsInfinity(claim) ? claim * claim : double.NaN);
        if (finish.Length == k)
        {
            double norm = Math.Sqrt(Dot(v, v, k));
            for (int i = 0; i < k; i++)
                finish[i] = norm > 0 ? (float)(v[i] / norm) : 0;
        }
        double bound = Math.Min(double.IsNaN(proved) ? double.PositiveInfinity : Certificate.RoundUp(Math.Sqrt(proved)), fallback);
        return quotientError == 0 ? bound : Certificate.RoundUp(bound + quotientError);
    }

    /// <summary>
    /// The smallest candidate t the Cholesky test proves (λ_max(G) ≤ t), or NaN when none below <paramref name="ceiling"/>
    /// is. Candidates: the estimate enlarged by the ladder, and the claim; a failed test's witness restarts the power
    /// iteration (in <paramref name="v"/>), which can only raise the estimate, and the ladder continues above the failed t.
    /// </summary>
    private static double Prove(double[] gram, int k, double gramError, double estimate, double[] v, double ceiling, double claimed)
    {
        double failed = 0; // every t at or below it failed (or lies below the estimate): the test is monotone in t
        int rung = 0, restarts = 0;
        bool claimPending = !double.IsNaN(claimed);
        for (int test = 0; test < MaxTests; test++)
        {
            double t = double.PositiveInfinity;
            while (rung < Enlargements.Length)
            {
                double candidate = Math.Max(estimate * (1 + Enlargements[rung]), estimate + 2 * gramError + 1e-300);
                if (candidate > failed)
                {
                    t = candidate;
                    break;
                }
                rung++;
            }
            if (claimPending && claimed < estimate)
                claimPending = false; // below a Rayleigh quotient of G̃: no test can prove it
            bool isClaim = claimPending && claimed <= t;
            if (isClaim)
            {
                t = claimed;
                claimPending = false;
            }
            else
                rung++;
            if (!(t < ceiling))
                return double.NaN;
            if (t <= failed)
                continue;
            int column = Cholesky(gram, k, t, gramError);
            if (column < 0)
                return t;
            failed = t;
            // A witness of λ_max(G̃) ≥ t − c: restart the power iteration from it when it beats the estimate.
            if (restarts < MaxRestarts && Witness(gram, k, column, v) is double rayleigh && rayleigh > estimate * (1 + 1e-12))
            {
                restarts++;
                estimate = Math.Max(estimate, PowerIteration(gram, k, v, RestartIterations));
                rung = 0;
            }
        }
        return double.NaN;
    }

    /// <summary>G = M·Mᵀ in double (k × k), both triangles.</summary>
    internal static double[] Gram(double[] matrix, int k, int m, double[] gram)
    {
        for (int i = 0; i < k; i++)
            for (int j = 0; j <= i; j++)
                gram[i * k + j] = gram[j * k + i] = Dot(matrix, i * m, matrix, j * m, m);
        return gram;
    }

    /// <summary>Σ a[aStart + l]·b[bStart + l] over <paramref name="length"/> doubles, on the shared cascade in the library.</summary>
    internal static double Dot(double[] a, int aStart, double[] b, int bStart, int length)
    {
#if LIPGEN_GENERATOR
        // The generator (netstandard2.0) checks compiled-in weights once per build: scalars serve.
        double sum = 0;
        for (int l = 0; l < length; l++)
            sum += a[aStart + l] * b[bStart + l];
        return sum;
#else
        return length == 0 ? 0 : Kernels.Vec.Dot(ref a[aStart], ref b[bStart], length);
#endif
    }

    /// <summary>
    /// The Rayleigh quotient of G after power iteration from <paramref name="v"/> (a lower estimate of λ_max, which for a
    /// positive semi-definite G never falls from one iterate to the next); <paramref name="v"/> ends as the last iterate.
    /// </summary>
    private static double PowerIteration(double[] gram, int k, double[] v, int iterations)
    {
        double[] w = Scratch(ref t_w, k);
        double norm = Math.Sqrt(Dot(v, v, k));
        if (!(norm > 0) || double.IsInfinity(norm))
        {
            for (int i = 0; i < k; i++)
                v[i] = 1 + 0.01 * ((i * 7919) % 101) / 101.0;
            norm = Math.Sqrt(Dot(v, v, k));
        }
        double previous = 0, rayleigh = 0;
        for (int iteration = 0; iteration < iterations; iteration++)
        {
            for (int i = 0; i < k; i++)
                v[i] /= norm;
            for (int i = 0; i < k; i++)
                w[i] = Dot(gram, i * k, v, 0, k);
            rayleigh = Dot(v, w, k);
            norm = Math.Sqrt(Dot(w, w, k));
            if (!(norm > 0))
                break; // v is in G's null space: the Rayleigh quotient 0 is what it can say
            Array.Copy(w, v, k);
            if (iteration > 5 && Math.Abs(rayleigh - previous) <= 1e-13 * rayleigh)
                break;
            previous = rayleigh;
        }
        return Math.Max(rayleigh, 0);
    }

    private static double Dot(double[] a, double[] b, int length)
    {
        double sum = 0;
        for (int i = 0; i < length; i++)
            sum += a[i] * b[i];
        return sum;
    }

    /// <summary>The shift c the test subtracts: it covers the Gram's rounding, the diagonal's and the factorisation's, twice over.</summary>
    private static double Shift(double[] gram, int k, double t, double gramError, out double largestDiagonal)
    {
        largestDiagonal = 0;
        for (int i = 0; i < k; i++)
            largestDiagonal = Math.Max(largestDiagonal, gram[i * k + i]);
        // trace(R̂ᵀR̂) ≈ trace(B) ≤ k·t.
        return 2 * (gramError + 2 * Unit * (2 * t + largestDiagonal) + Gamma(k + 1) * k * t) + 1e-290;
    }

    /// <summary>
    /// The Cholesky test of the class summary: −1 when it proves λ_max(G) ≤ t, otherwise the column where the factorisation
    /// broke down (its lower triangle up to that column stays in the scratch for <see cref="Witness"/>), or k when it ran to
    /// completion but the error terms were too large to conclude.
    /// </summary>
    private static int Cholesky(double[] gram, int k, double t, double gramError)
    {
        double shift = Shift(gram, k, t, gramError, out double largestDiagonal);
        if (!(shift < t))
            return k;
        double[] factor = Scratch(ref t_factor, k * k);
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++)
                factor[i * k + j] = (i == j ? (t - shift) : 0) - gram[i * k + j];
        // Cholesky, lower triangle in place: B = L·Lᵀ.
        for (int j = 0; j < k; j++)
        {
            double diagonal = factor[j * k + j] - Dot(factor, j * k, factor, j * k, j);
            if (!(diagonal > 0))
                return j;
            double pivot = Math.Sqrt(diagonal);
            factor[j * k + j] = pivot;
            for (int i = j + 1; i < k; i++)
                factor[i * k + j] = (factor[i * k + j] - Dot(factor, i * k, factor, j * k, j)) / pivot;
        }
        double frobenius = 0;
        for (int i = 0; i < k; i++)
            for (int j = 0; j <= i; j++)
                frobenius += factor[i * k + j] * factor[i * k + j];
        double diagonalError = 2 * Unit * (t + shift + largestDiagonal) * (1 + 2 * Unit);
        double needed = (gramError + diagonalError + Gamma(k + 1) * frobenius * Slack) * Slack + 1e-300;
        return shift >= needed ? -1 : k;
    }

    /// <summary>
    /// After <see cref="Cholesky"/> broke down at <paramref name="column"/> j: x = [−L₁⁻ᵀl, 1, 0…] with L₁ the factor's
    /// leading j × j block and l its row j, for which xᵀBx equals the failed pivot (≤ 0), so xᵀG̃x ≥ (t − c)·xᵀx. Writes
    /// x to <paramref name="v"/> and returns its Rayleigh quotient, or null when the test did not break down.
    /// </summary>
    private static double? Witness(double[] gram, int k, int column, double[] v)
    {
        if (column >= k)
            return null;
        double[] factor = t_factor!;
        Array.Clear(v, 0, k);
        v[column] = 1;
        // Back substitution L₁ᵀy = l, then x = −y: row i of L₁ᵀ is column i of L₁.
        for (int i = column - 1; i >= 0; i--)
        {
            double sum = factor[column * k + i];
            for (int r = i + 1; r < column; r++)
                sum -= factor[r * k + i] * (-v[r]);
            v[i] = -sum / factor[i * k + i];
        }
        double[] w = Scratch(ref t_w, k);
        for (int i = 0; i < k; i++)
            w[i] = Dot(gram, i * k, v, 0, k);
        double length = Dot(v, v, k);
        double rayleigh = Dot(v, w, k) / length;
        return double.IsNaN(rayleigh) || double.IsInfinity(rayleigh) ? null : rayleigh;
    }
}
