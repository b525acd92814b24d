// Rounding a network's executed weights to bfloat16: one rule for BFloat16Network.From (loaded weights, at run time) and
// for WeightPrecision = Precision.BFloat16 (compiled-in weights, at build time). Linked into the generator; netstandard2.0.
using System;

namespace LipGen.Model;

/// <summary>
/// The bfloat16 version of a network's parameters: every executed dense weight rounded toward zero to bfloat16, and the
/// 2-byte copy single-sample inference reads (the dense layers in order, each row-major [out, in]).
/// </summary>
internal static class BFloat16Rounding
{
    /// <summary>How many times a spectral layer is scaled down by about one bfloat16 ulp before rounding is given up.</summary>
    private const int MaxShrinks = 8;

    /// <summary>
    /// <paramref name="parameters"/> (a copy of <paramref name="source"/>, derived values included) with every executed weight
    /// replaced by its bfloat16 value. Rounding toward zero shrinks every |weight|, so row norms and AOL's Gershgorin bound can
    /// only fall; a spectral norm need not, so where the certificate rose above λ the spectral layers are scaled down a little
    /// and rounded again. Returns false (and leaves the last attempt in <paramref name="parameters"/>) if that never brought
    /// the certificate within λ: a network the caller must not ship.
    /// </summary>
    public static bool TryRound(NetworkPlan plan, ReadOnlySpan<float> source, float[] parameters)
    {
        double shrink = 1;
        for (int attempt = 0; ; attempt++)
        {
            foreach (DenseStep layer in plan.DenseLayers)
            {
                ReadOnlySpan<float> from = source.Slice(layer.ExecutedWeightOffset, layer.WeightCount);
                double factor = layer.Constraint is SpectralConstraint ? shrink : 1;
                for (int i = 0; i < from.Length; i++)
                    parameters[layer.ExecutedWeightOffset + i] = TowardZero((float)(from[i] * factor));
            }
            if (Certificate.Constrained(plan, parameters) <= plan.Lipschitz)
                return true;
            if (attempt == MaxShrinks)
                return false;
            shrink *= 1 - 1.0 / 256; // about one bfloat16 ulp
        }
    }

    /// <summary>The bfloat16 copy of the executed weights of rounded <paramref name="parameters"/>: their upper halves.</summary>
    public static ushort[] Pack(NetworkPlan plan, ReadOnlySpan<float> parameters)
    {
        var weights = new ushort[plan.BFloat16WeightCount];
        foreach (DenseStep layer in plan.DenseLayers)
        {
            ReadOnlySpan<float> executed = parameters.Slice(layer.ExecutedWeightOffset, layer.WeightCount);
            int offset = plan.BFloat16Offset(layer);
            for (int i = 0; i < executed.Length; i++)
                weights[offset + i] = (ushort)(Bits(executed[i]) >> 16);
        }
        return weights;
    }

    /// <summary>x rounded toward zero to the nearest bfloat16 (its lower 16 bits cleared): exact when widened again.</summary>
    public static float TowardZero(float x) =>
#if LIPGEN_GENERATOR
        BitConverter.ToSingle(BitConverter.GetBytes(Bits(x) & 0xFFFF0000u), 0);
#else
        BitConverter.UInt32BitsToSingle(Bits(x) & 0xFFFF0000u);
#endif

    private static uint Bits(float x) =>
#if LIPGEN_GENERATOR
        BitConverter.ToUInt32(BitConverter.GetBytes(x), 0); // netstandard2.0 has no SingleToUInt32Bits
#else
        BitConverter.SingleToUInt32Bits(x);
#endif
}
