using static LipGen.Tests.NetworkCases;

namespace LipGen.Tests;

public class ForwardTests
{
    [Theory, MemberData(nameof(All), MemberType = typeof(NetworkCases))]
    public void Forward_matches_the_scalar_reference(string name)
    {
        ILipschitzNetwork net = Create(name);
        NetworkDescription d = net.Description;
        var random = new SeededRandom(42);
        for (int trial = 0; trial < 40; trial++)
        {
            if (trial % 2 == 0)
                net.Initialize((ulong)trial); // projected weights
            else
                // Arbitrary, unprojected weights at torch.nn.Linear's scale (±1/√fan-in), so activations stay O(1)
                // and float rounding is measured, not amplified by cancellation of large intermediates.
                RandomParameters(d, ref random, scale: 1 / Math.Sqrt(d.Widths[..^1].ToArray().Max())).CopyTo(net.Parameters);
            float[] x = RandomVector(ref random, d.InputCount, scale: 3);
            var y = new float[d.OutputCount];
            net.Forward(x, y);
            double[] expected = ScalarReference.Forward(d, net.Parameters, x);
            for (int k = 0; k < y.Length; k++)
                Assert.True(Math.Abs(y[k] - expected[k]) <= 1e-5 * Math.Max(1, Math.Abs(expected[k])),
                    $"{name} trial {trial} output {k}: generated {y[k]}, reference {expected[k]}");
        }
    }

    public static TheoryData<string, int> EveryNetworkAndBatch()
    {
        var data = new TheoryData<string, int>();
        foreach (string network in All)
            foreach (int batch in new[] { 3, 9, 16, 700, 1500 }) // the single-sample path, one padded tile, whole tiles, several tiles
                data.Add(network, batch);
        return data;
    }

    [Theory, MemberData(nameof(EveryNetworkAndBatch))]
    public void ForwardBatch_agrees_with_Forward_on_every_row_for_every_thread_count(string name, int batch)
    {
        ILipschitzNetwork net = Create(name);
        NetworkDescription d = net.Description;
        var random = new SeededRandom(7);
        float[] inputs = RandomVector(ref random, batch * d.InputCount, scale: 3);
        var outputs = new float[batch * d.OutputCount];
        net.ForwardBatch(inputs, outputs, maxDegreeOfParallelism: 1);
        var single = new float[d.OutputCount];
        for (int s = 0; s < batch; s++)
        {
            net.Forward(inputs.AsSpan(s * d.InputCount, d.InputCount), single);
            for (int k = 0; k < single.Length; k++)
            {
                float batched = outputs[s * d.OutputCount + k];
                // The products sum in another order (register blocks, FMA), so the last bits may differ.
                Assert.True(Math.Abs(batched - single[k]) <= 1e-6 * Math.Max(1, Math.Abs(single[k])),
                    $"{name}, batch {batch}, sample {s}, output {k}: batched {batched}, single {single[k]}");
            }
        }
        foreach (int threads in new[] { 2, 3, -1 })
        {
            var parallel = new float[outputs.Length];
            net.ForwardBatch(inputs, parallel, threads);
            Assert.Equal(outputs, parallel); // bit for bit
        }
    }

    [Fact]
    public void ForwardBatch_rejects_a_bad_degree_of_parallelism()
    {
        var net = new Networks.MoonsNet();
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => { net.ForwardBatch(new float[20], new float[10], 0); });
        Assert.Equal("maxDegreeOfParallelism", error.ParamName);
    }

    [Fact]
    public void Single_output_networks_also_return_the_value()
    {
        var net = new Networks.MoonsNet();
        float[] x = [0.3f, -0.7f];
        var y = new float[1];
        net.Forward(x, y);
        Assert.Equal(y[0], net.Forward(x));
    }

    [Fact]
    public void Initialization_is_seeded_and_projected()
    {
        var a = new Networks.EuclideanNet();
        var b = new Networks.EuclideanNet();
        a.Initialize(5);
        b.Initialize(5);
        Assert.Equal(a.Parameters.ToArray(), b.Parameters.ToArray());
        b.Initialize(6);
        Assert.NotEqual(a.Parameters.ToArray(), b.Parameters.ToArray());
        Assert.True(a.LipschitzBound() <= a.Description.Lipschitz * (1 + 1e-6));
        Assert.Equal(new Networks.EuclideanNet().Parameters.ToArray(), Initialized(0));

        static float[] Initialized(ulong seed)
        {
            var n = new Networks.EuclideanNet();
            n.Initialize(seed);
            return n.Parameters.ToArray();
        }
    }

    [Fact]
    public void Metadata_describes_the_declaration_and_layout()
    {
        NetworkDescription d = Networks.Outer.Inner.DeepNet.Kernel.Description;
        Assert.Equal([7, 40, 24, 18, 2], d.Widths.ToArray());
        Assert.Equal(3, d.P);
        Assert.Equal(1.5, d.Q, 12);
        Assert.Equal(1.7, d.Lipschitz);
        Assert.Equal(7 * 40 + 40 + 40 * 24 + 24 + 24 * 18 + 18 + 18 * 2 + 2, d.ParameterCount);
        Assert.Equal(Networks.Outer.Inner.DeepNet.ParameterCount, d.ParameterCount);
        LayerShape second = d.Layers[1];
        Assert.Equal((40, 24, 7 * 40 + 40, 7 * 40 + 40 + 40 * 24, 1.0, 2), (second.Inputs, second.Outputs, second.WeightOffset, second.BiasOffset, second.RowNorm, second.GroupSize));
        Assert.Equal(Math.Pow(1.7, 1.0 / 4), second.Bound, 15);
        Assert.Equal(0, d.Layers[^1].GroupSize);
        Assert.Equal(double.PositiveInfinity, Networks.MoonsNet.Kernel.Description.Layers[0].RowNorm);
        Assert.Equal(1, Networks.MaxNormNet.Kernel.Description.Layers[0].RowNorm);
        NetworkDescription relu = Networks.ReluNet.Kernel.Description;
        Assert.Equal(Activation.ReLU, relu.Activation);
        Assert.Equal([Activation.ReLU, Activation.ReLU, null], relu.Layers.ToArray().Select(l => l.Activation));
        Assert.All(relu.Layers.ToArray(), l => Assert.Equal(0, l.GroupSize));
        Assert.Equal(Activation.GroupSort, d.Layers[0].Activation);
    }

    [Fact]
    public void Wrong_lengths_are_rejected_with_the_argument_and_network_named()
    {
        var net = new Networks.MoonsNet();
        var e = Assert.Throws<ArgumentException>(() => net.Forward(new float[3], new float[1]));
        Assert.Equal("input", e.ParamName);
        Assert.Contains("LipGen.Tests.Networks.MoonsNet needs exactly 2", e.Message);
        e = Assert.Throws<ArgumentException>(() => net.Forward(new float[2], new float[2]));
        Assert.Equal("output", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => net.ForwardBatch(new float[5], new float[2]));
        Assert.Equal("inputs", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => net.Backward(new float[4], new float[2], new float[10]));
        Assert.Equal("parameterGradient", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => Networks.MoonsNet.Kernel.ForwardRecording(net.Parameters, new float[2], new float[1], new float[3]));
        Assert.Equal("workspace", e.ParamName);
    }
}
