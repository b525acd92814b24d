using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LipGen.Kernels;

/// <summary>
/// The fixed per-input affine map z = (x − offset) / scale ahead of the first layer, for one sample. Called from generated
/// code with a constant width.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class InputMap
{
    /// <summary>mapped = (input − offsets) / scales.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Forward(ref readonly float offsets, ref readonly float scales, ref readonly float input, ref float mapped, int inputs)
    {
        if (inputs == 2 && Vector128.IsHardwareAccelerated)
        {
            // One 8-byte store: the first layer's narrow kernel reads both inputs with one 8-byte broadcast, which two
            // 4-byte stores could not forward to (a store-forwarding stall cost about 30 ns here).
            Vector128<float> z = StandardizeOperator.Invoke<Vector128<float>, Lanes128>(
                Vector128.Create(input, Unsafe.Add(ref Unsafe.AsRef(in input), 1), 0, 0),
                Vector128.Create(offsets, Unsafe.Add(ref Unsafe.AsRef(in offsets), 1), 0, 0),
                Vector128.Create(scales, Unsafe.Add(ref Unsafe.AsRef(in scales), 1), 1, 1));
            Unsafe.WriteUnaligned(ref Unsafe.As<float, byte>(ref mapped), z.AsUInt64().ToScalar());
            return;
        }
        Elementwise.Combine<StandardizeOperator>(ref Unsafe.AsRef(in input), ref Unsafe.AsRef(in offsets), ref Unsafe.AsRef(in scales), ref mapped, inputs);
    }

    /// <summary>inputGradient = mappedGradient / scales: from ∂f/∂z to ∂f/∂x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Backward(ref readonly float scales, ref readonly float mappedGradient, ref float inputGradient, int inputs) =>
        Elementwise.Combine<QuotientOperator>(ref Unsafe.AsRef(in mappedGradient), ref Unsafe.AsRef(in scales), ref Unsafe.AsRef(in scales), ref inputGradient, inputs);
}

/// <summary>
/// The fixed per-output affine map y = offset + scale·g after the core, for one sample. Called from generated code with a
/// constant width.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class OutputMap
{
    /// <summary>output = offsets + scales·core, rounded twice (the product, then the sum), as every width and ONNX do.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Forward(ref readonly float offsets, ref readonly float scales, ref readonly float core, ref float output, int outputs) =>
        Elementwise.Combine<MultiplyAddOperator>(ref Unsafe.AsRef(in offsets), ref Unsafe.AsRef(in scales), ref Unsafe.AsRef(in core), ref output, outputs);

    /// <summary>coreGradient = outputGradient·scales: from ∂L/∂y to ∂L/∂g.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Backward(ref readonly float scales, ref readonly float outputGradient, ref float coreGradient, int outputs) =>
        Elementwise.Combine<ProductOperator>(ref Unsafe.AsRef(in outputGradient), ref Unsafe.AsRef(in scales), ref Unsafe.AsRef(in scales), ref coreGradient, outputs);
}

/// <summary>
/// The monotone residual of one sample: every output gets Σᵢ aᵢ·zᵢ added, with aᵢ = c·sᵢ the residual's slopes (c the
/// declared λ as a float, sᵢ ∈ {−1, 0, 1}). Called from generated code with constant widths.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class MonotoneResidual
{
    /// <summary>output[k] += Σᵢ slopes[i]·input[i] for every output k.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Forward(ref readonly float slopes, ref readonly float input, ref float output, int inputs, int outputs)
    {
        float residual = Vec.Dot(ref Unsafe.AsRef(in slopes), ref Unsafe.AsRef(in input), inputs);
        for (int k = 0; k < outputs; k++)
            Unsafe.Add(ref output, k) += residual;
    }

    /// <summary>
    /// inputGradient = slopes · Σₖ outputGradient[k]: the residual's part of (∂f/∂z)ᵀ·δ. It writes (does not add), so it
    /// runs before the first layer adds W₁ᵀ·δ₁.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Backward(ref readonly float slopes, ref readonly float outputGradient, ref float inputGradient, int inputs, int outputs)
    {
        float total = 0;
        for (int k = 0; k < outputs; k++)
            total += Unsafe.Add(ref Unsafe.AsRef(in outputGradient), k);
        for (int i = 0; i < inputs; i++)
            Unsafe.Add(ref inputGradient, i) = Unsafe.Add(ref Unsafe.AsRef(in slopes), i) * total;
    }
}
