using BenchmarkDotNet.Attributes;
using LipGen.IO;

namespace LipGen.Benchmarks;

/// <summary>
/// Throughput against batch size, on one thread, LipGen against ONNX Runtime on the same weights: the data of
/// docs/throughput.png (<c>--plot-throughput</c> in Program.cs draws it from this run's JSON report).
/// </summary>
[SimpleJob(warmupCount: 3, iterationCount: 8)]
public abstract class ThroughputBenchmarks<TNetwork, TKernel>
    where TNetwork : ILipschitzNetwork<TKernel>, new()
    where TKernel : struct, ILipschitzKernel
{
    private readonly TNetwork _network = new();
    private float[] _inputs = [], _outputs = [];
    private OnnxPeer _onnx = null!;

    [Params(16, 64, 256, 1024, 4096)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _network.Initialize(1);
        var random = new Random(1);
        int n = TKernel.InputCount, m = TKernel.OutputCount;
        _inputs = Enumerable.Range(0, Batch * n).Select(_ => (float)(2 * random.NextDouble() - 1)).ToArray();
        _outputs = new float[Batch * m];
        _onnx = new OnnxPeer(OnnxExport.ToOnnxBytes(_network.Description, _network.Parameters), threads: 1, new float[n], new float[m], _inputs, _outputs, n, m);
    }

    [GlobalCleanup]
    public void Cleanup() => _onnx.Dispose();

    [Benchmark(Baseline = true)]
    public void OnnxRuntime() => _onnx.RunBatch();

    [Benchmark]
    public void LipGen() => _network.ForwardBatch(_inputs, _outputs, maxDegreeOfParallelism: 1);
}

public class SmallNetThroughput : ThroughputBenchmarks<SmallNet, SmallNet.Kernel>;

public class MediumNetThroughput : ThroughputBenchmarks<MediumNet, MediumNet.Kernel>;

public class LargeNetThroughput : ThroughputBenchmarks<LargeNet, LargeNet.Kernel>;
