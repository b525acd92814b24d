using System.Runtime.CompilerServices;

namespace LipGen.Kernels;

/// <summary>
/// An activation as an operator: the record of what it does to x (a mask), the forward value given that record, and the
/// backward route from it, each written once over a vector width (<see cref="ILanes{TV}"/>). The scalar members handle
/// <see cref="Stride"/> values at a time (2 for operators on adjacent pairs), since one lane has no partner to look at.
/// </summary>
internal interface IActivationOperator
{
    static abstract int Stride { get; }

    static abstract void Forward(ref float values, ref int record, bool recording);

    static abstract void Backward(ref float gradient, ref int record, ref float result);

    static abstract TV Record<TV, TL>(TV x) where TV : struct where TL : struct, ILanes<TV>;

    static abstract TV Forward<TV, TL>(TV x, TV record) where TV : struct where TL : struct, ILanes<TV>;

    static abstract TV Backward<TV, TL>(TV gradient, TV record) where TV : struct where TL : struct, ILanes<TV>;
}

/// <summary>An element-wise map on doubles (the terms of a row norm), at any double width including one.</summary>
internal interface IUnaryDoubleOperator
{
    static abstract TD Invoke<TD, TDL>(TD x) where TD : struct where TDL : struct, IDoubleLanes<TD>;
}

/// <summary>An associative, commutative combination (sum, maximum) with 0 as its identity on the values it meets here.</summary>
internal interface IAggregationOperator
{
    static abstract TD Invoke<TD, TDL>(TD x, TD y) where TD : struct where TDL : struct, IDoubleLanes<TD>;

    /// <summary>The combination of a vector's elements.</summary>
    static abstract double Reduce<TD, TDL>(TD x) where TD : struct where TDL : struct, IDoubleLanes<TD>;
}

/// <summary>A binary float operator, applied with a broadcast scalar. It may work in double (its width's double pair).</summary>
internal interface IBinaryOperator
{
    static abstract TV Invoke<TV, TD, TL, TDL>(TV x, TV y)
        where TV : struct where TD : struct where TL : struct, IVectorLanes<TV, TD> where TDL : struct, IDoubleLanes<TD>;
}

/// <summary>A float operator of an element and two per-element coefficients a and b.</summary>
internal interface ITernaryOperator
{
    static abstract TV Invoke<TV, TL>(TV x, TV a, TV b) where TV : struct where TL : struct, ILanes<TV>;
}

/// <summary>An optimizer's update of parameters p from gradients g with two moment buffers m and v.</summary>
internal interface IUpdateOperator<TCoefficients> where TCoefficients : struct
{
    static abstract void Invoke<TV, TL>(ref TV p, TV g, ref TV m, ref TV v, in TCoefficients c) where TV : struct where TL : struct, ILanes<TV>;
}

/// <summary>
/// MaxMin on adjacent pairs (a, b) → (min, max): GroupSort with groups of 2. The record is a swap mask, all bits set on both
/// lanes of a swapped pair. A NaN compares false, so its pair is left as it is and the NaN flows on.
/// </summary>
internal readonly struct MaxMinOperator : IActivationOperator
{
    public static int Stride
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => 2;
    }

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
    public static TV Record<TV, TL>(TV x) where TV : struct where TL : struct, ILanes<TV>
    {
        TV partner = TL.SwapLanes(x, 1);
        return TL.Select(TL.LaneMask(1), TL.GreaterThan(x, partner), TL.LessThan(x, partner));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Forward<TV, TL>(TV x, TV record) where TV : struct where TL : struct, ILanes<TV> =>
        TL.Select(record, TL.SwapLanes(x, 1), x);

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
    public static TV Backward<TV, TL>(TV gradient, TV record) where TV : struct where TL : struct, ILanes<TV> =>
        TL.Select(record, TL.SwapLanes(gradient, 1), gradient);
}

/// <summary>
/// ReLU: z ↦ 0 where z ≤ 0, z elsewhere (so a NaN flows on rather than being hidden). The record is the on-mask z &gt; 0;
/// the gradient at z = 0 is taken as 0.
/// </summary>
internal readonly struct ReLUOperator : IActivationOperator
{
    public static int Stride
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => 1;
    }

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
    public static TV Record<TV, TL>(TV x) where TV : struct where TL : struct, ILanes<TV> => TL.GreaterThan(x, TL.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Forward<TV, TL>(TV x, TV record) where TV : struct where TL : struct, ILanes<TV> =>
        TL.Select(TL.LessThanOrEqual(x, TL.Zero), TL.Zero, x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Backward(ref float gradient, ref int record, ref float result) => result = record != 0 ? gradient : 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Backward<TV, TL>(TV gradient, TV record) where TV : struct where TL : struct, ILanes<TV> => TL.And(gradient, record);
}

/// <summary>|x|: the terms of an ℓ1 norm (and, aggregated by maximum, of ℓ∞).</summary>
internal readonly struct AbsoluteOperator : IUnaryDoubleOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TD Invoke<TD, TDL>(TD x) where TD : struct where TDL : struct, IDoubleLanes<TD> => TDL.Abs(x);
}

/// <summary>x²: the terms of a squared ℓ2 norm. The square of a widened float is exact in double.</summary>
internal readonly struct SquareOperator : IUnaryDoubleOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TD Invoke<TD, TDL>(TD x) where TD : struct where TDL : struct, IDoubleLanes<TD> => TDL.Multiply(x, x);
}

/// <summary>Summation.</summary>
internal readonly struct AddOperator : IAggregationOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TD Invoke<TD, TDL>(TD x, TD y) where TD : struct where TDL : struct, IDoubleLanes<TD> => TDL.Add(x, y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Reduce<TD, TDL>(TD x) where TD : struct where TDL : struct, IDoubleLanes<TD> => TDL.Sum(x);
}

/// <summary>Maximum; a NaN anywhere makes the result NaN (IEEE 754:2019 maximum, as Math.Max and VectorN.Max).</summary>
internal readonly struct MaxOperator : IAggregationOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TD Invoke<TD, TDL>(TD x, TD y) where TD : struct where TDL : struct, IDoubleLanes<TD> => TDL.Max(x, y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Reduce<TD, TDL>(TD x) where TD : struct where TDL : struct, IDoubleLanes<TD> => TDL.MaxElement(x);
}

/// <summary>
/// x·y rounded toward zero, for y in [0, 1] (a projection's rescale): |result| ≤ |x|·y exactly, so every norm of a rescaled
/// row is at most y times the row's, with no rounding to allow for, and the product can never grow past what was asked,
/// also where it is subnormal. The product of two floats is exact in double; narrowed back, it is stepped one ulp towards
/// zero where rounding to nearest went away from zero.
/// </summary>
internal readonly struct ShrinkOperator : IBinaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Invoke<TV, TD, TL, TDL>(TV x, TV y)
        where TV : struct where TD : struct where TL : struct, IVectorLanes<TV, TD> where TDL : struct, IDoubleLanes<TD> =>
        TL.NarrowTowardZero(TDL.Multiply(TL.WidenLower(x), TL.WidenLower(y)), TDL.Multiply(TL.WidenUpper(x), TL.WidenUpper(y)));
}

/// <summary>x − y (the input map's offset, one input row of a batch at a time).</summary>
internal readonly struct SubtractOperator : IBinaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Invoke<TV, TD, TL, TDL>(TV x, TV y)
        where TV : struct where TD : struct where TL : struct, IVectorLanes<TV, TD> where TDL : struct, IDoubleLanes<TD> => TL.Subtract(x, y);
}

/// <summary>x / y, correctly rounded (the input map's scale; a division, not a reciprocal, so z has two roundings).</summary>
internal readonly struct DivideOperator : IBinaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Invoke<TV, TD, TL, TDL>(TV x, TV y)
        where TV : struct where TD : struct where TL : struct, IVectorLanes<TV, TD> where TDL : struct, IDoubleLanes<TD> => TL.Divide(x, y);
}

/// <summary>x·y (the output map's scale, one output row of a batch at a time).</summary>
internal readonly struct ScaleOperator : IBinaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Invoke<TV, TD, TL, TDL>(TV x, TV y)
        where TV : struct where TD : struct where TL : struct, IVectorLanes<TV, TD> where TDL : struct, IDoubleLanes<TD> => TL.Multiply(x, y);
}

/// <summary>x + y (the output map's offset, after its scale: the single-sample path's two roundings).</summary>
internal readonly struct ShiftOperator : IBinaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Invoke<TV, TD, TL, TDL>(TV x, TV y)
        where TV : struct where TD : struct where TL : struct, IVectorLanes<TV, TD> where TDL : struct, IDoubleLanes<TD> => TL.Add(x, y);
}

/// <summary>x·b (a is ignored): the output map's gradient ∂L/∂g = scale·∂L/∂y.</summary>
internal readonly struct ProductOperator : ITernaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Invoke<TV, TL>(TV x, TV a, TV b) where TV : struct where TL : struct, ILanes<TV> => TL.Multiply(x, b);
}

/// <summary>(x − a) / b: the input map z = (x − offset) / scale, with the same two roundings as the batched path.</summary>
internal readonly struct StandardizeOperator : ITernaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Invoke<TV, TL>(TV x, TV a, TV b) where TV : struct where TL : struct, ILanes<TV> => TL.Divide(TL.Subtract(x, a), b);
}

/// <summary>x + a (b unused): adding the skip connection of a residual block.</summary>
internal readonly struct PlusOperator : ITernaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Invoke<TV, TL>(TV x, TV a, TV b) where TV : struct where TL : struct, ILanes<TV> => TL.Add(x, a);
}

/// <summary>x + a·b, not fused (every width rounds the same way): a gradient accumulated element by element.</summary>
internal readonly struct MultiplyAddOperator : ITernaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Invoke<TV, TL>(TV x, TV a, TV b) where TV : struct where TL : struct, ILanes<TV> => TL.Add(x, TL.Multiply(a, b));
}

/// <summary>x / b (a is ignored): the input gradient ∂f/∂x = ∂f/∂z / scale.</summary>
internal readonly struct QuotientOperator : ITernaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Invoke<TV, TL>(TV x, TV a, TV b) where TV : struct where TL : struct, ILanes<TV> => TL.Divide(x, b);
}
