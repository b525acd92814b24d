using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LipGen.Kernels;

/// <summary>The widest vectors a cascade may use. Kernels pass <see cref="All"/>; tests pass each narrower width.</summary>
internal enum VectorBits
{
    /// <summary>Scalar code only.</summary>
    Scalar = 0,

    /// <summary>Up to <see cref="Vector128{T}"/>.</summary>
    Bits128 = 128,

    /// <summary>Up to <see cref="Vector256{T}"/>.</summary>
    Bits256 = 256,

    /// <summary>Every width the machine accelerates.</summary>
    All = 512,
}

/// <summary>
/// An activation as an operator: the record of what it does to x (a mask), the forward value given that record, and the
/// backward route from it. The scalar members handle <see cref="Stride"/> values at a time (2 for operators on adjacent
/// pairs). Vector members return their results (no out parameters, which would keep the vectors out of registers).
/// </summary>
internal interface IActivationOperator
{
    static abstract int Stride { get; }

    static abstract void Forward(ref float values, ref int record, bool recording);

    static abstract Vector128<float> Record(Vector128<float> x);

    static abstract Vector256<float> Record(Vector256<float> x);

    static abstract Vector512<float> Record(Vector512<float> x);

    static abstract Vector128<float> Forward(Vector128<float> x, Vector128<float> record);

    static abstract Vector256<float> Forward(Vector256<float> x, Vector256<float> record);

    static abstract Vector512<float> Forward(Vector512<float> x, Vector512<float> record);

    static abstract void Backward(ref float gradient, ref int record, ref float result);

    static abstract Vector128<float> Backward(Vector128<float> gradient, Vector128<float> record);

    static abstract Vector256<float> Backward(Vector256<float> gradient, Vector256<float> record);

    static abstract Vector512<float> Backward(Vector512<float> gradient, Vector512<float> record);
}

/// <summary>An element-wise map on doubles (the terms of a row norm).</summary>
internal interface IUnaryDoubleOperator
{
    static abstract double Invoke(double x);

    static abstract Vector128<double> Invoke(Vector128<double> x);

    static abstract Vector256<double> Invoke(Vector256<double> x);

    static abstract Vector512<double> Invoke(Vector512<double> x);
}

/// <summary>An associative, commutative combination (sum, maximum) with 0 as its identity on the values it meets here.</summary>
internal interface IAggregationOperator
{
    static abstract double Invoke(double x, double y);

    static abstract Vector128<double> Invoke(Vector128<double> x, Vector128<double> y);

    static abstract Vector256<double> Invoke(Vector256<double> x, Vector256<double> y);

    static abstract Vector512<double> Invoke(Vector512<double> x, Vector512<double> y);

    static abstract double Invoke(Vector128<double> x);

    static abstract double Invoke(Vector256<double> x);

    static abstract double Invoke(Vector512<double> x);
}

/// <summary>A binary float operator, applied with a broadcast scalar.</summary>
internal interface IBinaryOperator
{
    static abstract float Invoke(float x, float y);

    static abstract Vector128<float> Invoke(Vector128<float> x, Vector128<float> y);

    static abstract Vector256<float> Invoke(Vector256<float> x, Vector256<float> y);

    static abstract Vector512<float> Invoke(Vector512<float> x, Vector512<float> y);
}

/// <summary>A float operator of an element and two per-element coefficients a and b.</summary>
internal interface ITernaryOperator
{
    static abstract float Invoke(float x, float a, float b);

    static abstract Vector128<float> Invoke(Vector128<float> x, Vector128<float> a, Vector128<float> b);

    static abstract Vector256<float> Invoke(Vector256<float> x, Vector256<float> a, Vector256<float> b);

    static abstract Vector512<float> Invoke(Vector512<float> x, Vector512<float> a, Vector512<float> b);
}

/// <summary>An optimizer's update of parameters p from gradients g with two moment buffers m and v.</summary>
internal interface IUpdateOperator<TCoefficients> where TCoefficients : struct
{
    static abstract void Invoke(ref float p, float g, ref float m, ref float v, in TCoefficients c);

    static abstract void Invoke(ref Vector128<float> p, Vector128<float> g, ref Vector128<float> m, ref Vector128<float> v, in TCoefficients c);

    static abstract void Invoke(ref Vector256<float> p, Vector256<float> g, ref Vector256<float> m, ref Vector256<float> v, in TCoefficients c);

    static abstract void Invoke(ref Vector512<float> p, Vector512<float> g, ref Vector512<float> m, ref Vector512<float> v, in TCoefficients c);
}

/// <summary>
/// The 512 → 256 → 128-bit → scalar cascade, written once per kernel shape. Each driver runs the widest accelerated
/// vectors over the leading whole vectors, the next width over what is left, and the operator's scalar code last. The
/// drivers inline into their kernels, so with a constant <see cref="VectorBits"/> the JIT drops the paths it cannot take.
/// </summary>
internal static class Elementwise
{
    /// <summary>values = op(values) in place over n values; with <paramref name="recording"/>, the op's record into <paramref name="record"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Forward<TOp>(ref float values, ref int record, int n, bool recording, VectorBits limit = VectorBits.All)
        where TOp : IActivationOperator
    {
        int i = 0;
        if (limit >= VectorBits.All && Vector512.IsHardwareAccelerated)
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                Vector512<float> x = Vector512.LoadUnsafe(ref values, (nuint)i), r = TOp.Record(x);
                TOp.Forward(x, r).StoreUnsafe(ref values, (nuint)i);
                if (recording)
                    r.AsInt32().StoreUnsafe(ref record, (nuint)i);
            }
        if (limit >= VectorBits.Bits256 && Vector256.IsHardwareAccelerated)
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256<float> x = Vector256.LoadUnsafe(ref values, (nuint)i), r = TOp.Record(x);
                TOp.Forward(x, r).StoreUnsafe(ref values, (nuint)i);
                if (recording)
                    r.AsInt32().StoreUnsafe(ref record, (nuint)i);
            }
        if (limit >= VectorBits.Bits128 && Vector128.IsHardwareAccelerated)
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                Vector128<float> x = Vector128.LoadUnsafe(ref values, (nuint)i), r = TOp.Record(x);
                TOp.Forward(x, r).StoreUnsafe(ref values, (nuint)i);
                if (recording)
                    r.AsInt32().StoreUnsafe(ref record, (nuint)i);
            }
        for (; i < n; i += TOp.Stride)
            TOp.Forward(ref Unsafe.Add(ref values, i), ref recording ? ref Unsafe.Add(ref record, i) : ref record, recording);
    }

    /// <summary>result = op.Backward(gradient, record) over n values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Backward<TOp>(ref float gradient, ref int record, ref float result, int n, VectorBits limit = VectorBits.All)
        where TOp : IActivationOperator
    {
        int i = 0;
        if (limit >= VectorBits.All && Vector512.IsHardwareAccelerated)
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
                TOp.Backward(Vector512.LoadUnsafe(ref gradient, (nuint)i), Vector512.LoadUnsafe(ref record, (nuint)i).AsSingle()).StoreUnsafe(ref result, (nuint)i);
        if (limit >= VectorBits.Bits256 && Vector256.IsHardwareAccelerated)
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
                TOp.Backward(Vector256.LoadUnsafe(ref gradient, (nuint)i), Vector256.LoadUnsafe(ref record, (nuint)i).AsSingle()).StoreUnsafe(ref result, (nuint)i);
        if (limit >= VectorBits.Bits128 && Vector128.IsHardwareAccelerated)
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
                TOp.Backward(Vector128.LoadUnsafe(ref gradient, (nuint)i), Vector128.LoadUnsafe(ref record, (nuint)i).AsSingle()).StoreUnsafe(ref result, (nuint)i);
        for (; i < n; i += TOp.Stride)
            TOp.Backward(ref Unsafe.Add(ref gradient, i), ref Unsafe.Add(ref record, i), ref Unsafe.Add(ref result, i));
    }

    /// <summary>Aggregate over x of transform(x), in double (floats widen exactly).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Reduce<TTransform, TAggregate>(ReadOnlySpan<float> x, VectorBits limit = VectorBits.All)
        where TTransform : IUnaryDoubleOperator
        where TAggregate : IAggregationOperator
    {
        ref float start = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(x);
        int n = x.Length, i = 0;
        double result = 0;
        if (limit >= VectorBits.All && Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count)
        {
            Vector512<double> acc = Vector512<double>.Zero;
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                (Vector512<double> low, Vector512<double> high) = Vector512.Widen(Vector512.LoadUnsafe(ref start, (nuint)i));
                acc = TAggregate.Invoke(acc, TAggregate.Invoke(TTransform.Invoke(low), TTransform.Invoke(high)));
            }
            result = TAggregate.Invoke(acc);
        }
        if (limit >= VectorBits.Bits256 && Vector256.IsHardwareAccelerated && n - i >= Vector256<float>.Count)
        {
            Vector256<double> acc = Vector256<double>.Zero;
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                (Vector256<double> low, Vector256<double> high) = Vector256.Widen(Vector256.LoadUnsafe(ref start, (nuint)i));
                acc = TAggregate.Invoke(acc, TAggregate.Invoke(TTransform.Invoke(low), TTransform.Invoke(high)));
            }
            result = TAggregate.Invoke(result, TAggregate.Invoke(acc));
        }
        if (limit >= VectorBits.Bits128 && Vector128.IsHardwareAccelerated && n - i >= Vector128<float>.Count)
        {
            Vector128<double> acc = Vector128<double>.Zero;
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                (Vector128<double> low, Vector128<double> high) = Vector128.Widen(Vector128.LoadUnsafe(ref start, (nuint)i));
                acc = TAggregate.Invoke(acc, TAggregate.Invoke(TTransform.Invoke(low), TTransform.Invoke(high)));
            }
            result = TAggregate.Invoke(result, TAggregate.Invoke(acc));
        }
        for (; i < n; i++)
            result = TAggregate.Invoke(result, TTransform.Invoke(Unsafe.Add(ref start, i)));
        return result;
    }

    /// <summary>x = op(x, y) in place, y broadcast.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Apply<TOp>(Span<float> x, float y, VectorBits limit = VectorBits.All) where TOp : IBinaryOperator
    {
        ref float start = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(x);
        int n = x.Length, i = 0;
        if (limit >= VectorBits.All && Vector512.IsHardwareAccelerated)
        {
            Vector512<float> b = Vector512.Create(y);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
                TOp.Invoke(Vector512.LoadUnsafe(ref start, (nuint)i), b).StoreUnsafe(ref start, (nuint)i);
        }
        if (limit >= VectorBits.Bits256 && Vector256.IsHardwareAccelerated)
        {
            Vector256<float> b = Vector256.Create(y);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
                TOp.Invoke(Vector256.LoadUnsafe(ref start, (nuint)i), b).StoreUnsafe(ref start, (nuint)i);
        }
        if (limit >= VectorBits.Bits128 && Vector128.IsHardwareAccelerated)
        {
            Vector128<float> b = Vector128.Create(y);
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
                TOp.Invoke(Vector128.LoadUnsafe(ref start, (nuint)i), b).StoreUnsafe(ref start, (nuint)i);
        }
        for (; i < n; i++)
            Unsafe.Add(ref start, i) = TOp.Invoke(Unsafe.Add(ref start, i), y);
    }

    /// <summary>result = op(x, a, b) element by element over n elements (result may be x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Combine<TOp>(ref float x, ref float a, ref float b, ref float result, int n, VectorBits limit = VectorBits.All)
        where TOp : ITernaryOperator
    {
        int i = 0;
        if (limit >= VectorBits.All && Vector512.IsHardwareAccelerated)
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
                TOp.Invoke(Vector512.LoadUnsafe(ref x, (nuint)i), Vector512.LoadUnsafe(ref a, (nuint)i), Vector512.LoadUnsafe(ref b, (nuint)i))
                    .StoreUnsafe(ref result, (nuint)i);
        if (limit >= VectorBits.Bits256 && Vector256.IsHardwareAccelerated)
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
                TOp.Invoke(Vector256.LoadUnsafe(ref x, (nuint)i), Vector256.LoadUnsafe(ref a, (nuint)i), Vector256.LoadUnsafe(ref b, (nuint)i))
                    .StoreUnsafe(ref result, (nuint)i);
        if (limit >= VectorBits.Bits128 && Vector128.IsHardwareAccelerated)
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
                TOp.Invoke(Vector128.LoadUnsafe(ref x, (nuint)i), Vector128.LoadUnsafe(ref a, (nuint)i), Vector128.LoadUnsafe(ref b, (nuint)i))
                    .StoreUnsafe(ref result, (nuint)i);
        for (; i < n; i++)
            Unsafe.Add(ref result, i) = TOp.Invoke(Unsafe.Add(ref x, i), Unsafe.Add(ref a, i), Unsafe.Add(ref b, i));
    }

    /// <summary>The optimizer update over every parameter (all four spans have the same length).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Update<TOp, TCoefficients>(Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v, in TCoefficients c,
        VectorBits limit = VectorBits.All)
        where TOp : IUpdateOperator<TCoefficients>
        where TCoefficients : struct
    {
        ref float pp = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(p);
        ref float gg = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(g);
        ref float mm = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(m);
        ref float vv = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(v);
        int n = p.Length, i = 0;
        if (limit >= VectorBits.All && Vector512.IsHardwareAccelerated)
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
                TOp.Invoke(ref As<Vector512<float>>(ref pp, i), Vector512.LoadUnsafe(ref gg, (nuint)i), ref As<Vector512<float>>(ref mm, i), ref As<Vector512<float>>(ref vv, i), c);
        if (limit >= VectorBits.Bits256 && Vector256.IsHardwareAccelerated)
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
                TOp.Invoke(ref As<Vector256<float>>(ref pp, i), Vector256.LoadUnsafe(ref gg, (nuint)i), ref As<Vector256<float>>(ref mm, i), ref As<Vector256<float>>(ref vv, i), c);
        if (limit >= VectorBits.Bits128 && Vector128.IsHardwareAccelerated)
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
                TOp.Invoke(ref As<Vector128<float>>(ref pp, i), Vector128.LoadUnsafe(ref gg, (nuint)i), ref As<Vector128<float>>(ref mm, i), ref As<Vector128<float>>(ref vv, i), c);
        for (; i < n; i++)
            TOp.Invoke(ref Unsafe.Add(ref pp, i), Unsafe.Add(ref gg, i), ref Unsafe.Add(ref mm, i), ref Unsafe.Add(ref vv, i), c);
    }

    /// <summary>The vector at element <paramref name="offset"/> (unaligned access is fine on every target .NET supports).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref TVector As<TVector>(ref float start, int offset) where TVector : struct =>
        ref Unsafe.As<float, TVector>(ref Unsafe.Add(ref start, offset));
}
