using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LipGen.Kernels;

/// <summary>
/// One vector width as a type argument, so that every kernel is written once and compiled for 512, 256 and 128-bit vectors
/// and for scalars: the element-wise drivers and <see cref="Vec"/> through <see cref="Cascade"/>, the register-blocked
/// products (<c>Batched.Gemm</c>) and the single-sample blocks (<c>Blocks</c>) directly.
/// <c>ISimdVector</c> would serve, but it is not public in .NET 10.
/// </summary>
/// <typeparam name="TV">The vector type: <see cref="Vector512{T}"/>, <see cref="Vector256{T}"/>, <see cref="Vector128{T}"/> of float, or float.</typeparam>
internal interface ILanes<TV> where TV : struct
{
    /// <summary>Whether the hardware runs this width (the scalar width always).</summary>
    static abstract bool IsAccelerated { get; }

    static abstract TV Multiply(TV a, TV b);

    static abstract TV Subtract(TV a, TV b);

    static abstract TV Divide(TV a, TV b);

    static abstract TV Sqrt(TV a);

    /// <summary>All bits set where a &lt; b (false for NaN), else zero.</summary>
    static abstract TV LessThan(TV a, TV b);

    /// <summary>All bits set where a ≤ b (false for NaN), else zero.</summary>
    static abstract TV LessThanOrEqual(TV a, TV b);

    /// <summary>Bitwise and (a mask applied to values).</summary>
    static abstract TV And(TV a, TV b);

    /// <summary>Lane l takes lane l xor <paramref name="distance"/> (a power of two below <see cref="Count"/>).</summary>
    static abstract TV SwapLanes(TV v, int distance);

    /// <summary>All bits set in the lanes whose index has bit <paramref name="bit"/> clear, zero in the others.</summary>
    static abstract TV LaneMask(int bit);

    /// <summary>
    /// One level of a transposing reduction: lanes whose bit <paramref name="bit"/> is clear get u[l] + u[l ^ bit], the
    /// others v[l] + v[l ^ bit]. log₂(Count) levels turn Count vectors into one vector of their sums. One member (not
    /// composed of the others) because a register block calls it dozens of times, each a call the JIT must inline.
    /// </summary>
    static abstract TV Combine(TV u, TV v, int bit);

    /// <summary>Lane <paramref name="index"/>.</summary>
    static abstract float Element(TV v, int index);

    /// <summary>x[0..n) repeated across the lanes (n divides <see cref="Count"/>).</summary>
    static abstract TV Repeat(ref float x, int n);

    /// <summary>All bits set in lanes [j·Count/n, (j + 1)·Count/n): the rows of part j of a block of rows of n columns.</summary>
    static abstract TV RowMask(int n, int j);

    /// <summary>Lane i takes lane ((i − j·rows) mod rows)·n, rows = Count/n: moves part j's row sums to its rows' lanes.</summary>
    static abstract TV GatherRows(TV v, int n, int j);

    /// <summary>Lane i takes lane j·rows + i/n, rows = Count/n: spreads part j's rows' values over their columns' lanes.</summary>
    static abstract TV SpreadRows(TV v, int n, int j);

    /// <summary>Floats per vector.</summary>
    static abstract int Count { get; }

    /// <summary>
    /// Vectors per row of a full register block: the block is 4 rows × this many vectors, sized so that its accumulators,
    /// one row of loaded inputs and a broadcast fit the register file (32 zmm with AVX-512, 16 ymm or xmm otherwise).
    /// </summary>
    static abstract int BlockVectors { get; }

    /// <summary>
    /// Rows of a full register block of the batched products: 4 × 4 vectors with 32 registers at 512 bits; 4 × 2 at 256
    /// bits (6 × 2 ran its micro-kernel faster but whole M and L batches 3–5 % slower on Zen 3: more weight rows streaming
    /// past a 32 KB x block); 6 × 2 at 128 bits, where x86 without AVX2 has no fused multiply-add and 4 × 2 left the
    /// multiplier and adder waiting (whole M and L batches 3–19 % faster).
    /// </summary>
    static abstract int BlockRows { get; }

    static abstract TV Zero { get; }

    static abstract TV Load(ref float at);

    /// <summary>
    /// Count bfloat16 values from <paramref name="at"/>, widened exactly to floats (each 16-bit pattern in the upper half of
    /// a float's 32): what the reduced-precision weights of a single-sample kernel load.
    /// </summary>
    static abstract TV LoadBFloat16(ref ushort at);

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

    /// <summary>The sum of the lanes, by halving (VectorN.Sum keeps a left-to-right order at several shuffles per 128 bits).</summary>
    static abstract float Sum(TV x);

    /// <summary>
    /// g[r·stride + s] += Sum(a_rs) for a 4 × 4 block of accumulators (r, s &lt; 4): the end of a weight-gradient block.
    /// </summary>
    static abstract void AddSums4x4(ref float g, nint stride, TV a00, TV a01, TV a02, TV a03, TV a10, TV a11, TV a12, TV a13,
        TV a20, TV a21, TV a22, TV a23, TV a30, TV a31, TV a32, TV a33);
}

/// <summary>A float width and the double width its floats widen into: two double vectors per float vector (one double for a scalar).</summary>
internal interface IVectorLanes<TV, TD> : ILanes<TV> where TV : struct where TD : struct
{
    static abstract TD WidenLower(TV x);

    static abstract TD WidenUpper(TV x);

    /// <summary>Two double vectors narrowed to one float vector, each element rounded towards zero (|result| ≤ |exact|).</summary>
    static abstract TV NarrowTowardZero(TD low, TD high);
}

/// <summary>One width of doubles, for the sums in double that norms, Gram matrices and proofs need.</summary>
internal interface IDoubleLanes<TD> where TD : struct
{
    static abstract int Count { get; }

    static abstract TD Zero { get; }

    static abstract TD Load(ref double at);

    static abstract void Store(TD value, ref double at);

    static abstract TD Broadcast(double value);

    static abstract TD Add(TD a, TD b);

    static abstract TD Multiply(TD a, TD b);

    /// <summary>a·b + c, fused where the hardware fuses.</summary>
    static abstract TD MultiplyAdd(TD a, TD b, TD c);

    /// <summary>The larger, NaN if either is (IEEE 754:2019 maximum).</summary>
    static abstract TD Max(TD a, TD b);

    static abstract TD Abs(TD a);

    static abstract double Sum(TD x);

    static abstract double MaxElement(TD x);
}

internal readonly struct Lanes512 : IVectorLanes<Vector512<float>, Vector512<double>>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> WidenLower(Vector512<float> x) => Vector512.WidenLower(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> WidenUpper(Vector512<float> x) => Vector512.WidenUpper(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> NarrowTowardZero(Vector512<double> low, Vector512<double> high)
    {
        Vector512<float> rounded = Vector512.Narrow(low, high);
        Vector512<int> away = Vector512.Narrow(Vector512.GreaterThan(Vector512.Abs(Vector512.WidenLower(rounded)), Vector512.Abs(low)).AsInt64(),
            Vector512.GreaterThan(Vector512.Abs(Vector512.WidenUpper(rounded)), Vector512.Abs(high)).AsInt64());
        return (rounded.AsInt32() + away).AsSingle(); // −1 on the bits of a float is one ulp towards zero
    }

    public static bool IsAccelerated
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector512.IsHardwareAccelerated;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Multiply(Vector512<float> a, Vector512<float> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Subtract(Vector512<float> a, Vector512<float> b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Divide(Vector512<float> a, Vector512<float> b) => a / b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sqrt(Vector512<float> a) => Vector512.Sqrt(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LessThan(Vector512<float> a, Vector512<float> b) => Vector512.LessThan(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LessThanOrEqual(Vector512<float> a, Vector512<float> b) => Vector512.LessThanOrEqual(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> And(Vector512<float> a, Vector512<float> b) => a & b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> SwapLanes(Vector512<float> v, int distance) => Vector512.Shuffle(v, Vector512<int>.Indices ^ Vector512.Create(distance));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LaneMask(int bit) => Vector512.Equals(Vector512<int>.Indices & Vector512.Create(bit), Vector512<int>.Zero).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Combine(Vector512<float> u, Vector512<float> v, int bit)
    {
        Vector512<float> mask = Vector512.Equals(Vector512<int>.Indices & Vector512.Create(bit), Vector512<int>.Zero).AsSingle();
        return Vector512.ConditionalSelect(mask, u, v) + Vector512.Shuffle(Vector512.ConditionalSelect(mask, v, u), Vector512<int>.Indices ^ Vector512.Create(bit));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Element(Vector512<float> v, int index) => v.GetElement(index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Repeat(ref float x, int n)
    {
        if (n == 1)
            return Vector512.Create(x);
        if (n == 2)
            return Vector512.Create(Unsafe.ReadUnaligned<double>(ref Unsafe.As<float, byte>(ref x))).AsSingle();
        if (n == 4)
        {
            var q = Vector128.LoadUnsafe(ref x);
            return Vector512.Create(Vector256.Create(q, q), Vector256.Create(q, q));
        }
        var o = Vector256.LoadUnsafe(ref x);
        return Vector512.Create(o, o);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> RowMask(int n, int j)
    {
        int rows = Count / n;
        return (Vector512.GreaterThanOrEqual(Vector512<int>.Indices, Vector512.Create(j * rows)) & Vector512.LessThan(Vector512<int>.Indices, Vector512.Create((j + 1) * rows))).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> GatherRows(Vector512<float> v, int n, int j)
    {
        int rows = Count / n;
        return Vector512.Shuffle(v, (Vector512<int>.Indices - Vector512.Create(j * rows) & Vector512.Create(rows - 1)) * Vector512.Create(n));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> SpreadRows(Vector512<float> v, int n, int j) =>
        Vector512.Shuffle(v, Vector512.Create(j * (Count / n)) + Vector512.ShiftRightLogical(Vector512<int>.Indices, n switch { 2 => 1, 4 => 2, 8 => 3, _ => 0 }));

    public static int Count
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector512<float>.Count;
    }

    public static int BlockVectors
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => 4;
    }

    public static int BlockRows
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => 4;
    }

    public static Vector512<float> Zero
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector512<float>.Zero;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(ref float at) => Vector512.LoadUnsafe(ref at);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LoadBFloat16(ref ushort at)
    {
        // One zero-extending load where the instruction set has it: the portable widening takes two halves and an insert.
        Vector256<ushort> narrow = Vector256.LoadUnsafe(ref at);
        Vector512<uint> wide = System.Runtime.Intrinsics.X86.Avx512F.IsSupported
            ? System.Runtime.Intrinsics.X86.Avx512F.ConvertToVector512UInt32(narrow)
            : Vector512.Create(Vector256.WidenLower(narrow), Vector256.WidenUpper(narrow));
        return Vector512.ShiftLeft(wide, 16).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<float> value, ref float at) => value.StoreUnsafe(ref at);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Broadcast(float value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.MultiplyAddEstimate(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector512<float> x) => Lanes256.Sum(x.GetLower() + x.GetUpper());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> GreaterThan(Vector512<float> a, Vector512<float> b) => Vector512.GreaterThan(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Select(Vector512<float> mask, Vector512<float> a, Vector512<float> b) => Vector512.ConditionalSelect(mask, a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LoadMask(ref int at) => Vector512.LoadUnsafe(ref at).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreMask(Vector512<float> mask, ref int at) => mask.AsInt32().StoreUnsafe(ref at);

    // The sixteen sums in one transposing reduction (15 combines, as Blocks.MatVec reduces sixteen rows): lane 4r + s
    // ends up holding Sum(a_rs), so row r of the block is one 128-bit add. Sixteen separate horizontal sums cost about
    // three times as many instructions, more than the block's FMAs over a batch of 128.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddSums4x4(ref float g, nint stride, Vector512<float> a00, Vector512<float> a01, Vector512<float> a02, Vector512<float> a03,
        Vector512<float> a10, Vector512<float> a11, Vector512<float> a12, Vector512<float> a13, Vector512<float> a20, Vector512<float> a21,
        Vector512<float> a22, Vector512<float> a23, Vector512<float> a30, Vector512<float> a31, Vector512<float> a32, Vector512<float> a33)
    {
        Vector512<float> sums = Combine(
            Combine(
                Combine(Combine(a00, a01, 1), Combine(a02, a03, 1), 2),
                Combine(Combine(a10, a11, 1), Combine(a12, a13, 1), 2), 4),
            Combine(
                Combine(Combine(a20, a21, 1), Combine(a22, a23, 1), 2),
                Combine(Combine(a30, a31, 1), Combine(a32, a33, 1), 2), 4),
            8);
        (Vector128.LoadUnsafe(ref g) + sums.GetLower().GetLower()).StoreUnsafe(ref g);
        (Vector128.LoadUnsafe(ref g, (nuint)stride) + sums.GetLower().GetUpper()).StoreUnsafe(ref g, (nuint)stride);
        (Vector128.LoadUnsafe(ref g, (nuint)(2 * stride)) + sums.GetUpper().GetLower()).StoreUnsafe(ref g, (nuint)(2 * stride));
        (Vector128.LoadUnsafe(ref g, (nuint)(3 * stride)) + sums.GetUpper().GetUpper()).StoreUnsafe(ref g, (nuint)(3 * stride));
    }
}

internal readonly struct Lanes256 : IVectorLanes<Vector256<float>, Vector256<double>>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> WidenLower(Vector256<float> x) => Vector256.WidenLower(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> WidenUpper(Vector256<float> x) => Vector256.WidenUpper(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> NarrowTowardZero(Vector256<double> low, Vector256<double> high)
    {
        Vector256<float> rounded = Vector256.Narrow(low, high);
        Vector256<int> away = Vector256.Narrow(Vector256.GreaterThan(Vector256.Abs(Vector256.WidenLower(rounded)), Vector256.Abs(low)).AsInt64(),
            Vector256.GreaterThan(Vector256.Abs(Vector256.WidenUpper(rounded)), Vector256.Abs(high)).AsInt64());
        return (rounded.AsInt32() + away).AsSingle(); // −1 on the bits of a float is one ulp towards zero
    }

    public static bool IsAccelerated
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector256.IsHardwareAccelerated;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Multiply(Vector256<float> a, Vector256<float> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Subtract(Vector256<float> a, Vector256<float> b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Divide(Vector256<float> a, Vector256<float> b) => a / b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sqrt(Vector256<float> a) => Vector256.Sqrt(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> LessThan(Vector256<float> a, Vector256<float> b) => Vector256.LessThan(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> LessThanOrEqual(Vector256<float> a, Vector256<float> b) => Vector256.LessThanOrEqual(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> And(Vector256<float> a, Vector256<float> b) => a & b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> SwapLanes(Vector256<float> v, int distance) => Vector256.Shuffle(v, Vector256<int>.Indices ^ Vector256.Create(distance));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> LaneMask(int bit) => Vector256.Equals(Vector256<int>.Indices & Vector256.Create(bit), Vector256<int>.Zero).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Combine(Vector256<float> u, Vector256<float> v, int bit)
    {
        // The JIT writes a constant-mask ConditionalSelect as and/andnot/or on AVX2; a blend is one instruction, and across the
        // two halves one lane permute gives the swapped selection. Same lanes, same additions: the same bits.
        if (System.Runtime.Intrinsics.X86.Avx.IsSupported && bit == 4)
            return System.Runtime.Intrinsics.X86.Avx.Blend(u, v, 0b1111_0000) + System.Runtime.Intrinsics.X86.Avx.Permute2x128(u, v, 0x21);
        if (System.Runtime.Intrinsics.X86.Avx.IsSupported)
            return Blend(u, v, bit) + Vector256.Shuffle(Blend(v, u, bit), Vector256<int>.Indices ^ Vector256.Create(bit));
        Vector256<float> mask = Vector256.Equals(Vector256<int>.Indices & Vector256.Create(bit), Vector256<int>.Zero).AsSingle();
        return Vector256.ConditionalSelect(mask, u, v) + Vector256.Shuffle(Vector256.ConditionalSelect(mask, v, u), Vector256<int>.Indices ^ Vector256.Create(bit));
    }

    /// <summary>Lanes whose index has <paramref name="bit"/> (1 or 2) clear from <paramref name="u"/>, the others from <paramref name="v"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Blend(Vector256<float> u, Vector256<float> v, int bit) =>
        bit == 1 ? System.Runtime.Intrinsics.X86.Avx.Blend(u, v, 0b1010_1010) : System.Runtime.Intrinsics.X86.Avx.Blend(u, v, 0b1100_1100);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Element(Vector256<float> v, int index) => v.GetElement(index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Repeat(ref float x, int n)
    {
        if (n == 1)
            return Vector256.Create(x);
        if (n == 2)
            return Vector256.Create(Unsafe.ReadUnaligned<double>(ref Unsafe.As<float, byte>(ref x))).AsSingle();
        if (n == 4)
        {
            var q = Vector128.LoadUnsafe(ref x);
            return Vector256.Create(q, q);
        }
        return Vector256.LoadUnsafe(ref x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> RowMask(int n, int j)
    {
        int rows = Count / n;
        return (Vector256.GreaterThanOrEqual(Vector256<int>.Indices, Vector256.Create(j * rows)) & Vector256.LessThan(Vector256<int>.Indices, Vector256.Create((j + 1) * rows))).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> GatherRows(Vector256<float> v, int n, int j)
    {
        int rows = Count / n;
        return Vector256.Shuffle(v, (Vector256<int>.Indices - Vector256.Create(j * rows) & Vector256.Create(rows - 1)) * Vector256.Create(n));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> SpreadRows(Vector256<float> v, int n, int j) =>
        Vector256.Shuffle(v, Vector256.Create(j * (Count / n)) + Vector256.ShiftRightLogical(Vector256<int>.Indices, n switch { 2 => 1, 4 => 2, 8 => 3, _ => 0 }));

    public static int Count
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector256<float>.Count;
    }

    public static int BlockVectors
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => 2;
    }

    public static int BlockRows
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => 4;
    }

    public static Vector256<float> Zero
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector256<float>.Zero;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(ref float at) => Vector256.LoadUnsafe(ref at);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> LoadBFloat16(ref ushort at)
    {
        Vector128<ushort> narrow = Vector128.LoadUnsafe(ref at);
        Vector256<uint> wide = System.Runtime.Intrinsics.X86.Avx2.IsSupported
            ? System.Runtime.Intrinsics.X86.Avx2.ConvertToVector256Int32(narrow).AsUInt32()
            : Vector256.Create(Vector128.WidenLower(narrow), Vector128.WidenUpper(narrow));
        return Vector256.ShiftLeft(wide, 16).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<float> value, ref float at) => value.StoreUnsafe(ref at);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Broadcast(float value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.MultiplyAddEstimate(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector256<float> x) => Lanes128.Sum(x.GetLower() + x.GetUpper());

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

internal readonly struct Lanes128 : IVectorLanes<Vector128<float>, Vector128<double>>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> WidenLower(Vector128<float> x) => Vector128.WidenLower(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> WidenUpper(Vector128<float> x) => Vector128.WidenUpper(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> NarrowTowardZero(Vector128<double> low, Vector128<double> high)
    {
        Vector128<float> rounded = Vector128.Narrow(low, high);
        Vector128<int> away = Vector128.Narrow(Vector128.GreaterThan(Vector128.Abs(Vector128.WidenLower(rounded)), Vector128.Abs(low)).AsInt64(),
            Vector128.GreaterThan(Vector128.Abs(Vector128.WidenUpper(rounded)), Vector128.Abs(high)).AsInt64());
        return (rounded.AsInt32() + away).AsSingle(); // −1 on the bits of a float is one ulp towards zero
    }

    public static bool IsAccelerated
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector128.IsHardwareAccelerated;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Multiply(Vector128<float> a, Vector128<float> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Subtract(Vector128<float> a, Vector128<float> b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Divide(Vector128<float> a, Vector128<float> b) => a / b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sqrt(Vector128<float> a) => Vector128.Sqrt(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> LessThan(Vector128<float> a, Vector128<float> b) => Vector128.LessThan(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> LessThanOrEqual(Vector128<float> a, Vector128<float> b) => Vector128.LessThanOrEqual(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> And(Vector128<float> a, Vector128<float> b) => a & b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> SwapLanes(Vector128<float> v, int distance) => Vector128.Shuffle(v, Vector128<int>.Indices ^ Vector128.Create(distance));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> LaneMask(int bit) => Vector128.Equals(Vector128<int>.Indices & Vector128.Create(bit), Vector128<int>.Zero).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Combine(Vector128<float> u, Vector128<float> v, int bit)
    {
        // A blend is one instruction where SSE4.1 has it (see Lanes256.Combine); Arm64's bit select already is.
        if (System.Runtime.Intrinsics.X86.Sse41.IsSupported)
            return Blend(u, v, bit) + Vector128.Shuffle(Blend(v, u, bit), Vector128<int>.Indices ^ Vector128.Create(bit));
        Vector128<float> mask = Vector128.Equals(Vector128<int>.Indices & Vector128.Create(bit), Vector128<int>.Zero).AsSingle();
        return Vector128.ConditionalSelect(mask, u, v) + Vector128.Shuffle(Vector128.ConditionalSelect(mask, v, u), Vector128<int>.Indices ^ Vector128.Create(bit));
    }

    /// <summary>Lanes whose index has <paramref name="bit"/> (1 or 2) clear from <paramref name="u"/>, the others from <paramref name="v"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Blend(Vector128<float> u, Vector128<float> v, int bit) =>
        bit == 1 ? System.Runtime.Intrinsics.X86.Sse41.Blend(u, v, 0b1010) : System.Runtime.Intrinsics.X86.Sse41.Blend(u, v, 0b1100);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Element(Vector128<float> v, int index) => v.GetElement(index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Repeat(ref float x, int n)
    {
        if (n == 1)
            return Vector128.Create(x);
        if (n == 2)
            return Vector128.Create(Unsafe.ReadUnaligned<double>(ref Unsafe.As<float, byte>(ref x))).AsSingle();
        return Vector128.LoadUnsafe(ref x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> RowMask(int n, int j)
    {
        int rows = Count / n;
        return (Vector128.GreaterThanOrEqual(Vector128<int>.Indices, Vector128.Create(j * rows)) & Vector128.LessThan(Vector128<int>.Indices, Vector128.Create((j + 1) * rows))).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> GatherRows(Vector128<float> v, int n, int j)
    {
        int rows = Count / n;
        return Vector128.Shuffle(v, (Vector128<int>.Indices - Vector128.Create(j * rows) & Vector128.Create(rows - 1)) * Vector128.Create(n));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> SpreadRows(Vector128<float> v, int n, int j) =>
        Vector128.Shuffle(v, Vector128.Create(j * (Count / n)) + Vector128.ShiftRightLogical(Vector128<int>.Indices, n switch { 2 => 1, 4 => 2, 8 => 3, _ => 0 }));

    public static int Count
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector128<float>.Count;
    }

    public static int BlockVectors
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => 2;
    }

    public static int BlockRows
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => 6;
    }

    public static Vector128<float> Zero
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector128<float>.Zero;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load(ref float at) => Vector128.LoadUnsafe(ref at);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> LoadBFloat16(ref ushort at)
    {
        Vector128<uint> wide;
        if (System.Runtime.Intrinsics.X86.Sse41.IsSupported)
            wide = System.Runtime.Intrinsics.X86.Sse41.ConvertToVector128Int32(Vector128.CreateScalar(Unsafe.As<ushort, ulong>(ref at)).AsUInt16()).AsUInt32();
        else if (System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported)
            wide = System.Runtime.Intrinsics.Arm.AdvSimd.ZeroExtendWideningLower(Vector64.LoadUnsafe(ref at));
        else
        {
            Vector64<ushort> narrow = Vector64.LoadUnsafe(ref at);
            wide = Vector128.Create(Vector64.WidenLower(narrow), Vector64.WidenUpper(narrow));
        }
        return Vector128.ShiftLeft(wide, 16).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<float> value, ref float at) => value.StoreUnsafe(ref at);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Broadcast(float value) => Vector128.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) => Vector128.MultiplyAddEstimate(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector128<float> x)
    {
        x += Vector128.Shuffle(x, Vector128.Create(2, 3, 0, 1));
        x += Vector128.Shuffle(x, Vector128.Create(1, 0, 3, 2));
        return x.ToScalar();
    }

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
internal readonly struct Lanes1 : IVectorLanes<float, double>
{
    // One float widens to one double: the "upper" half is empty, 0 (the identity of every aggregation it meets).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double WidenLower(float x) => x;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double WidenUpper(float x) => 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float NarrowTowardZero(double low, double high)
    {
        float rounded = (float)low;
        return Math.Abs((double)rounded) > Math.Abs(low) ? BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(rounded) - 1) : rounded;
    }

    public static bool IsAccelerated
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Multiply(float a, float b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Subtract(float a, float b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Divide(float a, float b) => a / b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sqrt(float a) => MathF.Sqrt(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float LessThan(float a, float b) => a < b ? BitConverter.Int32BitsToSingle(-1) : 0f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float LessThanOrEqual(float a, float b) => a <= b ? BitConverter.Int32BitsToSingle(-1) : 0f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float And(float a, float b) => BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(a) & BitConverter.SingleToInt32Bits(b));

    // One lane: there is nothing to swap with, and every block of rows is one row.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SwapLanes(float v, int distance) => v;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float LaneMask(int bit) => BitConverter.Int32BitsToSingle(-1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Combine(float u, float v, int bit) => u + v;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Element(float v, int index) => v;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Repeat(ref float x, int n) => x;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float RowMask(int n, int j) => BitConverter.Int32BitsToSingle(-1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float GatherRows(float v, int n, int j) => v;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SpreadRows(float v, int n, int j) => v;

    public static int Count
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => 1;
    }

    public static int BlockVectors
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => 4;
    }

    public static int BlockRows
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => 4;
    }

    public static float Zero
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => 0f;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Load(ref float at) => at;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float LoadBFloat16(ref ushort at) => BitConverter.Int32BitsToSingle(at << 16);

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
    public static int Value
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => 1;
    }
}

internal readonly struct Two : IConstant
{
    public static int Value
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => 2;
    }
}

internal readonly struct Three : IConstant
{
    public static int Value
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => 3;
    }
}

internal readonly struct Four : IConstant
{
    public static int Value
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => 4;
    }
}

internal readonly struct Six : IConstant
{
    public static int Value
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => 6;
    }
}

internal readonly struct DoubleLanes512 : IDoubleLanes<Vector512<double>>
{
    public static int Count
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector512<double>.Count;
    }

    public static Vector512<double> Zero
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector512<double>.Zero;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Load(ref double at) => Vector512.LoadUnsafe(ref at);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<double> value, ref double at) => value.StoreUnsafe(ref at);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Broadcast(double value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Add(Vector512<double> a, Vector512<double> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Multiply(Vector512<double> a, Vector512<double> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> MultiplyAdd(Vector512<double> a, Vector512<double> b, Vector512<double> c) => Vector512.MultiplyAddEstimate(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Max(Vector512<double> a, Vector512<double> b) => Vector512.Max(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Abs(Vector512<double> a) => Vector512.Abs(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Sum(Vector512<double> x) => DoubleLanes256.Sum(x.GetLower() + x.GetUpper());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double MaxElement(Vector512<double> x) => DoubleLanes256.MaxElement(Vector256.Max(x.GetLower(), x.GetUpper()));
}

internal readonly struct DoubleLanes256 : IDoubleLanes<Vector256<double>>
{
    public static int Count
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector256<double>.Count;
    }

    public static Vector256<double> Zero
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector256<double>.Zero;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Load(ref double at) => Vector256.LoadUnsafe(ref at);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<double> value, ref double at) => value.StoreUnsafe(ref at);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Broadcast(double value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Add(Vector256<double> a, Vector256<double> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Multiply(Vector256<double> a, Vector256<double> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> MultiplyAdd(Vector256<double> a, Vector256<double> b, Vector256<double> c) => Vector256.MultiplyAddEstimate(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Max(Vector256<double> a, Vector256<double> b) => Vector256.Max(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Abs(Vector256<double> a) => Vector256.Abs(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Sum(Vector256<double> x) => DoubleLanes128.Sum(x.GetLower() + x.GetUpper());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double MaxElement(Vector256<double> x) => DoubleLanes128.MaxElement(Vector128.Max(x.GetLower(), x.GetUpper()));
}

internal readonly struct DoubleLanes128 : IDoubleLanes<Vector128<double>>
{
    public static int Count
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector128<double>.Count;
    }

    public static Vector128<double> Zero
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector128<double>.Zero;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Load(ref double at) => Vector128.LoadUnsafe(ref at);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<double> value, ref double at) => value.StoreUnsafe(ref at);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Broadcast(double value) => Vector128.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Add(Vector128<double> a, Vector128<double> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Multiply(Vector128<double> a, Vector128<double> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> MultiplyAdd(Vector128<double> a, Vector128<double> b, Vector128<double> c) => Vector128.MultiplyAddEstimate(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Max(Vector128<double> a, Vector128<double> b) => Vector128.Max(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Abs(Vector128<double> a) => Vector128.Abs(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Sum(Vector128<double> x) => x.GetElement(0) + x.GetElement(1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double MaxElement(Vector128<double> x) => Math.Max(x.GetElement(0), x.GetElement(1));
}

/// <summary>Scalar doubles: the path without hardware intrinsics. Not fused, so that it never calls a software FMA.</summary>
internal readonly struct DoubleLanes1 : IDoubleLanes<double>
{
    public static int Count
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => 1;
    }

    public static double Zero
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Load(ref double at) => at;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(double value, ref double at) => at = value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Broadcast(double value) => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Add(double a, double b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Multiply(double a, double b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double MultiplyAdd(double a, double b, double c) => a * b + c;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Max(double a, double b) => Math.Max(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Abs(double a) => Math.Abs(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Sum(double x) => x;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double MaxElement(double x) => x;
}

/// <summary>
/// A loop written once over a vector width: it runs from a start element while whole vectors remain and
/// returns where it stopped (the scalar width runs to the end). <see cref="Cascade"/> runs it at every width, widest first.
/// </summary>
internal interface IVectorLoop<TState> where TState : allows ref struct
{
    static abstract int Run<TV, TD, TL, TDL>(ref TState state, int start)
        where TV : struct where TD : struct where TL : struct, IVectorLanes<TV, TD> where TDL : struct, IDoubleLanes<TD>;
}

/// <summary>The vectors a kernel runs on: <see cref="All"/> in the library, one named width in the tests of that width.</summary>
internal enum VectorBits
{
    /// <summary>Scalar code only.</summary>
    Scalar = 0,

    /// <summary><see cref="Vector128{T}"/>, then scalars for the tail.</summary>
    Bits128 = 128,

    /// <summary><see cref="Vector256{T}"/>, then scalars for the tail.</summary>
    Bits256 = 256,

    /// <summary><see cref="Vector512{T}"/>, then scalars for the tail.</summary>
    Bits512 = 512,

    /// <summary>Every width the machine accelerates, widest first.</summary>
    All = 1024,
}

/// <summary>
/// The 512 → 256 → 128-bit → scalar cascade, written once for every kernel: a loop (<see cref="IVectorLoop{TState}"/>) runs at
/// the widest width the machine accelerates over the leading whole vectors, the next width over what is left, and scalars
/// last. The widths are type arguments and <see cref="VectorBits"/> a constant at each call, so the JIT drops the paths
/// it cannot take.
/// </summary>
internal static class Cascade
{
    /// <summary>
    /// Runs the loop over <paramref name="length"/> elements at every accelerated width (<see cref="VectorBits.All"/>), or at
    /// exactly one width and then scalars: what a test does to check that width's code against the scalar path on any
    /// machine. Where the hardware lacks the width, .NET runs its vector operations in software, so the code under test is
    /// still the same.
    /// </summary>
    /// <remarks>
    /// A narrower width only runs where the wider one leaves at least one of its vectors, which the length decides: where
    /// it is a constant (generated code), the JIT drops every width that cannot run before it inlines them, so a kernel
    /// costs the caller's inlining budget once, not once per width.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run<TLoop, TState>(ref TState state, int length, VectorBits width = VectorBits.All)
        where TLoop : IVectorLoop<TState> where TState : allows ref struct =>
        Run<TLoop, TState>(ref state, length, sizeof(float), width);

    /// <summary>
    /// <see cref="Run{TLoop, TState}(ref TState, int, VectorBits)"/> for a loop over elements of <paramref name="elementSize"/>
    /// bytes: 8 for a loop over doubles (it steps by <c>TDL.Count</c>, half of <c>TL.Count</c>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run<TLoop, TState>(ref TState state, int length, int elementSize, VectorBits width = VectorBits.All)
        where TLoop : IVectorLoop<TState> where TState : allows ref struct
    {
        // Each test is on the length itself (no locals), so that the JIT folds it on import where the length is a constant.
        // What a width leaves is length mod its vector size, whatever ran before it (the sizes divide each other).
        int i = 0;
        if (width == VectorBits.All)
        {
            if (Vector512.IsHardwareAccelerated && length >= 64 / elementSize)
                i = TLoop.Run<Vector512<float>, Vector512<double>, Lanes512, DoubleLanes512>(ref state, i);
            if (Vector256.IsHardwareAccelerated && (Vector512.IsHardwareAccelerated ? length % (64 / elementSize) : length) >= 32 / elementSize)
                i = TLoop.Run<Vector256<float>, Vector256<double>, Lanes256, DoubleLanes256>(ref state, i);
            if (Vector128.IsHardwareAccelerated && (Vector256.IsHardwareAccelerated ? length % (32 / elementSize)
                    : Vector512.IsHardwareAccelerated ? length % (64 / elementSize) : length) >= 16 / elementSize)
                i = TLoop.Run<Vector128<float>, Vector128<double>, Lanes128, DoubleLanes128>(ref state, i);
        }
        else if (width == VectorBits.Bits512)
            i = TLoop.Run<Vector512<float>, Vector512<double>, Lanes512, DoubleLanes512>(ref state, i);
        else if (width == VectorBits.Bits256)
            i = TLoop.Run<Vector256<float>, Vector256<double>, Lanes256, DoubleLanes256>(ref state, i);
        else if (width == VectorBits.Bits128)
            i = TLoop.Run<Vector128<float>, Vector128<double>, Lanes128, DoubleLanes128>(ref state, i);
        if (width != VectorBits.All || (Vector128.IsHardwareAccelerated ? length % (16 / elementSize)
                : Vector256.IsHardwareAccelerated ? length % (32 / elementSize)
                : Vector512.IsHardwareAccelerated ? length % (64 / elementSize) : length) > 0)
            TLoop.Run<float, double, Lanes1, DoubleLanes1>(ref state, i);
    }
}
