using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using LipGen.Data;
using LipGen.IO;
using LipGen.Training;
using Microsoft.ML.OnnxRuntime;

namespace LipGen.Benchmarks;

/// <summary>
/// One network size against ONNX Runtime, in one run: a single sample, a batch of 4 096 on one thread and on every core,
/// and a training step on a batch of 256. ONNX Runtime runs LipGen's own ONNX export of the same weights, with
/// preallocated input and output tensors bound to pinned arrays (no copies, no allocation per call), with one intra-op
/// thread and sequential execution, or with every core. Each category's baseline is ONNX Runtime, so the Ratio column is
/// LipGen's time over ONNX Runtime's (for the training step, over LipGen on one thread).
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
[SimpleJob(warmupCount: 5, iterationCount: 15)]
public abstract class SizeBenchmarks<TNetwork, TKernel>
    where TNetwork : ILipschitzNetwork<TKernel>, new()
    where TKernel : struct, ILipschitzKernel
{
    protected const int Batch = 4096, StepBatch = 256;
    private const string Single = "1 sample", BatchOne = "batch 4096, 1 thread", BatchAll = "batch 4096, all cores", Step = "training step, batch 256";

    private readonly TNetwork _network = new();
    private readonly TNetwork _trained = new(), _trainedParallel = new();
    private float[] _input = [], _output = [], _inputs = [], _outputs = [], _stepInputs = [], _stepTargets = [];
    private TrainingSession<TKernel, HingeLoss> _oneThread = null!, _allThreads = null!;
    private OnnxPeer _onnxOne = null!, _onnxAll = null!;

    [GlobalSetup]
    public void Setup()
    {
        _network.Initialize(1);
        int n = TKernel.InputCount, m = TKernel.OutputCount;
        (_input, _inputs, _stepInputs, _stepTargets) = Data();
        _output = new float[m];
        _outputs = new float[Batch * m];
        foreach (TNetwork net in new[] { _trained, _trainedParallel })
            net.Initialize(1);
        _oneThread = new TrainingSession<TKernel, HingeLoss>(_trained, new HingeLoss(0.1f), learningRate: 1e-4) { MaxDegreeOfParallelism = 1 };
        _allThreads = new TrainingSession<TKernel, HingeLoss>(_trainedParallel, new HingeLoss(0.1f), learningRate: 1e-4);
        byte[] model = OnnxExport.ToOnnxBytes(_network.Description, _network.Parameters);
        _onnxOne = new OnnxPeer(model, threads: 1, _input, _output, _inputs, _outputs, n, m);
        _onnxAll = new OnnxPeer(model, threads: Environment.ProcessorCount, _input, _output, _inputs, _outputs, n, m);
    }

    private static (float[] Input, float[] Inputs, float[] StepInputs, float[] StepTargets) Data() =>
        SizeData.Create(TKernel.InputCount, TKernel.OutputCount, Batch, StepBatch);

    /// <summary>
    /// Writes what benchmarks/pytorch/bench.py needs to time PyTorch on the same network and data: the weights
    /// (<c>{name}.safetensors</c>), the batch and training inputs and targets, and LipGen's outputs on the batch (raw
    /// little-endian float32), so the script can check that it computes the same function.
    /// </summary>
    public static void Export(string directory, string name)
    {
        var network = new TNetwork();
        network.Initialize(1);
        (_, float[] inputs, float[] stepInputs, float[] stepTargets) = Data();
        var outputs = new float[Batch * TKernel.OutputCount];
        network.ForwardBatch(inputs, outputs);
        Directory.CreateDirectory(directory);
        network.Save(Path.Combine(directory, $"{name}.safetensors"));
        void Raw(string suffix, float[] values) =>
            File.WriteAllBytes(Path.Combine(directory, $"{name}-{suffix}.f32"), System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
        Raw("inputs", inputs);
        Raw("outputs", outputs);
        Raw("step-inputs", stepInputs);
        Raw("step-targets", stepTargets);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _onnxOne?.Dispose(); // null for a benchmark with a setup of its own
        _onnxAll?.Dispose();
    }

    [Benchmark(Baseline = true), BenchmarkCategory(Single)]
    public void OnnxRuntime_1() => _onnxOne.RunSingle();

    [Benchmark, BenchmarkCategory(Single)]
    public void LipGen_1() => _network.Forward(_input, _output);

    [Benchmark(Baseline = true), BenchmarkCategory(BatchOne)]
    public void OnnxRuntime_4096_1thread() => _onnxOne.RunBatch();

    [Benchmark, BenchmarkCategory(BatchOne)]
    public void LipGen_4096_1thread() => _network.ForwardBatch(_inputs, _outputs, maxDegreeOfParallelism: 1);

    [Benchmark(Baseline = true), BenchmarkCategory(BatchAll)]
    public void OnnxRuntime_4096_all() => _onnxAll.RunBatch();

    [Benchmark, BenchmarkCategory(BatchAll)]
    public void LipGen_4096_all() => _network.ForwardBatch(_inputs, _outputs);

    /// <summary>Forward, hinge loss, backward, Adam and projection on 256 samples.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory(Step)]
    public double LipGen_step_1thread() => _oneThread.Step(_stepInputs, _stepTargets).LossSum;

    [Benchmark, BenchmarkCategory(Step)]
    public double LipGen_step_all() => _allThreads.Step(_stepInputs, _stepTargets).LossSum;
}

/// <summary>S = 2-32-32-1, plus the training epoch: 10 000 two-moons points, batches of 128, Adam and projection every step.</summary>
public class SmallNetBenchmarks : SizeBenchmarks<SmallNet, SmallNet.Kernel>
{
    private readonly SmallNet _epochNet = new();
    private Dataset _moons = null!;
    private TrainingSession<SmallNet.Kernel, HingeLoss> _epoch = null!;

    [GlobalSetup(Target = nameof(LipGen_epoch))]
    public void SetupEpoch()
    {
        _moons = TwoMoons.Generate(10_000, noise: 0.1, seed: 1);
        _epochNet.Initialize(1);
        _epoch = new TrainingSession<SmallNet.Kernel, HingeLoss>(_epochNet, new HingeLoss(0.1f), learningRate: 1e-3);
    }

    [Benchmark, BenchmarkCategory("training epoch, 10k points, batch 128")]
    public double LipGen_epoch() => _epoch.RunEpoch(_moons, batchSize: 128).Loss;
}

/// <summary>M = 16-128-128-128-1.</summary>
public class MediumNetBenchmarks : SizeBenchmarks<MediumNet, MediumNet.Kernel>;

/// <summary>L = 64-512-512-1.</summary>
public class LargeNetBenchmarks : SizeBenchmarks<LargeNet, LargeNet.Kernel>;
