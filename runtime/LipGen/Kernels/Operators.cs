using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LipGen.Kernels;

/// <summary>
/// MaxMin on adjacent pairs (a, b) → (min, max): GroupSort with groups of 2. The record is a swap mask, all bits set on both
/// lanes of a swapped pair. A NaN compares false, so its pair is left as it is and the NaN flows on.
/// </summary>
internal readonly struct MaxMinOperator : IActivationOperator
{
    public static int Stride => 2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Forward(ref float values, ref int record, bool recording)
    {
        float a = values, b = Unsafe.Add(ref values, 1);
        bool swap = a > b;
        if (recording)
            record = Unsafe.Add(ref record, 1) = swap ? -1 : 0;
        if (swap)
        {
            values = b;
            Unsafe.Add(ref values, 1) = a;
        }
    }

    // Both lanes of a pair agree: the even lane (a) asks a > b, the odd lane (b) asks b < a.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Record(Vector128<float> x)
    {
        Vector128<float> partner = SwapPairs(x);
        return Vector128.ConditionalSelect(Vector128.Create(-1, 0, -1, 0).AsSingle(), Vector128.GreaterThan(x, partner), Vector128.LessThan(x, partner));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Forward(Vector128<float> x, Vector128<float> record) => Vector128.ConditionalSelect(record, SwapPairs(x), x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> SwapPairs(Vector128<float> x) => Vector128.Shuffle(x, Vector128.Create(1, 0, 3, 2));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Record(Vector256<float> x)
    {
        Vector256<float> partner = SwapPairs(x);
        return Vector256.ConditionalSelect(Vector256.Create(-1, 0, -1, 0, -1, 0, -1, 0).AsSingle(), Vector256.GreaterThan(x, partner), Vector256.LessThan(x, partner));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Forward(Vector256<float> x, Vector256<float> record) => Vector256.ConditionalSelect(record, SwapPairs(x), x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> SwapPairs(Vector256<float> x) => Vector256.Shuffle(x, Vector256.Create(1, 0, 3, 2, 5, 4, 7, 6));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Record(Vector512<float> x)
    {
        Vector512<float> partner = SwapPairs(x);
        return Vector512.ConditionalSelect(Vector512.Create(-1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0).AsSingle(), Vector512.GreaterThan(x, partner), Vector512.LessThan(x, partner));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Forward(Vector512<float> x, Vector512<float> record) => Vector512.ConditionalSelect(record, SwapPairs(x), x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> SwapPairs(Vector512<float> x) => Vector512.Shuffle(x, Vector512.Create(1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14));

    // Swapped pairs swap their gradients back.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Backward(ref float gradient, ref int record, ref float result)
    {
        float a = gradient, b = Unsafe.Add(ref gradient, 1);
        bool swap = record != 0;
        result = swap ? b : a;
        Unsafe.Add(ref result, 1) = swap ? a : b;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Backward(Vector128<float> gradient, Vector128<float> record) =>
        Vector128.ConditionalSelect(record, SwapPairs(gradient), gradient);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Backward(Vector256<float> gradient, Vector256<float> record) =>
        Vector256.ConditionalSelect(record, SwapPairs(gradient), gradient);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Backward(Vector512<float> gradient, Vector512<float> record) =>
        Vector512.ConditionalSelect(record, SwapPairs(gradient), gradient);
}

/// <summary>
/// ReLU: z ↦ 0 where z ≤ 0, z elsewhere (so a NaN flows on rather than being hidden). The record is the on-mask z &gt; 0;
/// the gradient at z = 0 is taken as 0.
/// </summary>
internal readonly struct ReLUOperator : IActivationOperator
{
    public static int Stride => 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Forward(ref float values, ref int record, bool recording)
    {
        float z = values;
        if (recording)
            record = z > 0 ? -1 : 0;
        if (z <= 0)
            values = 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Record(Vector128<float> x) => Vector128.GreaterThan(x, Vector128<float>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Forward(Vector128<float> x, Vector128<float> record) =>
        Vector128.ConditionalSelect(Vector128.LessThanOrEqual(x, Vector128<float>.Zero), Vector128<float>.Zero, x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Record(Vector256<float> x) => Vector256.GreaterThan(x, Vector256<float>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Forward(Vector256<float> x, Vector256<float> record) =>
        Vector256.ConditionalSelect(Vector256.LessThanOrEqual(x, Vector256<float>.Zero), Vector256<float>.Zero, x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Record(Vector512<float> x) => Vector512.GreaterThan(x, Vector512<float>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Forward(Vector512<float> x, Vector512<float> record) =>
        Vector512.ConditionalSelect(Vector512.LessThanOrEqual(x, Vector512<float>.Zero), Vector512<float>.Zero, x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Backward(ref float gradient, ref int record, ref float result) => result = record != 0 ? gradient : 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Backward(Vector128<float> gradient, Vector128<float> record) => gradient & record;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Backward(Vector256<float> gradient, Vector256<float> record) => gradient & record;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Backward(Vector512<float> gradient, Vector512<float> record) => gradient & record;
}

/// <summary>|x|: the terms of an ℓ1 norm (and, aggregated by maximum, of ℓ∞).</summary>
internal readonly struct AbsoluteOperator : IUnaryDoubleOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Invoke(double x) => Math.Abs(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Invoke(Vector128<double> x) => Vector128.Abs(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Invoke(Vector256<double> x) => Vector256.Abs(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Invoke(Vector512<double> x) => Vector512.Abs(x);
}

/// <summary>x²: the terms of a squared ℓ2 norm. The square of a widened float is exact in double.</summary>
internal readonly struct SquareOperator : IUnaryDoubleOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Invoke(double x) => x * x;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Invoke(Vector128<double> x) => x * x;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Invoke(Vector256<double> x) => x * x;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Invoke(Vector512<double> x) => x * x;
}

/// <summary>Summation.</summary>
internal readonly struct AddOperator : IAggregationOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Invoke(double x, double y) => x + y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Invoke(Vector128<double> x, Vector128<double> y) => x + y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Invoke(Vector256<double> x, Vector256<double> y) => x + y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Invoke(Vector512<double> x, Vector512<double> y) => x + y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Invoke(Vector128<double> x) => Vector128.Sum(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Invoke(Vector256<double> x) => Vector256.Sum(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Invoke(Vector512<double> x) => Vector512.Sum(x);
}

/// <summary>Maximum; a NaN anywhere makes the result NaN (IEEE 754:2019 maximum, as Math.Max and VectorN.Max).</summary>
internal readonly struct MaxOperator : IAggregationOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Invoke(double x, double y) => Math.Max(x, y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Invoke(Vector128<double> x, Vector128<double> y) => Vector128.Max(x, y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Invoke(Vector256<double> x, Vector256<double> y) => Vector256.Max(x, y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Invoke(Vector512<double> x, Vector512<double> y) => Vector512.Max(x, y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Invoke(Vector128<double> x) => Math.Max(x.GetElement(0), x.GetElement(1));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Invoke(Vector256<double> x) => Invoke(Invoke(x.GetLower(), x.GetUpper()));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Invoke(Vector512<double> x) => Invoke(Invoke(x.GetLower(), x.GetUpper()));
}

/// <summary>
/// x·y rounded toward zero, for y in [0, 1] (a projection's rescale): |result| ≤ |x|·y exactly, so every norm of a rescaled
/// row is at most y times the row's, with no rounding to allow for, and the product can never grow past what was asked,
/// also where it is subnormal. The product of two floats is exact in double; rounded to nearest float, it is stepped one
/// ulp towards zero where that rounding went away from zero.
/// </summary>
internal readonly struct ShrinkOperator : IBinaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Invoke(float x, float y)
    {
        double product = (double)x * y;
        float rounded = (float)product;
        return Math.Abs((double)rounded) > Math.Abs(product) ? BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(rounded) - 1) : rounded;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Invoke(Vector128<float> x, Vector128<float> y)
    {
        (Vector128<double> xLow, Vector128<double> xHigh) = Vector128.Widen(x);
        (Vector128<double> yLow, Vector128<double> yHigh) = Vector128.Widen(y);
        Vector128<double> low = xLow * yLow, high = xHigh * yHigh;
        Vector128<float> rounded = Vector128.Narrow(low, high);
        (Vector128<double> roundedLow, Vector128<double> roundedHigh) = Vector128.Widen(rounded);
        Vector128<int> away = Vector128.Narrow(Vector128.GreaterThan(Vector128.Abs(roundedLow), Vector128.Abs(low)).AsInt64(),
            Vector128.GreaterThan(Vector128.Abs(roundedHigh), Vector128.Abs(high)).AsInt64());
        return (rounded.AsInt32() + away).AsSingle(); // −1 on the bits of a float is one ulp towards zero
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Invoke(Vector256<float> x, Vector256<float> y)
    {
        (Vector256<double> xLow, Vector256<double> xHigh) = Vector256.Widen(x);
        (Vector256<double> yLow, Vector256<double> yHigh) = Vector256.Widen(y);
        Vector256<double> low = xLow * yLow, high = xHigh * yHigh;
        Vector256<float> rounded = Vector256.Narrow(low, high);
        (Vector256<double> roundedLow, Vector256<double> roundedHigh) = Vector256.Widen(rounded);
        Vector256<int> away = Vector256.Narrow(Vector256.GreaterThan(Vector256.Abs(roundedLow), Vector256.Abs(low)).AsInt64(),
            Vector256.GreaterThan(Vector256.Abs(roundedHigh), Vector256.Abs(high)).AsInt64());
        return (rounded.AsInt32() + away).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Invoke(Vector512<float> x, Vector512<float> y)
    {
        (Vector512<double> xLow, Vector512<double> xHigh) = Vector512.Widen(x);
        (Vector512<double> yLow, Vector512<double> yHigh) = Vector512.Widen(y);
        Vector512<double> low = xLow * yLow, high = xHigh * yHigh;
        Vector512<float> rounded = Vector512.Narrow(low, high);
        (Vector512<double> roundedLow, Vector512<double> roundedHigh) = Vector512.Widen(rounded);
        Vector512<int> away = Vector512.Narrow(Vector512.GreaterThan(Vector512.Abs(roundedLow), Vector512.Abs(low)).AsInt64(),
            Vector512.GreaterThan(Vector512.Abs(roundedHigh), Vector512.Abs(high)).AsInt64());
        return (rounded.AsInt32() + away).AsSingle();
    }
}

/// <summary>x − y (the input map's offset, one input row of a batch at a time).</summary>
internal readonly struct SubtractOperator : IBinaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Invoke(float x, float y) => x - y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Invoke(Vector128<float> x, Vector128<float> y) => x - y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => x - y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) => x - y;
}

/// <summary>x / y, correctly rounded (the input map's scale; a division, not a reciprocal, so z has two roundings).</summary>
internal readonly struct DivideOperator : IBinaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Invoke(float x, float y) => x / y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Invoke(Vector128<float> x, Vector128<float> y) => x / y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => x / y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) => x / y;
}

/// <summary>(x − a) / b: the input map z = (x − offset) / scale, with the same two roundings as the batched path.</summary>
internal readonly struct StandardizeOperator : ITernaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Invoke(float x, float a, float b) => (x - a) / b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Invoke(Vector128<float> x, Vector128<float> a, Vector128<float> b) => (x - a) / b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Invoke(Vector256<float> x, Vector256<float> a, Vector256<float> b) => (x - a) / b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Invoke(Vector512<float> x, Vector512<float> a, Vector512<float> b) => (x - a) / b;
}

/// <summary>x + a (b unused): adding the skip connection of a residual block.</summary>
internal readonly struct PlusOperator : ITernaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Invoke(float x, float a, float b) => x + a;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Invoke(Vector128<float> x, Vector128<float> a, Vector128<float> b) => x + a;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Invoke(Vector256<float> x, Vector256<float> a, Vector256<float> b) => x + a;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Invoke(Vector512<float> x, Vector512<float> a, Vector512<float> b) => x + a;
}

/// <summary>x / b (a is ignored): the input gradient ∂f/∂x = ∂f/∂z / scale.</summary>
internal readonly struct QuotientOperator : ITernaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Invoke(float x, float a, float b) => x / b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Invoke(Vector128<float> x, Vector128<float> a, Vector128<float> b) => x / b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Invoke(Vector256<float> x, Vector256<float> a, Vector256<float> b) => x / b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Invoke(Vector512<float> x, Vector512<float> a, Vector512<float> b) => x / b;
}
