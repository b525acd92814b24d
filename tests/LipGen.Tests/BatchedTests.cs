using LipGen.Kernels;
using static LipGen.Tests.NetworkCases;

namespace LipGen.Tests;

/// <summary>The mini-batch passes (feature-major, padded to whole vectors) against the single-sample passes.</summary>
public class BatchedTests
{
    /// <summary>Runs both ways on <paramref name="batch"/> random samples; returns nothing, asserts agreement.</summary>
    private static void Compare<TKernel>(ILipschitzNetwork<TKernel> net, int batch, ulong seed) where TKernel : struct, ILipschitzKernel
    {
        int n = TKernel.InputCount, m = TKernel.OutputCount;
        int columns = (batch + Kernels.Batched.BatchLayout.ColumnMultiple - 1) / Kernels.Batched.BatchLayout.ColumnMultiple * Kernels.Batched.BatchLayout.ColumnMultiple;
        var random = new SeededRandom(seed);
        RandomParameters(TKernel.Description, ref random, scale: 0.5).CopyTo(net.Parameters);
        float[] samples = RandomVector(ref random, batch * n, scale: 2);
        float[] outputGradients = RandomVector(ref random, batch * m, scale: 1);

        // Single-sample reference: forward each, sum the gradients.
        var expectedOutputs = new float[batch * m];
        var expectedGradient = new float[TKernel.ParameterCount];
        var workspace = new float[TKernel.WorkspaceLength];
        for (int s = 0; s < batch; s++)
        {
            TKernel.ForwardRecording(net.Parameters, samples.AsSpan(s * n, n), expectedOutputs.AsSpan(s * m, m), workspace);
            TKernel.BackwardFromRecording(net.Parameters, samples.AsSpan(s * n, n), outputGradients.AsSpan(s * m, m), expectedGradient, workspace);
        }

        // Batched: transpose to [features × columns], zero padding columns.
        var inputs = new float[n * columns];
        var gradientsT = new float[m * columns];
        for (int s = 0; s < batch; s++)
        {
            for (int i = 0; i < n; i++)
                inputs[i * columns + s] = samples[s * n + i];
            for (int k = 0; k < m; k++)
                gradientsT[k * columns + s] = outputGradients[s * m + k];
        }
        var outputs = new float[m * columns];
        var gradient = new float[TKernel.ParameterCount];
        var batchWorkspace = new float[TKernel.WorkspaceLength * columns];
        TKernel.ForwardBatchRecording(net.Parameters, inputs, outputs, columns, batchWorkspace);
        TKernel.BackwardBatchFromRecording(net.Parameters, inputs, gradientsT, gradient, columns, batchWorkspace);

        string name = TKernel.Description.Name;
        for (int s = 0; s < batch; s++)
            for (int k = 0; k < m; k++)
            {
                float expected = expectedOutputs[s * m + k], actual = outputs[k * columns + s];
                Assert.True(Math.Abs(expected - actual) <= 1e-5 * Math.Max(1, Math.Abs(expected)), $"{name} batch {batch}: output {k} of sample {s}: {actual} vs {expected}");
            }
        double scale = expectedGradient.Max(v => Math.Abs(v)) + 1;
        for (int j = 0; j < gradient.Length; j++)
            Assert.True(Math.Abs(gradient[j] - expectedGradient[j]) <= 1e-5 * scale, $"{name} batch {batch}: gradient {j}: {gradient[j]} vs {expectedGradient[j]}");
    }

    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        string[] names = [nameof(Networks.MoonsNet), nameof(Networks.EuclideanNet), nameof(Networks.MaxNormNet), nameof(Networks.LinearNet),
            nameof(Networks.Outer.Inner.DeepNet), nameof(GlobalFullSortNet), nameof(Networks.NarrowNet), nameof(Networks.ScalarInputNet), nameof(Networks.ReluNet)];
        foreach (string name in names)
            foreach (int batch in (int[])[1, 16, 37])
                data.Add(name, batch);
        return data;
    }

    [Theory, MemberData(nameof(Cases))]
    public void Batched_passes_agree_with_single_sample_passes(string name, int batch)
    {
        switch (Create(name))
        {
            case Networks.MoonsNet n: Compare(n, batch, 1); break;
            case Networks.EuclideanNet n: Compare(n, batch, 2); break;
            case Networks.MaxNormNet n: Compare(n, batch, 3); break;
            case Networks.LinearNet n: Compare(n, batch, 4); break;
            case Networks.Outer.Inner.DeepNet n: Compare(n, batch, 5); break;
            case GlobalFullSortNet n: Compare(n, batch, 6); break;
            case Networks.NarrowNet n: Compare(n, batch, 7); break;
            case Networks.ScalarInputNet n: Compare(n, batch, 8); break;
            case Networks.ReluNet n: Compare(n, batch, 9); break;
            default: throw new InvalidOperationException(name);
        }
    }

    [Fact]
    public void Column_counts_that_are_not_whole_vectors_are_rejected()
    {
        var net = new Networks.MoonsNet();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            Networks.MoonsNet.Kernel.ForwardBatchRecording(net.Parameters, new float[2 * 10], new float[10], 10, new float[Networks.MoonsNet.Kernel.WorkspaceLength * 10]));
        Assert.Contains("multiple of 16", e.Message);
    }
}
