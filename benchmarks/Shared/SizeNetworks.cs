using LipGen;

namespace LipGen.Benchmarks;

// The three sizes of the GEMM issue's table: small (the demo), medium and large, all MaxMin, p = 1, λ = 1. Shared by the
// BenchmarkDotNet project and the NativeAOT host harness, so both time the same networks on the same data.

/// <summary>S = 2-32-32-1: 2 240 dense FLOPs per sample.</summary>
[LipschitzNetwork(2, 32, 32, 1, GroupSize = 2, P = Norm.L1, Lipschitz = 1.0)]
public partial class SmallNet;

/// <summary>M = 16-128-128-128-1: 69 888 dense FLOPs per sample.</summary>
[LipschitzNetwork(16, 128, 128, 128, 1, GroupSize = 2, P = Norm.L1, Lipschitz = 1.0)]
public partial class MediumNet;

/// <summary>L = 64-512-512-1: 590 848 dense FLOPs per sample.</summary>
[LipschitzNetwork(64, 512, 512, 1, GroupSize = 2, P = Norm.L1, Lipschitz = 1.0)]
public partial class LargeNet;

/// <summary>The size benchmarks' data.</summary>
public static class SizeData
{
    /// <summary>
    /// One sample, a batch, a training batch and its ±1 targets (the sign of each sample's first input), uniform in
    /// [−1, 1] from a seeded generator: the same numbers in every harness and in benchmarks/pytorch/bench.py's export.
    /// </summary>
    public static (float[] Input, float[] Inputs, float[] StepInputs, float[] StepTargets) Create(int inputs, int outputs, int batch, int stepBatch)
    {
        var random = new Random(1);
        float[] Uniform(int length) => Enumerable.Range(0, length).Select(_ => (float)(2 * random.NextDouble() - 1)).ToArray();
        float[] input = Uniform(inputs), batchInputs = Uniform(batch * inputs), stepInputs = Uniform(stepBatch * inputs);
        float[] stepTargets = Enumerable.Range(0, stepBatch * outputs).Select(i => stepInputs[i / outputs * inputs] > 0 ? 1f : -1f).ToArray();
        return (input, batchInputs, stepInputs, stepTargets);
    }
}
