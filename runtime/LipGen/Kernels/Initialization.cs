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
}
