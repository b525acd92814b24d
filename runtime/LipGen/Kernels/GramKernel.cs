using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LipGen.Kernels;

/// <summary>
/// The Gram matrix AᵀA of the columns of a row-major matrix of doubles, as a register-blocked product: each tile of
/// 8 (with 32 vector registers, at 512 bits) or 6 rows × 2 vectors of G accumulates Σᵣ A[r, j]·A[r, k] over the rows of A,
/// one broadcast and two fused multiply-adds per row and tile row, with no horizontal sums. Only tiles on or above the diagonal are computed; the lower triangle
/// is mirrored, so G is exactly symmetric.
/// </summary>
internal static class GramKernel
{
    /// <summary>Columns of A and G must be padded to this multiple (the widest tile).</summary>
    public const int ColumnMultiple = 16;

    /// <summary>
    /// g [columns × columns] = AᵀA for a [rows × columns] (row-major, columns a multiple of <see cref="ColumnMultiple"/>),
    /// at the widest width the machine accelerates (or exactly the one named).
    /// </summary>
    public static void Columns(ref double a, int rows, int columns, ref double g, VectorBits width = VectorBits.All)
    {
        switch (Batched.Gemm.Widest(width))
        {
            case VectorBits.Bits512:
                Columns<Vector512<double>, DoubleLanes512>(ref a, rows, columns, ref g);
                break;
            case VectorBits.Bits256:
                Columns<Vector256<double>, DoubleLanes256>(ref a, rows, columns, ref g);
                break;
            case VectorBits.Bits128:
                Columns<Vector128<double>, DoubleLanes128>(ref a, rows, columns, ref g);
                break;
            default:
                Columns<double, DoubleLanes1>(ref a, rows, columns, ref g);
                break;
        }
    }

    private static void Columns<TD, TDL>(ref double a, int rows, int columns, ref double g) where TD : struct where TDL : struct, IDoubleLanes<TD>
    {
        int pair = 2 * TDL.Count;
        if (Unsafe.SizeOf<TD>() == 64)
        {
            // 32 registers: tiles of 8 rows × 2 vectors (16 accumulators, 10 loads per 16 multiply-adds).
            for (int j = 0; j < columns; j += 8)
                for (int k = j / pair * pair; k < columns; k += pair)
                    Tile8<TD, TDL>(ref a, rows, columns, j, k, ref g);
        }
        else
        {
            Tiles<TD, TDL, Overwrite>(ref a, rows, columns, 0, columns, ref g);
        }
        for (int j = 1; j < columns; j++)
            for (int k = 0; k < j; k++)
                Unsafe.Add(ref g, j * columns + k) = Unsafe.Add(ref g, k * columns + j);
    }

    /// <summary>
    /// g[j, l] −= Σ_{r &lt; rows} a[r, j]·a[r, l] for from ≤ j &lt; to and l from j (rounded down to a tile) to the end of the
    /// row: the trailing update of a blocked Cholesky factorisation, with a (rows × stride) its last block of rows and g the
    /// matrix (the same row stride, a multiple of <see cref="ColumnMultiple"/>, with zero rows and columns up to it). Entries
    /// left of the diagonal in a tile are updated too, from the entries of a left of its diagonal: the caller reads only
    /// the upper triangle. The 6 × 2 tiles run at every width (the 8-row tiles of 512 bits were not measured on a block of
    /// rows only 8 deep).
    /// </summary>
    public static void SubtractProducts(ref double a, int rows, int stride, int from, int to, ref double g, VectorBits width = VectorBits.All)
    {
        switch (Batched.Gemm.Widest(width))
        {
            case VectorBits.Bits512:
                Tiles<Vector512<double>, DoubleLanes512, Subtract>(ref a, rows, stride, from, to, ref g);
                break;
            case VectorBits.Bits256:
                Tiles<Vector256<double>, DoubleLanes256, Subtract>(ref a, rows, stride, from, to, ref g);
                break;
            case VectorBits.Bits128:
                Tiles<Vector128<double>, DoubleLanes128, Subtract>(ref a, rows, stride, from, to, ref g);
                break;
            default:
                Tiles<double, DoubleLanes1, Subtract>(ref a, rows, stride, from, to, ref g);
                break;
        }
    }

    /// <summary>
    /// The tiles for rows from ≤ j &lt; to of g and columns from j's tile to the end of the row (a and g share the row stride):
    /// 6 rows × 2 vectors (12 accumulators: two fused multiply-add units of latency 4 need 8 in flight, and 4 × 2 left them
    /// no slack), then 4 and 2 rows for the rows 6 does not divide, with 16 registers.
    /// </summary>
    private static void Tiles<TD, TDL, TMode>(ref double a, int rows, int stride, int from, int to, ref double g)
        where TD : struct where TDL : struct, IDoubleLanes<TD> where TMode : struct, IConstant
    {
        int pair = 2 * TDL.Count, j = from;
        for (; j + 6 <= to; j += 6)
            for (int k = j / pair * pair; k < stride; k += pair)
                Tile<TD, TDL, Six, TMode>(ref a, rows, stride, j, k, ref g);
        for (; j + 4 <= to; j += 4)
            for (int k = j / pair * pair; k < stride; k += pair)
                Tile<TD, TDL, Four, TMode>(ref a, rows, stride, j, k, ref g);
        for (; j < to; j += 2)
            for (int k = j / pair * pair; k < stride; k += pair)
                Tile<TD, TDL, Two, TMode>(ref a, rows, stride, j, k, ref g);
    }

    /// <summary>A tile's mode: its sums stored.</summary>
    private readonly struct Overwrite : IConstant
    {
        public static int Value
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            get => 0;
        }
    }

    /// <summary>A tile's mode: its sums taken from what g holds.</summary>
    private readonly struct Subtract : IConstant
    {
        public static int Value
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            get => 1;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile8<TD, TDL>(ref double a, int rows, nint columns, int j, int k, ref double g) where TD : struct where TDL : struct, IDoubleLanes<TD>
    {
        int v = TDL.Count;
        TD a00 = TDL.Zero, a01 = TDL.Zero, a10 = TDL.Zero, a11 = TDL.Zero, a20 = TDL.Zero, a21 = TDL.Zero, a30 = TDL.Zero, a31 = TDL.Zero, a40 = TDL.Zero, a41 = TDL.Zero, a50 = TDL.Zero, a51 = TDL.Zero, a60 = TDL.Zero, a61 = TDL.Zero, a70 = TDL.Zero, a71 = TDL.Zero;
        ref double left = ref Unsafe.Add(ref a, j), right = ref Unsafe.Add(ref a, k);
        for (int r = 0; r < rows; r++)
        {
            TD x0 = TDL.Load(ref right), x1 = TDL.Load(ref Unsafe.Add(ref right, v));
            TD b0 = TDL.Broadcast(left);
            a00 = TDL.MultiplyAdd(b0, x0, a00);
            a01 = TDL.MultiplyAdd(b0, x1, a01);
            TD b1 = TDL.Broadcast(Unsafe.Add(ref left, 1));
            a10 = TDL.MultiplyAdd(b1, x0, a10);
            a11 = TDL.MultiplyAdd(b1, x1, a11);
            TD b2 = TDL.Broadcast(Unsafe.Add(ref left, 2));
            a20 = TDL.MultiplyAdd(b2, x0, a20);
            a21 = TDL.MultiplyAdd(b2, x1, a21);
            TD b3 = TDL.Broadcast(Unsafe.Add(ref left, 3));
            a30 = TDL.MultiplyAdd(b3, x0, a30);
            a31 = TDL.MultiplyAdd(b3, x1, a31);
            TD b4 = TDL.Broadcast(Unsafe.Add(ref left, 4));
            a40 = TDL.MultiplyAdd(b4, x0, a40);
            a41 = TDL.MultiplyAdd(b4, x1, a41);
            TD b5 = TDL.Broadcast(Unsafe.Add(ref left, 5));
            a50 = TDL.MultiplyAdd(b5, x0, a50);
            a51 = TDL.MultiplyAdd(b5, x1, a51);
            TD b6 = TDL.Broadcast(Unsafe.Add(ref left, 6));
            a60 = TDL.MultiplyAdd(b6, x0, a60);
            a61 = TDL.MultiplyAdd(b6, x1, a61);
            TD b7 = TDL.Broadcast(Unsafe.Add(ref left, 7));
            a70 = TDL.MultiplyAdd(b7, x0, a70);
            a71 = TDL.MultiplyAdd(b7, x1, a71);
            left = ref Unsafe.Add(ref left, columns);
            right = ref Unsafe.Add(ref right, columns);
        }
        ref double target = ref Unsafe.Add(ref g, j * columns + k);
        TDL.Store(a00, ref target);
        TDL.Store(a01, ref Unsafe.Add(ref target, v));
        TDL.Store(a10, ref Unsafe.Add(ref target, 1 * columns));
        TDL.Store(a11, ref Unsafe.Add(ref target, 1 * columns + v));
        TDL.Store(a20, ref Unsafe.Add(ref target, 2 * columns));
        TDL.Store(a21, ref Unsafe.Add(ref target, 2 * columns + v));
        TDL.Store(a30, ref Unsafe.Add(ref target, 3 * columns));
        TDL.Store(a31, ref Unsafe.Add(ref target, 3 * columns + v));
        TDL.Store(a40, ref Unsafe.Add(ref target, 4 * columns));
        TDL.Store(a41, ref Unsafe.Add(ref target, 4 * columns + v));
        TDL.Store(a50, ref Unsafe.Add(ref target, 5 * columns));
        TDL.Store(a51, ref Unsafe.Add(ref target, 5 * columns + v));
        TDL.Store(a60, ref Unsafe.Add(ref target, 6 * columns));
        TDL.Store(a61, ref Unsafe.Add(ref target, 6 * columns + v));
        TDL.Store(a70, ref Unsafe.Add(ref target, 7 * columns));
        TDL.Store(a71, ref Unsafe.Add(ref target, 7 * columns + v));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile<TD, TDL, TRows, TMode>(ref double a, int rows, nint columns, int j, int k, ref double g)
        where TD : struct where TDL : struct, IDoubleLanes<TD> where TRows : struct, IConstant where TMode : struct, IConstant
    {
        int v = TDL.Count, n = TRows.Value;
        TD a00 = TDL.Zero, a01 = TDL.Zero, a10 = TDL.Zero, a11 = TDL.Zero, a20 = TDL.Zero, a21 = TDL.Zero, a30 = TDL.Zero, a31 = TDL.Zero;
        TD a40 = TDL.Zero, a41 = TDL.Zero, a50 = TDL.Zero, a51 = TDL.Zero;
        // Two references that step down the rows together: every other offset is a constant the addressing folds.
        ref double left = ref Unsafe.Add(ref a, j), right = ref Unsafe.Add(ref a, k);
        for (int r = 0; r < rows; r++)
        {
            TD x0 = TDL.Load(ref right), x1 = TDL.Load(ref Unsafe.Add(ref right, v));
            TD b = TDL.Broadcast(left);
            a00 = TDL.MultiplyAdd(b, x0, a00);
            a01 = TDL.MultiplyAdd(b, x1, a01);
            b = TDL.Broadcast(Unsafe.Add(ref left, 1));
            a10 = TDL.MultiplyAdd(b, x0, a10);
            a11 = TDL.MultiplyAdd(b, x1, a11);
            if (n > 2)
            {
                b = TDL.Broadcast(Unsafe.Add(ref left, 2));
                a20 = TDL.MultiplyAdd(b, x0, a20);
                a21 = TDL.MultiplyAdd(b, x1, a21);
                b = TDL.Broadcast(Unsafe.Add(ref left, 3));
                a30 = TDL.MultiplyAdd(b, x0, a30);
                a31 = TDL.MultiplyAdd(b, x1, a31);
            }
            if (n > 4)
            {
                b = TDL.Broadcast(Unsafe.Add(ref left, 4));
                a40 = TDL.MultiplyAdd(b, x0, a40);
                a41 = TDL.MultiplyAdd(b, x1, a41);
                b = TDL.Broadcast(Unsafe.Add(ref left, 5));
                a50 = TDL.MultiplyAdd(b, x0, a50);
                a51 = TDL.MultiplyAdd(b, x1, a51);
            }
            left = ref Unsafe.Add(ref left, columns);
            right = ref Unsafe.Add(ref right, columns);
        }
        ref double target = ref Unsafe.Add(ref g, j * columns + k);
        Store<TD, TDL, TMode>(a00, ref target);
        Store<TD, TDL, TMode>(a01, ref Unsafe.Add(ref target, v));
        Store<TD, TDL, TMode>(a10, ref Unsafe.Add(ref target, columns));
        Store<TD, TDL, TMode>(a11, ref Unsafe.Add(ref target, columns + v));
        if (n > 2)
        {
            Store<TD, TDL, TMode>(a20, ref Unsafe.Add(ref target, 2 * columns));
            Store<TD, TDL, TMode>(a21, ref Unsafe.Add(ref target, 2 * columns + v));
            Store<TD, TDL, TMode>(a30, ref Unsafe.Add(ref target, 3 * columns));
            Store<TD, TDL, TMode>(a31, ref Unsafe.Add(ref target, 3 * columns + v));
        }
        if (n > 4)
        {
            Store<TD, TDL, TMode>(a40, ref Unsafe.Add(ref target, 4 * columns));
            Store<TD, TDL, TMode>(a41, ref Unsafe.Add(ref target, 4 * columns + v));
            Store<TD, TDL, TMode>(a50, ref Unsafe.Add(ref target, 5 * columns));
            Store<TD, TDL, TMode>(a51, ref Unsafe.Add(ref target, 5 * columns + v));
        }
    }

    /// <summary>
    /// A tile's sums stored, or (<see cref="Subtract"/>) taken from what g holds: g − sums by a fused multiply-add with −1,
    /// one rounding as a subtraction, and an order each entry's sum may take (g's own term last). Accumulators that start
    /// at g would need every broadcast negated, which keeps the JIT from folding the broadcasts' loads into them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<TD, TDL, TMode>(TD sums, ref double at) where TD : struct where TDL : struct, IDoubleLanes<TD> where TMode : struct, IConstant
    {
        if (TMode.Value == Subtract.Value)
            TDL.Store(TDL.MultiplyAdd(sums, TDL.Broadcast(-1), TDL.Load(ref at)), ref at);
        else
            TDL.Store(sums, ref at);
    }
}
