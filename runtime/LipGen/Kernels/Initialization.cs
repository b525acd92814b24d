using System.ComponentModel;

namespace LipGen.Kernels;

/// <summary>
/// Seeded initialisation as in <c>torch.nn.Linear</c>: every weight and bias of a layer with fan-in n is drawn from
/// U(−1/√n, 1/√n) (a xoshiro256** stream seeded through SplitMix64, so a seed gives the same network on every machine);
/// the generated <c>Initialize</c> then projects the weights onto the constraint.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Initialization
{
    /// <summary>Fills one layer's weights and bias.</summary>
    public static void Layer(Span<float> weightsAndBias, int fanIn, ref SeededRandom random)
    {
        float limit = 1f / MathF.Sqrt(fanIn);
        for (int i = 0; i < weightsAndBias.Length; i++)
            weightsAndBias[i] = (float)((2 * random.NextDouble() - 1) * limit);
    }

    /// <summary>
    /// Fills an SLL residual block's W [inner × width], b [inner] and q [inner] as its authors do (Araujo et al., 2023): W
    /// Xavier-normal (standard deviation √(2/(width + inner))), b ~ U(−1/√width, 1/√width), q ~ N(0, 1).
    /// </summary>
    public static void ResidualBlock(Span<float> weightsBiasAndExponents, int width, int inner, ref SeededRandom random)
    {
        double deviation = Math.Sqrt(2.0 / (width + inner)), limit = 1 / Math.Sqrt(width);
        Span<float> w = weightsBiasAndExponents[..(inner * width)], b = weightsBiasAndExponents.Slice(inner * width, inner);
        Span<float> q = weightsBiasAndExponents.Slice(inner * width + inner, inner);
        for (int i = 0; i < w.Length; i++)
            w[i] = (float)(deviation * random.NextGaussian());
        for (int i = 0; i < b.Length; i++)
            b[i] = (float)((2 * random.NextDouble() - 1) * limit);
        for (int i = 0; i < q.Length; i++)
            q[i] = (float)random.NextGaussian();
    }
}
