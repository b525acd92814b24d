using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LipGen.Kernels;

/// <summary>
/// The element-wise kernels, each one loop (<see cref="IVectorLoop{TState}"/>) written once over a vector width and run by
/// <see cref="Cascade"/> at 512, 256 and 128 bits and as scalars. The width arguments are
/// <see cref="VectorBits.All"/> in the library (the widths the machine has); a test names one width to run exactly that.
/// </summary>
internal static class Elementwise
{
    /// <summary>values = op(values) in place over n values; with <paramref name="recording"/>, the op's record into <paramref name="record"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Forward<TOp>(ref float values, ref int record, int n, bool recording, VectorBits width = VectorBits.All)
        where TOp : IActivationOperator
    {
        var state = new ActivationState(ref values, ref record, ref values, n, recording);
        Cascade.Run<ActivationForward<TOp>, ActivationState>(ref state, n, width);
    }

    /// <summary>result = op.Backward(gradient, record) over n values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Backward<TOp>(ref float gradient, ref int record, ref float result, int n, VectorBits width = VectorBits.All)
        where TOp : IActivationOperator
    {
        var state = new ActivationState(ref gradient, ref record, ref result, n, recording: true);
        Cascade.Run<ActivationBackward<TOp>, ActivationState>(ref state, n, width);
    }

    /// <summary>Aggregate over x of transform(x), in double (floats widen exactly).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Reduce<TTransform, TAggregate>(ReadOnlySpan<float> x, VectorBits width = VectorBits.All)
        where TTransform : IUnaryDoubleOperator
        where TAggregate : IAggregationOperator
    {
        var state = new ReduceState(ref MemoryMarshal.GetReference(x), x.Length);
        Cascade.Run<ReduceLoop<TTransform, TAggregate>, ReduceState>(ref state, x.Length, width);
        return state.Result;
    }

    /// <summary>
    /// True when no value is NaN or ±∞. In float alone: x − x is +0 for every finite x and NaN for NaN and ±∞, and a sum
    /// of those is 0 or NaN in any order, so the result is exact; two sums a step keep the adds' latency off the loads.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AllFinite(ReadOnlySpan<float> x, VectorBits width = VectorBits.All)
    {
        var state = new ReduceState(ref MemoryMarshal.GetReference(x), x.Length);
        Cascade.Run<FiniteLoop, ReduceState>(ref state, x.Length, width);
        return state.Result == 0;
    }

    /// <summary>x = op(x, y) in place, y broadcast.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Apply<TOp>(Span<float> x, float y, VectorBits width = VectorBits.All) where TOp : IBinaryOperator
    {
        var state = new ApplyState(ref MemoryMarshal.GetReference(x), x.Length, y);
        Cascade.Run<ApplyLoop<TOp>, ApplyState>(ref state, x.Length, width);
    }

    /// <summary>result = op(x, a, b) element by element over n elements (result may be x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Combine<TOp>(ref float x, ref float a, ref float b, ref float result, int n, VectorBits width = VectorBits.All)
        where TOp : ITernaryOperator
    {
        var state = new CombineState(ref x, ref a, ref b, ref result, n);
        Cascade.Run<CombineLoop<TOp>, CombineState>(ref state, n, width);
    }

    /// <summary>The optimizer update over every parameter (all four spans have the same length).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Update<TOp, TCoefficients>(Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v, in TCoefficients c,
        VectorBits width = VectorBits.All)
        where TOp : IUpdateOperator<TCoefficients>
        where TCoefficients : struct
    {
        var state = new UpdateState<TCoefficients>(ref MemoryMarshal.GetReference(p), ref MemoryMarshal.GetReference(g),
            ref MemoryMarshal.GetReference(m), ref MemoryMarshal.GetReference(v), p.Length, c);
        Cascade.Run<UpdateLoop<TOp, TCoefficients>, UpdateState<TCoefficients>>(ref state, p.Length, width);
    }

    /// <summary>The vector at element <paramref name="offset"/> (unaligned access is fine on every target .NET supports).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref TV At<TV>(ref float start, int offset) where TV : struct => ref Unsafe.As<float, TV>(ref Unsafe.Add(ref start, offset));

    [method: MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref struct ActivationState(ref float values, ref int record, ref float result, int n, bool recording)
    {
        public ref float Values = ref values;
        public ref int Record = ref record;
        public ref float Result = ref result;
        public readonly int N = n;
        public readonly bool Recording = recording;
    }

    private readonly struct ActivationForward<TOp> : IVectorLoop<ActivationState> where TOp : IActivationOperator
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int Run<TV, TD, TL, TDL>(ref ActivationState s, int i)
            where TV : struct where TD : struct where TL : struct, IVectorLanes<TV, TD> where TDL : struct, IDoubleLanes<TD>
        {
            if (typeof(TV) == typeof(float))
            {
                // One lane has no partner: the operator's own scalar code takes its stride at a time.
                for (; i < s.N; i += TOp.Stride)
                    TOp.Forward(ref Unsafe.Add(ref s.Values, i), ref s.Recording ? ref Unsafe.Add(ref s.Record, i) : ref s.Record, s.Recording);
                return i;
            }
            for (; i <= s.N - TL.Count; i += TL.Count)
            {
                TV x = TL.Load(ref Unsafe.Add(ref s.Values, i)), record = TOp.Record<TV, TL>(x);
                TL.Store(TOp.Forward<TV, TL>(x, record), ref Unsafe.Add(ref s.Values, i));
                if (s.Recording)
                    TL.StoreMask(record, ref Unsafe.Add(ref s.Record, i));
            }
            return i;
        }
    }

    private readonly struct ActivationBackward<TOp> : IVectorLoop<ActivationState> where TOp : IActivationOperator
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int Run<TV, TD, TL, TDL>(ref ActivationState s, int i)
            where TV : struct where TD : struct where TL : struct, IVectorLanes<TV, TD> where TDL : struct, IDoubleLanes<TD>
        {
            if (typeof(TV) == typeof(float))
            {
                for (; i < s.N; i += TOp.Stride)
                    TOp.Backward(ref Unsafe.Add(ref s.Values, i), ref Unsafe.Add(ref s.Record, i), ref Unsafe.Add(ref s.Result, i));
                return i;
            }
            for (; i <= s.N - TL.Count; i += TL.Count)
                TL.Store(TOp.Backward<TV, TL>(TL.Load(ref Unsafe.Add(ref s.Values, i)), TL.LoadMask(ref Unsafe.Add(ref s.Record, i))),
                    ref Unsafe.Add(ref s.Result, i));
            return i;
        }
    }

    [method: MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref struct ReduceState(ref float x, int n)
    {
        public ref float X = ref x;
        public readonly int N = n;
        public double Result;
    }

    private readonly struct ReduceLoop<TTransform, TAggregate> : IVectorLoop<ReduceState>
        where TTransform : IUnaryDoubleOperator
        where TAggregate : IAggregationOperator
    {
        // The scalar width widens each float to one double and an empty upper half of 0, the aggregations' identity.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int Run<TV, TD, TL, TDL>(ref ReduceState s, int i)
            where TV : struct where TD : struct where TL : struct, IVectorLanes<TV, TD> where TDL : struct, IDoubleLanes<TD>
        {
            if (s.N - i < TL.Count)
                return i;
            TD acc = TDL.Zero;
            for (; i <= s.N - TL.Count; i += TL.Count)
            {
                TV v = TL.Load(ref Unsafe.Add(ref s.X, i));
                acc = TAggregate.Invoke<TD, TDL>(acc,
                    TAggregate.Invoke<TD, TDL>(TTransform.Invoke<TD, TDL>(TL.WidenLower(v)), TTransform.Invoke<TD, TDL>(TL.WidenUpper(v))));
            }
            s.Result = TAggregate.Invoke<double, DoubleLanes1>(s.Result, TAggregate.Reduce<TD, TDL>(acc));
            return i;
        }
    }

    private readonly struct FiniteLoop : IVectorLoop<ReduceState>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int Run<TV, TD, TL, TDL>(ref ReduceState s, int i)
            where TV : struct where TD : struct where TL : struct, IVectorLanes<TV, TD> where TDL : struct, IDoubleLanes<TD>
        {
            if (s.N - i < TL.Count)
                return i;
            TV sum0 = TL.Zero, sum1 = TL.Zero;
            for (; i <= s.N - 2 * TL.Count; i += 2 * TL.Count)
            {
                TV v0 = TL.Load(ref Unsafe.Add(ref s.X, i)), v1 = TL.Load(ref Unsafe.Add(ref s.X, i + TL.Count));
                sum0 = TL.Add(sum0, TL.Subtract(v0, v0));
                sum1 = TL.Add(sum1, TL.Subtract(v1, v1));
            }
            for (; i <= s.N - TL.Count; i += TL.Count)
            {
                TV v = TL.Load(ref Unsafe.Add(ref s.X, i));
                sum0 = TL.Add(sum0, TL.Subtract(v, v));
            }
            s.Result += TL.Sum(TL.Add(sum0, sum1));
            return i;
        }
    }

    [method: MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref struct ApplyState(ref float x, int n, float y)
    {
        public ref float X = ref x;
        public readonly int N = n;
        public readonly float Y = y;
    }

    private readonly struct ApplyLoop<TOp> : IVectorLoop<ApplyState> where TOp : IBinaryOperator
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int Run<TV, TD, TL, TDL>(ref ApplyState s, int i)
            where TV : struct where TD : struct where TL : struct, IVectorLanes<TV, TD> where TDL : struct, IDoubleLanes<TD>
        {
            TV y = TL.Broadcast(s.Y);
            for (; i <= s.N - TL.Count; i += TL.Count)
            {
                ref float at = ref Unsafe.Add(ref s.X, i);
                TL.Store(TOp.Invoke<TV, TD, TL, TDL>(TL.Load(ref at), y), ref at);
            }
            return i;
        }
    }

    [method: MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref struct CombineState(ref float x, ref float a, ref float b, ref float result, int n)
    {
        public ref float X = ref x;
        public ref float A = ref a;
        public ref float B = ref b;
        public ref float Result = ref result;
        public readonly int N = n;
    }

    private readonly struct CombineLoop<TOp> : IVectorLoop<CombineState> where TOp : ITernaryOperator
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int Run<TV, TD, TL, TDL>(ref CombineState s, int i)
            where TV : struct where TD : struct where TL : struct, IVectorLanes<TV, TD> where TDL : struct, IDoubleLanes<TD>
        {
            for (; i <= s.N - TL.Count; i += TL.Count)
                TL.Store(TOp.Invoke<TV, TL>(TL.Load(ref Unsafe.Add(ref s.X, i)), TL.Load(ref Unsafe.Add(ref s.A, i)), TL.Load(ref Unsafe.Add(ref s.B, i))),
                    ref Unsafe.Add(ref s.Result, i));
            return i;
        }
    }

    [method: MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref struct UpdateState<TCoefficients>(ref float p, ref float g, ref float m, ref float v, int n, TCoefficients c)
        where TCoefficients : struct
    {
        public ref float P = ref p;
        public ref float G = ref g;
        public ref float M = ref m;
        public ref float V = ref v;
        public readonly int N = n;
        public readonly TCoefficients C = c;
    }

    private readonly struct UpdateLoop<TOp, TCoefficients> : IVectorLoop<UpdateState<TCoefficients>>
        where TOp : IUpdateOperator<TCoefficients>
        where TCoefficients : struct
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int Run<TV, TD, TL, TDL>(ref UpdateState<TCoefficients> s, int i)
            where TV : struct where TD : struct where TL : struct, IVectorLanes<TV, TD> where TDL : struct, IDoubleLanes<TD>
        {
            for (; i <= s.N - TL.Count; i += TL.Count)
                TOp.Invoke<TV, TL>(ref At<TV>(ref s.P, i), TL.Load(ref Unsafe.Add(ref s.G, i)), ref At<TV>(ref s.M, i), ref At<TV>(ref s.V, i), s.C);
            return i;
        }
    }
}
