using LipGen.IO;
using LipGen.Tests.Networks;

namespace LipGen.Tests;

/// <summary>The demo's two-moons weights, compiled in by the generator.</summary>
[LipschitzNetwork(2, 32, 32, 1, GroupSize = 2, P = Norm.L1, Lipschitz = 1, Weights = "moons.safetensors")]
public static partial class EmbeddedMoons;

/// <summary>The same weights compiled in as bfloat16.</summary>
[LipschitzNetwork(2, 32, 32, 1, GroupSize = 2, P = Norm.L1, Lipschitz = 1, Weights = "moons.safetensors", WeightPrecision = Precision.BFloat16)]
public static partial class EmbeddedMoonsBFloat16;

public class EmbeddedWeightsTests
{
    [Fact]
    public void Compiled_in_weights_equal_the_file_loaded_at_run_time_bit_for_bit()
    {
        var loaded = new MoonsNet();
        NetworkFile.Load(loaded, Path.Combine(AppContext.BaseDirectory, "TestData", "moons.safetensors"));
        Assert.Equal(loaded.Parameters.ToArray(), EmbeddedMoons.Parameters.ToArray());
        Assert.Equal("moons.safetensors", EmbeddedMoons.WeightsFile);
        Assert.Equal(loaded.LipschitzBound(), EmbeddedMoons.LipschitzBound());
        var random = new SeededRandom(5);
        for (int i = 0; i < 200; i++)
        {
            float[] x = NetworkCases.RandomVector(ref random, 2);
            Assert.Equal(BitConverter.SingleToInt32Bits(loaded.Forward(x)), BitConverter.SingleToInt32Bits(EmbeddedMoons.Forward(x)));
        }
    }

    [Fact]
    public void Compiled_in_bfloat16_weights_are_the_network_BFloat16Network_makes_of_the_loaded_file()
    {
        var loaded = new MoonsNet();
        NetworkFile.Load(loaded, Path.Combine(AppContext.BaseDirectory, "TestData", "moons.safetensors"));
        BFloat16Network<MoonsNet.Kernel> converted = BFloat16Network.From(loaded);
        Assert.Equal(converted.Parameters.ToArray(), EmbeddedMoonsBFloat16.Parameters.ToArray());
        Assert.Equal(converted.Weights.ToArray(), EmbeddedMoonsBFloat16.BFloat16Weights.ToArray());
        Assert.NotEqual(loaded.Parameters.ToArray(), EmbeddedMoonsBFloat16.Parameters.ToArray()); // the rounding did something
        Assert.Equal(converted.LipschitzBound(), EmbeddedMoonsBFloat16.LipschitzBound());
        Assert.True(EmbeddedMoonsBFloat16.LipschitzBound() <= 1);
        var random = new SeededRandom(9);
        float[] batch = new float[2 * 64], outputs = new float[64];
        for (int i = 0; i < 64; i++)
        {
            float[] x = NetworkCases.RandomVector(ref random, 2);
            x.CopyTo(batch, 2 * i);
            Assert.Equal(BitConverter.SingleToInt32Bits(converted.Forward(x)), BitConverter.SingleToInt32Bits(EmbeddedMoonsBFloat16.Forward(x)));
            // The bfloat16 kernel computes the float network with those parameters: the float single-sample walk agrees.
            float[] single = new float[1];
            MoonsNet.Kernel.Forward(EmbeddedMoonsBFloat16.Parameters, x, single);
            Assert.Equal(BitConverter.SingleToInt32Bits(single[0]), BitConverter.SingleToInt32Bits(EmbeddedMoonsBFloat16.Forward(x)));
        }
        // Batches run the float kernels on the same parameters: the same function, within the float error bound.
        EmbeddedMoonsBFloat16.ForwardBatch(batch, outputs);
        for (int i = 0; i < 64; i++)
            Assert.Equal(EmbeddedMoonsBFloat16.Forward(batch.AsSpan(2 * i, 2)), outputs[i], 1e-5f);
    }

    [Fact]
    public void Compiled_in_inference_allocates_nothing()
    {
        float[] x = [0.5f, 0.25f];
        float[] batch = new float[20];
        float[] outputs = new float[10];
        float sink = 0;
        for (int i = 0; i < 100; i++)
        {
            sink += EmbeddedMoons.Forward(x) + EmbeddedMoonsBFloat16.Forward(x);
            EmbeddedMoons.ForwardBatch(batch, outputs); // grows this thread's tile scratch once
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            sink += EmbeddedMoons.Forward(x) + EmbeddedMoonsBFloat16.Forward(x);
            EmbeddedMoons.ForwardBatch(batch, outputs);
            _ = EmbeddedMoons.Parameters;
            _ = EmbeddedMoonsBFloat16.BFloat16Weights;
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(float.IsFinite(sink));
    }
}
