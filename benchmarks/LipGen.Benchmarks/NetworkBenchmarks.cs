using BenchmarkDotNet.Attributes;
using LipGen.Data;
using LipGen.Training;

namespace LipGen.Benchmarks;

/// <summary>Inference and training costs of the 2-32-32-1 two-moons network.</summary>
[MemoryDiagnoser]
public class NetworkBenchmarks
{
    private readonly MoonsNet _net = new();
    private readonly float[] _input = [0.3f, -0.2f];
    private readonly float[] _output = new float[1];
    private readonly float[] _outputGradient = [1f];
    private readonly float[] _inputGradient = new float[2];
    private readonly float[] _gradient = new float[MoonsNet.ParameterCount];
    private readonly AdamOptimizer _adam = new(MoonsNet.ParameterCount, learningRate: 1e-9f);
    private readonly float[] _batchInputs = new float[2 * 128], _batchOutputs = new float[128], _batchGradients = new float[128];
    private readonly float[] _workspace = new float[MoonsNet.Kernel.WorkspaceLength * 128];
    private readonly float[] _overBound = new float[MoonsNet.ParameterCount];
    private readonly MoonsNet _scratch = new();
    private Dataset _data = null!;
    private TrainingSession<MoonsNet.Kernel, HingeLoss> _session = null!;

    [GlobalSetup]
    public void Setup()
    {
        _data = TwoMoons.Generate(10_000, noise: 0.1, seed: 1);
        _session = new TrainingSession<MoonsNet.Kernel, HingeLoss>(_net, new HingeLoss(0.1f), learningRate: 1e-3f);
        var random = new Random(1);
        for (int i = 0; i < _batchInputs.Length; i++)
            _batchInputs[i] = (float)(2 * random.NextDouble() - 1);
        for (int i = 0; i < _batchGradients.Length; i++)
            _batchGradients[i] = (float)(2 * random.NextDouble() - 1);
        // Weights a little above the bound, as after an Adam step: the projection rescales the rows that left it.
        for (int i = 0; i < _overBound.Length; i++)
            _overBound[i] = _net.Parameters[i] * (i % 2 == 0 ? 1.01f : 0.99f);
    }

    /// <summary>The batched training forward pass over 128 samples (feature-major), recording for the backward pass.</summary>
    [Benchmark]
    public void BatchForward128() =>
        MoonsNet.Kernel.ForwardBatchRecording(_net.Parameters, _batchInputs, _batchOutputs, 128, _workspace);

    /// <summary>The batched backward pass over the same 128 samples, from the recording.</summary>
    [Benchmark]
    public void BatchBackward128()
    {
        Array.Clear(_gradient);
        MoonsNet.Kernel.BackwardBatchFromRecording(_net.Parameters, _batchInputs, _batchGradients, _gradient, 128, _workspace);
    }

    /// <summary>The projection as training meets it: weights just past the bound, half the rows rescaled.</summary>
    [Benchmark]
    public void ProjectAfterStep()
    {
        _overBound.CopyTo(_scratch.Parameters);
        _scratch.Project();
    }

    /// <summary>One sample through the network.</summary>
    [Benchmark]
    public float Forward()
    {
        _net.Forward(_input, _output);
        return _output[0];
    }

    /// <summary>∇ₓf of one sample (a recording forward pass and the backward pass to the input).</summary>
    [Benchmark]
    public float InputGradient()
    {
        _net.InputGradient(_input, _outputGradient, _inputGradient);
        return _inputGradient[0];
    }

    /// <summary>The projection run after every step (1 185 parameters, norms in double).</summary>
    [Benchmark]
    public void Project() => _net.Project();

    /// <summary>The certificate L̂ from the current weights.</summary>
    [Benchmark]
    public double Certificate() => _net.LipschitzBound();

    /// <summary>One Adam update of all 1 185 parameters.</summary>
    [Benchmark]
    public void AdamStep() => _adam.Step(_net.Parameters, _gradient, 1f / 128);

    /// <summary>One epoch: 10 000 points, seeded shuffle, batches of 128, Adam and projection after every step.</summary>
    [Benchmark]
    public double TrainingEpoch() => _session.RunEpoch(_data, batchSize: 128).Loss;
}
