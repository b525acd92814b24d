using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LipGen.Kernels;

/// <summary>
/// GroupSort: each contiguous group of <c>groupSize</c> values is sorted ascending, in place. It is a permutation within
/// groups, hence 1-Lipschitz in every ℓp norm and gradient-norm preserving. Group size 2 (MaxMin) has a vectorised path
/// and records, per pair, a swap mask (all bits set where the pair was swapped); larger groups record for every output
/// position the index, within its group, of the input it came from. The backward pass routes gradients back with that record.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class GroupSort
{
    /// <summary>MaxMin in place: every pair (a, b) becomes (min, max).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MaxMin(ref float values, int width)
    {
        int i = VectorMaxMin(ref values, ref Unsafe.NullRef<int>(), width, record: false);
        for (; i < width; i += 2)
        {
            float a = Unsafe.Add(ref values, i), b = Unsafe.Add(ref values, i + 1);
            if (a > b)
            {
                Unsafe.Add(ref values, i) = b;
                Unsafe.Add(ref values, i + 1) = a;
            }
        }
    }

    /// <summary>MaxMin in place, recording the swap mask of every pair in <paramref name="swapped"/> [width].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MaxMinRecording(ref float values, ref int swapped, int width)
    {
        int i = VectorMaxMin(ref values, ref swapped, width, record: true);
        for (; i < width; i += 2)
        {
            float a = Unsafe.Add(ref values, i), b = Unsafe.Add(ref values, i + 1);
            int mask = a > b ? -1 : 0;
            Unsafe.Add(ref swapped, i) = mask;
            Unsafe.Add(ref swapped, i + 1) = mask;
            if (mask != 0)
            {
                Unsafe.Add(ref values, i) = b;
                Unsafe.Add(ref values, i + 1) = a;
            }
        }
    }

    /// <summary>Routes ∂L/∂output back through a recorded MaxMin: swapped pairs swap their gradients.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MaxMinBackward(ref float outputGradient, ref int swapped, ref float inputGradient, int width)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= width - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var g = Vector512.LoadUnsafe(ref outputGradient, (nuint)i);
                var mask = Vector512.LoadUnsafe(ref swapped, (nuint)i).AsSingle();
                Vector512.ConditionalSelect(mask, SwapPairs(g), g).StoreUnsafe(ref inputGradient, (nuint)i);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= width - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var g = Vector256.LoadUnsafe(ref outputGradient, (nuint)i);
                var mask = Vector256.LoadUnsafe(ref swapped, (nuint)i).AsSingle();
                Vector256.ConditionalSelect(mask, SwapPairs(g), g).StoreUnsafe(ref inputGradient, (nuint)i);
            }
        }
        for (; i < width; i += 2)
        {
            float a = Unsafe.Add(ref outputGradient, i), b = Unsafe.Add(ref outputGradient, i + 1);
            bool swap = Unsafe.Add(ref swapped, i) != 0;
            Unsafe.Add(ref inputGradient, i) = swap ? b : a;
            Unsafe.Add(ref inputGradient, i + 1) = swap ? a : b;
        }
    }

    /// <summary>Sorts every group of <paramref name="groupSize"/> values ascending, in place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Sort(ref float values, int width, int groupSize)
    {
        for (int start = 0; start < width; start += groupSize)
        {
            ref float group = ref Unsafe.Add(ref values, start);
            for (int k = 1; k < groupSize; k++)
            {
                float v = Unsafe.Add(ref group, k);
                int j = k - 1;
                for (; j >= 0 && Unsafe.Add(ref group, j) > v; j--)
                    Unsafe.Add(ref group, j + 1) = Unsafe.Add(ref group, j);
                Unsafe.Add(ref group, j + 1) = v;
            }
        }
    }

    /// <summary>Sorts every group ascending, in place, recording for each output position its source index in the group.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SortRecording(ref float values, ref int source, int width, int groupSize)
    {
        for (int start = 0; start < width; start += groupSize)
        {
            ref float group = ref Unsafe.Add(ref values, start);
            ref int from = ref Unsafe.Add(ref source, start);
            for (int k = 0; k < groupSize; k++)
                Unsafe.Add(ref from, k) = k;
            // Insertion sort: stable, and the groups are small.
            for (int k = 1; k < groupSize; k++)
            {
                float v = Unsafe.Add(ref group, k);
                int s = Unsafe.Add(ref from, k);
                int j = k - 1;
                for (; j >= 0 && Unsafe.Add(ref group, j) > v; j--)
                {
                    Unsafe.Add(ref group, j + 1) = Unsafe.Add(ref group, j);
                    Unsafe.Add(ref from, j + 1) = Unsafe.Add(ref from, j);
                }
                Unsafe.Add(ref group, j + 1) = v;
                Unsafe.Add(ref from, j + 1) = s;
            }
        }
    }

    /// <summary>Routes ∂L/∂output back through a recorded sort: input position source[k] receives output gradient k.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SortBackward(ref float outputGradient, ref int source, ref float inputGradient, int width, int groupSize)
    {
        for (int start = 0; start < width; start += groupSize)
            for (int k = 0; k < groupSize; k++)
                Unsafe.Add(ref inputGradient, start + Unsafe.Add(ref source, start + k)) = Unsafe.Add(ref outputGradient, start + k);
    }

    /// <summary>Vectorised MaxMin over the leading whole vectors; returns how many values it handled.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int VectorMaxMin(ref float values, ref int swapped, int width, bool record)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> even = Vector512.Create(-1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0).AsSingle();
            for (; i <= width - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var v = Vector512.LoadUnsafe(ref values, (nuint)i);
                var partner = SwapPairs(v);
                // Both lanes of a pair agree: the even lane (a) sees a > b, the odd lane (b) sees b < a.
                var swap = Vector512.ConditionalSelect(even, Vector512.GreaterThan(v, partner), Vector512.LessThan(v, partner));
                Vector512.ConditionalSelect(swap, partner, v).StoreUnsafe(ref values, (nuint)i);
                if (record)
                    swap.AsInt32().StoreUnsafe(ref swapped, (nuint)i);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> even = Vector256.Create(-1, 0, -1, 0, -1, 0, -1, 0).AsSingle();
            for (; i <= width - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var v = Vector256.LoadUnsafe(ref values, (nuint)i);
                var partner = SwapPairs(v);
                var swap = Vector256.ConditionalSelect(even, Vector256.GreaterThan(v, partner), Vector256.LessThan(v, partner));
                Vector256.ConditionalSelect(swap, partner, v).StoreUnsafe(ref values, (nuint)i);
                if (record)
                    swap.AsInt32().StoreUnsafe(ref swapped, (nuint)i);
            }
        }
        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> SwapPairs(Vector512<float> v) =>
        Vector512.Shuffle(v, Vector512.Create(1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> SwapPairs(Vector256<float> v) =>
        Vector256.Shuffle(v, Vector256.Create(1, 0, 3, 2, 5, 4, 7, 6));
}
