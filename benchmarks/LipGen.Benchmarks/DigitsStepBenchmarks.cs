using BenchmarkDotNet.Attributes;
using LipGen.Training;

namespace LipGen.Benchmarks;

/// <summary>
/// A training step (batch of 64, τ-cross-entropy) of the Digits network, 64-128-128-10, kept within λ five ways: row
/// bounds (the baseline), spectral layers with the projection alone and with three Björck steps before it, AOL layers, and
/// AOL layers with two SLL residual blocks after each hidden layer; and the spectral projection and Björck alone.
/// Run: dotnet run -c Release --project benchmarks/LipGen.Benchmarks -- --filter '*DigitsStepBenchmarks*'
/// </summary>
[MemoryDiagnoser]
public class DigitsStepBenchmarks
{
    private readonly float[] _inputs = new float[64 * 64], _targets = new float[64 * 10];
    private TrainingSession<DigitsNet.Kernel, TauCrossEntropyLoss> _projected = null!, _bjorck = null!;
    private TrainingSession<DigitsRowNet.Kernel, TauCrossEntropyLoss> _rows = null!;
    private TrainingSession<DigitsAolNet.Kernel, TauCrossEntropyLoss> _aol = null!;
    private TrainingSession<DigitsSllNet.Kernel, TauCrossEntropyLoss> _sll = null!;
    private readonly DigitsNet _net = new();

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(13);
        for (int i = 0; i < _inputs.Length; i++)
            _inputs[i] = (float)random.NextDouble();
        for (int s = 0; s < 64; s++)
            _targets[s * 10 + s % 10] = 1;
        // One thread: the projection is serial, so the ratio shows its own cost.
        _projected = new TrainingSession<DigitsNet.Kernel, TauCrossEntropyLoss>(new DigitsNet(), new TauCrossEntropyLoss(8), 0.002) { MaxDegreeOfParallelism = 1 };
        _bjorck = new TrainingSession<DigitsNet.Kernel, TauCrossEntropyLoss>(new DigitsNet(), new TauCrossEntropyLoss(8), 0.002) { MaxDegreeOfParallelism = 1, BjorckIterations = 3 };
        _rows = new TrainingSession<DigitsRowNet.Kernel, TauCrossEntropyLoss>(new DigitsRowNet(), new TauCrossEntropyLoss(8), 0.002) { MaxDegreeOfParallelism = 1 };
        _aol = new TrainingSession<DigitsAolNet.Kernel, TauCrossEntropyLoss>(new DigitsAolNet(), new TauCrossEntropyLoss(8), 0.002) { MaxDegreeOfParallelism = 1 };
        _sll = new TrainingSession<DigitsSllNet.Kernel, TauCrossEntropyLoss>(new DigitsSllNet(), new TauCrossEntropyLoss(8), 0.002) { MaxDegreeOfParallelism = 1 };
        // Weights as a step leaves them: trained a little, then nudged past the bound.
        for (int i = 0; i < 20; i++)
            _projected.Step(_inputs, _targets);
        for (int i = 0; i < 20; i++)
            _bjorck.Step(_inputs, _targets);
        for (int i = 0; i < 20; i++)
        {
            _aol.Step(_inputs, _targets);
            _sll.Step(_inputs, _targets);
        }
    }

    [Benchmark(Baseline = true)]
    public (double, int) RowBoundsStep() => _rows.Step(_inputs, _targets);

    [Benchmark]
    public (double, int) SpectralStep() => _projected.Step(_inputs, _targets);

    [Benchmark]
    public (double, int) SpectralBjorckStep() => _bjorck.Step(_inputs, _targets);

    [Benchmark]
    public (double, int) AolStep() => _aol.Step(_inputs, _targets);

    [Benchmark]
    public (double, int) SllStep() => _sll.Step(_inputs, _targets);

    /// <summary>The projection alone, on the 128 × 128 middle layer just past its bound.</summary>
    [Benchmark]
    public void ProjectMiddleLayer()
    {
        Span<float> w = _net.Parameters.Slice(64 * 128 + 128, 128 * 128);
        w[0] += 0.01f; // past the bound again, as after an Adam step
        Kernels.SpectralNorms.Project(w, 128, 128, 1, _net.Parameters.Slice(DigitsNet.ParameterCount - 128 - 10, 128));
    }

    /// <summary>Three Björck steps alone, on the same layer.</summary>
    [Benchmark]
    public void BjorckMiddleLayer() =>
        Kernels.SpectralNorms.Orthogonalize(_net.Parameters.Slice(64 * 128 + 128, 128 * 128), 128, 128, 1, 3);
}
