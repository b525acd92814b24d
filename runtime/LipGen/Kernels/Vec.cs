using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LipGen.Kernels;

/// <summary>
/// Vector primitives on the shared <see cref="Cascade"/>. Every method is aggressively inlined into generated code, where
/// the lengths are constants, so the JIT keeps the widest path the machine has and drops the rest; with hardware
/// intrinsics disabled (<c>DOTNET_EnableHWIntrinsic=0</c>) only the scalar loop remains.
/// </summary>
internal static class Vec
{
    /// <summary>Σ a[i]·b[i] over n elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(ref float a, ref float b, int n, VectorBits width = VectorBits.All)
    {
        // Tiny constant lengths (first layers of low-dimensional inputs) straight-line; the JIT keeps short loops as loops.
        if (n == 1)
            return a * b;
        if (n == 2)
            return a * b + Unsafe.Add(ref a, 1) * Unsafe.Add(ref b, 1);
        if (n == 3)
            return a * b + Unsafe.Add(ref a, 1) * Unsafe.Add(ref b, 1) + Unsafe.Add(ref a, 2) * Unsafe.Add(ref b, 2);
        var state = new DotState(ref Unsafe.As<float, byte>(ref a), ref b, n);
        Cascade.Run<DotLoop<SingleWeights>, DotState>(ref state, n, width);
        return state.Sum;
    }

    /// <summary>
    /// <see cref="Dot(ref float, ref float, int, VectorBits)"/> with <paramref name="a"/> in weight format TW: the same
    /// operations in the same order on the weights widened to floats, so the two agree bit for bit on the same values.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot<TW>(ref byte a, ref float b, int n, VectorBits width = VectorBits.All) where TW : struct, IWeightFormat
    {
        if (n == 1)
            return TW.Scalar(ref a) * b;
        if (n == 2)
            return TW.Scalar(ref a) * b + TW.Scalar(ref Unsafe.Add(ref a, TW.Size)) * Unsafe.Add(ref b, 1);
        if (n == 3)
            return TW.Scalar(ref a) * b + TW.Scalar(ref Unsafe.Add(ref a, TW.Size)) * Unsafe.Add(ref b, 1)
                + TW.Scalar(ref Unsafe.Add(ref a, 2 * TW.Size)) * Unsafe.Add(ref b, 2);
        var state = new DotState(ref a, ref b, n);
        Cascade.Run<DotLoop<TW>, DotState>(ref state, n, width);
        return state.Sum;
    }

    /// <summary>y[i] += alpha·x[i] over n elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Axpy(float alpha, ref float x, ref float y, int n, VectorBits width = VectorBits.All)
    {
        if (n <= 3)
        {
            y += alpha * x;
            if (n >= 2)
                Unsafe.Add(ref y, 1) += alpha * Unsafe.Add(ref x, 1);
            if (n == 3)
                Unsafe.Add(ref y, 2) += alpha * Unsafe.Add(ref x, 2);
            return;
        }
        var state = new AxpyState(alpha, ref x, ref y, n);
        Cascade.Run<AxpyLoop, AxpyState>(ref state, n, width);
    }

    /// <summary>Σ a[i]·b[i] over n doubles (the Gram matrices and power iterations of spectral bounds).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Dot(ref double a, ref double b, int n, VectorBits width = VectorBits.All)
    {
        var state = new DoubleDotState(ref a, ref b, n);
        Cascade.Run<DoubleDotLoop, DoubleDotState>(ref state, n, sizeof(double), width);
        return state.Sum;
    }

    /// <summary>
    /// The dot products of four rows of doubles (<paramref name="rows"/>, then <paramref name="stride"/> apart) with
    /// <paramref name="b"/>, over n elements: four accumulators that share each load of b, which one dot at a time cannot
    /// (the matrix–vector products and the Cholesky factorisations of spectral bounds).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (double, double, double, double) Dot4(ref double rows, nint stride, ref double b, int n, VectorBits width = VectorBits.All)
    {
        var state = new DoubleDot4State(ref rows, stride, ref b, n);
        Cascade.Run<DoubleDot4Loop, DoubleDot4State>(ref state, n, sizeof(double), width);
        for (int i = state.Done; i < n; i++)
        {
            double bi = Unsafe.Add(ref b, i);
            state.Sum0 += Unsafe.Add(ref rows, i) * bi;
            state.Sum1 += Unsafe.Add(ref rows, stride + i) * bi;
            state.Sum2 += Unsafe.Add(ref rows, 2 * stride + i) * bi;
            state.Sum3 += Unsafe.Add(ref rows, 3 * stride + i) * bi;
        }
        return (state.Sum0, state.Sum1, state.Sum2, state.Sum3);
    }

    [method: MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref struct DoubleDot4State(ref double rows, nint stride, ref double b, int n)
    {
        public ref double Rows = ref rows;
        public readonly nint Stride = stride;
        public ref double B = ref b;
        public readonly int N = n;
        public int Done;
        public double Sum0, Sum1, Sum2, Sum3;
    }

    private readonly struct DoubleDot4Loop : IVectorLoop<DoubleDot4State>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int Run<TV, TD, TL, TDL>(ref DoubleDot4State s, int i)
            where TV : struct where TD : struct where TL : struct, IVectorLanes<TV, TD> where TDL : struct, IDoubleLanes<TD>
        {
            if (TDL.Count == 1 || s.N - i < TDL.Count)
                return s.Done = i; // the scalar tail runs in Dot4 itself, all four rows in one pass
            // Two vectors a step: eight independent chains, which two fused multiply-add units of latency 4 need to stay busy.
            TD a0 = TDL.Zero, a1 = TDL.Zero, a2 = TDL.Zero, a3 = TDL.Zero, c0 = TDL.Zero, c1 = TDL.Zero, c2 = TDL.Zero, c3 = TDL.Zero;
            ref double r0 = ref s.Rows;
            ref double r1 = ref Unsafe.Add(ref r0, s.Stride);
            ref double r2 = ref Unsafe.Add(ref r1, s.Stride);
            ref double r3 = ref Unsafe.Add(ref r2, s.Stride);
            int count = TDL.Count;
            for (; i <= s.N - 2 * count; i += 2 * count)
            {
                TD b = TDL.Load(ref Unsafe.Add(ref s.B, i)), d = TDL.Load(ref Unsafe.Add(ref s.B, i + count));
                a0 = TDL.MultiplyAdd(TDL.Load(ref Unsafe.Add(ref r0, i)), b, a0);
                a1 = TDL.MultiplyAdd(TDL.Load(ref Unsafe.Add(ref r1, i)), b, a1);
                a2 = TDL.MultiplyAdd(TDL.Load(ref Unsafe.Add(ref r2, i)), b, a2);
                a3 = TDL.MultiplyAdd(TDL.Load(ref Unsafe.Add(ref r3, i)), b, a3);
                c0 = TDL.MultiplyAdd(TDL.Load(ref Unsafe.Add(ref r0, i + count)), d, c0);
                c1 = TDL.MultiplyAdd(TDL.Load(ref Unsafe.Add(ref r1, i + count)), d, c1);
                c2 = TDL.MultiplyAdd(TDL.Load(ref Unsafe.Add(ref r2, i + count)), d, c2);
                c3 = TDL.MultiplyAdd(TDL.Load(ref Unsafe.Add(ref r3, i + count)), d, c3);
            }
            if (i <= s.N - count)
            {
                TD b = TDL.Load(ref Unsafe.Add(ref s.B, i));
                a0 = TDL.MultiplyAdd(TDL.Load(ref Unsafe.Add(ref r0, i)), b, a0);
                a1 = TDL.MultiplyAdd(TDL.Load(ref Unsafe.Add(ref r1, i)), b, a1);
                a2 = TDL.MultiplyAdd(TDL.Load(ref Unsafe.Add(ref r2, i)), b, a2);
                a3 = TDL.MultiplyAdd(TDL.Load(ref Unsafe.Add(ref r3, i)), b, a3);
                i += count;
            }
            s.Sum0 += TDL.Sum(TDL.Add(a0, c0));
            s.Sum1 += TDL.Sum(TDL.Add(a1, c1));
            s.Sum2 += TDL.Sum(TDL.Add(a2, c2));
            s.Sum3 += TDL.Sum(TDL.Add(a3, c3));
            return s.Done = i;
        }
    }

    /// <summary>y[i] += alpha·x[i] over n doubles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Axpy(double alpha, ref double x, ref double y, int n, VectorBits width = VectorBits.All)
    {
        var state = new DoubleAxpyState(alpha, ref x, ref y, n);
        Cascade.Run<DoubleAxpyLoop, DoubleAxpyState>(ref state, n, sizeof(double), width);
    }

    [method: MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref struct DotState(ref byte a, ref float b, int n)
    {
        public ref byte A = ref a; // in the loop's weight format
        public ref float B = ref b;
        public readonly int N = n;
        public float Sum;
    }

    private readonly struct DotLoop<TW> : IVectorLoop<DotState> where TW : struct, IWeightFormat
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int Run<TV, TD, TL, TDL>(ref DotState s, int i)
            where TV : struct where TD : struct where TL : struct, IVectorLanes<TV, TD> where TDL : struct, IDoubleLanes<TD>
        {
            if (s.N - i < TL.Count)
                return i;
            TV acc = TL.Zero;
            for (; i <= s.N - TL.Count; i += TL.Count)
                acc = TL.MultiplyAdd(TW.Load<TV, TL>(ref Unsafe.Add(ref s.A, (nint)i * TW.Size)), TL.Load(ref Unsafe.Add(ref s.B, i)), acc);
            s.Sum += TL.Sum(acc);
            return i;
        }
    }

    [method: MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref struct AxpyState(float alpha, ref float x, ref float y, int n)
    {
        public readonly float Alpha = alpha;
        public ref float X = ref x;
        public ref float Y = ref y;
        public readonly int N = n;
    }

    private readonly struct AxpyLoop : IVectorLoop<AxpyState>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int Run<TV, TD, TL, TDL>(ref AxpyState s, int i)
            where TV : struct where TD : struct where TL : struct, IVectorLanes<TV, TD> where TDL : struct, IDoubleLanes<TD>
        {
            TV alpha = TL.Broadcast(s.Alpha);
            for (; i <= s.N - TL.Count; i += TL.Count)
            {
                ref float y = ref Unsafe.Add(ref s.Y, i);
                TL.Store(TL.MultiplyAdd(alpha, TL.Load(ref Unsafe.Add(ref s.X, i)), TL.Load(ref y)), ref y);
            }
            return i;
        }
    }

    [method: MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref struct DoubleDotState(ref double a, ref double b, int n)
    {
        public ref double A = ref a;
        public ref double B = ref b;
        public readonly int N = n;
        public double Sum;
    }

    private readonly struct DoubleDotLoop : IVectorLoop<DoubleDotState>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int Run<TV, TD, TL, TDL>(ref DoubleDotState s, int i)
            where TV : struct where TD : struct where TL : struct, IVectorLanes<TV, TD> where TDL : struct, IDoubleLanes<TD>
        {
            if (s.N - i < TDL.Count)
                return i;
            TD acc = TDL.Zero;
            for (; i <= s.N - TDL.Count; i += TDL.Count)
                acc = TDL.MultiplyAdd(TDL.Load(ref Unsafe.Add(ref s.A, i)), TDL.Load(ref Unsafe.Add(ref s.B, i)), acc);
            s.Sum += TDL.Sum(acc);
            return i;
        }
    }

    [method: MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref struct DoubleAxpyState(double alpha, ref double x, ref double y, int n)
    {
        public readonly double Alpha = alpha;
        public ref double X = ref x;
        public ref double Y = ref y;
        public readonly int N = n;
    }

    private readonly struct DoubleAxpyLoop : IVectorLoop<DoubleAxpyState>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int Run<TV, TD, TL, TDL>(ref DoubleAxpyState s, int i)
            where TV : struct where TD : struct where TL : struct, IVectorLanes<TV, TD> where TDL : struct, IDoubleLanes<TD>
        {
            TD alpha = TDL.Broadcast(s.Alpha);
            for (; i <= s.N - TDL.Count; i += TDL.Count)
            {
                ref double y = ref Unsafe.Add(ref s.Y, i);
                TDL.Store(TDL.MultiplyAdd(alpha, TDL.Load(ref Unsafe.Add(ref s.X, i)), TDL.Load(ref y)), ref y);
            }
            return i;
        }
    }

    /// <summary>y[i] = alpha·x[i] over n doubles (in place where x and y are the same).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Scale(double alpha, ref double x, ref double y, int n, VectorBits width = VectorBits.All)
    {
        var state = new DoubleAxpyState(alpha, ref x, ref y, n);
        Cascade.Run<DoubleScaleLoop, DoubleAxpyState>(ref state, n, sizeof(double), width);
    }

    private readonly struct DoubleScaleLoop : IVectorLoop<DoubleAxpyState>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int Run<TV, TD, TL, TDL>(ref DoubleAxpyState s, int i)
            where TV : struct where TD : struct where TL : struct, IVectorLanes<TV, TD> where TDL : struct, IDoubleLanes<TD>
        {
            TD alpha = TDL.Broadcast(s.Alpha);
            for (; i <= s.N - TDL.Count; i += TDL.Count)
                TDL.Store(TDL.Multiply(alpha, TDL.Load(ref Unsafe.Add(ref s.X, i))), ref Unsafe.Add(ref s.Y, i));
            return i;
        }
    }

    /// <summary>
    /// target[i] = x[i] widened to double and columnSums[i] += |x[i]| over n floats, with Σ|x[i]| and Σx[i]² (in lanes, so
    /// in another order than a loop: both are sums of non-negative terms, whose error bound holds in any order). Returns
    /// max |x[i]|, which is NaN or infinite where an element is (the spectral bound's copy of a weight matrix, in one pass).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double WidenWithSums(ref float x, ref double target, ref double columnSums, int n, out double absoluteSum, out double squareSum,
        VectorBits width = VectorBits.All)
    {
        var state = new WidenSumsState(ref x, ref target, ref columnSums, n);
        Cascade.Run<WidenSumsLoop, WidenSumsState>(ref state, n, width);
        absoluteSum = state.AbsoluteSum;
        squareSum = state.SquareSum;
        return state.Largest;
    }

    [method: MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref struct WidenSumsState(ref float x, ref double target, ref double columnSums, int n)
    {
        public ref float X = ref x;
        public ref double Target = ref target;
        public ref double ColumnSums = ref columnSums;
        public readonly int N = n;
        public double AbsoluteSum, SquareSum, Largest;
    }

    private readonly struct WidenSumsLoop : IVectorLoop<WidenSumsState>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int Run<TV, TD, TL, TDL>(ref WidenSumsState s, int i)
            where TV : struct where TD : struct where TL : struct, IVectorLanes<TV, TD> where TDL : struct, IDoubleLanes<TD>
        {
            if (s.N - i < TL.Count)
                return i;
            TD absolute = TDL.Zero, squares = TDL.Zero, largest = TDL.Zero;
            for (; i <= s.N - TL.Count; i += TL.Count)
            {
                TV v = TL.Load(ref Unsafe.Add(ref s.X, i));
                TD low = TL.WidenLower(v), lowAbsolute = TDL.Abs(low);
                TDL.Store(low, ref Unsafe.Add(ref s.Target, i));
                ref double sums = ref Unsafe.Add(ref s.ColumnSums, i);
                TDL.Store(TDL.Add(TDL.Load(ref sums), lowAbsolute), ref sums);
                absolute = TDL.Add(absolute, lowAbsolute);
                squares = TDL.MultiplyAdd(low, low, squares);
                largest = TDL.Max(largest, lowAbsolute);
                if (TL.Count > 1) // the scalar width has no upper half (it widens to 0)
                {
                    TD high = TL.WidenUpper(v), highAbsolute = TDL.Abs(high);
                    TDL.Store(high, ref Unsafe.Add(ref s.Target, i + TDL.Count));
                    sums = ref Unsafe.Add(ref sums, TDL.Count);
                    TDL.Store(TDL.Add(TDL.Load(ref sums), highAbsolute), ref sums);
                    absolute = TDL.Add(absolute, highAbsolute);
                    squares = TDL.MultiplyAdd(high, high, squares);
                    largest = TDL.Max(largest, highAbsolute);
                }
            }
            s.AbsoluteSum += TDL.Sum(absolute);
            s.SquareSum += TDL.Sum(squares);
            s.Largest = Math.Max(s.Largest, TDL.MaxElement(largest));
            return i;
        }
    }

    /// <summary>Sets n elements to zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Clear(ref float x, int n) =>
        Unsafe.InitBlockUnaligned(ref Unsafe.As<float, byte>(ref x), 0, (uint)n * sizeof(float));
}
