using LipGen.IO;
using LipGen.Tests.Networks;

namespace LipGen.Tests;

/// <summary>The demo's two-moons weights, compiled in by the generator.</summary>
[LipschitzNetwork(2, 32, 32, 1, GroupSize = 2, P = Norm.L1, Lipschitz = 1, Weights = "moons.safetensors")]
public static partial class EmbeddedMoons;

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
    public void Compiled_in_inference_allocates_nothing()
    {
        float[] x = [0.5f, 0.25f];
        float[] batch = new float[20];
        float[] outputs = new float[10];
        float sink = 0;
        for (int i = 0; i < 100; i++)
        {
            sink += EmbeddedMoons.Forward(x);
            EmbeddedMoons.ForwardBatch(batch, outputs); // grows this thread's tile scratch once
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            sink += EmbeddedMoons.Forward(x);
            EmbeddedMoons.ForwardBatch(batch, outputs);
            _ = EmbeddedMoons.Parameters;
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(float.IsFinite(sink));
    }
}
