using Microsoft.ML.OnnxRuntime;

namespace LipGen.Benchmarks;

/// <summary>
/// ONNX Runtime on LipGen's own ONNX export, with its input and output tensors bound once to the benchmark's arrays (no
/// copies, no allocation per call): one intra-op thread and sequential execution, or as many threads as asked.
/// </summary>
internal sealed class OnnxPeer : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _run = new();
    private readonly OrtValue _single, _singleOut, _batch, _batchOut;
    private readonly string[] _inputNames = ["input"], _outputNames = ["output"];

    /// <summary>Binds one sample (<paramref name="input"/> → <paramref name="output"/>) and a batch (<paramref name="inputs"/>, row-major [batch, n]).</summary>
    public OnnxPeer(byte[] model, int threads, float[] input, float[] output, float[] inputs, float[] outputs, int n, int m)
    {
        using var options = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        _session = new InferenceSession(model, options);
        int batch = inputs.Length / n;
        _single = OrtValue.CreateTensorValueFromMemory(input, [1, n]);
        _singleOut = OrtValue.CreateTensorValueFromMemory(output, [1, m]);
        _batch = OrtValue.CreateTensorValueFromMemory(inputs, [batch, n]);
        _batchOut = OrtValue.CreateTensorValueFromMemory(outputs, [batch, m]);
    }

    public void RunSingle() => _session.Run(_run, _inputNames, [_single], _outputNames, [_singleOut]);

    public void RunBatch() => _session.Run(_run, _inputNames, [_batch], _outputNames, [_batchOut]);

    public void Dispose()
    {
        foreach (IDisposable d in new IDisposable[] { _single, _singleOut, _batch, _batchOut, _run, _session })
            d.Dispose();
    }
}
