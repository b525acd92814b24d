using LipGen.Data;
using LipGen.Tests.Networks;
using LipGen.Verification;
using static LipGen.Tests.NetworkCases;

namespace LipGen.Tests;

/// <summary>Class-pair bounds and the multi-class certified radii they give, against brute force and an attack.</summary>
public class PairBoundTests
{
    public static TheoryData<string> SeveralOutputs => new(nameof(MulticlassL1Net), nameof(EuclideanNet), nameof(MaxNormNet),
        nameof(LinearNet), nameof(MappedMonotoneNet), nameof(NarrowNet), nameof(SpectralNet), nameof(MappedOutputsNet));

    private static ILipschitzNetwork Make(string name) => name switch
    {
        nameof(MulticlassL1Net) => new MulticlassL1Net(),
        nameof(SpectralNet) => new SpectralNet(),
        _ => Create(name),
    };

    [Theory, MemberData(nameof(SeveralOutputs))]
    public void Every_pair_bound_holds_the_pairs_gradients_and_is_never_looser_than_the_generic_bound(string name)
    {
        ILipschitzNetwork net = Make(name);
        NetworkDescription d = net.Description;
        var random = new SeededRandom(13);
        RandomParameters(d, ref random, scale: 2).CopyTo(net.Parameters);
        net.Project();
        double[,] pairs = CertifiedBound.ClassPairBounds(d, net.Parameters);
        // An output map scales each output: the generic bound carries the largest scale.
        double outputScale = d.HasOutputMap ? Enumerable.Range(0, d.OutputCount).Max(k => net.Parameters[d.OutputScaleOffset + k]) : 1;
        double generic = (d.Constraint == LayerConstraint.Spectral ? Math.Sqrt(2) : 2) * outputScale * CertifiedBound.ComputeConstrained(d, net.Parameters);
        int m = d.OutputCount;
        var weights = new float[m];
        var gradient = new float[d.InputCount];
        var largest = new double[m, m];
        for (int trial = 0; trial < 3000; trial++)
        {
            float[] x = RandomVector(ref random, d.InputCount, scale: 4);
            for (int y = 0; y < m; y++)
                for (int j = y + 1; j < m; j++)
                {
                    Array.Clear(weights);
                    (weights[y], weights[j]) = (1, -1);
                    net.InputGradient(x, weights, gradient);
                    largest[y, j] = Math.Max(largest[y, j], ScalarReference.PNorm(ScalarReference.ToDouble(gradient), d.Q));
                }
        }
        for (int y = 0; y < m; y++)
        {
            Assert.Equal(0, pairs[y, y]);
            for (int j = y + 1; j < m; j++)
            {
                Assert.Equal(pairs[y, j], pairs[j, y]);
                Assert.True(largest[y, j] <= pairs[y, j] * (1 + 1e-5), $"{name} pair ({y}, {j}): a gradient of norm {largest[y, j]} beats the bound {pairs[y, j]}");
                Assert.True(pairs[y, j] <= generic * (1 + 1e-12), $"{name} pair ({y}, {j}): {pairs[y, j]} above the generic {generic}");
            }
        }
    }

    [Theory]
    [InlineData(nameof(MulticlassL1Net))] // p = 1
    [InlineData(nameof(EuclideanNet))]    // p = 2
    [InlineData(nameof(MaxNormNet))]      // p = ∞
    [InlineData(nameof(SpectralNet))]     // p = 2 with spectral layers (pair bounds in ℓ2)
    [InlineData(nameof(MappedOutputsNet))] // p = 2 through an output map with a scale per class
    public void No_class_change_inside_a_certified_radius_on_twenty_random_networks(string name)
    {
        var options = new VerificationOptions { AttackStarts = 4, AttackSteps = 5, MonotoneSearchStarts = 0, RadiusAttackSamples = 30, RadiusAttackSteps = 20 };
        for (ulong seed = 0; seed < 20; seed++)
        {
            ILipschitzNetwork net = Make(name);
            NetworkDescription d = net.Description;
            net.Initialize(seed);
            var random = new SeededRandom(seed + 100);
            if (d.HasOutputMap) // a scale and an offset per class: the pair bounds must follow both
                OutputMaps.Set(net, RandomVector(ref random, d.OutputCount, scale: 1), [.. RandomVector(ref random, d.OutputCount, scale: 1).Select(v => 1.75f + 1.25f * v)]);
            // Points labelled by the network itself, so that most are correct and have a radius to test.
            float[] inputs = RandomVector(ref random, 60 * d.InputCount, scale: 2);
            var labels = new int[60];
            for (int i = 0; i < labels.Length; i++)
                labels[i] = net.Classify(inputs.AsSpan(i * d.InputCount, d.InputCount));
            Dataset data = Dataset.FromClassLabels(inputs, labels, d.InputCount, d.OutputCount);
            VerificationReport report = name switch
            {
                nameof(MulticlassL1Net) => LipschitzVerifier.Verify((MulticlassL1Net)net, data, options),
                nameof(EuclideanNet) => LipschitzVerifier.Verify((EuclideanNet)net, data, options),
                nameof(SpectralNet) => LipschitzVerifier.Verify((SpectralNet)net, data, options),
                nameof(MappedOutputsNet) => LipschitzVerifier.Verify((MappedOutputsNet)net, data, options),
                _ => LipschitzVerifier.Verify((MaxNormNet)net, data, options),
            };
            Assert.Null(report.RadiusCounterexample);
            Assert.True(report.RadiusAttackSamples > 10, $"{name} seed {seed}: only {report.RadiusAttackSamples} samples had a radius");
            Assert.NotEqual(VerificationStatus.Failed, report.Status);
            // And at random points on the radius's sphere, independently of the attack.
            var y = new double[d.InputCount];
            for (int i = 0; i < data.Count; i++)
            {
                float r = report.Radii[i];
                if (!(r > 0))
                    continue;
                for (int sample = 0; sample < 10; sample++)
                {
                    for (int j = 0; j < y.Length; j++)
                        y[j] = 2 * random.NextDouble() - 1;
                    double length = ScalarReference.PNorm(y, d.P);
                    float[] point = [.. Enumerable.Range(0, y.Length).Select(j => (float)(data.Input(i)[j] + y[j] * r / length * (1 - 1e-6)))];
                    if (ScalarReference.PNorm(point.Select((v, j) => (double)v - data.Input(i)[j]).ToArray(), d.P) > r)
                        continue;
                    Assert.Equal(labels[i], net.Classify(point));
                }
            }
        }
    }

    [Fact]
    public void The_class_change_search_finds_changes_just_beyond_exact_radii()
    {
        // The search must be able to fail. For a linear network the pair bound is exact (f_y − f_j is linear, with slope
        // ‖w_y − w_j‖₂), so the certified radii are the true distances to another class less the float allowance: 5 % past
        // them there are class changes, and the search finds them.
        var net = new LinearEuclideanNet();
        net.Initialize(4);
        var random = new SeededRandom(9);
        float[] inputs = RandomVector(ref random, 100 * 3, scale: 2);
        int[] labels = [.. Enumerable.Range(0, 100).Select(i => net.Classify(inputs.AsSpan(i * 3, 3)))];
        Dataset data = Dataset.FromClassLabels(inputs, labels, 3, 3);
        float[] radii = LipschitzVerifier.Radii<LinearEuclideanNet.Kernel>(net.Parameters, data, net.LipschitzBound());
        var inside = new RadiusAttack<LinearEuclideanNet.Kernel>();
        inside.Run(net.Parameters, data, radii, samples: 100, steps: 30, seed: 1, CancellationToken.None);
        Assert.Null(inside.Counterexample);
        var beyond = new RadiusAttack<LinearEuclideanNet.Kernel>();
        beyond.Run(net.Parameters, data, [.. radii.Select(r => r * 1.05f)], samples: 100, steps: 30, seed: 1, CancellationToken.None);
        RadiusCounterexample found = Assert.IsType<RadiusCounterexample>(beyond.Counterexample);
        Assert.True(found.Distance <= found.Radius && found.FoundClass != found.Class);
        var check = new float[3];
        net.Forward(found.Y, check);
        Assert.Equal(found.FoundClass, Prediction.Classify(check));
    }

    [Fact]
    public void Pair_radii_are_at_least_the_generic_ones()
    {
        var net = new EuclideanNet();
        net.Initialize(4);
        var random = new SeededRandom(9);
        float[] inputs = RandomVector(ref random, 100 * 5, scale: 2);
        int[] labels = [.. Enumerable.Range(0, 100).Select(i => net.Classify(inputs.AsSpan(i * 5, 5)))];
        Dataset data = Dataset.FromClassLabels(inputs, labels, 5, 3);
        VerificationReport report = LipschitzVerifier.Verify(net, data, new VerificationOptions { AttackStarts = 4, AttackSteps = 5 });
        double generic = 2 * report.CertifiedBound;
        var output = new float[3];
        for (int i = 0; i < data.Count; i++)
        {
            net.Forward(data.Input(i), output);
            double margin = output[labels[i]] - output.Where((_, j) => j != labels[i]).Max();
            // The generic exact-arithmetic radius; the pair radius, even after its float allowance, is not far below it.
            Assert.True(report.Radii[i] >= margin / generic - 1e-4, $"sample {i}: radius {report.Radii[i]} below the generic {margin / generic}");
        }
        Assert.True(report.LargestPairBound <= generic);
        Assert.Contains("class-change search", report.ToString());
    }
}
