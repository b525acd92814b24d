using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace LipGen.Kernels;

/// <summary>
/// Dense layer z = W·a + b with W row-major [outputs, inputs]. Called from generated code with constant sizes; inlined.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Dense
{
    /// <summary>output = W·input + b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Forward(ref float weights, ref float bias, ref float input, ref float output, int outputs, int inputs)
    {
        for (int o = 0; o < outputs; o++)
            Unsafe.Add(ref output, o) = Unsafe.Add(ref bias, o) + Vec.Dot(ref Unsafe.Add(ref weights, o * inputs), ref input, inputs);
    }

    /// <summary>∂W += δ·inputᵀ and ∂b += δ: the parameter gradients of one sample.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AccumulateGradients(ref float weightGradient, ref float biasGradient, ref float delta, ref float input, int outputs, int inputs)
    {
        for (int o = 0; o < outputs; o++)
        {
            float d = Unsafe.Add(ref delta, o);
            Unsafe.Add(ref biasGradient, o) += d;
            Vec.Axpy(d, ref input, ref Unsafe.Add(ref weightGradient, o * inputs), inputs);
        }
    }

    /// <summary>inputGradient = Wᵀ·δ.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void BackpropagateInput(ref float weights, ref float delta, ref float inputGradient, int outputs, int inputs)
    {
        Vec.Clear(ref inputGradient, inputs);
        for (int o = 0; o < outputs; o++)
            Vec.Axpy(Unsafe.Add(ref delta, o), ref Unsafe.Add(ref weights, o * inputs), ref inputGradient, inputs);
    }

    /// <summary>Both of the above in one pass over the rows of W.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Backward(ref float weights, ref float weightGradient, ref float biasGradient, ref float delta, ref float input, ref float inputGradient, int outputs, int inputs)
    {
        Vec.Clear(ref inputGradient, inputs);
        for (int o = 0; o < outputs; o++)
        {
            float d = Unsafe.Add(ref delta, o);
            Unsafe.Add(ref biasGradient, o) += d;
            Vec.Axpy(d, ref input, ref Unsafe.Add(ref weightGradient, o * inputs), inputs);
            Vec.Axpy(d, ref Unsafe.Add(ref weights, o * inputs), ref inputGradient, inputs);
        }
    }
}
