using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LipGen.Kernels.Batched;

/// <summary>
/// One vector width as a type argument, so that a matrix kernel is written once and compiled for 512, 256 and 128-bit
/// vectors and for scalars (the cascade of <see cref="Elementwise"/>, for kernels whose shape is a register block rather
/// than a stream). <c>ISimdVector</c> would serve, but it is not public in .NET 10.
/// </summary>
/// <typeparam name="TV">The vector type: <see cref="Vector512{T}"/>, <see cref="Vector256{T}"/>, <see cref="Vector128{T}"/> of float, or float.</typeparam>
internal interface ILanes<TV> where TV : struct
{
    /// <summary>Floats per vector.</summary>
    static abstract int Count { get; }

    /// <summary>
    /// Vectors per row of a full register block: the block is 4 rows × this many vectors, sized so that its accumulators,
    /// one row of loaded inputs and a broadcast fit the register file (32 zmm with AVX-512, 16 ymm or xmm otherwise).
    /// </summary>
    static abstract int BlockVectors { get; }

    static abstract TV Zero { get; }

    static abstract TV Load(ref float at);

    static abstract void Store(TV value, ref float at);

    static abstract TV Broadcast(float value);

    /// <summary>a·b + c, fused where the hardware fuses (as <c>MultiplyAddEstimate</c>).</summary>
    static abstract TV MultiplyAdd(TV a, TV b, TV c);

    static abstract TV Add(TV a, TV b);

    /// <summary>All bits set where a &gt; b (false for NaN), else zero.</summary>
    static abstract TV GreaterThan(TV a, TV b);

    /// <summary>mask ? a : b, per lane.</summary>
    static abstract TV Select(TV mask, TV a, TV b);

    static abstract TV LoadMask(ref int at);

    static abstract void StoreMask(TV mask, ref int at);

    static abstract float Sum(TV x);

    /// <summary>
    /// g[r·stride + s] += Sum(a_rs) for a 4 × 4 block of accumulators (r, s &lt; 4): the end of a weight-gradient block.
    /// </summary>
    static abstract void AddSums4x4(ref float g, nint stride, TV a00, TV a01, TV a02, TV a03, TV a10, TV a11, TV a12, TV a13,
        TV a20, TV a21, TV a22, TV a23, TV a30, TV a31, TV a32, TV a33);
}

internal readonly struct Lanes512 : ILanes<Vector512<float>>
{
    public static int Count => Vector512<float>.Count;

    public static int BlockVectors => 4;

    public static Vector512<float> Zero => Vector512<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(ref float at) => Vector512.LoadUnsafe(ref at);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<float> value, ref float at) => value.StoreUnsafe(ref at);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Broadcast(float value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.MultiplyAddEstimate(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector512<float> x) => Vector512.Sum(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> GreaterThan(Vector512<float> a, Vector512<float> b) => Vector512.GreaterThan(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Select(Vector512<float> mask, Vector512<float> a, Vector512<float> b) => Vector512.ConditionalSelect(mask, a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LoadMask(ref int at) => Vector512.LoadUnsafe(ref at).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreMask(Vector512<float> mask, ref int at) => mask.AsInt32().StoreUnsafe(ref at);

    // The sixteen sums in one transposing reduction (15 combines, as Blocks512.MatVec16 reduces sixteen rows): lane 4r + s
    // ends up holding Sum(a_rs), so row r of the block is one 128-bit add. Sixteen separate horizontal sums cost about
    // three times as many instructions, more than the block's FMAs over a batch of 128.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddSums4x4(ref float g, nint stride, Vector512<float> a00, Vector512<float> a01, Vector512<float> a02, Vector512<float> a03,
        Vector512<float> a10, Vector512<float> a11, Vector512<float> a12, Vector512<float> a13, Vector512<float> a20, Vector512<float> a21,
        Vector512<float> a22, Vector512<float> a23, Vector512<float> a30, Vector512<float> a31, Vector512<float> a32, Vector512<float> a33)
    {
        Vector512<float> sums = Blocks512.Combine(
            Blocks512.Combine(
                Blocks512.Combine(Blocks512.Combine(a00, a01, 1), Blocks512.Combine(a02, a03, 1), 2),
                Blocks512.Combine(Blocks512.Combine(a10, a11, 1), Blocks512.Combine(a12, a13, 1), 2), 4),
            Blocks512.Combine(
                Blocks512.Combine(Blocks512.Combine(a20, a21, 1), Blocks512.Combine(a22, a23, 1), 2),
                Blocks512.Combine(Blocks512.Combine(a30, a31, 1), Blocks512.Combine(a32, a33, 1), 2), 4),
            8);
        (Vector128.LoadUnsafe(ref g) + sums.GetLower().GetLower()).StoreUnsafe(ref g);
        (Vector128.LoadUnsafe(ref g, (nuint)stride) + sums.GetLower().GetUpper()).StoreUnsafe(ref g, (nuint)stride);
        (Vector128.LoadUnsafe(ref g, (nuint)(2 * stride)) + sums.GetUpper().GetLower()).StoreUnsafe(ref g, (nuint)(2 * stride));
        (Vector128.LoadUnsafe(ref g, (nuint)(3 * stride)) + sums.GetUpper().GetUpper()).StoreUnsafe(ref g, (nuint)(3 * stride));
    }
}

internal readonly struct Lanes256 : ILanes<Vector256<float>>
{
    public static int Count => Vector256<float>.Count;

    public static int BlockVectors => 2;

    public static Vector256<float> Zero => Vector256<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(ref float at) => Vector256.LoadUnsafe(ref at);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<float> value, ref float at) => value.StoreUnsafe(ref at);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Broadcast(float value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.MultiplyAddEstimate(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector256<float> x) => Vector256.Sum(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> GreaterThan(Vector256<float> a, Vector256<float> b) => Vector256.GreaterThan(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Select(Vector256<float> mask, Vector256<float> a, Vector256<float> b) => Vector256.ConditionalSelect(mask, a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> LoadMask(ref int at) => Vector256.LoadUnsafe(ref at).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreMask(Vector256<float> mask, ref int at) => mask.AsInt32().StoreUnsafe(ref at);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddSums4x4(ref float g, nint stride, Vector256<float> a00, Vector256<float> a01, Vector256<float> a02, Vector256<float> a03, Vector256<float> a10, Vector256<float> a11, Vector256<float> a12, Vector256<float> a13,
        Vector256<float> a20, Vector256<float> a21, Vector256<float> a22, Vector256<float> a23, Vector256<float> a30, Vector256<float> a31, Vector256<float> a32, Vector256<float> a33) =>
        BlockSums.AddSums4x4<Vector256<float>, Lanes256>(ref g, stride, a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33);
}

internal readonly struct Lanes128 : ILanes<Vector128<float>>
{
    public static int Count => Vector128<float>.Count;

    public static int BlockVectors => 2;

    public static Vector128<float> Zero => Vector128<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load(ref float at) => Vector128.LoadUnsafe(ref at);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<float> value, ref float at) => value.StoreUnsafe(ref at);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Broadcast(float value) => Vector128.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) => Vector128.MultiplyAddEstimate(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector128<float> x) => Vector128.Sum(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> GreaterThan(Vector128<float> a, Vector128<float> b) => Vector128.GreaterThan(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Select(Vector128<float> mask, Vector128<float> a, Vector128<float> b) => Vector128.ConditionalSelect(mask, a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> LoadMask(ref int at) => Vector128.LoadUnsafe(ref at).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreMask(Vector128<float> mask, ref int at) => mask.AsInt32().StoreUnsafe(ref at);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddSums4x4(ref float g, nint stride, Vector128<float> a00, Vector128<float> a01, Vector128<float> a02, Vector128<float> a03, Vector128<float> a10, Vector128<float> a11, Vector128<float> a12, Vector128<float> a13,
        Vector128<float> a20, Vector128<float> a21, Vector128<float> a22, Vector128<float> a23, Vector128<float> a30, Vector128<float> a31, Vector128<float> a32, Vector128<float> a33) =>
        BlockSums.AddSums4x4<Vector128<float>, Lanes128>(ref g, stride, a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33);
}

/// <summary>Scalars: the path without hardware intrinsics. Not fused, so that it never calls a software FMA.</summary>
internal readonly struct Lanes1 : ILanes<float>
{
    public static int Count => 1;

    public static int BlockVectors => 4;

    public static float Zero => 0f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Load(ref float at) => at;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(float value, ref float at) => at = value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Broadcast(float value) => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MultiplyAdd(float a, float b, float c) => a * b + c;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Add(float a, float b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(float x) => x;

    // A scalar mask is a float holding the bits of the int mask: −1 (a NaN pattern, only ever tested for zero bits) or 0.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float GreaterThan(float a, float b) => a > b ? BitConverter.Int32BitsToSingle(-1) : 0f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Select(float mask, float a, float b) => BitConverter.SingleToInt32Bits(mask) != 0 ? a : b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float LoadMask(ref int at) => BitConverter.Int32BitsToSingle(at);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreMask(float mask, ref int at) => at = BitConverter.SingleToInt32Bits(mask);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddSums4x4(ref float g, nint stride, float a00, float a01, float a02, float a03, float a10, float a11, float a12, float a13,
        float a20, float a21, float a22, float a23, float a30, float a31, float a32, float a33) =>
        BlockSums.AddSums4x4<float, Lanes1>(ref g, stride, a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33);
}

/// <summary>The 4 × 4 block sums one horizontal sum at a time: the widths without a transposing reduction.</summary>
internal static class BlockSums
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddSums4x4<TV, TL>(ref float g, nint stride, TV a00, TV a01, TV a02, TV a03, TV a10, TV a11, TV a12, TV a13,
        TV a20, TV a21, TV a22, TV a23, TV a30, TV a31, TV a32, TV a33) where TV : struct where TL : struct, ILanes<TV>
    {
        AddSums<TV, TL>(ref g, a00, a01, a02, a03);
        AddSums<TV, TL>(ref Unsafe.Add(ref g, stride), a10, a11, a12, a13);
        AddSums<TV, TL>(ref Unsafe.Add(ref g, 2 * stride), a20, a21, a22, a23);
        AddSums<TV, TL>(ref Unsafe.Add(ref g, 3 * stride), a30, a31, a32, a33);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddSums<TV, TL>(ref float g, TV a0, TV a1, TV a2, TV a3) where TV : struct where TL : struct, ILanes<TV>
    {
        g += TL.Sum(a0);
        Unsafe.Add(ref g, 1) += TL.Sum(a1);
        Unsafe.Add(ref g, 2) += TL.Sum(a2);
        Unsafe.Add(ref g, 3) += TL.Sum(a3);
    }
}

/// <summary>A small integer as a type argument: the JIT compiles one copy per value and folds every test on it.</summary>
internal interface IConstant
{
    static abstract int Value { get; }
}

internal readonly struct One : IConstant
{
    public static int Value => 1;
}

internal readonly struct Two : IConstant
{
    public static int Value => 2;
}

internal readonly struct Three : IConstant
{
    public static int Value => 3;
}

internal readonly struct Four : IConstant
{
    public static int Value => 4;
}
