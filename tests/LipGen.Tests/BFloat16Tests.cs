using System.Reflection;
using LipGen.Data;
using LipGen.Tests.Networks;
using LipGen.Training;
using LipGen.Verification;
using static LipGen.Tests.NetworkCases;

namespace LipGen.Tests;

/// <summary>Networks with bfloat16 weights: the function they run is the float function of their parameters, bit for bit.</summary>
public class BFloat16Tests
{
    [Theory, MemberData(nameof(All), MemberType = typeof(NetworkCases))]
    public void A_bfloat16_network_runs_bit_for_bit_its_float_parameters_within_the_declared_bound(string name)
    {
        ILipschitzNetwork net = Create(name);
        var random = new SeededRandom(29);
        RandomParameters(net.Description, ref random, scale: 1).CopyTo(net.Parameters);
        net.Project();
        Type kernel = net.GetType().GetNestedType("Kernel")!;
        typeof(BFloat16Tests).GetMethod(nameof(Check), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(kernel).Invoke(null, [net]);
    }

    private static void Check<TKernel>(ILipschitzNetwork<TKernel> net) where TKernel : struct, ILipschitzKernel
    {
        NetworkDescription d = net.Description;
        float[] before = net.Parameters.ToArray();
        BFloat16Network<TKernel> reduced = BFloat16Network.From(net);
        Assert.Equal(before, net.Parameters.ToArray()); // the source is not changed
        Assert.Equal(before, reduced.SourceParameters.ToArray());
        // Every executed weight is a bfloat16 value and is what the copy holds; everything else is the source's.
        ReadOnlySpan<float> p = reduced.Parameters;
        var executed = new HashSet<int>();
        foreach (Model.DenseStep layer in d.Plan.DenseLayers)
            for (int i = 0; i < layer.WeightCount; i++)
            {
                int at = layer.ExecutedWeightOffset + i;
                executed.Add(at);
                Assert.Equal(0u, BitConverter.SingleToUInt32Bits(p[at]) & 0xFFFF);
                Assert.Equal(BitConverter.SingleToUInt32Bits(p[at]) >> 16, reduced.Weights[d.Plan.BFloat16Offset(layer) + i]);
                if (layer.Constraint is not Model.SpectralConstraint)
                    Assert.True(Math.Abs(p[at]) <= Math.Abs(before[at]) && Math.Abs(p[at]) >= Math.Abs(before[at]) * (1 - 1.0 / 128), $"{name(layer)} weight {i}");
            }
        for (int i = 0; i < p.Length; i++)
            if (!executed.Contains(i))
                Assert.Equal(before[i], p[i]);
        Assert.True(CertifiedBound.ComputeConstrained(d, p) <= d.Lipschitz, $"{d.Name}: {CertifiedBound.ComputeConstrained(d, p)}");
        Assert.Equal(TKernel.LipschitzBound(p), reduced.LipschitzBound());
        var random = new SeededRandom(31);
        var (fast, plain) = (new float[d.OutputCount], new float[d.OutputCount]);
        for (int trial = 0; trial < 50; trial++)
        {
            float[] x = RandomVector(ref random, d.InputCount, scale: 3);
            reduced.Forward(x, fast);
            TKernel.Forward(p, x, plain);
            Assert.Equal(plain.Select(BitConverter.SingleToInt32Bits), fast.Select(BitConverter.SingleToInt32Bits));
        }
        static string name(Model.DenseStep layer) => $"layer {layer.Number}";
    }

    [Fact]
    public void A_trained_network_verifies_in_bfloat16_and_the_report_states_the_change()
    {
        var net = new MoonsNet();
        net.Initialize(1);
        Dataset data = TwoMoons.Generate(600, 0.1, seed: 3);
        Trainer.Train(net, data, new HingeLoss(0.1f), new TrainingOptions { Epochs = 30, BatchSize = 32, LearningRate = 0.01, Seed = 2 });
        var reduced = BFloat16Network.From(net);
        Dataset test = TwoMoons.Generate(400, 0.1, seed: 4);
        VerificationReport report = LipschitzVerifier.Verify(reduced, test, new VerificationOptions { AttackStarts = 16, AttackSteps = 30, Seed = 1 });
        Assert.Equal(VerificationStatus.Verified, report.Status);
        Assert.NotNull(report.PrecisionChange);
        PrecisionChange change = report.PrecisionChange;
        Assert.Equal(LipschitzVerifier.Verify(net, test, new VerificationOptions { AttackStarts = 4, AttackSteps = 5 }).Accuracy, change.SourceAccuracy);
        Assert.Equal(report.Accuracy, change.Accuracy);
        Assert.InRange(change.LargestOutputChange, 1e-9, 0.05); // rounding to 8 significant bits moves f, a little
        Assert.InRange(Math.Abs(change.Accuracy - change.SourceAccuracy), 0, 0.02);
        Assert.Equal(net.LipschitzBound(), change.SourceCertifiedBound);
        Assert.Contains("bfloat16 weights", report.ToString());
    }

    [Fact]
    public void Networks_outside_their_bound_or_with_bad_weights_are_refused()
    {
        var net = new MoonsNet();
        net.Parameters[0] = 50; // far past the first layer's row bound
        var e = Assert.Throws<ArgumentException>(() => BFloat16Network.From(net));
        Assert.Contains("Project()", e.Message);
        net.Parameters[0] = float.NaN;
        Assert.Throws<ArgumentException>(() => BFloat16Network.From(net));
        Assert.Throws<InvalidOperationException>(() => BFloat16Network.From(new EuclideanNet()).Forward([1f, 2f, 3f, 4f, 5f]));
    }
}
