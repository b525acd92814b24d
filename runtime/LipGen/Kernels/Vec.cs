using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LipGen.Kernels;

/// <summary>
/// Vector primitives with a 512 → 256 → 128-bit → scalar cascade. Every method is aggressively inlined into generated code,
/// where the lengths are constants, so the JIT folds the cascade to the widest path the machine has and drops the rest;
/// with hardware intrinsics disabled (<c>DOTNET_EnableHWIntrinsic=0</c>) only the scalar loop remains.
/// </summary>
internal static class Vec
{
    /// <summary>Σ a[i]·b[i] over n elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(ref float a, ref float b, int n)
    {
        // Tiny constant lengths (first layers of low-dimensional inputs) straight-line; the JIT keeps short loops as loops.
        if (n == 1)
            return a * b;
        if (n == 2)
            return a * b + Unsafe.Add(ref a, 1) * Unsafe.Add(ref b, 1);
        if (n == 3)
            return a * b + Unsafe.Add(ref a, 1) * Unsafe.Add(ref b, 1) + Unsafe.Add(ref a, 2) * Unsafe.Add(ref b, 2);
        int i = 0;
        float sum = 0;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count)
        {
            Vector512<float> acc = Vector512<float>.Zero;
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
                acc = Vector512.MultiplyAddEstimate(Vector512.LoadUnsafe(ref a, (nuint)i), Vector512.LoadUnsafe(ref b, (nuint)i), acc);
            sum = Sum(acc);
        }
        if (Vector256.IsHardwareAccelerated && n - i >= Vector256<float>.Count)
        {
            Vector256<float> acc = Vector256<float>.Zero;
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
                acc = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref a, (nuint)i), Vector256.LoadUnsafe(ref b, (nuint)i), acc);
            sum += Sum(acc);
        }
        if (Vector128.IsHardwareAccelerated && n - i >= Vector128<float>.Count)
        {
            Vector128<float> acc = Vector128<float>.Zero;
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
                acc = Vector128.MultiplyAddEstimate(Vector128.LoadUnsafe(ref a, (nuint)i), Vector128.LoadUnsafe(ref b, (nuint)i), acc);
            sum += Sum(acc);
        }
        for (; i < n; i++)
            sum += Unsafe.Add(ref a, i) * Unsafe.Add(ref b, i);
        return sum;
    }

    /// <summary>y[i] += alpha·x[i] over n elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Axpy(float alpha, ref float x, ref float y, int n)
    {
        if (n <= 3)
        {
            y += alpha * x;
            if (n >= 2)
                Unsafe.Add(ref y, 1) += alpha * Unsafe.Add(ref x, 1);
            if (n == 3)
                Unsafe.Add(ref y, 2) += alpha * Unsafe.Add(ref x, 2);
            return;
        }
        int i = 0;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count)
        {
            Vector512<float> a = Vector512.Create(alpha);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
                Vector512.MultiplyAddEstimate(a, Vector512.LoadUnsafe(ref x, (nuint)i), Vector512.LoadUnsafe(ref y, (nuint)i)).StoreUnsafe(ref y, (nuint)i);
        }
        if (Vector256.IsHardwareAccelerated && n - i >= Vector256<float>.Count)
        {
            Vector256<float> a = Vector256.Create(alpha);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
                Vector256.MultiplyAddEstimate(a, Vector256.LoadUnsafe(ref x, (nuint)i), Vector256.LoadUnsafe(ref y, (nuint)i)).StoreUnsafe(ref y, (nuint)i);
        }
        if (Vector128.IsHardwareAccelerated && n - i >= Vector128<float>.Count)
        {
            Vector128<float> a = Vector128.Create(alpha);
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
                Vector128.MultiplyAddEstimate(a, Vector128.LoadUnsafe(ref x, (nuint)i), Vector128.LoadUnsafe(ref y, (nuint)i)).StoreUnsafe(ref y, (nuint)i);
        }
        for (; i < n; i++)
            Unsafe.Add(ref y, i) += alpha * Unsafe.Add(ref x, i);
    }

    // Vector*.Sum keeps a fixed left-to-right order and costs several shuffles per 128 bits; a halving tree is enough here.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Sum(Vector512<float> v) => Sum(v.GetLower() + v.GetUpper());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Sum(Vector256<float> v) => Sum(v.GetLower() + v.GetUpper());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Sum(Vector128<float> v)
    {
        v += Vector128.Shuffle(v, Vector128.Create(2, 3, 0, 1));
        v += Vector128.Shuffle(v, Vector128.Create(1, 0, 3, 2));
        return v.ToScalar();
    }

    /// <summary>Sets n elements to zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Clear(ref float x, int n) =>
        Unsafe.InitBlockUnaligned(ref Unsafe.As<float, byte>(ref x), 0, (uint)n * sizeof(float));
}
