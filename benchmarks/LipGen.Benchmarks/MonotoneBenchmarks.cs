using BenchmarkDotNet.Attributes;
using LipGen.Data;
using LipGen.Training;

namespace LipGen.Benchmarks;

/// <summary>
/// What the monotone residual and the input map add to the 2-input forward pass (one sample), against the same layers
/// without them. Run: dotnet run -c Release --project benchmarks/LipGen.Benchmarks -- --filter '*MonotoneForward*'
/// </summary>
[MemoryDiagnoser]
public class MonotoneForwardBenchmarks
{
    private readonly MoonsNet _plain = new();
    private readonly MonotoneMoonsNet _monotone = new();
    private readonly MappedMonotoneMoonsNet _mapped = new();
    private readonly float[] _input = [0.3f, -0.2f];
    private readonly float[] _output = new float[1];

    [GlobalSetup]
    public void Setup()
    {
        // The same layer weights in all three, so only the residual and the map differ.
        _plain.Initialize(1);
        _plain.Parameters.CopyTo(_monotone.Parameters);
        _plain.Parameters.CopyTo(_mapped.Parameters);
    }

    [Benchmark(Baseline = true)]
    public void Plain() => _plain.Forward(_input, _output);

    [Benchmark]
    public void Monotone() => _monotone.Forward(_input, _output);

    [Benchmark]
    public void MonotoneAndInputMap() => _mapped.Forward(_input, _output);
}

/// <summary>
/// One training epoch of the Monotonic sample's network (456 samples of 10 features, batches of 32), by projection and by
/// reparametrisation. Run: dotnet run -c Release --project benchmarks/LipGen.Benchmarks -- --filter '*ConstraintMethod*'
/// </summary>
[MemoryDiagnoser]
public class ConstraintMethodBenchmarks
{
    private Dataset _data = null!;
    private TrainingSession<MonotoneCancerNet.Kernel, HingeLoss> _projection = null!, _reparametrization = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(12);
        var inputs = new float[456 * 10];
        var targets = new float[456];
        for (int i = 0; i < inputs.Length; i++)
            inputs[i] = (float)(random.NextDouble() * 10);
        for (int s = 0; s < targets.Length; s++)
            targets[s] = inputs[s * 10] + inputs[s * 10 + 5] > 10 ? 1 : -1;
        _data = new Dataset(inputs, targets, 10, 1);
        _projection = Session(ConstraintMethod.Projection);
        _reparametrization = Session(ConstraintMethod.Reparametrization);
    }

    private TrainingSession<MonotoneCancerNet.Kernel, HingeLoss> Session(ConstraintMethod method)
    {
        var net = new MonotoneCancerNet();
        InputMaps.Fit(net, _data);
        // One thread: an epoch of 15 small steps is too short for a second core to pay.
        return new TrainingSession<MonotoneCancerNet.Kernel, HingeLoss>(net, new HingeLoss(0.5f), learningRate: 0.003)
        {
            Constraint = method,
            MaxDegreeOfParallelism = 1,
        };
    }

    [Benchmark(Baseline = true)]
    public EpochReport Projection() => _projection.RunEpoch(_data, 32);

    [Benchmark]
    public EpochReport Reparametrization() => _reparametrization.RunEpoch(_data, 32);
}
