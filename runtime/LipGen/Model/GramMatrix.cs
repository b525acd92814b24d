// Gram matrices for the layers whose bound comes from |WᵀW| (AOL, SLL blocks). Linked into the generator; netstandard2.0.
using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;

namespace LipGen.Model;

/// <summary>
/// The Gram matrix of a set of float vectors, in double, with a sound bound on how far each computed entry may be from
/// the exact one: what AOL's column scales, SLL's diagonals, their certificates and their gradients are built from. The
/// vectors are widened to double once and multiplied by the register-blocked <c>Kernels.GramKernel</c> (plain loops in
/// the generator, which checks compiled-in weights once a build). The same input gives the same matrix, bit for bit,
/// whether it was computed now or kept from the call before.
/// </summary>
internal sealed class GramMatrix
{
    // The last Gram matrices this thread computed, newest first: a training step derives D (or t) from W after the update,
    // and the next step's backward pass needs the Gram matrix of that same W, so each is computed once a step, not twice.
    // An entry is reused only where its source matrix is bit for bit the one asked for.
    [ThreadStatic]
    private static List<GramMatrix>? t_recent;

    private const int RecentCount = 16;

    /// <summary>Matrices above this many doubles are not kept.</summary>
    private const int CacheLimit = 1 << 19;

    private double[] _vectors = Array.Empty<double>(), _entries = Array.Empty<double>(), _norms = Array.Empty<double>(), _absoluteSums = Array.Empty<double>();
    private double _gamma, _normSum;
    private float[] _source = Array.Empty<float>();
    private int _rows, _columns, _stride;
    private bool _ofColumns;

    /// <summary>How many vectors (the matrix is Count × Count).</summary>
    public int Count { get; private set; }

    /// <summary>Their length.</summary>
    public int Length { get; private set; }

    /// <summary>The computed entry (i, j), the dot product of vectors i and j in double.</summary>
    public double this[int i, int j] => _entries[i * _stride + j];

    /// <summary>Row i of the computed matrix.</summary>
    public ReadOnlySpan<double> Row(int i) => _entries.AsSpan(i * _stride, Count);

    /// <summary>Σⱼ |computed entry (i, j)|.</summary>
    public double AbsoluteRowSum(int i) => _absoluteSums[i];

    /// <summary>
    /// An upper bound on Σⱼ |exact entry (i, j)|: the sum of <see cref="AbsoluteUpper"/> over the row, in one pass, within
    /// γ_{Count+3} of its value in exact arithmetic (the caller rounds outward).
    /// </summary>
    public double AbsoluteRowUpper(int i) => _absoluteSums[i] + _gamma * _norms[i] * _normSum;

    /// <summary>
    /// An upper bound on |exact entry (i, j)|: |computed| + γ_{Length+1}·‖aᵢ‖₂·‖aⱼ‖₂, since a dot product of n terms in
    /// double is within γ_{n+1}·Σ|aₖbₖ| of the exact one (fused or not, in any order) and Σ|aₖbₖ| ≤ ‖a‖₂‖b‖₂. The norms
    /// are computed in double too, which the factor 1.0001 on γ more than covers.
    /// </summary>
    public double AbsoluteUpper(int i, int j) => Math.Abs(_entries[i * _stride + j]) + _gamma * _norms[i] * _norms[j];

    /// <summary>
    /// g [padded × padded] = AᵀA for A [rows × padded] of doubles (padded a multiple of 16): the register-blocked Gram kernel
    /// in the library, plain loops in the generator (which checks compiled-in weights once a build).
    /// </summary>
    internal static void Columns(double[] a, int rows, int padded, double[] g)
    {
#if LIPGEN_GENERATOR
        for (int i = 0; i < padded; i++)
            for (int j = i; j < padded; j++)
            {
                double sum = 0;
                for (int l = 0; l < rows; l++)
                    sum += a[l * padded + i] * a[l * padded + j];
                g[i * padded + j] = g[j * padded + i] = sum;
            }
#else
        Kernels.GramKernel.Columns(ref a[0], rows, padded, ref g[0]);
#endif
    }

    /// <summary>γₙ = n·u/(1 − n·u) for double, u = 2⁻⁵³.</summary>
    public static double Gamma(int n) => n * (1.0 / (1L << 53)) / (1 - n * (1.0 / (1L << 53)));

    /// <summary>
    /// The Gram matrix of the rows of <paramref name="matrix"/> [<paramref name="rows"/> × <paramref name="columns"/>]
    /// (A·Aᵀ), or of its columns (AᵀA) when <paramref name="ofColumns"/>. The instance is this thread's and is reused by
    /// the next call on it.
    /// </summary>
    public static GramMatrix Of(ReadOnlySpan<float> matrix, int rows, int columns, bool ofColumns)
    {
        List<GramMatrix> recent = t_recent ??= new List<GramMatrix>();
        for (int r = 0; r < recent.Count; r++)
        {
            GramMatrix candidate = recent[r];
            if (candidate._rows == rows && candidate._columns == columns && candidate._ofColumns == ofColumns
                && MemoryMarshal.AsBytes(matrix).SequenceEqual(MemoryMarshal.AsBytes(candidate._source.AsSpan(0, rows * columns))))
            {
                recent.RemoveAt(r);
                recent.Insert(0, candidate);
                return candidate;
            }
        }
        int count = ofColumns ? columns : rows, length = ofColumns ? rows : columns;
        // Replace the oldest matrix of the same shape (an earlier version of the same layer, typically: its buffers fit, so a
        // training step allocates nothing here), else add one, else replace the oldest.
        int reuse = recent.Count - 1;
        while (reuse >= 0 && !(recent[reuse]._rows == rows && recent[reuse]._columns == columns && recent[reuse]._ofColumns == ofColumns))
            reuse--;
        if (reuse < 0 && recent.Count >= RecentCount)
            reuse = recent.Count - 1;
        GramMatrix gram = reuse < 0 ? new GramMatrix() : recent[reuse];
        if (reuse >= 0)
            recent.RemoveAt(reuse);
        gram.Compute(matrix, rows, columns, ofColumns, count, length);
        if ((long)count * (count + length) <= CacheLimit)
            recent.Insert(0, gram);
        else
            gram._rows = -1; // not kept, and never matched
        return gram;
    }

    private void Compute(ReadOnlySpan<float> matrix, int rows, int columns, bool ofColumns, int count, int length)
    {
        _rows = rows;
        _columns = columns;
        _ofColumns = ofColumns;
        Count = count;
        Length = length;
        if (_source.Length < rows * columns)
            _source = new float[rows * columns];
        matrix.CopyTo(_source);
        // The vectors as the columns of a [length × padded] matrix of doubles: the Gram kernel's layout.
        int padded = (count + 15) / 16 * 16;
        _stride = padded;
        double[] a = Grow(ref _vectors, length * padded);
        if (ofColumns)
            for (int r = 0; r < rows; r++)
            {
                ReadOnlySpan<float> source = matrix.Slice(r * columns, columns);
                Span<double> target = a.AsSpan(r * padded, padded);
                for (int c = 0; c < source.Length; c++)
                    target[c] = source[c];
                target.Slice(columns).Clear();
            }
        else
        {
            if (padded != count)
                Array.Clear(a, 0, length * padded);
            for (int r = 0; r < rows; r++)
            {
                ReadOnlySpan<float> source = matrix.Slice(r * columns, columns);
                for (int c = 0; c < source.Length; c++)
                    a[c * padded + r] = source[c];
            }
        }
        double[] entries = Grow(ref _entries, padded * padded), norms = Grow(ref _norms, count), sums = Grow(ref _absoluteSums, count);
        Columns(a, length, padded, entries);
        double normSum = 0;
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<double> row = entries.AsSpan(i * padded, count);
            double absolute = 0;
            foreach (double entry in row)
                absolute += Math.Abs(entry);
            sums[i] = absolute;
            norms[i] = Math.Sqrt(row[i]);
            normSum += norms[i];
        }
        _normSum = normSum;
        _gamma = Gamma(length + 1) * 1.0001;
    }

    private static double[] Grow(ref double[] buffer, int length)
    {
        if (buffer.Length < length)
            buffer = new double[length];
        return buffer;
    }

    /// <summary>
    /// out[r, ·] += Σₖ a[r, k]·b[k, ·] for a [rows × inner] and b [inner × columns] (row-major, in float): the products of
    /// the derived values' backward passes, on the batched GEMM kernel in the library.
    /// </summary>
    public static void AddProduct(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> output, int rows, int inner, int columns)
    {
#if LIPGEN_GENERATOR
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
            {
                double sum = 0;
                for (int k = 0; k < inner; k++)
                    sum += a[r * inner + k] * b[k * columns + c];
                output[r * columns + c] += (float)sum;
            }
#else
        // The product's column blocks are whole multiples of 16: b and the result are padded to that.
        int padded = (columns + 15) & ~15;
        float[] x = FloatBuffer(ref t_right, inner * padded), y = FloatBuffer(ref t_product, rows * padded);
        for (int k = 0; k < inner; k++)
        {
            b.Slice(k * columns, columns).CopyTo(x.AsSpan(k * padded, columns));
            x.AsSpan(k * padded + columns, padded - columns).Clear();
        }
        Kernels.Batched.Gemm.Product<Kernels.Batched.NoEpilogue>(ref MemoryMarshal.GetReference(a), inner, 1, ref System.Runtime.CompilerServices.Unsafe.NullRef<float>(),
            false, ref x[0], ref y[0], ref System.Runtime.CompilerServices.Unsafe.NullRef<int>(), rows, inner, padded, 0, padded);
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
                output[r * columns + c] += y[r * padded + c];
#endif
    }

#if !LIPGEN_GENERATOR
    [ThreadStatic]
    private static float[]? t_right, t_product;
#endif

    /// <summary>
    /// ±1 with the sign of x, without a branch (the signs of a Gram matrix are as good as random, so a branch mispredicts
    /// half the time). The subgradient of |x| at 0 is taken as ±1 by the sign bit.
    /// </summary>
    public static double SignOf(double x) =>
#if LIPGEN_GENERATOR
        BitConverter.Int64BitsToDouble(BitConverter.DoubleToInt64Bits(1.0) | (BitConverter.DoubleToInt64Bits(x) & long.MinValue));
#else
        Math.CopySign(1.0, x);
#endif

    /// <summary>result = x + a ⊙ b element by element (on the cascade in the library; a plain loop in the generator).</summary>
    public static void AddProducts(ReadOnlySpan<float> x, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> result)
    {
#if LIPGEN_GENERATOR
        for (int i = 0; i < result.Length; i++)
            result[i] = x[i] + a[i] * b[i];
#else
        Kernels.Elementwise.Combine<Kernels.MultiplyAddOperator>(ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(a),
            ref MemoryMarshal.GetReference(b), ref MemoryMarshal.GetReference(result), result.Length);
#endif
    }

    /// <summary>A per-thread float buffer of a given role, grown on first use.</summary>
    public static float[] FloatBuffer(ref float[]? buffer, int length)
    {
        if (buffer is null || buffer.Length < length)
            buffer = new float[length];
        return buffer;
    }

    /// <summary>A per-thread double buffer of a given role, grown on first use.</summary>
    public static double[] Buffer(ref double[]? buffer, int length)
    {
        if (buffer is null || buffer.Length < length)
            buffer = new double[length];
        return buffer;
    }
}
