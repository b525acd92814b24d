using System.Runtime.CompilerServices;

namespace LipGen.Kernels.Batched;

/// <summary>
/// The activation a product applies to its output (bias is added in the accumulators), in registers, on every block's row
/// pairs before it stores them (<see cref="Mode"/>): full blocks and the 4- and 2-row blocks after them alike.
/// </summary>
internal interface IEpilogue
{
    /// <summary>What a block does to its row pairs (0, 1), (2, 3), … in registers, before it stores them.</summary>
    static abstract PairMode Mode { get; }
}

/// <summary>No activation: the output layer, and the input gradient of the first layer.</summary>
internal readonly struct NoEpilogue : IEpilogue
{
    public static PairMode Mode
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => PairMode.None;
    }
}

/// <summary>MaxMin on row pairs (2k, 2k+1), in the mode of <see cref="MaxMin.Exchange"/>: sort and record, sort, or route gradients.</summary>
internal readonly struct MaxMinEpilogue<TMode> : IEpilogue where TMode : struct, MaxMin.IExchangeMode
{
    // Inlined by demand: without tiering (NativeAOT, TieredCompilation off) the JIT left this a call in every block, and the
    // accumulators live across it were spilled to the stack at every step of the depth loop (L batch 3× slower).
    public static PairMode Mode
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => !TMode.Compare ? PairMode.Route : TMode.Record ? PairMode.Order : PairMode.Sort;
    }
}

/// <summary>MaxMin on a row pair, applied by a block to its accumulators.</summary>
internal enum PairMode
{
    /// <summary>Nothing.</summary>
    None,

    /// <summary>Swap where the first row is greater, and store the swap mask.</summary>
    Order,

    /// <summary>Swap where the first row is greater.</summary>
    Sort,

    /// <summary>Swap where the stored mask says so (the backward route).</summary>
    Route,
}

/// <summary>
/// Register-blocked matrix products on feature-major blocks ([rows × columns], one column per sample, row stride ld), in the
/// manner of LIBXSMM's small-matrix kernels: a micro-kernel keeps <see cref="ILanes{TV}.BlockRows"/> rows × <see cref="ILanes{TV}.BlockVectors"/> vectors
/// of accumulators in registers while it runs the whole depth as broadcast-times-vector FMAs, so each loaded input vector
/// serves 4 rows and each broadcast weight serves every vector of the block. The batch is walked one block of columns at
/// a time, which every row panel passes over while it is in L1, and the activation runs on each block before it is stored.
/// </summary>
/// <remarks>
/// Wᵀ is packed per call into 4-row panels, and x one column block at a time (see <see cref="PackPanels"/> and
/// <see cref="Pack"/>), so no packed copy has to be kept in step with the parameters. Every method is compiled for each
/// <see cref="ILanes{TV}"/> width; <see cref="VectorBits"/> picks one.
/// </remarks>
internal static class Gemm
{
    /// <summary>Columns per chunk of the weight gradient's sums: long enough that the horizontal sums at its end cost little.</summary>
    internal const int SumChunkColumns = 4096;

    /// <summary>
    /// y[r, c] = Σ_k w[r·rowStride + k·depthStride]·x[k, c] (+ bias[r]) over rows [0, rows) and columns [begin, end), then
    /// the epilogue. x has depth rows, y has rows rows, both with row stride ld. begin and end are multiples of 16.
    /// y may be x itself: each block of columns of x is copied before any of those columns of y is written.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Product<TEpilogue>(ref float w, nint rowStride, nint depthStride, ref float bias, bool hasBias, ref float x, ref float y,
        ref int record, int rows, int depth, nint ld, int begin, int end, VectorBits limit = VectorBits.All) where TEpilogue : struct, IEpilogue =>
        Product<TEpilogue>(ref w, rowStride, depthStride, ref Unsafe.NullRef<float>(), ref bias, hasBias, ref x, ref y, ref record, rows, depth, ld, begin, end, limit);

    /// <summary>
    /// <see cref="Product{TEpilogue}(ref float, nint, nint, ref float, bool, ref float, ref float, ref int, int, int, nint, int, int, VectorBits)"/>
    /// with Wᵀ's panels already packed by <see cref="PackPanels"/> (or a null reference to pack them here): the parts of a
    /// product split between threads share one packed copy instead of packing one each.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Product<TEpilogue>(ref float w, nint rowStride, nint depthStride, ref float packedPanels, ref float bias, bool hasBias,
        ref float x, ref float y, ref int record, int rows, int depth, nint ld, int begin, int end, VectorBits limit = VectorBits.All)
        where TEpilogue : struct, IEpilogue
    {
        switch (Widest(limit))
        {
            case VectorBits.Bits512:
                Product<System.Runtime.Intrinsics.Vector512<float>, Lanes512, TEpilogue>(ref w, rowStride, depthStride, ref packedPanels, ref bias, hasBias, ref x, ref y, ref record, rows, depth, ld, begin, end);
                break;
            case VectorBits.Bits256:
                Product<System.Runtime.Intrinsics.Vector256<float>, Lanes256, TEpilogue>(ref w, rowStride, depthStride, ref packedPanels, ref bias, hasBias, ref x, ref y, ref record, rows, depth, ld, begin, end);
                break;
            case VectorBits.Bits128:
                Product<System.Runtime.Intrinsics.Vector128<float>, Lanes128, TEpilogue>(ref w, rowStride, depthStride, ref packedPanels, ref bias, hasBias, ref x, ref y, ref record, rows, depth, ld, begin, end);
                break;
            default:
                Product<float, Lanes1, TEpilogue>(ref w, rowStride, depthStride, ref packedPanels, ref bias, hasBias, ref x, ref y, ref record, rows, depth, ld, begin, end);
                break;
        }
    }

    /// <summary>
    /// The one width a product runs at (its block shapes are per width, so it does not cascade): the widest the machine
    /// accelerates for <see cref="VectorBits.All"/>, else exactly the width named (in software where the hardware lacks it).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static VectorBits Widest(VectorBits limit) => limit != VectorBits.All ? limit
        : System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? VectorBits.Bits512
        : System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated ? VectorBits.Bits256
        : System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated ? VectorBits.Bits128
        : VectorBits.Scalar;

    /// <summary>
    /// The most floats of x (depth × row stride) a product reads in place rather than packing: 32 KB, the L1 of the
    /// smallest cores. Measured on Zen 3 (in-process, interleaved): S's 32 × 32 products over 128 columns 0.89–0.93× the
    /// time unpacked, over 256 columns 0.92–1.01×, and over 512 (64 KB of x) 1.00–1.04×.
    /// </summary>
    internal const int SmallX = 8192;

    /// <summary>Per-thread buffers for the packed weight panels and a packed block of x, grown on first use.</summary>
    [ThreadStatic] private static float[]? t_panels, t_packed;

    private static void Product<TV, TL, TEpilogue>(ref float w, nint rowStride, nint depthStride, ref float packedPanels, ref float bias, bool hasBias,
        ref float x, ref float y, ref int record, int rows, int depth, nint ld, int begin, int end)
        where TV : struct where TL : struct, ILanes<TV> where TEpilogue : struct, IEpilogue
    {
        if (rows == 1 && TEpilogue.Mode == PairMode.None && (long)depth * ld > SmallX && !Unsafe.AreSame(ref x, ref y))
        {
            RowStream<TV, TL>(ref w, depthStride, ref bias, hasBias, ref x, ref y, depth, ld, begin, end);
            return;
        }
        if (depth <= 2 && !Unsafe.AreSame(ref x, ref y))
        {
            if (depth == 1)
                Shallow<TV, TL, One, TEpilogue>(ref w, rowStride, depthStride, ref bias, hasBias, ref x, ref y, ref record, rows, ld, begin, end);
            else
                Shallow<TV, TL, Two, TEpilogue>(ref w, rowStride, depthStride, ref bias, hasBias, ref x, ref y, ref record, rows, ld, begin, end);
            return;
        }
        int blockColumns = TL.BlockVectors * TL.Count, blockRows = TL.BlockRows;
        int full = rows / blockRows * blockRows;
        // Panels for Wᵀ only (its depth stride is a whole row of W). W itself is read as four sequential row streams, as
        // fast as a packed panel; packing it per call cost a third of the time of a 128-sample tile of a 512 × 512 layer.
        bool packW = depthStride != 1;
        bool packedByCaller = !Unsafe.IsNullRef(ref packedPanels);
        ref float panels = ref w;
        if (packW)
            panels = ref packedByCaller ? ref packedPanels : ref Grow(ref t_panels, full * depth);
        if (packW && !packedByCaller)
            PackPanels(ref w, rowStride, depthStride, ref panels, full, depth, blockRows);
        nint panelRowStride = packW ? 1 : rowStride, panelDepthStride = packW ? blockRows : 1;
        int panelStride = packW ? depth : (int)rowStride; // from one panel's first row to the next one's, over blockRows rows
        // A packed block of x serves every row panel; with fewer than two panels the copy would cost more than it saves,
        // and so it does where all of x fits in a 32 KB L1 (a small batch: its lines are contiguous, so they spread over
        // every set), unless y is x itself (the routed backward pass writes over δ), where the copy is what makes that safe.
        bool packX = (rows >= 8 && (long)depth * ld > SmallX) || Unsafe.AreSame(ref x, ref y);
        ref float p = ref packX ? ref Grow(ref t_packed, depth * blockColumns) : ref x;
        nint xStride = packX ? blockColumns : ld;
        for (int c = begin; c < end; c += blockColumns)
        {
            int count = Math.Min(blockColumns, end - c);
            ref float xBlock = ref packX ? ref p : ref Unsafe.Add(ref x, c);
            if (packX)
                Pack<TV, TL>(ref Unsafe.Add(ref x, c), ld, ref p, blockColumns, depth, count);
            ref float yBlock = ref Unsafe.Add(ref y, c);
            for (int r = 0; r < full; r += blockRows)
                if (blockRows == 6)
                    Block<TV, TL, Six, TEpilogue>(ref Unsafe.Add(ref panels, r * (nint)panelStride), panelRowStride, panelDepthStride, ref Unsafe.Add(ref bias, hasBias ? r : 0), hasBias,
                        ref xBlock, xStride, ref Unsafe.Add(ref yBlock, r * ld), ref MaskRow(ref record, r, ld, c), ld, depth, count);
                else
                    Block<TV, TL, Four, TEpilogue>(ref Unsafe.Add(ref panels, r * (nint)panelStride), panelRowStride, panelDepthStride, ref Unsafe.Add(ref bias, hasBias ? r : 0), hasBias,
                        ref xBlock, xStride, ref Unsafe.Add(ref yBlock, r * ld), ref MaskRow(ref record, r, ld, c), ld, depth, count);
            if (full == rows)
                continue;
            // The rows past the last full block, from W itself: blocks of 4 and 2 rows (whose pairs take the activation in
            // registers, as a full block does), then a last single row, which only a product without activation has.
            int last = full;
            for (; last + 4 <= rows && blockRows > 4; last += 4)
                Block<TV, TL, Four, TEpilogue>(ref Unsafe.Add(ref w, last * rowStride), rowStride, depthStride, ref Unsafe.Add(ref bias, hasBias ? last : 0), hasBias,
                    ref xBlock, xStride, ref Unsafe.Add(ref yBlock, last * ld), ref MaskRow(ref record, last, ld, c), ld, depth, count);
            for (; last + 2 <= rows; last += 2)
                Block<TV, TL, Two, TEpilogue>(ref Unsafe.Add(ref w, last * rowStride), rowStride, depthStride, ref Unsafe.Add(ref bias, hasBias ? last : 0), hasBias,
                    ref xBlock, xStride, ref Unsafe.Add(ref yBlock, last * ld), ref MaskRow(ref record, last, ld, c), ld, depth, count);
            // A last single row only a product without activation has: MaxMin's rows come in pairs (its group size divides them).
            System.Diagnostics.Debug.Assert(last == rows || TEpilogue.Mode == PairMode.None);
            if (last < rows)
                Block<TV, TL, One, NoEpilogue>(ref Unsafe.Add(ref w, last * rowStride), rowStride, depthStride, ref Unsafe.Add(ref bias, hasBias ? last : 0), hasBias,
                    ref xBlock, xStride, ref Unsafe.Add(ref yBlock, last * ld), ref Unsafe.NullRef<int>(), ld, depth, count);
        }
    }

    /// <summary>
    /// A product of depth one or two (a first layer of two inputs, a one-output layer's Wᵀ in the backward pass): a row
    /// pair at a time along every column, its weights and biases broadcast once, then its MaxMin, where a register block
    /// per 16 columns was mostly its own call, set-up and stores. The same operations in the same order as the block
    /// (the bias, then fused multiply-adds by depth), so the same bits. y must not be x.
    /// </summary>
    private static void Shallow<TV, TL, TDepth, TEpilogue>(ref float w, nint rowStride, nint depthStride, ref float bias, bool hasBias,
        ref float x, ref float y, ref int record, int rows, nint ld, int begin, int end)
        where TV : struct where TL : struct, ILanes<TV> where TDepth : struct, IConstant where TEpilogue : struct, IEpilogue
    {
        bool two = TDepth.Value == 2;
        ref float x1 = ref two ? ref Unsafe.Add(ref x, ld) : ref x;
        for (int r = 0; r < rows; r += 2)
        {
            // A last single row only a product without activation has (MaxMin's rows come in pairs).
            bool pair = r + 1 < rows;
            ref float w0 = ref Unsafe.Add(ref w, r * rowStride), w1 = ref pair ? ref Unsafe.Add(ref w0, rowStride) : ref w0;
            TV c0 = hasBias ? TL.Broadcast(Unsafe.Add(ref bias, r)) : TL.Zero, c1 = hasBias && pair ? TL.Broadcast(Unsafe.Add(ref bias, r + 1)) : TL.Zero;
            TV u0 = TL.Broadcast(w0), u1 = two ? TL.Broadcast(Unsafe.Add(ref w0, depthStride)) : TL.Zero;
            TV v0 = TL.Broadcast(w1), v1 = two ? TL.Broadcast(Unsafe.Add(ref w1, depthStride)) : TL.Zero;
            ref float y0 = ref Unsafe.Add(ref y, r * ld), y1 = ref pair ? ref Unsafe.Add(ref y0, ld) : ref y0;
            ref int mask = ref MaskRow(ref record, r, ld, 0);
            for (nint c = begin; c < end; c += TL.Count)
            {
                TV xc = TL.Load(ref Unsafe.Add(ref x, c));
                TV a = TL.MultiplyAdd(u0, xc, c0), b = TL.MultiplyAdd(v0, xc, c1);
                if (two)
                {
                    xc = TL.Load(ref Unsafe.Add(ref x1, c));
                    a = TL.MultiplyAdd(u1, xc, a);
                    b = TL.MultiplyAdd(v1, xc, b);
                }
                if (TEpilogue.Mode != PairMode.None)
                    (a, b) = Exchange<TV, TL, TEpilogue>(a, b, ref Unsafe.Add(ref mask, c));
                TL.Store(a, ref Unsafe.Add(ref y0, c));
                if (pair)
                    TL.Store(b, ref Unsafe.Add(ref y1, c));
            }
        }
    }

    /// <summary>Columns of y a single-row product keeps in L1 while every row of x streams past: 2 KB.</summary>
    private const int RowStreamColumns = 512;

    /// <summary>
    /// A single row (a one-output layer's forward pass) over columns [begin, end) of an x larger than L1: y, a chunk of
    /// columns at a time, takes the bias, then w[k]·x[k, ·] for k = 0, 1, … by fused multiply-adds, four rows of x a pass.
    /// The register block would walk x down its columns, a row stride (often a multiple of 4 KB) per step, which defeats
    /// the hardware prefetchers (a 128 → 1 layer over 4 096 columns ran at 7 % of peak); here every row of x is read in
    /// order. Each element gets the same operations in the same order as in the block, so the same bits.
    /// </summary>
    private static void RowStream<TV, TL>(ref float w, nint depthStride, ref float bias, bool hasBias, ref float x, ref float y, int depth, nint ld, int begin, int end)
        where TV : struct where TL : struct, ILanes<TV>
    {
        TV b = hasBias ? TL.Broadcast(bias) : TL.Zero;
        for (int start = begin; start < end; start += RowStreamColumns)
        {
            int stop = Math.Min(start + RowStreamColumns, end);
            TV w0 = TL.Broadcast(w);
            for (nint c = start; c < stop; c += TL.Count)
                TL.Store(TL.MultiplyAdd(w0, TL.Load(ref Unsafe.Add(ref x, c)), b), ref Unsafe.Add(ref y, c));
            int k = 1;
            for (; k + 4 <= depth; k += 4)
            {
                TV v0 = TL.Broadcast(Unsafe.Add(ref w, k * depthStride)), v1 = TL.Broadcast(Unsafe.Add(ref w, (k + 1) * depthStride));
                TV v2 = TL.Broadcast(Unsafe.Add(ref w, (k + 2) * depthStride)), v3 = TL.Broadcast(Unsafe.Add(ref w, (k + 3) * depthStride));
                ref float x0 = ref Unsafe.Add(ref x, k * ld), x1 = ref Unsafe.Add(ref x0, ld), x2 = ref Unsafe.Add(ref x1, ld), x3 = ref Unsafe.Add(ref x2, ld);
                for (nint c = start; c < stop; c += TL.Count)
                {
                    TV a = TL.MultiplyAdd(v0, TL.Load(ref Unsafe.Add(ref x0, c)), TL.Load(ref Unsafe.Add(ref y, c)));
                    a = TL.MultiplyAdd(v1, TL.Load(ref Unsafe.Add(ref x1, c)), a);
                    a = TL.MultiplyAdd(v2, TL.Load(ref Unsafe.Add(ref x2, c)), a);
                    TL.Store(TL.MultiplyAdd(v3, TL.Load(ref Unsafe.Add(ref x3, c)), a), ref Unsafe.Add(ref y, c));
                }
            }
            for (; k < depth; k++)
            {
                TV v = TL.Broadcast(Unsafe.Add(ref w, k * depthStride));
                ref float xk = ref Unsafe.Add(ref x, k * ld);
                for (nint c = start; c < stop; c += TL.Count)
                    TL.Store(TL.MultiplyAdd(v, TL.Load(ref Unsafe.Add(ref xk, c)), TL.Load(ref Unsafe.Add(ref y, c))), ref Unsafe.Add(ref y, c));
            }
        }
    }

    /// <summary>A per-thread buffer of at least <paramref name="length"/> floats, aligned to a cache line (<see cref="AlignedBuffer"/>).</summary>
    internal static ref float Grow(ref float[]? buffer, int length) =>
        ref System.Runtime.InteropServices.MemoryMarshal.GetReference(AlignedBuffer.Get(ref buffer, Math.Max(length, 1), minimum: 16 * 1024));

    /// <summary>
    /// Copies the weights of every full panel of <paramref name="panelRows"/> rows into [depth × panelRows] order, so that a
    /// block's broadcasts per step are adjacent and its weight stream is sequential. Unpacked, Wᵀ (a depth stride of a whole
    /// row of W) walks the weights with a stride of up to 2 KB, which the L1 cache holds poorly: packing made the 512 × 512
    /// transposed product 20 % faster over 4 096 columns. <paramref name="rows"/> is a multiple of panelRows.
    /// </summary>
    internal static void PackPanels(ref float w, nint rowStride, nint depthStride, ref float panels, int rows, int depth, int panelRows)
    {
        for (int r = 0; r < rows; r += panelRows)
        {
            ref float source = ref Unsafe.Add(ref w, r * rowStride);
            ref float target = ref Unsafe.Add(ref panels, r * depth);
            for (int k = 0; k < depth; k++)
            {
                ref float at = ref Unsafe.Add(ref source, k * depthStride);
                ref float row = ref Unsafe.Add(ref target, panelRows * k);
                if (panelRows == 4 && rowStride == 1)
                {
                    // Wᵀ (the backward pass): a panel row is four adjacent weights of one row of W, one vector.
                    System.Runtime.Intrinsics.Vector128.StoreUnsafe(System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref at), ref row);
                    continue;
                }
                for (int j = 0; j < panelRows; j++)
                    Unsafe.Add(ref row, j) = Unsafe.Add(ref at, j * rowStride);
            }
        }
    }

    /// <summary>Rows per full register block (and per packed panel) at the width a product with <paramref name="limit"/> runs.</summary>
    internal static int PanelRows(VectorBits limit) => Widest(limit) switch
    {
        VectorBits.Bits512 => Lanes512.BlockRows,
        VectorBits.Bits256 => Lanes256.BlockRows,
        VectorBits.Bits128 => Lanes128.BlockRows,
        _ => Lanes1.BlockRows,
    };

    /// <summary>The mask row of pair r / 2 at column c, or a null reference when there is no record.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref int MaskRow(ref int record, int r, nint ld, int c) =>
        ref Unsafe.IsNullRef(ref record) ? ref record : ref Unsafe.Add(ref record, r / 2 * ld + c);

    /// <summary>
    /// Copies count columns of depth rows of x (row stride ld) into a contiguous [depth × stride] block. Rows of a
    /// feature-major batch are often a power of two apart, which maps a strided block onto a few L1 sets and evicts it
    /// while it is still being read; the packed copy is read sequentially by every row panel.
    /// </summary>
    /// <remarks>
    /// A vector at a time: count is a whole number of vectors (columns come in multiples of 16) and a block's row only a
    /// few, where a copy of a length known only at run time is a call to memmove per row (3 % of the S epoch).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Pack<TV, TL>(ref float x, nint ld, ref float packed, int stride, int depth, int count)
        where TV : struct where TL : struct, ILanes<TV>
    {
        System.Diagnostics.Debug.Assert(count % TL.Count == 0);
        for (int k = 0; k < depth; k++)
        {
            ref float from = ref Unsafe.Add(ref x, k * ld), to = ref Unsafe.Add(ref packed, k * stride);
            for (int j = 0; j < count; j += TL.Count)
                TL.Store(TL.Load(ref Unsafe.Add(ref from, j)), ref Unsafe.Add(ref to, j));
        }
    }

    /// <summary>A block of TRows rows over count columns (a full block, or the remaining vectors of a 512-bit block).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block<TV, TL, TRows, TEpilogue>(ref float w, nint rowStride, nint depthStride, ref float bias, bool hasBias, ref float x, nint xStride,
        ref float y, ref int mask, nint ld, int depth, int count)
        where TV : struct where TL : struct, ILanes<TV> where TRows : struct, IConstant where TEpilogue : struct, IEpilogue
    {
        switch (count / TL.Count)
        {
            case 4 when TL.BlockVectors == 4:
                Block<TV, TL, TRows, Four, TEpilogue>(ref w, rowStride, depthStride, ref bias, hasBias, ref x, xStride, ref y, ref mask, ld, depth);
                break;
            case 3 when TL.BlockVectors == 4:
                Block<TV, TL, TRows, Three, TEpilogue>(ref w, rowStride, depthStride, ref bias, hasBias, ref x, xStride, ref y, ref mask, ld, depth);
                break;
            case 2:
                Block<TV, TL, TRows, Two, TEpilogue>(ref w, rowStride, depthStride, ref bias, hasBias, ref x, xStride, ref y, ref mask, ld, depth);
                break;
            default:
                Block<TV, TL, TRows, One, TEpilogue>(ref w, rowStride, depthStride, ref bias, hasBias, ref x, xStride, ref y, ref mask, ld, depth);
                break;
        }
    }

    /// <summary>
    /// The micro-kernel: TRows (1, 2, 4 or 6) rows × TVectors vectors of y, accumulated in registers over the whole depth.
    /// The row and vector counts are type arguments, so the JIT drops every accumulator the block does not use.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block<TV, TL, TRows, TVectors, TEpilogue>(ref float w, nint rowStride, nint depthStride, ref float bias, bool hasBias,
        ref float x, nint xStride, ref float y, ref int mask, nint ld, int depth)
        where TV : struct where TL : struct, ILanes<TV> where TRows : struct, IConstant where TVectors : struct, IConstant
        where TEpilogue : struct, IEpilogue
    {
        int rows = TRows.Value, n = TVectors.Value;
        nint count = TL.Count;
        TV b0 = hasBias ? TL.Broadcast(bias) : TL.Zero;
        TV b1 = rows > 1 && hasBias ? TL.Broadcast(Unsafe.Add(ref bias, 1)) : TL.Zero;
        TV b2 = rows > 2 && hasBias ? TL.Broadcast(Unsafe.Add(ref bias, 2)) : TL.Zero;
        TV b3 = rows > 2 && hasBias ? TL.Broadcast(Unsafe.Add(ref bias, 3)) : TL.Zero;
        TV b4 = rows > 4 && hasBias ? TL.Broadcast(Unsafe.Add(ref bias, 4)) : TL.Zero;
        TV b5 = rows > 4 && hasBias ? TL.Broadcast(Unsafe.Add(ref bias, 5)) : TL.Zero;
        TV a00 = b0, a01 = b0, a02 = b0, a03 = b0;
        TV a10 = b1, a11 = b1, a12 = b1, a13 = b1;
        TV a20 = b2, a21 = b2, a22 = b2, a23 = b2;
        TV a30 = b3, a31 = b3, a32 = b3, a33 = b3;
        TV a40 = b4, a41 = b4, a50 = b5, a51 = b5; // six rows only where the block is 2 vectors wide (16 registers)
        ref float w0 = ref w;
        ref float w1 = ref rows > 1 ? ref Unsafe.Add(ref w, rowStride) : ref w;
        ref float w2 = ref rows > 2 ? ref Unsafe.Add(ref w, 2 * rowStride) : ref w;
        ref float w3 = ref rows > 2 ? ref Unsafe.Add(ref w, 3 * rowStride) : ref w;
        ref float w4 = ref rows > 4 ? ref Unsafe.Add(ref w, 4 * rowStride) : ref w;
        ref float w5 = ref rows > 4 ? ref Unsafe.Add(ref w, 5 * rowStride) : ref w;
        ref float xk = ref x;
        nint at = 0;
        for (int k = 0; k < depth; k++)
        {
            TV x0 = TL.Load(ref xk);
            TV x1 = n > 1 ? TL.Load(ref Unsafe.Add(ref xk, count)) : TL.Zero;
            TV x2 = n > 2 ? TL.Load(ref Unsafe.Add(ref xk, 2 * count)) : TL.Zero;
            TV x3 = n > 3 ? TL.Load(ref Unsafe.Add(ref xk, 3 * count)) : TL.Zero;
            TV v = TL.Broadcast(Unsafe.Add(ref w0, at));
            a00 = TL.MultiplyAdd(v, x0, a00);
            if (n > 1) a01 = TL.MultiplyAdd(v, x1, a01);
            if (n > 2) a02 = TL.MultiplyAdd(v, x2, a02);
            if (n > 3) a03 = TL.MultiplyAdd(v, x3, a03);
            if (rows > 1)
            {
                v = TL.Broadcast(Unsafe.Add(ref w1, at));
                a10 = TL.MultiplyAdd(v, x0, a10);
                if (n > 1) a11 = TL.MultiplyAdd(v, x1, a11);
                if (n > 2) a12 = TL.MultiplyAdd(v, x2, a12);
                if (n > 3) a13 = TL.MultiplyAdd(v, x3, a13);
            }
            if (rows > 2)
            {
                v = TL.Broadcast(Unsafe.Add(ref w2, at));
                a20 = TL.MultiplyAdd(v, x0, a20);
                if (n > 1) a21 = TL.MultiplyAdd(v, x1, a21);
                if (n > 2) a22 = TL.MultiplyAdd(v, x2, a22);
                if (n > 3) a23 = TL.MultiplyAdd(v, x3, a23);
                v = TL.Broadcast(Unsafe.Add(ref w3, at));
                a30 = TL.MultiplyAdd(v, x0, a30);
                if (n > 1) a31 = TL.MultiplyAdd(v, x1, a31);
                if (n > 2) a32 = TL.MultiplyAdd(v, x2, a32);
                if (n > 3) a33 = TL.MultiplyAdd(v, x3, a33);
            }
            if (rows > 4)
            {
                v = TL.Broadcast(Unsafe.Add(ref w4, at));
                a40 = TL.MultiplyAdd(v, x0, a40);
                if (n > 1) a41 = TL.MultiplyAdd(v, x1, a41);
                v = TL.Broadcast(Unsafe.Add(ref w5, at));
                a50 = TL.MultiplyAdd(v, x0, a50);
                if (n > 1) a51 = TL.MultiplyAdd(v, x1, a51);
            }
            xk = ref Unsafe.Add(ref xk, xStride);
            at += depthStride;
        }
        if (rows > 1 && TEpilogue.Mode != PairMode.None)
        {
            (a00, a10) = Exchange<TV, TL, TEpilogue>(a00, a10, ref mask);
            if (n > 1) (a01, a11) = Exchange<TV, TL, TEpilogue>(a01, a11, ref Unsafe.Add(ref mask, count));
            if (n > 2) (a02, a12) = Exchange<TV, TL, TEpilogue>(a02, a12, ref Unsafe.Add(ref mask, 2 * count));
            if (n > 3) (a03, a13) = Exchange<TV, TL, TEpilogue>(a03, a13, ref Unsafe.Add(ref mask, 3 * count));
            if (rows > 2)
            {
                ref int mask1 = ref Unsafe.Add(ref mask, ld);
                (a20, a30) = Exchange<TV, TL, TEpilogue>(a20, a30, ref mask1);
                if (n > 1) (a21, a31) = Exchange<TV, TL, TEpilogue>(a21, a31, ref Unsafe.Add(ref mask1, count));
                if (n > 2) (a22, a32) = Exchange<TV, TL, TEpilogue>(a22, a32, ref Unsafe.Add(ref mask1, 2 * count));
                if (n > 3) (a23, a33) = Exchange<TV, TL, TEpilogue>(a23, a33, ref Unsafe.Add(ref mask1, 3 * count));
            }
            if (rows > 4)
            {
                ref int mask2 = ref Unsafe.Add(ref mask, 2 * ld);
                (a40, a50) = Exchange<TV, TL, TEpilogue>(a40, a50, ref mask2);
                if (n > 1) (a41, a51) = Exchange<TV, TL, TEpilogue>(a41, a51, ref Unsafe.Add(ref mask2, count));
            }
        }
        StoreRow<TV, TL, TVectors>(ref y, a00, a01, a02, a03);
        if (rows > 1)
            StoreRow<TV, TL, TVectors>(ref Unsafe.Add(ref y, ld), a10, a11, a12, a13);
        if (rows > 2)
        {
            StoreRow<TV, TL, TVectors>(ref Unsafe.Add(ref y, 2 * ld), a20, a21, a22, a23);
            StoreRow<TV, TL, TVectors>(ref Unsafe.Add(ref y, 3 * ld), a30, a31, a32, a33);
        }
        if (rows > 4)
        {
            StoreRow<TV, TL, TVectors>(ref Unsafe.Add(ref y, 4 * ld), a40, a41, a40, a41);
            StoreRow<TV, TL, TVectors>(ref Unsafe.Add(ref y, 5 * ld), a50, a51, a50, a51);
        }
    }

    /// <summary>MaxMin of one row pair in registers: (min, max) where the first is greater (Order, Sort) or where the mask says (Route).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (TV Low, TV High) Exchange<TV, TL, TEpilogue>(TV a, TV b, ref int mask)
        where TV : struct where TL : struct, ILanes<TV> where TEpilogue : struct, IEpilogue
    {
        TV swap = TEpilogue.Mode == PairMode.Route ? TL.LoadMask(ref mask) : TL.GreaterThan(a, b);
        if (TEpilogue.Mode == PairMode.Order)
            TL.StoreMask(swap, ref mask);
        return (TL.Select(swap, b, a), TL.Select(swap, a, b));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<TV, TL, TVectors>(ref float y, TV a0, TV a1, TV a2, TV a3)
        where TV : struct where TL : struct, ILanes<TV> where TVectors : struct, IConstant
    {
        TL.Store(a0, ref y);
        if (TVectors.Value > 1) TL.Store(a1, ref Unsafe.Add(ref y, TL.Count));
        if (TVectors.Value > 2) TL.Store(a2, ref Unsafe.Add(ref y, 2 * TL.Count));
        if (TVectors.Value > 3) TL.Store(a3, ref Unsafe.Add(ref y, 3 * TL.Count));
    }

    /// <summary>
    /// g[o, i] += Σ_c d[o, c]·x[i, c] over the columns, for rows o in [begin, end) of g ([outputs × inputs], row-major),
    /// and gb[o] += Σ_c d[o, c]. d and x have row stride ld and <paramref name="columns"/> columns. The sum runs along the
    /// columns in one fixed order whatever rows a call covers, so splitting the rows between threads changes no bit.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void OuterProduct(ref float g, ref float gb, ref float d, ref float x, int inputs, nint ld, int columns, int begin, int end,
        VectorBits limit = VectorBits.All)
    {
        switch (Widest(limit))
        {
            case VectorBits.Bits512:
                OuterProduct<System.Runtime.Intrinsics.Vector512<float>, Lanes512>(ref g, ref gb, ref d, ref x, inputs, ld, columns, begin, end);
                break;
            case VectorBits.Bits256:
                OuterProduct<System.Runtime.Intrinsics.Vector256<float>, Lanes256>(ref g, ref gb, ref d, ref x, inputs, ld, columns, begin, end);
                break;
            case VectorBits.Bits128:
                OuterProduct<System.Runtime.Intrinsics.Vector128<float>, Lanes128>(ref g, ref gb, ref d, ref x, inputs, ld, columns, begin, end);
                break;
            default:
                OuterProduct<float, Lanes1>(ref g, ref gb, ref d, ref x, inputs, ld, columns, begin, end);
                break;
        }
    }

    private static void OuterProduct<TV, TL>(ref float g, ref float gb, ref float d, ref float x, int inputs, nint ld, int columns, int begin, int end)
        where TV : struct where TL : struct, ILanes<TV>
    {
        int o = begin;
        for (; o + 4 <= end; o += 4)
            OuterRows<TV, TL, Four>(ref g, ref gb, ref d, ref x, o, inputs, ld, columns);
        for (; o < end; o++)
            OuterRows<TV, TL, One>(ref g, ref gb, ref d, ref x, o, inputs, ld, columns);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OuterRows<TV, TL, TRows>(ref float g, ref float gb, ref float d, ref float x, int o, int inputs, nint ld, int columns)
        where TV : struct where TL : struct, ILanes<TV> where TRows : struct, IConstant
    {
        ref float dRow = ref Unsafe.Add(ref d, o * ld);
        ref float gRow = ref Unsafe.Add(ref g, (nint)o * inputs);
        for (int r = 0; r < TRows.Value; r++)
            Unsafe.Add(ref gb, o + r) += Sum<TV, TL>(ref Unsafe.Add(ref dRow, r * ld), columns);
        // Column chunks keep the 4 rows of d in L1 and the chunk of x in L2 while every block of inputs passes over them.
        for (int chunk = 0; chunk < columns; chunk += SumChunkColumns)
        {
            int count = Math.Min(SumChunkColumns, columns - chunk);
            ref float dChunk = ref Unsafe.Add(ref dRow, chunk);
            ref float xChunk = ref Unsafe.Add(ref x, chunk);
            int i = 0;
            // A single row of d (a one-output layer) leaves most registers free: eight inputs a pass keep eight multiply-add
            // chains going where three left the adds waiting on each other. Each sum is the same either way.
            if (TRows.Value == 1)
                for (; i + 8 <= inputs; i += 8)
                    OuterEight<TV, TL>(ref Unsafe.Add(ref gRow, i), ref dChunk, ref Unsafe.Add(ref xChunk, i * ld), ld, count);
            if (TL.BlockVectors == 4)
                for (; i + 4 <= inputs; i += 4)
                    OuterBlock<TV, TL, TRows, Four>(ref Unsafe.Add(ref gRow, i), inputs, ref dChunk, ref Unsafe.Add(ref xChunk, i * ld), ld, count);
            else
            {
                // 256 bits, 16 registers: 4 × 3 accumulators, then 4 × 2 (the same sums in the same order either way; S's
                // backward pass and M's training step 3–7 % faster on Zen 3 than 4 × 2 alone, in-process A/B in both load
                // orders). At 128 bits without FMA on x86 the products need registers of their own, and 4 × 3 was 2 %
                // slower: 4 × 2 there.
                if (TL.Count == 8)
                    for (; i + 3 <= inputs; i += 3)
                        OuterBlock<TV, TL, TRows, Three>(ref Unsafe.Add(ref gRow, i), inputs, ref dChunk, ref Unsafe.Add(ref xChunk, i * ld), ld, count);
                for (; i + 2 <= inputs; i += 2)
                    OuterBlock<TV, TL, TRows, Two>(ref Unsafe.Add(ref gRow, i), inputs, ref dChunk, ref Unsafe.Add(ref xChunk, i * ld), ld, count);
            }
            for (; i < inputs; i++)
                OuterBlock<TV, TL, TRows, One>(ref Unsafe.Add(ref gRow, i), inputs, ref dChunk, ref Unsafe.Add(ref xChunk, i * ld), ld, count);
        }
    }

    /// <summary>One row of d against eight rows of x: eight vector accumulators along the columns, each as in <see cref="OuterBlock"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OuterEight<TV, TL>(ref float g, ref float d, ref float x, nint ld, int columns)
        where TV : struct where TL : struct, ILanes<TV>
    {
        TV a0 = TL.Zero, a1 = TL.Zero, a2 = TL.Zero, a3 = TL.Zero, a4 = TL.Zero, a5 = TL.Zero, a6 = TL.Zero, a7 = TL.Zero;
        ref float x1 = ref Unsafe.Add(ref x, ld), x2 = ref Unsafe.Add(ref x1, ld), x3 = ref Unsafe.Add(ref x2, ld);
        ref float x4 = ref Unsafe.Add(ref x3, ld), x5 = ref Unsafe.Add(ref x4, ld), x6 = ref Unsafe.Add(ref x5, ld), x7 = ref Unsafe.Add(ref x6, ld);
        for (nint c = 0; c < columns; c += TL.Count)
        {
            TV e = TL.Load(ref Unsafe.Add(ref d, c));
            a0 = TL.MultiplyAdd(e, TL.Load(ref Unsafe.Add(ref x, c)), a0);
            a1 = TL.MultiplyAdd(e, TL.Load(ref Unsafe.Add(ref x1, c)), a1);
            a2 = TL.MultiplyAdd(e, TL.Load(ref Unsafe.Add(ref x2, c)), a2);
            a3 = TL.MultiplyAdd(e, TL.Load(ref Unsafe.Add(ref x3, c)), a3);
            a4 = TL.MultiplyAdd(e, TL.Load(ref Unsafe.Add(ref x4, c)), a4);
            a5 = TL.MultiplyAdd(e, TL.Load(ref Unsafe.Add(ref x5, c)), a5);
            a6 = TL.MultiplyAdd(e, TL.Load(ref Unsafe.Add(ref x6, c)), a6);
            a7 = TL.MultiplyAdd(e, TL.Load(ref Unsafe.Add(ref x7, c)), a7);
        }
        AddRow<TV, TL, Four>(ref g, a0, a1, a2, a3);
        AddRow<TV, TL, Four>(ref Unsafe.Add(ref g, 4), a4, a5, a6, a7);
    }

    /// <summary>TRows rows of d against TInputs rows of x: TRows × TInputs vector accumulators along the columns, summed at the end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OuterBlock<TV, TL, TRows, TInputs>(ref float g, nint gStride, ref float d, ref float x, nint ld, int columns)
        where TV : struct where TL : struct, ILanes<TV> where TRows : struct, IConstant where TInputs : struct, IConstant
    {
        bool four = TRows.Value == 4;
        int n = TInputs.Value;
        TV a00 = TL.Zero, a01 = TL.Zero, a02 = TL.Zero, a03 = TL.Zero;
        TV a10 = TL.Zero, a11 = TL.Zero, a12 = TL.Zero, a13 = TL.Zero;
        TV a20 = TL.Zero, a21 = TL.Zero, a22 = TL.Zero, a23 = TL.Zero;
        TV a30 = TL.Zero, a31 = TL.Zero, a32 = TL.Zero, a33 = TL.Zero;
        ref float d1 = ref four ? ref Unsafe.Add(ref d, ld) : ref d;
        ref float d2 = ref four ? ref Unsafe.Add(ref d, 2 * ld) : ref d;
        ref float d3 = ref four ? ref Unsafe.Add(ref d, 3 * ld) : ref d;
        ref float x1 = ref n > 1 ? ref Unsafe.Add(ref x, ld) : ref x;
        ref float x2 = ref n > 2 ? ref Unsafe.Add(ref x, 2 * ld) : ref x;
        ref float x3 = ref n > 3 ? ref Unsafe.Add(ref x, 3 * ld) : ref x;
        for (nint c = 0; c < columns; c += TL.Count)
        {
            TV v0 = TL.Load(ref Unsafe.Add(ref x, c));
            TV v1 = n > 1 ? TL.Load(ref Unsafe.Add(ref x1, c)) : TL.Zero;
            TV v2 = n > 2 ? TL.Load(ref Unsafe.Add(ref x2, c)) : TL.Zero;
            TV v3 = n > 3 ? TL.Load(ref Unsafe.Add(ref x3, c)) : TL.Zero;
            TV e = TL.Load(ref Unsafe.Add(ref d, c));
            a00 = TL.MultiplyAdd(e, v0, a00);
            if (n > 1) a01 = TL.MultiplyAdd(e, v1, a01);
            if (n > 2) a02 = TL.MultiplyAdd(e, v2, a02);
            if (n > 3) a03 = TL.MultiplyAdd(e, v3, a03);
            if (four)
            {
                e = TL.Load(ref Unsafe.Add(ref d1, c));
                a10 = TL.MultiplyAdd(e, v0, a10);
                if (n > 1) a11 = TL.MultiplyAdd(e, v1, a11);
                if (n > 2) a12 = TL.MultiplyAdd(e, v2, a12);
                if (n > 3) a13 = TL.MultiplyAdd(e, v3, a13);
                e = TL.Load(ref Unsafe.Add(ref d2, c));
                a20 = TL.MultiplyAdd(e, v0, a20);
                if (n > 1) a21 = TL.MultiplyAdd(e, v1, a21);
                if (n > 2) a22 = TL.MultiplyAdd(e, v2, a22);
                if (n > 3) a23 = TL.MultiplyAdd(e, v3, a23);
                e = TL.Load(ref Unsafe.Add(ref d3, c));
                a30 = TL.MultiplyAdd(e, v0, a30);
                if (n > 1) a31 = TL.MultiplyAdd(e, v1, a31);
                if (n > 2) a32 = TL.MultiplyAdd(e, v2, a32);
                if (n > 3) a33 = TL.MultiplyAdd(e, v3, a33);
            }
        }
        if (four && n == 4)
        {
            TL.AddSums4x4(ref g, gStride, a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33);
            return;
        }
        AddRow<TV, TL, TInputs>(ref g, a00, a01, a02, a03);
        if (four)
        {
            AddRow<TV, TL, TInputs>(ref Unsafe.Add(ref g, gStride), a10, a11, a12, a13);
            AddRow<TV, TL, TInputs>(ref Unsafe.Add(ref g, 2 * gStride), a20, a21, a22, a23);
            AddRow<TV, TL, TInputs>(ref Unsafe.Add(ref g, 3 * gStride), a30, a31, a32, a33);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRow<TV, TL, TInputs>(ref float g, TV a0, TV a1, TV a2, TV a3)
        where TV : struct where TL : struct, ILanes<TV> where TInputs : struct, IConstant
    {
        g += TL.Sum(a0);
        if (TInputs.Value > 1) Unsafe.Add(ref g, 1) += TL.Sum(a1);
        if (TInputs.Value > 2) Unsafe.Add(ref g, 2) += TL.Sum(a2);
        if (TInputs.Value > 3) Unsafe.Add(ref g, 3) += TL.Sum(a3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Sum<TV, TL>(ref float x, int columns) where TV : struct where TL : struct, ILanes<TV>
    {
        TV sum = TL.Zero;
        for (nint c = 0; c < columns; c += TL.Count)
            sum = TL.Add(sum, TL.Load(ref Unsafe.Add(ref x, c)));
        return TL.Sum(sum);
    }
}
