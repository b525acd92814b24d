using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace LipGen.Kernels;

/// <summary>
/// An SLL residual block of one sample: y = x − 2·Wᵀ·diag(t)·ReLU(W·x + b), W row-major [inner, width]
/// (<c>Model.ResidualBlockStep</c> gives the argument that it is 1-Lipschitz in ℓ2). Called from generated code with
/// constant sizes.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ResidualBlock
{
    /// <summary>
    /// The block's output in <paramref name="output"/>, its inner activations ReLU(W·x + b) in <paramref name="hidden"/>, and,
    /// unless <paramref name="mask"/> is a null reference, their on/off mask.
    /// </summary>
    public static void Forward(ref readonly float weights, ref readonly float bias, ref readonly float diagonal, ref readonly float input,
        ref float hidden, ref int mask, ref float output, int width, int inner)
    {
        Dense.Forward(in weights, in bias, in input, ref hidden, inner, width);
        if (Unsafe.IsNullRef(ref mask))
            ReLU.Forward(ref hidden, inner);
        else
            ReLU.ForwardRecording(ref hidden, ref mask, inner);
        ref float w = ref Unsafe.AsRef(in weights);
        ref float t = ref Unsafe.AsRef(in diagonal);
        Unsafe.CopyBlockUnaligned(ref Unsafe.As<float, byte>(ref output), ref Unsafe.As<float, byte>(ref Unsafe.AsRef(in input)), (uint)width * sizeof(float));
        for (int i = 0; i < inner; i++)
        {
            // v = t ⊙ r rounded once; −2v is exact.
            float v = Unsafe.Add(ref t, i) * Unsafe.Add(ref hidden, i);
            if (v != 0)
                Vec.Axpy(-2 * v, ref Unsafe.Add(ref w, i * width), ref output, width);
        }
    }

    /// <summary>
    /// From δ = ∂L/∂y: ∂L/∂x = δ + Wᵀ·(m ⊙ t ⊙ g) with g = −2·W·δ, into <paramref name="inputGradient"/> (written); with
    /// <paramref name="parameterGradients"/>, also ∂W += (m ⊙ t ⊙ g)·xᵀ + (t ⊙ r)·(−2δ)ᵀ, ∂b += m ⊙ t ⊙ g and ∂t += g ⊙ r.
    /// <paramref name="hiddenGradient"/> [inner] is scratch.
    /// </summary>
    public static void Backward(ref readonly float weights, ref readonly float bias, ref readonly float diagonal, ref readonly float input,
        ref readonly float hidden, ref readonly int mask, ref readonly float outputGradient, ref float hiddenGradient, ref float inputGradient,
        ref float weightGradient, ref float biasGradient, ref float diagonalGradient, int width, int inner, bool parameterGradients)
    {
        ref float w = ref Unsafe.AsRef(in weights), t = ref Unsafe.AsRef(in diagonal), x = ref Unsafe.AsRef(in input), r = ref Unsafe.AsRef(in hidden);
        ref float delta = ref Unsafe.AsRef(in outputGradient);
        ref int on = ref Unsafe.AsRef(in mask);
        for (int i = 0; i < inner; i++)
        {
            float g = -2 * Vec.Dot(ref Unsafe.Add(ref w, i * width), ref delta, width);
            float ti = Unsafe.Add(ref t, i), ri = Unsafe.Add(ref r, i);
            float du = Unsafe.Add(ref on, i) != 0 ? ti * g : 0;
            Unsafe.Add(ref hiddenGradient, i) = du;
            if (!parameterGradients)
                continue;
            Unsafe.Add(ref diagonalGradient, i) += g * ri;
            Unsafe.Add(ref biasGradient, i) += du;
            ref float row = ref Unsafe.Add(ref weightGradient, i * width);
            Vec.Axpy(du, ref x, ref row, width);
            Vec.Axpy(-2 * (ti * ri), ref delta, ref row, width);
        }
        Unsafe.CopyBlockUnaligned(ref Unsafe.As<float, byte>(ref inputGradient), ref Unsafe.As<float, byte>(ref delta), (uint)width * sizeof(float));
        for (int i = 0; i < inner; i++)
        {
            float du = Unsafe.Add(ref hiddenGradient, i);
            if (du != 0)
                Vec.Axpy(du, ref Unsafe.Add(ref w, i * width), ref inputGradient, width);
        }
    }

    /// <summary>tᵢ = 1/Σⱼ|W·Wᵀ|ᵢⱼ·e^(qⱼ − qᵢ), rounded down with a margin (<c>Model.ResidualBlockStep.Diagonal</c>).</summary>
    public static void Derive(ReadOnlySpan<float> weights, ReadOnlySpan<float> exponents, Span<float> diagonal, int width, int inner) =>
        Model.ResidualBlockStep.Diagonal(weights, exponents, diagonal, width, inner);
}

/// <summary>
/// AOL's rescale (Prach &amp; Lampert, 2022): the layer runs with W·D, D = diag(λ/√Σₖ|WᵀW|ⱼₖ) rounded down
/// (<c>Model.AolConstraint.Rescale</c>).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Aol
{
    /// <summary>Writes D's diagonal to <paramref name="scales"/> and W·D to <paramref name="executed"/>.</summary>
    public static void Rescale(ReadOnlySpan<float> weights, Span<float> executed, Span<float> scales, int rows, int columns, double bound)
    {
        Guard.LayerBound(bound, nameof(bound));
        Model.AolConstraint.Rescale(weights, executed, scales, rows, columns, bound);
    }
}
