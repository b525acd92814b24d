using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LipGen.Kernels;

/// <summary>
/// ReLU in place, for networks declared with <c>Activation = Activation.ReLU</c>. The recording pass keeps a mask (all bits
/// set where z &gt; 0) for the backward pass; the gradient at z = 0 is taken as 0.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ReLU
{
    /// <summary>values = max(0, values).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Forward(ref float values, int width)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i <= width - Vector256<float>.Count; i += Vector256<float>.Count)
                Vector256.Max(Vector256.LoadUnsafe(ref values, (nuint)i), Vector256<float>.Zero).StoreUnsafe(ref values, (nuint)i);
        for (; i < width; i++)
            Unsafe.Add(ref values, i) = MathF.Max(Unsafe.Add(ref values, i), 0);
    }

    /// <summary>values = max(0, values), recording where each unit was on.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ForwardRecording(ref float values, ref int on, int width)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i <= width - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256<float> v = Vector256.LoadUnsafe(ref values, (nuint)i);
                Vector256<float> mask = Vector256.GreaterThan(v, Vector256<float>.Zero);
                (v & mask).StoreUnsafe(ref values, (nuint)i);
                mask.AsInt32().StoreUnsafe(ref on, (nuint)i);
            }
        for (; i < width; i++)
        {
            bool positive = Unsafe.Add(ref values, i) > 0;
            Unsafe.Add(ref on, i) = positive ? -1 : 0;
            if (!positive)
                Unsafe.Add(ref values, i) = 0;
        }
    }

    /// <summary>∂L/∂z = ∂L/∂a where the unit was on, 0 elsewhere.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Backward(ref float outputGradient, ref int on, ref float inputGradient, int width)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i <= width - Vector256<float>.Count; i += Vector256<float>.Count)
                (Vector256.LoadUnsafe(ref outputGradient, (nuint)i) & Vector256.LoadUnsafe(ref on, (nuint)i).AsSingle())
                    .StoreUnsafe(ref inputGradient, (nuint)i);
        for (; i < width; i++)
            Unsafe.Add(ref inputGradient, i) = Unsafe.Add(ref on, i) != 0 ? Unsafe.Add(ref outputGradient, i) : 0;
    }
}
