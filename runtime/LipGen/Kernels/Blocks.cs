using System.Runtime.CompilerServices;

namespace LipGen.Kernels;

/// <summary>
/// Blocks of <c>TL.Count</c> rows of a row-major matrix on one vector width: the fast paths of <see cref="Dense"/> for a
/// single sample (16 rows at 512 bits, 8 at 256, 4 at 128). Reducing each row's products separately costs a horizontal
/// sum per row; these kernels reduce a block's rows together, so its results come out as one vector in row order.
/// </summary>
/// <remarks>
/// Tests on the width are written as <c>Unsafe.SizeOf&lt;TV&gt;()</c>, not <c>TL.Count</c>: the JIT folds the former while it
/// imports the code, before it inlines, so the branches a width cannot take never reach the caller's inlining budget
/// (the latter is itself a call, folded only after inlining). Generated code with many layers depends on that.
/// </remarks>
internal static class Blocks<TV, TL> where TV : struct where TL : struct, ILanes<TV>
{

    /// <summary>One level of the transposing reduction (<see cref="ILanes{TV}.Combine"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Combine(TV u, TV v, int bit) => TL.Combine(u, v, bit);

    /// <summary>Four row vectors reduced to one whose lanes l ≡ r (mod 4) hold partial sums of row r.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Reduce4(TV a0, TV a1, TV a2, TV a3) => Combine(Combine(a0, a1, 1), Combine(a2, a3, 1), 2);

    /// <summary>Weight <paramref name="index"/> from <paramref name="w"/> in format TW.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref byte At<TW>(ref byte w, nint index) where TW : struct, IWeightFormat => ref Unsafe.Add(ref w, index * TW.Size);

    // Rows of one or two vectors: x is loaded once, into registers, for all the rows (the JIT does not reuse a load across
    // the inlined row products by itself).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Products<TW>(ref byte row, TV x0, TV x1, int chunks) where TW : struct, IWeightFormat =>
        chunks == 1 ? TL.Multiply(TW.Load<TV, TL>(ref row), x0)
            : TL.MultiplyAdd(TW.Load<TV, TL>(ref At<TW>(ref row, TL.Count)), x1, TL.Multiply(TW.Load<TV, TL>(ref row), x0));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Rows4<TW>(ref byte w, TV x0, TV x1, int stride, int chunks, int first) where TW : struct, IWeightFormat =>
        Reduce4(Products<TW>(ref At<TW>(ref w, first * stride), x0, x1, chunks), Products<TW>(ref At<TW>(ref w, (first + 1) * stride), x0, x1, chunks),
            Products<TW>(ref At<TW>(ref w, (first + 2) * stride), x0, x1, chunks), Products<TW>(ref At<TW>(ref w, (first + 3) * stride), x0, x1, chunks));

    /// <summary>
    /// Σ over the first Count·<paramref name="chunks"/> columns of W[r, ·]·x for the Count rows r at <paramref name="w"/>
    /// (row stride <paramref name="stride"/>, weights in format TW), as one vector: lane r holds row r.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV MatVec<TW>(ref byte w, ref float x, int stride, int chunks) where TW : struct, IWeightFormat
    {
        if (chunks > 2)
            return MatVecLong<TW>(ref w, ref x, stride, chunks);
        TV x0 = TL.Load(ref x), x1 = chunks == 2 ? TL.Load(ref Unsafe.Add(ref x, TL.Count)) : default;
        if (Unsafe.SizeOf<TV>() == 16)
            return Rows4<TW>(ref w, x0, x1, stride, chunks, 0);
        if (Unsafe.SizeOf<TV>() == 32)
            return Combine(Rows4<TW>(ref w, x0, x1, stride, chunks, 0), Rows4<TW>(ref w, x0, x1, stride, chunks, 4), 4);
        return Combine(
            Combine(Rows4<TW>(ref w, x0, x1, stride, chunks, 0), Rows4<TW>(ref w, x0, x1, stride, chunks, 4), 4),
            Combine(Rows4<TW>(ref w, x0, x1, stride, chunks, 8), Rows4<TW>(ref w, x0, x1, stride, chunks, 12), 4),
            8);
    }

    /// <summary>
    /// <see cref="MatVec"/> for rows of three or more vectors, four rows at a time: each pass runs the four rows' vectors
    /// side by side (four dependency chains, four sequential weight streams the prefetcher follows, each vector of x loaded
    /// once for the four), and the transposing reduction combines the row vectors at the end.
    /// </summary>
    private static TV MatVecLong<TW>(ref byte w, ref float x, nint stride, int chunks) where TW : struct, IWeightFormat
    {
        TV low = Rows4Long<TW>(ref w, ref x, stride, chunks);
        if (Unsafe.SizeOf<TV>() == 16)
            return low;
        TV high = Rows4Long<TW>(ref At<TW>(ref w, 4 * stride), ref x, stride, chunks);
        if (Unsafe.SizeOf<TV>() == 32)
            return Combine(low, high, 4);
        return Combine(
            Combine(low, high, 4),
            Combine(Rows4Long<TW>(ref At<TW>(ref w, 8 * stride), ref x, stride, chunks), Rows4Long<TW>(ref At<TW>(ref w, 12 * stride), ref x, stride, chunks), 4),
            8);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Rows4Long<TW>(ref byte w, ref float x, nint stride, int chunks) where TW : struct, IWeightFormat
    {
        TV a0 = TL.Zero, a1 = TL.Zero, a2 = TL.Zero, a3 = TL.Zero;
        nint rowBytes = stride * TW.Size;
        for (nint c = 0; c < chunks * TL.Count; c += TL.Count)
        {
            TV xv = TL.Load(ref Unsafe.Add(ref x, c));
            ref byte row = ref At<TW>(ref w, c);
            a0 = TL.MultiplyAdd(TW.Load<TV, TL>(ref row), xv, a0);
            a1 = TL.MultiplyAdd(TW.Load<TV, TL>(ref Unsafe.Add(ref row, rowBytes)), xv, a1);
            a2 = TL.MultiplyAdd(TW.Load<TV, TL>(ref Unsafe.Add(ref row, 2 * rowBytes)), xv, a2);
            a3 = TL.MultiplyAdd(TW.Load<TV, TL>(ref Unsafe.Add(ref row, 3 * rowBytes)), xv, a3);
        }
        return Reduce4(a0, a1, a2, a3);
    }

    /// <summary>
    /// W·x for Count rows of n columns (1, 2, 4 or 8, below Count): the block is n contiguous vectors, each holding Count/n
    /// whole rows. <paramref name="xRepeated"/> is x repeated across the lanes (<c>TL.Repeat</c>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV MatVecNarrow<TW>(ref byte w, TV xRepeated, int n) where TW : struct, IWeightFormat
    {
        // The short loops over vectors are written out per n: the JIT would keep them as loops with a switch inside.
        if (n == 1)
            return TL.Multiply(TW.Load<TV, TL>(ref w), xRepeated);
        TV result = RowSums<TW>(ref w, xRepeated, n, 0);
        result = TL.Select(TL.RowMask(n, 1), RowSums<TW>(ref w, xRepeated, n, 1), result);
        if (n >= 4)
        {
            result = TL.Select(TL.RowMask(n, 2), RowSums<TW>(ref w, xRepeated, n, 2), result);
            result = TL.Select(TL.RowMask(n, 3), RowSums<TW>(ref w, xRepeated, n, 3), result);
        }
        if (n == 8)
        {
            result = TL.Select(TL.RowMask(n, 4), RowSums<TW>(ref w, xRepeated, n, 4), result);
            result = TL.Select(TL.RowMask(n, 5), RowSums<TW>(ref w, xRepeated, n, 5), result);
            result = TL.Select(TL.RowMask(n, 6), RowSums<TW>(ref w, xRepeated, n, 6), result);
            result = TL.Select(TL.RowMask(n, 7), RowSums<TW>(ref w, xRepeated, n, 7), result);
        }
        return result;
    }

    /// <summary>
    /// The row sums of vector <paramref name="j"/> of a narrow block (Count/n whole rows), moved to the lanes of those rows;
    /// the other lanes hold values the caller masks away.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV RowSums<TW>(ref byte w, TV xRepeated, int n, int j) where TW : struct, IWeightFormat
    {
        TV p = TL.Multiply(TW.Load<TV, TL>(ref At<TW>(ref w, TL.Count * j)), xRepeated);
        // Sum each row's n lanes (xor distances 1 … n/2): every lane of a row then holds the row's sum.
        p = TL.Add(p, TL.SwapLanes(p, 1));
        if (n >= 4)
            p = TL.Add(p, TL.SwapLanes(p, 2));
        if (n == 8)
            p = TL.Add(p, TL.SwapLanes(p, 4));
        return TL.GatherRows(p, n, j);
    }

    /// <summary>∂W[r, c] += δ[r]·x[c] for Count rows of n columns (1, 2, 4 or 8, below Count).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void OuterNarrow(ref float weightGradient, TV delta, TV xRepeated, int n)
    {
        if (n == 1)
        {
            TL.Store(TL.MultiplyAdd(delta, xRepeated, TL.Load(ref weightGradient)), ref weightGradient);
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

    /// <summary>Vector j of the block: lane l belongs to row j·Count/n + l/n.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OuterPart(ref float weightGradient, TV delta, TV xRepeated, int n, int j)
    {
        ref float target = ref Unsafe.Add(ref weightGradient, TL.Count * j);
        TL.Store(TL.MultiplyAdd(TL.SpreadRows(delta, n, j), xRepeated, TL.Load(ref target)), ref target);
    }

    /// <summary>
    /// x[c] = Σ_r δ[r]·W[r, c] over <paramref name="blocks"/> blocks of Count rows of n columns (1, 2, 4 or 8, below Count): every
    /// vector of the matrix is weighted by its rows' δ, all are summed into one vector whose lane l holds a partial sum of
    /// column l mod n, and the lanes of each column are then folded together.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void TransposedNarrow(ref float w, ref float delta, ref float x, int blocks, int n)
    {
        TV acc = TL.Zero;
        for (int b = 0; b < blocks; b++)
        {
            TV d = TL.Load(ref Unsafe.Add(ref delta, TL.Count * b));
            ref float block = ref Unsafe.Add(ref w, TL.Count * n * b);
            if (n == 1)
            {
                acc = TL.MultiplyAdd(d, TL.Load(ref block), acc);
                continue;
            }
            acc = TL.MultiplyAdd(TL.SpreadRows(d, n, 0), TL.Load(ref block), acc);
            acc = TL.MultiplyAdd(TL.SpreadRows(d, n, 1), TL.Load(ref Unsafe.Add(ref block, TL.Count)), acc);
            if (n >= 4)
            {
                acc = TL.MultiplyAdd(TL.SpreadRows(d, n, 2), TL.Load(ref Unsafe.Add(ref block, 2 * TL.Count)), acc);
                acc = TL.MultiplyAdd(TL.SpreadRows(d, n, 3), TL.Load(ref Unsafe.Add(ref block, 3 * TL.Count)), acc);
            }
            if (n == 8)
            {
                acc = TL.MultiplyAdd(TL.SpreadRows(d, n, 4), TL.Load(ref Unsafe.Add(ref block, 4 * TL.Count)), acc);
                acc = TL.MultiplyAdd(TL.SpreadRows(d, n, 5), TL.Load(ref Unsafe.Add(ref block, 5 * TL.Count)), acc);
                acc = TL.MultiplyAdd(TL.SpreadRows(d, n, 6), TL.Load(ref Unsafe.Add(ref block, 6 * TL.Count)), acc);
                acc = TL.MultiplyAdd(TL.SpreadRows(d, n, 7), TL.Load(ref Unsafe.Add(ref block, 7 * TL.Count)), acc);
            }
        }
        // Fold lanes l, l + n, l + 2n, … (xor distances n … Count/2) so that lane c < n holds column c.
        if (n <= 1)
            acc = TL.Add(acc, TL.SwapLanes(acc, 1));
        if (n <= 2)
            acc = TL.Add(acc, TL.SwapLanes(acc, 2));
        if (n <= 4 && Unsafe.SizeOf<TV>() > 16)
            acc = TL.Add(acc, TL.SwapLanes(acc, 4));
        if (Unsafe.SizeOf<TV>() > 32)
            acc = TL.Add(acc, TL.SwapLanes(acc, 8));
        for (int c = 0; c < n; c++)
            Unsafe.Add(ref x, c) = TL.Element(acc, c);
    }
}
