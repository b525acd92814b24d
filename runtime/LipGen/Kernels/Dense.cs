using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LipGen.Kernels;

/// <summary>
/// Dense layer z = W·a + b with W row-major [outputs, inputs]. Called from generated code with constant sizes; inlined.
/// Each member runs its blocked code (<see cref="Blocks{TV, TL}"/>) at the widest vector width the machine has, and rows
/// no block covers through <see cref="Vec"/>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Dense
{
    /// <summary>output = W·input + b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Forward(ref readonly float weights, ref readonly float bias, ref readonly float input, ref float output, int outputs, int inputs) =>
        Forward<SingleWeights>(ref Unsafe.As<float, byte>(ref Unsafe.AsRef(in weights)), in bias, in input, ref output, outputs, inputs);

    /// <summary>
    /// output = W·input + b with W stored as bfloat16 (row-major [outputs, inputs], as W is): widened in registers, and
    /// otherwise the operations of <see cref="Forward(ref readonly float, ref readonly float, ref readonly float, ref float, int, int)"/>
    /// in its order, so the output is bit for bit that of the float layer whose weights are these values.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ForwardBFloat16(ref readonly ushort weights, ref readonly float bias, ref readonly float input, ref float output, int outputs, int inputs) =>
        Forward<BFloat16Weights>(ref Unsafe.As<ushort, byte>(ref Unsafe.AsRef(in weights)), in bias, in input, ref output, outputs, inputs);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Forward<TW>(ref byte weights, ref readonly float bias, ref readonly float input, ref float output, int outputs, int inputs)
        where TW : struct, IWeightFormat
    {
        if (Vector512.IsHardwareAccelerated)
            Forward<Vector512<float>, Lanes512, TW>(ref weights, in bias, in input, ref output, outputs, inputs);
        else if (Vector256.IsHardwareAccelerated)
            Forward<Vector256<float>, Lanes256, TW>(ref weights, in bias, in input, ref output, outputs, inputs);
        else if (Vector128.IsHardwareAccelerated)
            Forward<Vector128<float>, Lanes128, TW>(ref weights, in bias, in input, ref output, outputs, inputs);
        else
            Forward<float, Lanes1, TW>(ref weights, in bias, in input, ref output, outputs, inputs);
    }

    /// <summary>∂W += δ·inputᵀ and ∂b += δ: the parameter gradients of one sample.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AccumulateGradients(ref float weightGradient, ref float biasGradient, ref readonly float delta, ref readonly float input, int outputs, int inputs)
    {
        if (Vector512.IsHardwareAccelerated)
            AccumulateGradients<Vector512<float>, Lanes512>(ref weightGradient, ref biasGradient, in delta, in input, outputs, inputs);
        else if (Vector256.IsHardwareAccelerated)
            AccumulateGradients<Vector256<float>, Lanes256>(ref weightGradient, ref biasGradient, in delta, in input, outputs, inputs);
        else if (Vector128.IsHardwareAccelerated)
            AccumulateGradients<Vector128<float>, Lanes128>(ref weightGradient, ref biasGradient, in delta, in input, outputs, inputs);
        else
            AccumulateGradients<float, Lanes1>(ref weightGradient, ref biasGradient, in delta, in input, outputs, inputs);
    }

    /// <summary>inputGradient = Wᵀ·δ.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void BackpropagateInput(ref readonly float weights, ref readonly float delta, ref float inputGradient, int outputs, int inputs)
    {
        if (Vector512.IsHardwareAccelerated)
            BackpropagateInput<Vector512<float>, Lanes512>(in weights, in delta, ref inputGradient, outputs, inputs);
        else if (Vector256.IsHardwareAccelerated)
            BackpropagateInput<Vector256<float>, Lanes256>(in weights, in delta, ref inputGradient, outputs, inputs);
        else if (Vector128.IsHardwareAccelerated)
            BackpropagateInput<Vector128<float>, Lanes128>(in weights, in delta, ref inputGradient, outputs, inputs);
        else
            BackpropagateInput<float, Lanes1>(in weights, in delta, ref inputGradient, outputs, inputs);
    }

    /// <summary>inputGradient += Wᵀ·δ: the first layer of a network whose monotone residual wrote its part of ∂f/∂x first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void BackpropagateInputAdding(ref readonly float weights, ref readonly float delta, ref float inputGradient, int outputs, int inputs)
    {
        for (int o = 0; o < outputs; o++)
            Vec.Axpy(Unsafe.Add(ref Unsafe.AsRef(in delta), o), ref Unsafe.Add(ref Unsafe.AsRef(in weights), o * inputs), ref inputGradient, inputs);
    }

    /// <summary>Both of the above in one pass over the rows of W.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Backward(ref readonly float weights, ref float weightGradient, ref float biasGradient, ref readonly float delta, ref readonly float input, ref float inputGradient, int outputs, int inputs)
    {
        if (Vector512.IsHardwareAccelerated)
            Backward<Vector512<float>, Lanes512>(in weights, ref weightGradient, ref biasGradient, in delta, in input, ref inputGradient, outputs, inputs);
        else if (Vector256.IsHardwareAccelerated)
            Backward<Vector256<float>, Lanes256>(in weights, ref weightGradient, ref biasGradient, in delta, in input, ref inputGradient, outputs, inputs);
        else if (Vector128.IsHardwareAccelerated)
            Backward<Vector128<float>, Lanes128>(in weights, ref weightGradient, ref biasGradient, in delta, in input, ref inputGradient, outputs, inputs);
        else
            Backward<float, Lanes1>(in weights, ref weightGradient, ref biasGradient, in delta, in input, ref inputGradient, outputs, inputs);
    }

    // The members at one width: what the public members run, and what the tests run at every width. Every test that picks a
    // path is written on the arguments and Unsafe.SizeOf<TV>() (bytes per vector; floats per vector × 4) directly, not on
    // locals or TL.Count: with the constant sizes of generated code the JIT then folds it while importing, so the paths not
    // taken never cost the caller's inlining budget (see Blocks).

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Forward<TV, TL>(ref readonly float weights, ref readonly float bias, ref readonly float input, ref float output, int outputs, int inputs)
        where TV : struct where TL : struct, ILanes<TV> =>
        Forward<TV, TL, SingleWeights>(ref Unsafe.As<float, byte>(ref Unsafe.AsRef(in weights)), in bias, in input, ref output, outputs, inputs);

    /// <summary>The bfloat16 forward pass at one width (the tests run every width).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void ForwardBFloat16<TV, TL>(ref readonly ushort weights, ref readonly float bias, ref readonly float input, ref float output, int outputs, int inputs)
        where TV : struct where TL : struct, ILanes<TV> =>
        Forward<TV, TL, BFloat16Weights>(ref Unsafe.As<ushort, byte>(ref Unsafe.AsRef(in weights)), in bias, in input, ref output, outputs, inputs);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Forward<TV, TL, TW>(ref byte w, ref readonly float bias, ref readonly float input, ref float output, int outputs, int inputs)
        where TV : struct where TL : struct, ILanes<TV> where TW : struct, IWeightFormat
    {
        ref float b = ref Unsafe.AsRef(in bias), x = ref Unsafe.AsRef(in input);
        int o = 0, count = TL.Count;
        if (typeof(TV) != typeof(float) && outputs * sizeof(float) >= Unsafe.SizeOf<TV>())
        {
            if (inputs * sizeof(float) >= Unsafe.SizeOf<TV>())
            {
                // Count rows at a time over the whole vectors of each row; a ragged column tail is added row by row.
                int full = inputs & -count;
                for (; o <= outputs - count; o += count)
                {
                    ref byte block = ref Unsafe.Add(ref w, (nint)o * inputs * TW.Size);
                    TL.Store(TL.Add(Blocks<TV, TL>.MatVec<TW>(ref block, ref x, inputs, inputs / (Unsafe.SizeOf<TV>() / sizeof(float))), TL.Load(ref Unsafe.Add(ref b, o))),
                        ref Unsafe.Add(ref output, o));
                    if (inputs % (Unsafe.SizeOf<TV>() / sizeof(float)) != 0)
                        for (int r = 0; r < count; r++)
                            Unsafe.Add(ref output, o + r) += Vec.Dot<TW>(ref Unsafe.Add(ref block, (nint)(r * inputs + full) * TW.Size), ref Unsafe.Add(ref x, full),
                                inputs % (Unsafe.SizeOf<TV>() / sizeof(float)));
                }
            }
            else if (inputs is 1 or 2 or 4 or 8)
            {
                TV repeated = TL.Repeat(ref x, inputs);
                for (; o <= outputs - count; o += count)
                    TL.Store(TL.Add(Blocks<TV, TL>.MatVecNarrow<TW>(ref Unsafe.Add(ref w, (nint)o * inputs * TW.Size), repeated, inputs), TL.Load(ref Unsafe.Add(ref b, o))),
                        ref Unsafe.Add(ref output, o));
            }
        }
        if (typeof(TV) == typeof(float) || outputs % (Unsafe.SizeOf<TV>() / sizeof(float)) != 0
            || (inputs * sizeof(float) < Unsafe.SizeOf<TV>() && inputs is not (1 or 2 or 4 or 8)))
            for (; o < outputs; o++)
                Unsafe.Add(ref output, o) = Unsafe.Add(ref b, o) + Vec.Dot<TW>(ref Unsafe.Add(ref w, (nint)o * inputs * TW.Size), ref x, inputs);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void AccumulateGradients<TV, TL>(ref float weightGradient, ref float biasGradient, ref readonly float delta, ref readonly float input, int outputs, int inputs)
        where TV : struct where TL : struct, ILanes<TV>
    {
        ref float d = ref Unsafe.AsRef(in delta), x = ref Unsafe.AsRef(in input);
        int start = 0, count = TL.Count;
        if (typeof(TV) != typeof(float) && outputs * sizeof(float) >= Unsafe.SizeOf<TV>() && inputs is 1 or 2 or 4 or 8 && inputs * sizeof(float) < Unsafe.SizeOf<TV>())
        {
            // Narrow layers (typically the first): Count rows of ∂W are a few whole vectors.
            TV repeated = TL.Repeat(ref x, inputs);
            for (; start <= outputs - count; start += count)
            {
                TV dv = TL.Load(ref Unsafe.Add(ref d, start));
                TL.Store(TL.Add(TL.Load(ref Unsafe.Add(ref biasGradient, start)), dv), ref Unsafe.Add(ref biasGradient, start));
                Blocks<TV, TL>.OuterNarrow(ref Unsafe.Add(ref weightGradient, start * inputs), dv, repeated, inputs);
            }
        }
        for (int o = start; o < outputs; o++)
        {
            float scalar = Unsafe.Add(ref d, o);
            Unsafe.Add(ref biasGradient, o) += scalar;
            Vec.Axpy(scalar, ref x, ref Unsafe.Add(ref weightGradient, o * inputs), inputs);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void BackpropagateInput<TV, TL>(ref readonly float weights, ref readonly float delta, ref float inputGradient, int outputs, int inputs)
        where TV : struct where TL : struct, ILanes<TV>
    {
        ref float w = ref Unsafe.AsRef(in weights), d = ref Unsafe.AsRef(in delta);
        int count = TL.Count;
        if (typeof(TV) != typeof(float) && (inputs * sizeof(float) == Unsafe.SizeOf<TV>() || inputs * sizeof(float) == 2 * Unsafe.SizeOf<TV>()))
        {
            // The whole input gradient fits in one or two registers: accumulate there, store once.
            TV low = TL.Zero, high = TL.Zero;
            for (int o = 0; o < outputs; o++)
            {
                TV dv = TL.Broadcast(Unsafe.Add(ref d, o));
                ref float row = ref Unsafe.Add(ref w, o * inputs);
                low = TL.MultiplyAdd(dv, TL.Load(ref row), low);
                if (inputs * sizeof(float) == 2 * Unsafe.SizeOf<TV>())
                    high = TL.MultiplyAdd(dv, TL.Load(ref Unsafe.Add(ref row, count)), high);
            }
            TL.Store(low, ref inputGradient);
            if (inputs * sizeof(float) == 2 * Unsafe.SizeOf<TV>())
                TL.Store(high, ref Unsafe.Add(ref inputGradient, count));
            return;
        }
        int start = 0;
        if (typeof(TV) != typeof(float) && outputs * sizeof(float) >= Unsafe.SizeOf<TV>() && inputs is 1 or 2 or 4 or 8 && inputs * sizeof(float) < Unsafe.SizeOf<TV>())
        {
            start = outputs & -count;
            Blocks<TV, TL>.TransposedNarrow(ref w, ref d, ref inputGradient, start / count, inputs);
        }
        else
            Vec.Clear(ref inputGradient, inputs);
        for (int o = start; o < outputs; o++)
            Vec.Axpy(Unsafe.Add(ref d, o), ref Unsafe.Add(ref w, o * inputs), ref inputGradient, inputs);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Backward<TV, TL>(ref readonly float weights, ref float weightGradient, ref float biasGradient, ref readonly float delta, ref readonly float input,
        ref float inputGradient, int outputs, int inputs)
        where TV : struct where TL : struct, ILanes<TV>
    {
        ref float w = ref Unsafe.AsRef(in weights), d = ref Unsafe.AsRef(in delta), x = ref Unsafe.AsRef(in input);
        int count = TL.Count;
        if (typeof(TV) != typeof(float) && (inputs * sizeof(float) == Unsafe.SizeOf<TV>() || inputs * sizeof(float) == 2 * Unsafe.SizeOf<TV>()))
        {
            // Input and input gradient stay in registers across the rows.
            bool two = inputs * sizeof(float) == 2 * Unsafe.SizeOf<TV>();
            TV xLow = TL.Load(ref x), xHigh = two ? TL.Load(ref Unsafe.Add(ref x, count)) : TL.Zero;
            TV low = TL.Zero, high = TL.Zero;
            for (int o = 0; o < outputs; o++)
            {
                float scalar = Unsafe.Add(ref d, o);
                Unsafe.Add(ref biasGradient, o) += scalar;
                TV dv = TL.Broadcast(scalar);
                ref float row = ref Unsafe.Add(ref w, o * inputs);
                ref float gradientRow = ref Unsafe.Add(ref weightGradient, o * inputs);
                TL.Store(TL.MultiplyAdd(dv, xLow, TL.Load(ref gradientRow)), ref gradientRow);
                low = TL.MultiplyAdd(dv, TL.Load(ref row), low);
                if (inputs * sizeof(float) == 2 * Unsafe.SizeOf<TV>())
                {
                    ref float gradientHigh = ref Unsafe.Add(ref gradientRow, count);
                    TL.Store(TL.MultiplyAdd(dv, xHigh, TL.Load(ref gradientHigh)), ref gradientHigh);
                    high = TL.MultiplyAdd(dv, TL.Load(ref Unsafe.Add(ref row, count)), high);
                }
            }
            TL.Store(low, ref inputGradient);
            if (two)
                TL.Store(high, ref Unsafe.Add(ref inputGradient, count));
            return;
        }
        Vec.Clear(ref inputGradient, inputs);
        for (int o = 0; o < outputs; o++)
        {
            float scalar = Unsafe.Add(ref d, o);
            Unsafe.Add(ref biasGradient, o) += scalar;
            Vec.Axpy(scalar, ref x, ref Unsafe.Add(ref weightGradient, o * inputs), inputs);
            Vec.Axpy(scalar, ref Unsafe.Add(ref w, o * inputs), ref inputGradient, inputs);
        }
    }
}
