// A sound upper bound on the spectral norm ‖W‖₂ of float weights, for spectral layers. Compiled into the runtime (the
// certificate and the projection) and into the generator (compiled-in weights are checked against λ), so it must compile
// for netstandard2.0. docs/verification.md gives the argument.
using System;
#if !LIPGEN_GENERATOR
using System.Runtime.CompilerServices;
#endif

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
/// ‖ΔB‖₂ ≤ γ_{k+2}·‖R̂‖_F² (Higham, Theorem 10.3, with one more rounding per entry for the multiplication by each
/// pivot's reciprocal), the diagonal's own rounding is at most e_B, so λ_min(t·I − G) ≥ c − e_B − γ_{k+2}‖R̂‖_F² − e_G;
/// when that is ≥ 0, σ_max(E) ≤ √t.</item>
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
    private static double[]? t_matrix, t_gram, t_factor, t_rowSums, t_v, t_w, t_witness;

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

    /// <summary>Where a projection's candidates start on the ladder: 10⁻⁴ (see <see cref="Compute(ReadOnlySpan{float}, int, int, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, double, bool)"/>).</summary>
    private const int ProjectionRung = 5;

    /// <summary>
    /// A projection's power iteration stops when the Rayleigh quotient moves by less than this (relative): a thousandth of
    /// its first candidate's enlargement, and far above what a clustered spectrum takes hundreds of iterations to reach. An
    /// estimate left too low costs a failed test and a restart, never soundness. On the Digits step (64-128-128-10, 2 000
    /// steps) 10⁻⁷ took 26 iterations a step where 10⁻⁸ took 53, and neither failed a test.
    /// </summary>
    private const double ProjectionTolerance = 1e-7;

    /// <summary>Cholesky tests one bound may take, and power-iteration restarts from their witnesses.</summary>
    private const int MaxTests = 24, MaxRestarts = 6, RestartIterations = 60;

    /// <summary>The padded layouts' column multiple: the Gram kernel's.</summary>
    private const int Padding = 16;

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
    /// <remarks>
    /// With <paramref name="claimFirst"/> (what a projection asks: is the layer within its bound, and if not, what bound to
    /// rescale by), the claim is tested before any power iteration, so a layer within it costs one Gram matrix and one
    /// factorisation; when it fails, candidates start at an enlargement of 10⁻⁴ rather than 10⁻⁹, a looseness no rescale
    /// notices, which saves the tests that a clustered spectrum (Björck's) fails at the tight end. The result is then
    /// the claim itself, not a tighter bound under it.
    /// </remarks>
    public static double Compute(ReadOnlySpan<float> weights, int rows, int columns, ReadOnlySpan<float> scales, ReadOnlySpan<float> start, Span<float> finish,
        int iterations, double claim = double.NaN, bool claimFirst = false)
    {
        // M: the smaller side, k × m, as doubles (exact for floats; within u for a quotient by a scale), stored transposed as
        // A = Mᵀ [m × kp] with zero columns up to kp, a multiple of 16: the Gram kernel's layout, in which G = M·Mᵀ = AᵀA.
        // A square W takes its columns' side (A = W), so that the copy runs along W's rows.
        bool transpose = rows >= columns;
        int k = transpose ? columns : rows, m = transpose ? rows : columns;
        int kp = (k + Padding - 1) / Padding * Padding;
        double[] a = Scratch(ref t_matrix, m * kp);
        // One pass: A, and the sums of |·| that give ‖M‖₁ (max over l of A's row sums), ‖M‖_∞ (max over i of its column
        // sums) and ‖M‖_F².
        double oneNorm = 0, infinityNorm = 0, frobenius = 0;
        double[] rowSums = Scratch(ref t_rowSums, k);
        Array.Clear(rowSums, 0, k);
        for (int l = 0; l < m; l++)
        {
            Span<double> target = a.AsSpan(l * kp, kp);
            target.Slice(k).Clear();
            double sum = 0;
#if !LIPGEN_GENERATOR
            if (transpose && scales.IsEmpty)
            {
                // Row l of A is row l of W: widened, with its sums, in one vectorised pass (the scalar loop below took a
                // quarter of a 128 × 128 layer's projection).
                double largest = Kernels.Vec.WidenWithSums(ref Unsafe.AsRef(in weights[l * columns]), ref target[0], ref rowSums[0], k, out sum, out double squares);
                if (!(largest <= double.MaxValue))
                    return double.NaN;
                frobenius += squares;
                oneNorm = Math.Max(oneNorm, sum);
                continue;
            }
#endif
            for (int i = 0; i < k; i++)
            {
                int r = transpose ? l : i, c = transpose ? i : l;
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
                target[i] = value;
                double magnitude = Math.Abs(value);
                sum += magnitude;
                rowSums[i] += magnitude;
                frobenius += magnitude * magnitude;
            }
            oneNorm = Math.Max(oneNorm, sum);
        }
        for (int i = 0; i < k; i++)
            infinityNorm = Math.Max(infinityNorm, rowSums[i]);
        // Always sound: ‖E‖₂ ≤ ‖E‖_F and ‖E‖₂ ≤ √(‖E‖₁‖E‖_∞) (sums of exact |·| rounded: inflated).
        double fallback = Certificate.RoundUp(Math.Min(Math.Sqrt(frobenius), Math.Sqrt(oneNorm * infinityNorm)) * (1 + Gamma(k * m + 4)) * Slack);
        if (fallback == 0)
            return 0;
        double quotientError = scales.IsEmpty ? 0 : Certificate.RoundUp(Unit * Math.Sqrt(oneNorm * infinityNorm) * 2 * Slack);
        double claimed = claim > 0 && !double.IsInfinity(claim) ? claim * claim : double.NaN;
        // A projection whose layer the cheap bound already places within the claim needs no Gram matrix and no proof.
        if (claimFirst && fallback <= claim && quotientError == 0)
            return fallback;

        double[] gram = Scratch(ref t_gram, kp * kp);
        GramMatrix.Columns(a, m, kp, gram);
        // ‖G̃ − G‖₂ ≤ e_G = γ_{m+1}·maxᵢ (|M|·(|M|ᵀ·1))ᵢ ≤ γ_{m+1}·‖M‖_∞·‖M‖₁: each entry of |M|ᵀ·1 is at most ‖M‖₁. The
        // product is looser by a small factor, and e_G stays some 10⁻¹² of t against margins of 10⁻⁸.
        double gramError = Certificate.RoundUp(infinityNorm * oneNorm * Gamma(m + 1) * Slack);

        double[] v = Scratch(ref t_v, k);
        bool started = false;
        if (start.Length == k)
            for (int i = 0; i < k; i++)
                started |= (v[i] = start[i]) != 0;
        if (!started)
            for (int i = 0; i < k; i++)
                v[i] = 1 + 0.01 * ((i * 7919) % 101) / 101.0; // a fixed, non-special start
        double estimate = 0, witnessed = 0;
        double[]? witness = null;
        if (claimFirst && claimed < fallback * fallback)
        {
            // The claim is tested first, unless the warm start's Rayleigh quotient (a lower bound on λ_max(G̃)) refutes it.
            // The square rounded down, so that the proof says σ ≤ claim itself, not √ of a rounded square an ulp above it.
            double squared = -Certificate.RoundUp(-claimed);
            estimate = Rayleigh(gram, k, kp, v);
            if (estimate < squared)
            {
                int column = Cholesky(gram, k, kp, squared, gramError);
                if (column < 0)
                {
                    Finish(v, k, finish); // v is still the start: the next call's warm start
                    return quotientError == 0 ? claim : Certificate.RoundUp(claim + quotientError);
                }
                witness = Scratch(ref t_witness, k);
                witnessed = Witness(gram, k, kp, column, witness) ?? 0;
            }
        }
        double tolerance = claimFirst ? ProjectionTolerance : 1e-13;
        estimate = Math.Max(estimate, PowerIteration(gram, k, kp, v, iterations, tolerance));
        // The warm start converges fastest, but where it stays below what a failed claim's witness found, it missed what
        // the witness has a component in: iterate from the witness too.
        if (witness is not null && witnessed > estimate * (1 + 1e-9))
        {
            Array.Copy(witness, v, k);
            estimate = Math.Max(witnessed, PowerIteration(gram, k, kp, v, iterations, tolerance));
        }
        double proved = Prove(gram, k, kp, gramError, estimate, v, fallback * fallback, claimFirst ? double.NaN : claimed, claimFirst ? ProjectionRung : 0);
        Finish(v, k, finish);
        double bound = Math.Min(double.IsNaN(proved) ? double.PositiveInfinity : Certificate.RoundUp(Math.Sqrt(proved)), fallback);
        return quotientError == 0 ? bound : Certificate.RoundUp(bound + quotientError);
    }

    /// <summary>Writes v normalised to <paramref name="finish"/> (when it has the smaller side's length).</summary>
    private static void Finish(double[] v, int k, Span<float> finish)
    {
        if (finish.Length != k)
            return;
        double norm = Math.Sqrt(Dot(v, v, k));
        for (int i = 0; i < k; i++)
            finish[i] = norm > 0 ? (float)(v[i] / norm) : 0;
    }

    /// <summary>
    /// The smallest candidate t the Cholesky test proves (λ_max(G) ≤ t), or NaN when none below <paramref name="ceiling"/>
    /// is. Candidates: the estimate enlarged by the ladder from <paramref name="firstRung"/>, and the claim; a failed test's
    /// witness restarts the power iteration (in <paramref name="v"/>), which can only raise the estimate, and the ladder
    /// continues above the failed t.
    /// </summary>
    private static double Prove(double[] gram, int k, int stride, double gramError, double estimate, double[] v, double ceiling, double claimed, int firstRung)
    {
        double failed = 0; // every t at or below it failed (or lies below the estimate): the test is monotone in t
        int rung = firstRung, restarts = 0;
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
            int column = Cholesky(gram, k, stride, t, gramError);
            if (column < 0)
                return t;
            failed = t;
            // A witness of λ_max(G̃) ≥ t − c: restart the power iteration from it when it beats the estimate.
            if (restarts < MaxRestarts && Witness(gram, k, stride, column, v) is double rayleigh && rayleigh > estimate * (1 + 1e-12))
            {
                restarts++;
                estimate = Math.Max(estimate, PowerIteration(gram, k, stride, v, RestartIterations));
                rung = firstRung;
            }
        }
        return double.NaN;
    }

    /// <summary>Σ a[aStart + l]·b[bStart + l] over <paramref name="length"/> doubles, on the shared cascade in the library.</summary>
    internal static double Dot(double[] a, int aStart, double[] b, int bStart, int length)
    {
#if LIPGEN_GENERATOR
        double sum = 0;
        for (int l = 0; l < length; l++)
            sum += a[aStart + l] * b[bStart + l];
        return sum;
#else
        return length == 0 ? 0 : Kernels.Vec.Dot(ref a[aStart], ref b[bStart], length);
#endif
    }

    /// <summary>
    /// The dot products of the four rows that start at a[row], a[row + stride], … with b[bStart …] over n doubles: four at a
    /// time on the shared cascade in the library (each load of b serves four rows), plain loops in the generator.
    /// </summary>
    private static (double, double, double, double) Dot4(double[] a, int row, int stride, double[] b, int bStart, int n)
    {
#if LIPGEN_GENERATOR
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (int l = 0; l < n; l++)
        {
            double x = b[bStart + l];
            s0 += a[row + l] * x;
            s1 += a[row + stride + l] * x;
            s2 += a[row + 2 * stride + l] * x;
            s3 += a[row + 3 * stride + l] * x;
        }
        return (s0, s1, s2, s3);
#else
        return n == 0 ? (0, 0, 0, 0) : Kernels.Vec.Dot4(ref a[row], stride, ref b[bStart], n);
#endif
    }

    /// <summary>
    /// y[yStart + l] −= alpha·x[xStart + l] over n doubles (fused where the hardware fuses): the shared cascade in the library,
    /// a plain loop in the generator.
    /// </summary>
    private static void SubtractMultiple(double alpha, double[] x, int xStart, double[] y, int yStart, int n)
    {
#if LIPGEN_GENERATOR
        for (int l = 0; l < n; l++)
            y[yStart + l] -= alpha * x[xStart + l];
#else
        if (n > 0)
            Kernels.Vec.Axpy(-alpha, ref x[xStart], ref y[yStart], n);
#endif
    }

    /// <summary>
    /// y[yStart + l] = alpha·x[xStart + l] over n doubles: the shared cascade in the library, a plain loop in the generator.
    /// </summary>
    private static void Scale(double alpha, double[] x, int xStart, double[] y, int yStart, int n)
    {
#if LIPGEN_GENERATOR
        for (int l = 0; l < n; l++)
            y[yStart + l] = alpha * x[xStart + l];
#else
        if (n > 0)
            Kernels.Vec.Scale(alpha, ref x[xStart], ref y[yStart], n);
#endif
    }

    /// <summary>
    /// factor[j, l] −= Σ_{r &lt; rows} factor[first + r, j]·factor[first + r, l] for from ≤ j &lt; to, l ≥ j: a blocked
    /// Cholesky factorisation's trailing update, on the Gram kernel's tiles in the library (which also update some entries
    /// left of the diagonal, never read), plain loops in the generator.
    /// </summary>
    private static void SubtractProducts(double[] factor, int first, int rows, int stride, int from, int to)
    {
#if LIPGEN_GENERATOR
        for (int j = from; j < to; j++)
            for (int l = j; l < to; l++)
            {
                double sum = factor[j * stride + l];
                for (int r = 0; r < rows; r++)
                    sum -= factor[(first + r) * stride + j] * factor[(first + r) * stride + l];
                factor[j * stride + l] = sum;
            }
#else
        Kernels.GramKernel.SubtractProducts(ref factor[first * stride], rows, stride, from, to, ref factor[0]);
#endif
    }

    /// <summary>w = G·v over the leading k × k block of G (row stride <paramref name="stride"/>, at least k rounded up to 4 rows).</summary>
    private static void MatVec(double[] gram, int k, int stride, double[] v, double[] w)
    {
        for (int i = 0; i < k; i += 4)
        {
            (double w0, double w1, double w2, double w3) = Dot4(gram, i * stride, stride, v, 0, k);
            w[i] = w0;
            if (i + 1 < k)
                w[i + 1] = w1;
            if (i + 2 < k)
                w[i + 2] = w2;
            if (i + 3 < k)
                w[i + 3] = w3;
        }
    }

    /// <summary>
    /// The Rayleigh quotient of G after power iteration from <paramref name="v"/> (a lower estimate of λ_max, which for a
    /// positive semi-definite G never falls from one iterate to the next); <paramref name="v"/> ends as the last iterate.
    /// </summary>
    private static double PowerIteration(double[] gram, int k, int stride, double[] v, int iterations, double tolerance = 1e-13)
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
            MatVec(gram, k, stride, v, w);
            rayleigh = Dot(v, w, k);
            norm = Math.Sqrt(Dot(w, w, k));
            if (!(norm > 0))
                break; // v is in G's null space: the Rayleigh quotient 0 is what it can say
            Array.Copy(w, v, k);
            if (iteration > 5 && Math.Abs(rayleigh - previous) <= tolerance * rayleigh)
                break;
            previous = rayleigh;
        }
        return Math.Max(rayleigh, 0);
    }

    /// <summary>vᵀGv / vᵀv (0 for a zero v): a lower bound on λ_max(G̃) from one product.</summary>
    private static double Rayleigh(double[] gram, int k, int stride, double[] v)
    {
        double[] w = Scratch(ref t_w, k);
        MatVec(gram, k, stride, v, w);
        double length = Dot(v, v, k);
        return length > 0 ? Math.Max(Dot(v, w, k) / length, 0) : 0;
    }

    private static double Dot(double[] a, double[] b, int length)
    {
        double sum = 0;
        for (int i = 0; i < length; i++)
            sum += a[i] * b[i];
        return sum;
    }

    /// <summary>The shift c the test subtracts: it covers the Gram's rounding, the diagonal's and the factorisation's, twice over.</summary>
    private static double Shift(double[] gram, int k, int stride, double t, double gramError, out double largestDiagonal)
    {
        largestDiagonal = 0;
        for (int i = 0; i < k; i++)
            largestDiagonal = Math.Max(largestDiagonal, gram[i * stride + i]);
        // trace(R̂ᵀR̂) ≈ trace(B) ≤ k·t.
        return 2 * (gramError + 2 * Unit * (2 * t + largestDiagonal) + Gamma(k + 2) * k * t) + 1e-290;
    }

    /// <summary>
    /// Rows of R a block of the Cholesky factorisation takes before its trailing update: 8 ran a 128 × 128 test faster than
    /// 16 or 32 on Zen 3.
    /// </summary>
    private const int CholeskyBlock = 8;

    /// <summary>
    /// The Cholesky test of the class summary: −1 when it proves λ_max(G) ≤ t, otherwise the column where the factorisation
    /// broke down (the rows of R above it stay in the scratch for <see cref="Witness"/>), or k when it ran to completion but
    /// the error terms were too large to conclude.
    /// </summary>
    /// <remarks>
    /// B = R̂ᵀR̂ with R̂ upper triangular, computed in place a block of rows at a time (right-looking): each row of a block
    /// takes the multiples of the block's rows above it, is scaled by the reciprocal of its pivot, and the block's rows then
    /// update the rest of the matrix at once, on the Gram kernel's tiles. Every entry is still its initial value less a sum
    /// of products, in another order than a column at a time (the bound of Higham's Theorem 10.3 holds for any order of each
    /// sum), then multiplied by the reciprocal of its pivot: one more rounding than a division, so γ_{k+2} in the bound. The
    /// left-looking factorisation two columns at a time it replaced read the whole factor from L2 once per pair of columns.
    /// </remarks>
    private static int Cholesky(double[] gram, int k, int stride, double t, double gramError)
    {
        double shift = Shift(gram, k, stride, t, gramError, out double largestDiagonal);
        if (!(shift < t))
            return k;
        // The factor keeps the Gram matrix's row stride (a multiple of 16), and has as many rows, zero beyond the k × k
        // block, so that the update's tiles never leave it and add nothing outside it.
        double[] factor = Scratch(ref t_factor, stride * stride);
        for (int i = 0; i < stride; i++)
        {
            Span<double> target = factor.AsSpan(i * stride, stride);
            if (i >= k)
            {
                target.Clear();
                continue;
            }
            Scale(-1, gram, i * stride, factor, i * stride, k); // exact
            target.Slice(k).Clear();
            target[i] += t - shift;
        }
        for (int first = 0; first < k; first += CholeskyBlock)
        {
            int end = Math.Min(first + CholeskyBlock, k);
            for (int i = first; i < end; i++)
            {
                int row = i * stride;
                for (int q = first; q < i; q++)
                    SubtractMultiple(factor[q * stride + i], factor, q * stride + i, factor, row + i, k - i);
                double diagonal = factor[row + i];
                if (!(diagonal > 0))
                    return i;
                double pivot = factor[row + i] = Math.Sqrt(diagonal);
                Scale(1 / pivot, factor, row + i + 1, factor, row + i + 1, k - i - 1);
            }
            if (end < k)
                SubtractProducts(factor, first, end - first, stride, end, k);
        }
        double frobenius = 0;
        for (int i = 0; i < k; i++)
            frobenius += Dot(factor, i * stride + i, factor, i * stride + i, k - i);
        double diagonalError = 2 * Unit * (t + shift + largestDiagonal) * (1 + 2 * Unit);
        double needed = (gramError + diagonalError + Gamma(k + 2) * frobenius * Slack) * Slack + 1e-300;
        return shift >= needed ? -1 : k;
    }

    /// <summary>
    /// After <see cref="Cholesky"/> broke down at <paramref name="column"/> j: x = [−R₁⁻¹r, 1, 0…] with R₁ the factor's
    /// leading j × j block and r its column j above the diagonal (L₁ = R₁ᵀ and l = r in the class summary), for which xᵀBx
    /// equals the failed pivot (≤ 0), so xᵀG̃x ≥ (t − c)·xᵀx. Writes x to <paramref name="v"/> and returns its Rayleigh
    /// quotient, or null when the test did not break down.
    /// </summary>
    private static double? Witness(double[] gram, int k, int stride, int column, double[] v)
    {
        if (column >= k)
            return null;
        double[] factor = t_factor!;
        Array.Clear(v, 0, k);
        v[column] = 1;
        // Back substitution R₁y = r, then x = −y: row i of R₁ runs along the factor's row i.
        for (int i = column - 1; i >= 0; i--)
        {
            double sum = factor[i * stride + column];
            for (int r = i + 1; r < column; r++)
                sum -= factor[i * stride + r] * (-v[r]);
            v[i] = -sum / factor[i * stride + i];
        }
        double[] w = Scratch(ref t_w, k);
        MatVec(gram, k, stride, v, w);
        double length = Dot(v, v, k);
        double rayleigh = Dot(v, w, k) / length;
        return double.IsNaN(rayleigh) || double.IsInfinity(rayleigh) ? null : rayleigh;
    }
}
