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
        nameof(AolNet) => new AolNet(),
        nameof(BlockNet) => new BlockNet(),
        nameof(AolBlockMonotoneNet) => new AolBlockMonotoneNet(),
        nameof(MulticlassL1Net) => new MulticlassL1Net(),
        nameof(LinearEuclideanNet) => new LinearEuclideanNet(),
        nameof(MonotoneTwinNet) => new MonotoneTwinNet(),
        nameof(SpectralMoonsNet) => new SpectralMoonsNet(),
        nameof(AwkwardNet) => new AwkwardNet(),
        nameof(LooseMoonsNet) => new LooseMoonsNet(),
        nameof(TightMoonsNet) => new TightMoonsNet(),
        nameof(LooseAolNet) => new LooseAolNet(),
        nameof(MarginMonotoneNet) => new MarginMonotoneNet(),
        nameof(RawRegressionNet) => new RawRegressionNet(),
        nameof(MappedOutputsNet) => new MappedOutputsNet(),
        nameof(ImportedMonotoneNet) => new ImportedMonotoneNet(),
        nameof(WrongSignsNet) => new WrongSignsNet(),
        nameof(WrongGroupsNet) => new WrongGroupsNet(),
        nameof(NetworkFileTests.PyTorchNet) => new NetworkFileTests.PyTorchNet(),
        nameof(VerificationTests.LinearL1) => new VerificationTests.LinearL1(),
        nameof(VerificationTests.LinearL2) => new VerificationTests.LinearL2(),
        nameof(VerificationTests.LinearMax) => new VerificationTests.LinearMax(),
        nameof(VerificationTests.AbsNet) => new VerificationTests.AbsNet(),
        _ => throw new ArgumentException(name),
    };

    /// <summary>Every declared test network (a test of the declarations below checks that none is left out).</summary>
    public static TheoryData<string> All => new(nameof(MoonsNet), nameof(EuclideanNet), nameof(MaxNormNet), nameof(LinearNet),
        nameof(Outer.Inner.DeepNet), nameof(GlobalFullSortNet), nameof(NarrowNet), nameof(ScalarInputNet), nameof(ReluNet),
        nameof(MonotoneNet), nameof(MappedMonotoneNet), nameof(MappedNet), nameof(SpectralNet), nameof(WideNet), nameof(AolNet),
        nameof(BlockNet), nameof(AolBlockMonotoneNet), nameof(MulticlassL1Net), nameof(LinearEuclideanNet), nameof(MonotoneTwinNet),
        nameof(SpectralMoonsNet), nameof(AwkwardNet), nameof(ImportedMonotoneNet), nameof(WrongSignsNet), nameof(WrongGroupsNet),
        nameof(NetworkFileTests.PyTorchNet), nameof(VerificationTests.LinearL1), nameof(VerificationTests.LinearL2),
        nameof(VerificationTests.LinearMax), nameof(VerificationTests.AbsNet), nameof(LooseMoonsNet), nameof(TightMoonsNet),
        nameof(LooseAolNet), nameof(MarginMonotoneNet), nameof(RawRegressionNet), nameof(MappedOutputsNet));

    /// <summary>
    /// True for parameters no pass computes with a gradient for: the input and output maps (fixed) and projection state. Derived regions
    /// (AOL's W·D, residual blocks' diagonals) do get one; the free weights they derive from get theirs through the trainer.
    /// </summary>
    public static bool IsFixed(NetworkDescription description, int parameter) =>
        description.Plan.Regions.Any(r => r.Role is Model.RegionRole.FixedMap or Model.RegionRole.State && parameter >= r.Offset && parameter < r.Offset + r.Count);

    /// <summary>
    /// Random parameters for <paramref name="description"/>: uniform in ±scale, except the input and output maps' scales,
    /// which are uniform in [0.5, 2] (a scale must be positive), and their offsets, uniform in ±1.
    /// </summary>
    public static float[] RandomParameters(NetworkDescription description, ref SeededRandom random, double scale)
    {
        float[] parameters = RandomVector(ref random, description.ParameterCount, scale);
        // Derived values as the network derives them from the random weights (the forward pass computes with them).
        description.Plan.Derive(parameters);
        if (description.HasInputMap)
            for (int i = 0; i < description.InputCount; i++)
            {
                parameters[description.InputOffsetOffset + i] = (float)(2 * random.NextDouble() - 1);
                parameters[description.InputScaleOffset + i] = (float)(0.5 + 1.5 * random.NextDouble());
            }
        if (description.HasOutputMap)
            for (int k = 0; k < description.OutputCount; k++)
            {
                parameters[description.OutputOffsetOffset + k] = (float)(2 * random.NextDouble() - 1);
                parameters[description.OutputScaleOffset + k] = (float)(0.5 + 1.5 * random.NextDouble());
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
