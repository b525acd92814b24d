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
        var state = new DotState(ref a, ref b, n);
        Cascade.Run<DotLoop, DotState>(ref state, n, width);
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

    /// <summary>y[i] += alpha·x[i] over n doubles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Axpy(double alpha, ref double x, ref double y, int n, VectorBits width = VectorBits.All)
    {
        var state = new DoubleAxpyState(alpha, ref x, ref y, n);
        Cascade.Run<DoubleAxpyLoop, DoubleAxpyState>(ref state, n, sizeof(double), width);
    }

    [method: MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref struct DotState(ref float a, ref float b, int n)
    {
        public ref float A = ref a;
        public ref float B = ref b;
        public readonly int N = n;
        public float Sum;
    }

    private readonly struct DotLoop : IVectorLoop<DotState>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int Run<TV, TD, TL, TDL>(ref DotState s, int i)
            where TV : struct where TD : struct where TL : struct, IVectorLanes<TV, TD> where TDL : struct, IDoubleLanes<TD>
        {
            if (s.N - i < TL.Count)
                return i;
            TV acc = TL.Zero;
            for (; i <= s.N - TL.Count; i += TL.Count)
                acc = TL.MultiplyAdd(TL.Load(ref Unsafe.Add(ref s.A, i)), TL.Load(ref Unsafe.Add(ref s.B, i)), acc);
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

    /// <summary>Sets n elements to zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Clear(ref float x, int n) =>
        Unsafe.InitBlockUnaligned(ref Unsafe.As<float, byte>(ref x), 0, (uint)n * sizeof(float));
}
