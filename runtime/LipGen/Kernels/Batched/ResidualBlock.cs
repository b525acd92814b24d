using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace LipGen.Kernels.Batched;

/// <summary>
/// An SLL residual block on a feature-major batch ([width × columns]): y = x − 2·Wᵀ·diag(t)·ReLU(W·x + b), its products on the
/// batched GEMM kernels (<see cref="Dense"/>), so every value is computed the same way whatever the thread count.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ResidualBlock
{
    /// <summary>Per-thread scratch: −2·W scaled by t per row [inner × width], a zero bias and a discarded bias gradient [inner], and V [inner × columns].</summary>
    [ThreadStatic]
    private static float[]? t_scaled, t_zeros, t_discard, t_values;

    private static Span<float> Scratch(ref float[]? buffer, int length)
    {
        if (buffer is null || buffer.Length < length)
            buffer = new float[length];
        return buffer.AsSpan(0, length);
    }

    /// <summary>As the single-sample <see cref="Kernels.ResidualBlock.Forward"/>, on every column.</summary>
    public static void Forward(ref readonly float weights, ref readonly float bias, ref readonly float diagonal, ref readonly float input,
        ref float hidden, ref int mask, ref float output, int width, int inner, int columns)
    {
        Dense.Forward<Epilogue.None>(in weights, in bias, in input, ref hidden, ref Unsafe.NullRef<int>(), inner, width, columns);
        if (Unsafe.IsNullRef(ref mask))
            ReLU.Forward(ref hidden, inner, columns);
        else
            ReLU.ForwardRecording(ref hidden, ref mask, inner, columns);
        // y = (−2·diag(t)·W)ᵀ·r + x: each product fl(fl(−2tᵢ·wᵢⱼ)·rᵢ) rounds twice, as v = fl(t ⊙ r) and −2v·w do.
        Span<float> scaled = Scratch(ref t_scaled, inner * width);
        ReadOnlySpan<float> w = System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpan(in weights, inner * width);
        ReadOnlySpan<float> t = System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpan(in diagonal, inner);
        for (int i = 0; i < inner; i++)
            for (int j = 0; j < width; j++)
                scaled[i * width + j] = -2 * t[i] * w[i * width + j];
        Dense.BackpropagateInput<Epilogue.None>(in scaled[0], in hidden, ref Unsafe.NullRef<int>(), ref output, inner, width, columns);
        Elementwise.Combine<PlusOperator>(ref output, ref Unsafe.AsRef(in input), ref Unsafe.AsRef(in input), ref output, width * columns);
    }

    /// <summary>As the single-sample <see cref="Kernels.ResidualBlock.Backward"/>, summed over the columns.</summary>
    public static void Backward(ref readonly float weights, ref readonly float bias, ref readonly float diagonal, ref readonly float input,
        ref readonly float hidden, ref readonly int mask, ref readonly float outputGradient, ref float hiddenGradient, ref float inputGradient,
        ref float weightGradient, ref float biasGradient, ref float diagonalGradient, int width, int inner, int columns, bool parameterGradients)
    {
        // g = W·δ (the −2 follows), into the hidden gradient's region.
        Span<float> zeros = Scratch(ref t_zeros, inner);
        zeros.Clear();
        Dense.Forward<Epilogue.None>(in weights, in zeros[0], in outputGradient, ref hiddenGradient, ref Unsafe.NullRef<int>(), inner, width, columns);
        ReadOnlySpan<float> t = System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpan(in diagonal, inner);
        Span<float> g = System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref hiddenGradient, inner * columns);
        ReadOnlySpan<float> r = System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpan(in hidden, inner * columns);
        ReadOnlySpan<int> on = System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpan(in mask, inner * columns);
        Span<float> values = parameterGradients ? Scratch(ref t_values, inner * columns) : default;
        for (int i = 0; i < inner; i++)
        {
            double sum = 0;
            for (int c = 0; c < columns; c++)
            {
                int k = i * columns + c;
                float gi = -2 * g[k];
                if (parameterGradients)
                {
                    sum += gi * r[k];
                    values[k] = -2 * (t[i] * r[k]);
                }
                g[k] = on[k] != 0 ? t[i] * gi : 0;
            }
            if (parameterGradients)
                Unsafe.Add(ref diagonalGradient, i) += (float)sum;
        }
        if (parameterGradients)
        {
            // ∂W += dU·xᵀ (and ∂b += Σ dU), then ∂W += (−2·t ⊙ r)·δᵀ.
            Dense.AccumulateGradients(ref weightGradient, ref biasGradient, in hiddenGradient, in input, inner, width, columns);
            Span<float> discard = Scratch(ref t_discard, inner);
            Dense.AccumulateGradients(ref weightGradient, ref discard[0], in values[0], in outputGradient, inner, width, columns);
        }
        Dense.BackpropagateInput<Epilogue.None>(in weights, in hiddenGradient, ref Unsafe.NullRef<int>(), ref inputGradient, inner, width, columns);
        Elementwise.Combine<PlusOperator>(ref inputGradient, ref Unsafe.AsRef(in outputGradient), ref Unsafe.AsRef(in outputGradient), ref inputGradient, width * columns);
    }
}
