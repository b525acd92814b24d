using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace LipGen.Kernels.Batched;

/// <summary>
/// The dense layer on feature-major mini-batches: a layer's activations for a batch are stored as [width × columns], one
/// row per neuron, one column per sample. Every row operation then runs across samples, which vectorises without any
/// horizontal sums: z[o, ·] = b[o] + Σᵢ W[o, i]·a[i, ·] is a sum of broadcast-times-row products. <c>columns</c> must be a
/// multiple of <see cref="BatchLayout.ColumnMultiple"/>; callers pad the batch with zero columns (zero gradients contribute
/// nothing).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Dense
{
    // Every kernel is compiled fully optimised at once: they are long loops called a few hundred times a second, which tiered
    // compilation would otherwise leave in unoptimised or on-stack-replacement code for a long time.
    // The dense kernels work on four rows at a time: four independent accumulators hide the latency of the vector adds
    // (one accumulator would make every step wait for the previous one), and each loaded vector serves four rows.

    /// <summary>z[o, ·] = b[o] + Σᵢ W[o, i]·a[i, ·].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(ref float weights, ref float bias, ref float input, ref float output, int outputs, int inputs, int columns)
    {
        int o = 0;
        for (; o + 4 <= outputs; o += 4)
        {
            ref float w0 = ref Unsafe.Add(ref weights, o * inputs);
            for (int c = 0; c < columns; c += Vector<float>.Count)
            {
                var s0 = new Vector<float>(Unsafe.Add(ref bias, o));
                var s1 = new Vector<float>(Unsafe.Add(ref bias, o + 1));
                var s2 = new Vector<float>(Unsafe.Add(ref bias, o + 2));
                var s3 = new Vector<float>(Unsafe.Add(ref bias, o + 3));
                for (int i = 0; i < inputs; i++)
                {
                    Vector<float> a = Load(ref Unsafe.Add(ref input, i * columns + c));
                    s0 += new Vector<float>(Unsafe.Add(ref w0, i)) * a;
                    s1 += new Vector<float>(Unsafe.Add(ref w0, inputs + i)) * a;
                    s2 += new Vector<float>(Unsafe.Add(ref w0, 2 * inputs + i)) * a;
                    s3 += new Vector<float>(Unsafe.Add(ref w0, 3 * inputs + i)) * a;
                }
                Store(s0, ref Unsafe.Add(ref output, o * columns + c));
                Store(s1, ref Unsafe.Add(ref output, (o + 1) * columns + c));
                Store(s2, ref Unsafe.Add(ref output, (o + 2) * columns + c));
                Store(s3, ref Unsafe.Add(ref output, (o + 3) * columns + c));
            }
        }
        for (; o < outputs; o++)
        {
            ref float row = ref Unsafe.Add(ref weights, o * inputs);
            for (int c = 0; c < columns; c += Vector<float>.Count)
            {
                var sum = new Vector<float>(Unsafe.Add(ref bias, o));
                for (int i = 0; i < inputs; i++)
                    sum += new Vector<float>(Unsafe.Add(ref row, i)) * Load(ref Unsafe.Add(ref input, i * columns + c));
                Store(sum, ref Unsafe.Add(ref output, o * columns + c));
            }
        }
    }

    /// <summary>∂W[o, i] += Σ_s δ[o, s]·a[i, s] and ∂b[o] += Σ_s δ[o, s].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AccumulateGradients(ref float weightGradient, ref float biasGradient, ref float delta, ref float input, int outputs, int inputs, int columns)
    {
        for (int o = 0; o < outputs; o++)
        {
            ref float d = ref Unsafe.Add(ref delta, o * columns);
            Unsafe.Add(ref biasGradient, o) += Sum(ref d, columns);
            ref float gradientRow = ref Unsafe.Add(ref weightGradient, o * inputs);
            int i = 0;
            for (; i + 4 <= inputs; i += 4)
            {
                ref float a0 = ref Unsafe.Add(ref input, i * columns);
                Vector<float> s0 = Vector<float>.Zero, s1 = Vector<float>.Zero, s2 = Vector<float>.Zero, s3 = Vector<float>.Zero;
                for (int c = 0; c < columns; c += Vector<float>.Count)
                {
                    Vector<float> dv = Load(ref Unsafe.Add(ref d, c));
                    s0 += dv * Load(ref Unsafe.Add(ref a0, c));
                    s1 += dv * Load(ref Unsafe.Add(ref a0, columns + c));
                    s2 += dv * Load(ref Unsafe.Add(ref a0, 2 * columns + c));
                    s3 += dv * Load(ref Unsafe.Add(ref a0, 3 * columns + c));
                }
                Unsafe.Add(ref gradientRow, i) += Vector.Sum(s0);
                Unsafe.Add(ref gradientRow, i + 1) += Vector.Sum(s1);
                Unsafe.Add(ref gradientRow, i + 2) += Vector.Sum(s2);
                Unsafe.Add(ref gradientRow, i + 3) += Vector.Sum(s3);
            }
            for (; i < inputs; i++)
                Unsafe.Add(ref gradientRow, i) += Dot(ref d, ref Unsafe.Add(ref input, i * columns), columns);
        }
    }

    /// <summary>∂a[i, ·] = Σ_o W[o, i]·δ[o, ·].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackpropagateInput(ref float weights, ref float delta, ref float inputGradient, int outputs, int inputs, int columns)
    {
        int i = 0;
        for (; i + 4 <= inputs; i += 4)
        {
            for (int c = 0; c < columns; c += Vector<float>.Count)
            {
                Vector<float> s0 = Vector<float>.Zero, s1 = Vector<float>.Zero, s2 = Vector<float>.Zero, s3 = Vector<float>.Zero;
                for (int o = 0; o < outputs; o++)
                {
                    Vector<float> d = Load(ref Unsafe.Add(ref delta, o * columns + c));
                    ref float w = ref Unsafe.Add(ref weights, o * inputs + i);
                    s0 += new Vector<float>(w) * d;
                    s1 += new Vector<float>(Unsafe.Add(ref w, 1)) * d;
                    s2 += new Vector<float>(Unsafe.Add(ref w, 2)) * d;
                    s3 += new Vector<float>(Unsafe.Add(ref w, 3)) * d;
                }
                Store(s0, ref Unsafe.Add(ref inputGradient, i * columns + c));
                Store(s1, ref Unsafe.Add(ref inputGradient, (i + 1) * columns + c));
                Store(s2, ref Unsafe.Add(ref inputGradient, (i + 2) * columns + c));
                Store(s3, ref Unsafe.Add(ref inputGradient, (i + 3) * columns + c));
            }
        }
        for (; i < inputs; i++)
        {
            for (int c = 0; c < columns; c += Vector<float>.Count)
            {
                Vector<float> sum = Vector<float>.Zero;
                for (int o = 0; o < outputs; o++)
                    sum += new Vector<float>(Unsafe.Add(ref weights, o * inputs + i)) * Load(ref Unsafe.Add(ref delta, o * columns + c));
                Store(sum, ref Unsafe.Add(ref inputGradient, i * columns + c));
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Load(ref float at) => Unsafe.ReadUnaligned<Vector<float>>(ref Unsafe.As<float, byte>(ref at));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector<float> value, ref float at) => Unsafe.WriteUnaligned(ref Unsafe.As<float, byte>(ref at), value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Sum(ref float x, int n)
    {
        Vector<float> sum = Vector<float>.Zero;
        for (int c = 0; c < n; c += Vector<float>.Count)
            sum += Load(ref Unsafe.Add(ref x, c));
        return Vector.Sum(sum);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot(ref float x, ref float y, int n)
    {
        Vector<float> sum = Vector<float>.Zero;
        for (int c = 0; c < n; c += Vector<float>.Count)
            sum += Load(ref Unsafe.Add(ref x, c)) * Load(ref Unsafe.Add(ref y, c));
        return Vector.Sum(sum);
    }
}
