using LipGen.Tests.Networks;

namespace LipGen.Tests;

/// <summary>Every test network, for theory data.</summary>
public static class NetworkCases
{
    public static ILipschitzNetwork Create(string name) => name switch
    {
        nameof(MoonsNet) => new MoonsNet(),
        nameof(EuclideanNet) => new EuclideanNet(),
        nameof(MaxNormNet) => new MaxNormNet(),
        nameof(LinearNet) => new LinearNet(),
        nameof(Outer.Inner.DeepNet) => new Outer.Inner.DeepNet(),
        nameof(GlobalFullSortNet) => new GlobalFullSortNet(),
        nameof(NarrowNet) => new NarrowNet(),
        nameof(ScalarInputNet) => new ScalarInputNet(),
        nameof(ReluNet) => new ReluNet(),
        nameof(WideNet) => new WideNet(),
        _ => throw new ArgumentException(name),
    };

    public static TheoryData<string> All => new(nameof(MoonsNet), nameof(EuclideanNet), nameof(MaxNormNet), nameof(LinearNet),
        nameof(Outer.Inner.DeepNet), nameof(GlobalFullSortNet), nameof(NarrowNet), nameof(ScalarInputNet), nameof(ReluNet));

    public static float[] RandomVector(ref SeededRandom random, int length, double scale = 2)
    {
        var v = new float[length];
        for (int i = 0; i < length; i++)
            v[i] = (float)((2 * random.NextDouble() - 1) * scale);
        return v;
    }
}
