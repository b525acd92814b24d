using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LipGen.Kernels;

/// <summary>
/// 16-row blocks of a row-major matrix on 512-bit vectors: the fast paths of <see cref="Dense"/> when Vector512 is
/// accelerated. Reducing each row's products separately costs a horizontal sum per row; these kernels reduce sixteen
/// rows together, so the block's sixteen results come out as one vector in row order.
/// </summary>
internal static class Blocks512
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Mask(int bit) => bit switch
    {
        1 => Vector512.Create(-1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0).AsSingle(),
        2 => Vector512.Create(-1, -1, 0, 0, -1, -1, 0, 0, -1, -1, 0, 0, -1, -1, 0, 0).AsSingle(),
        4 => Vector512.Create(-1, -1, -1, -1, 0, 0, 0, 0, -1, -1, -1, -1, 0, 0, 0, 0).AsSingle(),
        _ => Vector512.Create(-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0).AsSingle(),
    };

    /// <summary>Lane l takes lane l xor <paramref name="distance"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> SwapAt(Vector512<float> v, int distance) => distance switch
    {
        1 => Vector512.Shuffle(v, Vector512.Create(1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14)),
        2 => Vector512.Shuffle(v, Vector512.Create(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13)),
        4 => Vector512.Shuffle(v, Vector512.Create(4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11)),
        _ => Vector512.Shuffle(v, Vector512.Create(8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7)),
    };

    /// <summary>
    /// One level of the transposing reduction: lanes whose bit <paramref name="bit"/> is clear get u[l] + u[l ^ bit], the
    /// others v[l] + v[l ^ bit]. Four levels turn sixteen per-row product vectors into one vector of row sums.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> Combine(Vector512<float> u, Vector512<float> v, int bit)
    {
        Vector512<float> mask = Mask(bit);
        return Vector512.ConditionalSelect(mask, u, v) + SwapAt(Vector512.ConditionalSelect(mask, v, u), bit);
    }

    // Rows of one or two chunks: x is loaded once, into registers, for all sixteen rows (the JIT does not reuse a load
    // across the sixteen inlined row products by itself).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Products(ref float row, Vector512<float> x0, Vector512<float> x1, int chunks) =>
        chunks == 1 ? Vector512.LoadUnsafe(ref row) * x0
            : Vector512.MultiplyAddEstimate(Vector512.LoadUnsafe(ref row, 16), x1, Vector512.LoadUnsafe(ref row) * x0);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Rows4(ref float w, Vector512<float> x0, Vector512<float> x1, int stride, int chunks, int first) =>
        Combine(
            Combine(Products(ref Unsafe.Add(ref w, first * stride), x0, x1, chunks), Products(ref Unsafe.Add(ref w, (first + 1) * stride), x0, x1, chunks), 1),
            Combine(Products(ref Unsafe.Add(ref w, (first + 2) * stride), x0, x1, chunks), Products(ref Unsafe.Add(ref w, (first + 3) * stride), x0, x1, chunks), 1),
            2);

    /// <summary>
    /// Σ over the first 16·<paramref name="chunks"/> columns of W[r, ·]·x for the 16 rows r at <paramref name="w"/>
    /// (row stride <paramref name="stride"/>), as one vector: lane r holds row r.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MatVec16(ref float w, ref float x, int stride, int chunks)
    {
        if (chunks > 2)
            return MatVec16Long(ref w, ref x, stride, chunks);
        Vector512<float> x0 = Vector512.LoadUnsafe(ref x), x1 = chunks == 2 ? Vector512.LoadUnsafe(ref x, 16) : default;
        return Combine(
            Combine(Rows4(ref w, x0, x1, stride, chunks, 0), Rows4(ref w, x0, x1, stride, chunks, 4), 4),
            Combine(Rows4(ref w, x0, x1, stride, chunks, 8), Rows4(ref w, x0, x1, stride, chunks, 12), 4),
            8);
    }

    /// <summary>
    /// <see cref="MatVec16"/> for rows of three or more chunks, four rows at a time: each pass runs the four rows' chunks
    /// side by side (four dependency chains, four sequential weight streams the prefetcher follows, each chunk of x loaded
    /// once for the four), and the transposing reduction combines the sixteen row vectors at the end.
    /// </summary>
    private static Vector512<float> MatVec16Long(ref float w, ref float x, nint stride, int chunks)
    {
        (Vector512<float> a0, Vector512<float> a1, Vector512<float> a2, Vector512<float> a3) = Rows4Long(ref w, ref x, stride, chunks);
        (Vector512<float> a4, Vector512<float> a5, Vector512<float> a6, Vector512<float> a7) = Rows4Long(ref Unsafe.Add(ref w, 4 * stride), ref x, stride, chunks);
        (Vector512<float> a8, Vector512<float> a9, Vector512<float> a10, Vector512<float> a11) = Rows4Long(ref Unsafe.Add(ref w, 8 * stride), ref x, stride, chunks);
        (Vector512<float> a12, Vector512<float> a13, Vector512<float> a14, Vector512<float> a15) = Rows4Long(ref Unsafe.Add(ref w, 12 * stride), ref x, stride, chunks);
        return Combine(
            Combine(Combine(Combine(a0, a1, 1), Combine(a2, a3, 1), 2), Combine(Combine(a4, a5, 1), Combine(a6, a7, 1), 2), 4),
            Combine(Combine(Combine(a8, a9, 1), Combine(a10, a11, 1), 2), Combine(Combine(a12, a13, 1), Combine(a14, a15, 1), 2), 4),
            8);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<float>, Vector512<float>, Vector512<float>, Vector512<float>) Rows4Long(ref float w, ref float x, nint stride, int chunks)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        nint s3 = 3 * stride;
        for (nint c = 0; c < chunks * 16; c += 16)
        {
            Vector512<float> xv = Vector512.LoadUnsafe(ref x, (nuint)c);
            ref float row = ref Unsafe.Add(ref w, c);
            a0 = Vector512.MultiplyAddEstimate(Vector512.LoadUnsafe(ref row), xv, a0);
            a1 = Vector512.MultiplyAddEstimate(Vector512.LoadUnsafe(ref Unsafe.Add(ref row, stride)), xv, a1);
            a2 = Vector512.MultiplyAddEstimate(Vector512.LoadUnsafe(ref Unsafe.Add(ref row, 2 * stride)), xv, a2);
            a3 = Vector512.MultiplyAddEstimate(Vector512.LoadUnsafe(ref Unsafe.Add(ref row, s3)), xv, a3);
        }
        return (a0, a1, a2, a3);
    }

    /// <summary>x[0..n) repeated across the 16 lanes, for n = 1, 2, 4 or 8.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Repeat(ref float x, int n)
    {
        if (n == 1)
            return Vector512.Create(x);
        if (n == 2)
            return Vector512.Create(Unsafe.ReadUnaligned<double>(ref Unsafe.As<float, byte>(ref x))).AsSingle();
        if (n == 4)
        {
            var q = Vector128.LoadUnsafe(ref x);
            return Vector512.Create(Vector256.Create(q, q), Vector256.Create(q, q));
        }
        var o = Vector256.LoadUnsafe(ref x);
        return Vector512.Create(o, o);
    }

    /// <summary>
    /// W·x for 16 rows of n = 1, 2, 4 or 8 columns: the block is n contiguous vectors, each holding 16/n whole rows.
    /// <paramref name="xRepeated"/> is <see cref="Repeat"/>(x, n).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MatVecNarrow16(ref float w, Vector512<float> xRepeated, int n)
    {
        // The short loops over vectors are written out per n: the JIT would keep them as loops with a switch inside.
        if (n == 1)
            return Vector512.LoadUnsafe(ref w) * xRepeated;
        Vector512<float> result = RowSums(ref w, xRepeated, n, 0);
        result = Vector512.ConditionalSelect(RowsOf(n, 1), RowSums(ref w, xRepeated, n, 1), result);
        if (n >= 4)
        {
            result = Vector512.ConditionalSelect(RowsOf(n, 2), RowSums(ref w, xRepeated, n, 2), result);
            result = Vector512.ConditionalSelect(RowsOf(n, 3), RowSums(ref w, xRepeated, n, 3), result);
        }
        if (n == 8)
        {
            result = Vector512.ConditionalSelect(RowsOf(n, 4), RowSums(ref w, xRepeated, n, 4), result);
            result = Vector512.ConditionalSelect(RowsOf(n, 5), RowSums(ref w, xRepeated, n, 5), result);
            result = Vector512.ConditionalSelect(RowsOf(n, 6), RowSums(ref w, xRepeated, n, 6), result);
            result = Vector512.ConditionalSelect(RowsOf(n, 7), RowSums(ref w, xRepeated, n, 7), result);
        }
        return result;
    }

    /// <summary>
    /// The row sums of vector <paramref name="j"/> of a narrow block (16/n whole rows), moved to the lanes of those rows
    /// (j·16/n …); the other lanes hold values the caller masks away.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> RowSums(ref float w, Vector512<float> xRepeated, int n, int j)
    {
        Vector512<float> p = Vector512.LoadUnsafe(ref w, (nuint)(16 * j)) * xRepeated;
        // Sum each row's n lanes (xor distances 1 … n/2): every lane of a row then holds the row's sum.
        p += SwapAt(p, 1);
        if (n >= 4)
            p += SwapAt(p, 2);
        if (n == 8)
            p += SwapAt(p, 4);
        return Gather(p, n, j);
    }

    /// <summary>
    /// ∂W[r, c] += δ[r]·x[c] for 16 rows of n = 1, 2, 4 or 8 columns (<paramref name="xRepeated"/> = <see cref="Repeat"/>(x, n)).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void OuterNarrow16(ref float weightGradient, Vector512<float> delta, Vector512<float> xRepeated, int n)
    {
        if (n == 1)
        {
            Vector512.MultiplyAddEstimate(delta, xRepeated, Vector512.LoadUnsafe(ref weightGradient)).StoreUnsafe(ref weightGradient);
            return;
        }
        OuterPart(ref weightGradient, delta, xRepeated, n, 0);
        OuterPart(ref weightGradient, delta, xRepeated, n, 1);
        if (n >= 4)
        {
            OuterPart(ref weightGradient, delta, xRepeated, n, 2);
            OuterPart(ref weightGradient, delta, xRepeated, n, 3);
        }
        if (n == 8)
        {
            OuterPart(ref weightGradient, delta, xRepeated, n, 4);
            OuterPart(ref weightGradient, delta, xRepeated, n, 5);
            OuterPart(ref weightGradient, delta, xRepeated, n, 6);
            OuterPart(ref weightGradient, delta, xRepeated, n, 7);
        }
    }

    /// <summary>
    /// x[c] = Σ_r δ[r]·W[r, c] over <paramref name="blocks"/> blocks of 16 rows of n = 1, 2, 4 or 8 columns: every vector
    /// of the matrix is weighted by its rows' δ, all are summed into one vector whose lane l holds a partial sum of column
    /// l mod n, and the lanes of each column are then folded together.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void TransposedNarrow(ref float w, ref float delta, ref float x, int blocks, int n)
    {
        Vector512<float> acc = Vector512<float>.Zero;
        for (int b = 0; b < blocks; b++)
        {
            Vector512<float> d = Vector512.LoadUnsafe(ref delta, (nuint)(16 * b));
            ref float block = ref Unsafe.Add(ref w, 16 * n * b);
            if (n == 1)
            {
                acc = Vector512.MultiplyAddEstimate(d, Vector512.LoadUnsafe(ref block), acc);
                continue;
            }
            acc = Vector512.MultiplyAddEstimate(Spread(d, n, 0), Vector512.LoadUnsafe(ref block), acc);
            acc = Vector512.MultiplyAddEstimate(Spread(d, n, 1), Vector512.LoadUnsafe(ref block, 16), acc);
            if (n >= 4)
            {
                acc = Vector512.MultiplyAddEstimate(Spread(d, n, 2), Vector512.LoadUnsafe(ref block, 32), acc);
                acc = Vector512.MultiplyAddEstimate(Spread(d, n, 3), Vector512.LoadUnsafe(ref block, 48), acc);
            }
            if (n == 8)
            {
                acc = Vector512.MultiplyAddEstimate(Spread(d, n, 4), Vector512.LoadUnsafe(ref block, 64), acc);
                acc = Vector512.MultiplyAddEstimate(Spread(d, n, 5), Vector512.LoadUnsafe(ref block, 80), acc);
                acc = Vector512.MultiplyAddEstimate(Spread(d, n, 6), Vector512.LoadUnsafe(ref block, 96), acc);
                acc = Vector512.MultiplyAddEstimate(Spread(d, n, 7), Vector512.LoadUnsafe(ref block, 112), acc);
            }
        }
        // Fold lanes l, l + n, l + 2n, … (xor distances n … 8) so that lane c < n holds column c.
        if (n <= 1)
            acc += SwapAt(acc, 1);
        if (n <= 2)
            acc += SwapAt(acc, 2);
        if (n <= 4)
            acc += SwapAt(acc, 4);
        acc += SwapAt(acc, 8);
        for (int c = 0; c < n; c++)
            Unsafe.Add(ref x, c) = acc.GetElement(c);
    }

    /// <summary>Vector j of the block: lane l belongs to row j·16/n + l/n.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OuterPart(ref float weightGradient, Vector512<float> delta, Vector512<float> xRepeated, int n, int j)
    {
        ref float target = ref Unsafe.Add(ref weightGradient, 16 * j);
        Vector512.MultiplyAddEstimate(Spread(delta, n, j), xRepeated, Vector512.LoadUnsafe(ref target)).StoreUnsafe(ref target);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> RowsOf(int n, int j)
    {
        int rows = 16 / n;
        return Vector512.GreaterThanOrEqual(Vector512<int>.Indices, Vector512.Create(j * rows))
            .AsSingle() & Vector512.LessThan(Vector512<int>.Indices, Vector512.Create((j + 1) * rows)).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Gather(Vector512<float> p, int n, int j)
    {
        int rows = 16 / n;
        // Lane i takes lane ((i − j·rows) mod rows)·n; only lanes of rows j·rows … are kept by the caller.
        return Vector512.Shuffle(p, (Vector512<int>.Indices - Vector512.Create(j * rows) & Vector512.Create(rows - 1)) * Vector512.Create(n));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Spread(Vector512<float> delta, int n, int j) =>
        Vector512.Shuffle(delta, Vector512.Create(j * (16 / n)) + Vector512.ShiftRightLogical(Vector512<int>.Indices, Log2(n)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Log2(int n) => n switch { 2 => 1, 4 => 2, 8 => 3, _ => 0 };
}
