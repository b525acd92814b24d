using System.Runtime.CompilerServices;

namespace LipGen.Kernels;

/// <summary>
/// How a single-sample kernel reads a layer's weights: float as stored, or bfloat16 widened in registers. Either way the
/// kernel computes with floats, in the same operations and the same order, so a bfloat16 layer gives bit for bit what the
/// float layer gives whose weights are the bfloat16 values (<see cref="BFloat16Network{TKernel}"/>): one function, one certificate.
/// </summary>
internal interface IWeightFormat
{
    /// <summary>Bytes per weight.</summary>
    static abstract int Size { get; }

    /// <summary><c>TL.Count</c> consecutive weights from <paramref name="weights"/>, as floats.</summary>
    static abstract TV Load<TV, TL>(ref byte weights) where TV : struct where TL : struct, ILanes<TV>;

    /// <summary>One weight, as a float.</summary>
    static abstract float Scalar(ref byte weights);
}

/// <summary>Weights stored as floats.</summary>
internal readonly struct SingleWeights : IWeightFormat
{
    public static int Size
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => sizeof(float);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Load<TV, TL>(ref byte weights) where TV : struct where TL : struct, ILanes<TV> => TL.Load(ref Unsafe.As<byte, float>(ref weights));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Scalar(ref byte weights) => Unsafe.As<byte, float>(ref weights);
}

/// <summary>Weights stored as bfloat16: a float's upper 16 bits, widened exactly by a shift.</summary>
internal readonly struct BFloat16Weights : IWeightFormat
{
    public static int Size
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => sizeof(ushort);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Load<TV, TL>(ref byte weights) where TV : struct where TL : struct, ILanes<TV> => TL.LoadBFloat16(ref Unsafe.As<byte, ushort>(ref weights));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Scalar(ref byte weights) => BitConverter.Int32BitsToSingle(Unsafe.As<byte, ushort>(ref weights) << 16);
}
