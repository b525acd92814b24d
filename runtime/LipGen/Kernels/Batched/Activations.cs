using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LipGen.Kernels.Batched;

// The activation kernels of the mini-batch passes, on feature-major [width × columns] blocks: the same members as the
// single-sample kernels in LipGen.Kernels, each taking the column count last. MaxMin is the exception: it always runs
// inside the dense products, so it has only its row-pair exchange.

/// <summary>Layout rules of the feature-major batch.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class BatchLayout
{
    /// <summary>Column counts are padded to a multiple of this (the widest vector, 512 bits of floats).</summary>
    public const int ColumnMultiple = 16;
}

/// <summary>
/// MaxMin on rows 2k and 2k+1 (min, max) of every column. The batched passes run it inside the dense products
/// (<see cref="Dense.Forward{TEpilogue}"/> with <see cref="Epilogue.MaxMin"/>, <see cref="Dense.BackpropagateInput{TEpilogue}"/>
/// with <see cref="Epilogue.MaxMinRoute"/>), on registers or, for rows past the last 4-row block, on memory through
/// <see cref="Exchange"/>. Its own members serve where no product is next to it (a residual block reads the activations).
/// The record holds one row of swap masks per pair.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class MaxMin
{
    /// <summary>MaxMin in place on every row pair.</summary>
    public static void Forward(ref float values, int width, int columns)
    {
        for (int r = 0; r < width; r += 2)
            Exchange<Sort>(ref Unsafe.Add(ref values, r * columns), ref Unsafe.Add(ref values, (r + 1) * columns), ref Unsafe.NullRef<int>(),
                ref Unsafe.Add(ref values, r * columns), ref Unsafe.Add(ref values, (r + 1) * columns), columns);
    }

    /// <summary>MaxMin in place on every row pair, recording the swap masks (row r/2 of <paramref name="swapped"/> for rows r, r+1).</summary>
    public static void ForwardRecording(ref float values, ref int swapped, int width, int columns)
    {
        for (int r = 0; r < width; r += 2)
            Exchange<Order>(ref Unsafe.Add(ref values, r * columns), ref Unsafe.Add(ref values, (r + 1) * columns), ref Unsafe.Add(ref swapped, r / 2 * columns),
                ref Unsafe.Add(ref values, r * columns), ref Unsafe.Add(ref values, (r + 1) * columns), columns);
    }

    /// <summary>Routes gradients back through the recorded swaps: swapped pairs swap their gradients.</summary>
    public static void Backward(ref readonly float outputGradient, ref readonly int swapped, ref float inputGradient, int width, int columns)
    {
        ref float g = ref Unsafe.AsRef(in outputGradient);
        ref int mask = ref Unsafe.AsRef(in swapped);
        for (int r = 0; r < width; r += 2)
            Exchange<Route>(ref Unsafe.Add(ref g, r * columns), ref Unsafe.Add(ref g, (r + 1) * columns), ref Unsafe.Add(ref mask, r / 2 * columns),
                ref Unsafe.Add(ref inputGradient, r * columns), ref Unsafe.Add(ref inputGradient, (r + 1) * columns), columns);
    }

    /// <summary>Whether an exchange computes its swap mask (the forward pass) or reads it (the backward pass).</summary>
    internal interface IExchangeMode
    {
        /// <summary>Whether the swap is a &gt; b (else it is read from the mask).</summary>
        static abstract bool Compare { get; }

        /// <summary>Whether a computed swap is stored in the mask.</summary>
        static abstract bool Record { get; }
    }

    /// <summary>Forward: swap where a &gt; b, and record it.</summary>
    internal readonly struct Order : IExchangeMode
    {
        public static bool Compare
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            get => true;
        }

        public static bool Record
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            get => true;
        }
    }

    /// <summary>Forward for inference: swap where a &gt; b, recording nothing.</summary>
    internal readonly struct Sort : IExchangeMode
    {
        public static bool Compare
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            get => true;
        }

        public static bool Record
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            get => false;
        }
    }

    /// <summary>Backward: swap where the recorded mask says so.</summary>
    internal readonly struct Route : IExchangeMode
    {
        public static bool Compare
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            get => false;
        }

        public static bool Record
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            get => false;
        }
    }

    /// <summary>
    /// The row-pair cascade: (lowOut, highOut) = swap ? (b, a) : (a, b) over n columns, where swap is a &gt; b (stored in
    /// <paramref name="mask"/>) in <see cref="Order"/> mode and read from it in <see cref="Route"/> mode. The mode is a type
    /// argument, so each compiled copy has no branch on it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Exchange<TMode>(ref float a, ref float b, ref int mask, ref float lowOut, ref float highOut, int n,
        VectorBits width = VectorBits.All) where TMode : struct, IExchangeMode
    {
        var state = new ExchangeState(ref a, ref b, ref mask, ref lowOut, ref highOut, n);
        Cascade.Run<ExchangeLoop<TMode>, ExchangeState>(ref state, n, width);
    }

    [method: MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref struct ExchangeState(ref float a, ref float b, ref int mask, ref float lowOut, ref float highOut, int n)
    {
        public ref float A = ref a;
        public ref float B = ref b;
        public ref int Mask = ref mask;
        public ref float LowOut = ref lowOut;
        public ref float HighOut = ref highOut;
        public readonly int N = n;
    }

    private readonly struct ExchangeLoop<TMode> : IVectorLoop<ExchangeState> where TMode : struct, IExchangeMode
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int Run<TV, TD, TL, TDL>(ref ExchangeState s, int c)
            where TV : struct where TD : struct where TL : struct, IVectorLanes<TV, TD> where TDL : struct, IDoubleLanes<TD>
        {
            for (; c <= s.N - TL.Count; c += TL.Count)
            {
                TV x = TL.Load(ref Unsafe.Add(ref s.A, c)), y = TL.Load(ref Unsafe.Add(ref s.B, c));
                TV swap = TMode.Compare ? TL.GreaterThan(x, y) : TL.LoadMask(ref Unsafe.Add(ref s.Mask, c));
                TL.Store(TL.Select(swap, y, x), ref Unsafe.Add(ref s.LowOut, c));
                TL.Store(TL.Select(swap, x, y), ref Unsafe.Add(ref s.HighOut, c));
                if (TMode.Record)
                    TL.StoreMask(swap, ref Unsafe.Add(ref s.Mask, c));
            }
            return c;
        }
    }
}

/// <summary>GroupSort of any group size down every column (rows of a group are sorted per sample).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class GroupSort
{
    /// <summary>Sorts every group of rows ascending, per column.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(ref float values, int width, int groupSize, int columns)
    {
        for (int c = 0; c < columns; c++)
            Kernels.GroupSort.Sort(ref Unsafe.Add(ref values, c), ref Unsafe.NullRef<int>(), columns, width, groupSize, recording: false);
    }

    /// <summary>Sorts every group of rows ascending, per column, recording each output row's source row within its group.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ForwardRecording(ref float values, ref int source, int width, int groupSize, int columns)
    {
        for (int c = 0; c < columns; c++)
            Kernels.GroupSort.Sort(ref Unsafe.Add(ref values, c), ref Unsafe.Add(ref source, c), columns, width, groupSize, recording: true);
    }

    /// <summary>Routes gradients back through a recorded sort: row source[k] of the group receives row k's gradient.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(ref readonly float outputGradient, ref readonly int source, ref float inputGradient, int width, int groupSize, int columns)
    {
        for (int c = 0; c < columns; c++)
            Kernels.GroupSort.Route(ref Unsafe.Add(ref Unsafe.AsRef(in outputGradient), c), ref Unsafe.Add(ref Unsafe.AsRef(in source), c), ref Unsafe.Add(ref inputGradient, c), columns, width, groupSize);
    }
}

/// <summary>ReLU over a whole [width × columns] block: element-wise, so the single-sample operator serves unchanged.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ReLU
{
    /// <summary>ReLU in place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(ref float values, int width, int columns) =>
        Elementwise.Forward<ReLUOperator>(ref values, ref Unsafe.NullRef<int>(), width * columns, recording: false);

    /// <summary>ReLU in place, recording where units were on.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ForwardRecording(ref float values, ref int on, int width, int columns) =>
        Elementwise.Forward<ReLUOperator>(ref values, ref on, width * columns, recording: true);

    /// <summary>∂z = ∂a where the unit was on, 0 elsewhere.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(ref readonly float outputGradient, ref readonly int on, ref float inputGradient, int width, int columns) =>
        Elementwise.Backward<ReLUOperator>(ref Unsafe.AsRef(in outputGradient), ref Unsafe.AsRef(in on), ref inputGradient, width * columns);
}
