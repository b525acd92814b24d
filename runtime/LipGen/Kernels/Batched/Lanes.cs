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
