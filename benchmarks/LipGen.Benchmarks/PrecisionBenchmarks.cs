using BenchmarkDotNet.Attributes;

namespace LipGen.Benchmarks;

/// <summary>
/// One sample through a network with float weights and through its bfloat16 copy (<see cref="BFloat16Network"/>), in one
/// run: M (35 K weights), X = 64-384-384-1 (172 K weights: 688 KB in float, 344 KB in bfloat16) and L (1.18 MB, 590 KB).
/// Run: dotnet run -c Release --project benchmarks/LipGen.Benchmarks -- --filter '*PrecisionBenchmarks*'
/// </summary>
[MemoryDiagnoser]
public abstract class PrecisionBenchmarks<TNetwork, TKernel>
    where TNetwork : ILipschitzNetwork<TKernel>, new()
    where TKernel : struct, ILipschitzKernel
{
    private readonly TNetwork _network = new();
    private BFloat16Network<TKernel> _reduced = null!;
    private float[] _input = [], _output = [];

    [GlobalSetup]
    public void Setup()
    {
        _network.Initialize(1);
        _reduced = BFloat16Network.From(_network);
        var random = new Random(1);
        _input = [.. Enumerable.Range(0, TKernel.InputCount).Select(_ => (float)(2 * random.NextDouble() - 1))];
        _output = new float[TKernel.OutputCount];
    }

    [Benchmark(Baseline = true)]
    public void Float() => _network.Forward(_input, _output);

    [Benchmark]
    public void BFloat16() => _reduced.Forward(_input, _output);
}

/// <summary>M = 16-128-128-128-1.</summary>
public class MediumPrecisionBenchmarks : PrecisionBenchmarks<MediumNet, MediumNet.Kernel>;

/// <summary>X = 64-384-384-1.</summary>
public class CachePrecisionBenchmarks : PrecisionBenchmarks<CacheNet, CacheNet.Kernel>;

/// <summary>L = 64-512-512-1.</summary>
public class LargePrecisionBenchmarks : PrecisionBenchmarks<LargeNet, LargeNet.Kernel>;
