using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LipGen.Kernels;

/// <summary>
/// Dense layer z = W·a + b with W row-major [outputs, inputs]. Called from generated code with constant sizes; inlined.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Dense
{
    /// <summary>output = W·input + b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Forward(ref readonly float weights, ref readonly float bias, ref readonly float input, ref float output, int outputs, int inputs)
    {
        int o = 0;
        if (Vector512.IsHardwareAccelerated && outputs >= 16)
        {
            if (inputs >= 16)
            {
                // Sixteen rows at a time over the whole 16-column chunks; a ragged column tail is added row by row.
                int full = inputs & ~15;
                for (; o <= outputs - 16; o += 16)
                {
                    ref float block = ref Unsafe.Add(ref Unsafe.AsRef(in weights), o * inputs);
                    (Blocks512.MatVec16(ref block, ref Unsafe.AsRef(in input), inputs, full / 16) + Vector512.LoadUnsafe(ref Unsafe.AsRef(in bias), (nuint)o))
                        .StoreUnsafe(ref output, (nuint)o);
                    for (int r = 0; full < inputs && r < 16; r++)
                        Unsafe.Add(ref output, o + r) += Vec.Dot(ref Unsafe.Add(ref block, r * inputs + full), ref Unsafe.Add(ref Unsafe.AsRef(in input), full), inputs - full);
                }
            }
            else if (inputs is 1 or 2 or 4 or 8)
            {
                Vector512<float> x = Blocks512.Repeat(ref Unsafe.AsRef(in input), inputs);
                for (; o <= outputs - 16; o += 16)
                    (Blocks512.MatVecNarrow16(ref Unsafe.Add(ref Unsafe.AsRef(in weights), o * inputs), x, inputs) + Vector512.LoadUnsafe(ref Unsafe.AsRef(in bias), (nuint)o))
                        .StoreUnsafe(ref output, (nuint)o);
            }
        }
        for (; o < outputs; o++)
            Unsafe.Add(ref output, o) = Unsafe.Add(ref Unsafe.AsRef(in bias), o) + Vec.Dot(ref Unsafe.Add(ref Unsafe.AsRef(in weights), o * inputs), ref Unsafe.AsRef(in input), inputs);
    }

    /// <summary>∂W += δ·inputᵀ and ∂b += δ: the parameter gradients of one sample.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AccumulateGradients(ref float weightGradient, ref float biasGradient, ref readonly float delta, ref readonly float input, int outputs, int inputs)
    {
        int start = 0;
        if (Vector512.IsHardwareAccelerated && outputs >= 16 && inputs is 1 or 2 or 4 or 8)
        {
            // Narrow layers (typically the first): sixteen rows of ∂W are a few whole vectors.
            Vector512<float> x = Blocks512.Repeat(ref Unsafe.AsRef(in input), inputs);
            for (; start <= outputs - 16; start += 16)
            {
                Vector512<float> d = Vector512.LoadUnsafe(ref Unsafe.AsRef(in delta), (nuint)start);
                (Vector512.LoadUnsafe(ref biasGradient, (nuint)start) + d).StoreUnsafe(ref biasGradient, (nuint)start);
                Blocks512.OuterNarrow16(ref Unsafe.Add(ref weightGradient, start * inputs), d, x, inputs);
            }
        }
        for (int o = start; o < outputs; o++)
        {
            float d = Unsafe.Add(ref Unsafe.AsRef(in delta), o);
            Unsafe.Add(ref biasGradient, o) += d;
            Vec.Axpy(d, ref Unsafe.AsRef(in input), ref Unsafe.Add(ref weightGradient, o * inputs), inputs);
        }
    }

    /// <summary>inputGradient = Wᵀ·δ.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void BackpropagateInput(ref readonly float weights, ref readonly float delta, ref float inputGradient, int outputs, int inputs)
    {
        if (Vector512.IsHardwareAccelerated && inputs is 16 or 32)
        {
            // The whole input gradient fits in one or two registers: accumulate there, store once.
            Vector512<float> low = Vector512<float>.Zero, high = Vector512<float>.Zero;
            for (int o = 0; o < outputs; o++)
            {
                Vector512<float> d = Vector512.Create(Unsafe.Add(ref Unsafe.AsRef(in delta), o));
                ref float row = ref Unsafe.Add(ref Unsafe.AsRef(in weights), o * inputs);
                low = Vector512.MultiplyAddEstimate(d, Vector512.LoadUnsafe(ref row), low);
                if (inputs == 32)
                    high = Vector512.MultiplyAddEstimate(d, Vector512.LoadUnsafe(ref row, 16), high);
            }
            low.StoreUnsafe(ref inputGradient);
            if (inputs == 32)
                high.StoreUnsafe(ref inputGradient, 16);
            return;
        }
        int start = 0;
        if (Vector512.IsHardwareAccelerated && outputs >= 16 && inputs is 1 or 2 or 4 or 8)
        {
            start = outputs & ~15;
            Blocks512.TransposedNarrow(ref Unsafe.AsRef(in weights), ref Unsafe.AsRef(in delta), ref inputGradient, start / 16, inputs);
        }
        else
            Vec.Clear(ref inputGradient, inputs);
        for (int o = start; o < outputs; o++)
            Vec.Axpy(Unsafe.Add(ref Unsafe.AsRef(in delta), o), ref Unsafe.Add(ref Unsafe.AsRef(in weights), o * inputs), ref inputGradient, inputs);
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
        if (Vector512.IsHardwareAccelerated && inputs is 16 or 32)
        {
            // Input and input gradient stay in registers across the rows.
            Vector512<float> xLow = Vector512.LoadUnsafe(ref Unsafe.AsRef(in input)), xHigh = inputs == 32 ? Vector512.LoadUnsafe(ref Unsafe.AsRef(in input), 16) : default;
            Vector512<float> low = Vector512<float>.Zero, high = Vector512<float>.Zero;
            for (int o = 0; o < outputs; o++)
            {
                float scalar = Unsafe.Add(ref Unsafe.AsRef(in delta), o);
                Unsafe.Add(ref biasGradient, o) += scalar;
                Vector512<float> d = Vector512.Create(scalar);
                ref float row = ref Unsafe.Add(ref Unsafe.AsRef(in weights), o * inputs);
                ref float gradientRow = ref Unsafe.Add(ref weightGradient, o * inputs);
                Vector512.MultiplyAddEstimate(d, xLow, Vector512.LoadUnsafe(ref gradientRow)).StoreUnsafe(ref gradientRow);
                low = Vector512.MultiplyAddEstimate(d, Vector512.LoadUnsafe(ref row), low);
                if (inputs == 32)
                {
                    Vector512.MultiplyAddEstimate(d, xHigh, Vector512.LoadUnsafe(ref gradientRow, 16)).StoreUnsafe(ref gradientRow, 16);
                    high = Vector512.MultiplyAddEstimate(d, Vector512.LoadUnsafe(ref row, 16), high);
                }
            }
            low.StoreUnsafe(ref inputGradient);
            if (inputs == 32)
                high.StoreUnsafe(ref inputGradient, 16);
            return;
        }
        Vec.Clear(ref inputGradient, inputs);
        for (int o = 0; o < outputs; o++)
        {
            float d = Unsafe.Add(ref Unsafe.AsRef(in delta), o);
            Unsafe.Add(ref biasGradient, o) += d;
            Vec.Axpy(d, ref Unsafe.AsRef(in input), ref Unsafe.Add(ref weightGradient, o * inputs), inputs);
            Vec.Axpy(d, ref Unsafe.Add(ref Unsafe.AsRef(in weights), o * inputs), ref inputGradient, inputs);
        }
    }
}
