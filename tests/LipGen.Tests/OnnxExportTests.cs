using LipGen.IO;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using static LipGen.Tests.NetworkCases;

namespace LipGen.Tests;

/// <summary>Exported models run in ONNX Runtime and agree with LipGen.</summary>
public class OnnxExportTests
{
    [Theory, MemberData(nameof(All), MemberType = typeof(NetworkCases))]
    public void ONNX_Runtime_computes_what_LipGen_computes(string name)
    {
        ILipschitzNetwork net = Create(name);
        NetworkDescription d = net.Description;
        var random = new SeededRandom(17);
        RandomParameters(d, ref random, scale: 1).CopyTo(net.Parameters);
        net.Project();
        const int batch = 7;
        float[] inputs = RandomVector(ref random, batch * d.InputCount, scale: 3);
        var expected = new float[batch * d.OutputCount];
        net.ForwardBatch(inputs, expected);

        using var session = new InferenceSession(OnnxExport.ToOnnxBytes(d, net.Parameters));
        // The declaration travels with the model, as in a safetensors file.
        Dictionary<string, string> declared = session.ModelMetadata.CustomMetadataMap;
        Assert.Equal(d.Constraint.ToString(), declared["lipgen.constraint"]);
        Assert.Equal(string.Join(",", d.Monotone.ToArray()), declared["lipgen.monotone"]);
        Assert.Equal(string.Join(",", d.Widths.ToArray()), declared["lipgen.widths"]);
        Assert.Equal(["input"], session.InputMetadata.Keys);
        Assert.Equal(["output"], session.OutputMetadata.Keys);
        using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> results = session.Run(
            [NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(inputs, [batch, d.InputCount]))]);
        Tensor<float> actual = results.Single().AsTensor<float>();
        Assert.Equal([batch, d.OutputCount], actual.Dimensions.ToArray());
        float[] values = actual.ToArray();
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(values[i] - expected[i]) <= 1e-5 * Math.Max(1, Math.Abs(expected[i])),
                $"{name} value {i}: ONNX Runtime {values[i]}, LipGen {expected[i]}");
    }

    [Fact]
    public void ToOnnx_writes_a_file_ONNX_Runtime_loads_with_a_symbolic_batch()
    {
        string path = Path.Combine(Path.GetTempPath(), $"lipgen-{Guid.NewGuid():N}.onnx");
        try
        {
            var net = new Networks.MoonsNet();
            net.ToOnnx(path);
            using var session = new InferenceSession(path);
            Assert.Equal([-1, 2], session.InputMetadata["input"].Dimensions);
            foreach (int batch in (int[])[1, 5])
            {
                using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(new float[2 * batch], [batch, 2]))]);
                Assert.Equal(batch, results.Single().AsTensor<float>().Dimensions[0]);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }
}
