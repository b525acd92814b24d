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
        nameof(MonotoneNet) => new MonotoneNet(),
        nameof(MappedMonotoneNet) => new MappedMonotoneNet(),
        nameof(MappedNet) => new MappedNet(),
        nameof(SpectralNet) => new SpectralNet(),
        _ => throw new ArgumentException(name),
    };

    public static TheoryData<string> All => new(nameof(MoonsNet), nameof(EuclideanNet), nameof(MaxNormNet), nameof(LinearNet),
        nameof(Outer.Inner.DeepNet), nameof(GlobalFullSortNet), nameof(NarrowNet), nameof(ScalarInputNet), nameof(ReluNet),
        nameof(MonotoneNet), nameof(MappedMonotoneNet), nameof(MappedNet));

    /// <summary>True for the parameters of the input map, which are fixed (no gradient, no training).</summary>
    public static bool IsFixed(NetworkDescription description, int parameter) =>
        description.HasInputMap && parameter >= Math.Min(description.InputOffsetOffset, description.InputScaleOffset);

    /// <summary>
    /// Random parameters for <paramref name="description"/>: uniform in ±scale, except the input map's scales, which are
    /// uniform in [0.5, 2] (a scale must be positive), and its offsets, uniform in ±1.
    /// </summary>
    public static float[] RandomParameters(NetworkDescription description, ref SeededRandom random, double scale)
    {
        float[] parameters = RandomVector(ref random, description.ParameterCount, scale);
        if (description.HasInputMap)
            for (int i = 0; i < description.InputCount; i++)
            {
                parameters[description.InputOffsetOffset + i] = (float)(2 * random.NextDouble() - 1);
                parameters[description.InputScaleOffset + i] = (float)(0.5 + 1.5 * random.NextDouble());
            }
        return parameters;
    }

    public static float[] RandomVector(ref SeededRandom random, int length, double scale = 2)
    {
        var v = new float[length];
        for (int i = 0; i < length; i++)
            v[i] = (float)((2 * random.NextDouble() - 1) * scale);
        return v;
    }
}
