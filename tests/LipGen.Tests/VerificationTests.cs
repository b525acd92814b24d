using LipGen.Data;
using LipGen.Training;
using LipGen.Verification;
using LipGen.Tests.Networks;
using static LipGen.Tests.NetworkCases;

namespace LipGen.Tests;

/// <summary>The verifier on cases whose answers are known.</summary>
public partial class VerificationTests
{
    [LipschitzNetwork(5, 1, P = Norm.L1, Lipschitz = 2)]
    public partial class LinearL1;

    [LipschitzNetwork(5, 1, P = Norm.L2, Lipschitz = 2)]
    public partial class LinearL2;

    [LipschitzNetwork(5, 3, P = Norm.Infinity, Lipschitz = 2)]
    public partial class LinearMax;

    [LipschitzNetwork(1, 16, 16, 1, GroupSize = 2, P = Norm.Infinity, Lipschitz = 1)]
    public partial class AbsNet;

    /// <summary>Points spread over [−2, 2]ⁿ, with labels given by a fixed sign pattern (robustness tests relabel them).</summary>
    private static Dataset RandomData(int inputs, int outputs, int count, ulong seed)
    {
        var random = new SeededRandom(seed);
        float[] x = RandomVector(ref random, count * inputs, scale: 2);
        var t = new float[count * outputs];
        for (int i = 0; i < count; i++)
        {
            if (outputs == 1)
                t[i] = random.NextDouble() < 0.5 ? -1 : 1;
            else
            {
                int label = random.NextInt(outputs);
                for (int k = 0; k < outputs; k++)
                    t[i * outputs + k] = k == label ? 1 : -1;
            }
        }
        return new Dataset(x, t, inputs, outputs);
    }

    /// <summary>max over rows of ‖row‖_q, from the definition.</summary>
    private static double ExactOperatorNorm(ILipschitzNetwork net)
    {
        LayerShape layer = net.Description.Layers[0];
        double best = 0;
        for (int r = 0; r < layer.Outputs; r++)
            best = Math.Max(best, ScalarReference.PNorm(ScalarReference.ToDouble(net.Parameters.Slice(layer.WeightOffset + r * layer.Inputs, layer.Inputs)), net.Description.Q));
        return best;
    }

    private static void SingleLayerCase<TKernel>(ILipschitzNetwork<TKernel> net) where TKernel : struct, ILipschitzKernel
    {
        for (ulong seed = 0; seed < 3; seed++)
        {
            net.Initialize(seed);
            double exact = ExactOperatorNorm(net);
            VerificationReport report = LipschitzVerifier.Verify(net, RandomData(5, net.Description.OutputCount, 50, seed), new VerificationOptions { Seed = seed });
            // The certificate is the exact norm, rounded up by a hair.
            Assert.InRange(report.CertifiedBound, exact, exact * (1 + 1e-12));
            // A linear map reaches its norm: the attack, on its own, gets within 1e-3 of it.
            Assert.InRange(report.AttackBound, exact * (1 - 1e-3), exact * (1 + 1e-5));
            Assert.InRange(report.Tightness, 1 - 1e-3, 1 + 1e-5);
            Assert.Equal(VerificationStatus.Verified, report.Status);
        }
    }

    [Fact]
    public void Single_layer_p1_certificate_is_exact_and_attack_reaches_it() => SingleLayerCase(new LinearL1());

    [Fact]
    public void Single_layer_p2_certificate_is_exact_and_attack_reaches_it() => SingleLayerCase(new LinearL2());

    [Fact]
    public void Single_layer_pInf_with_three_outputs_certificate_is_exact_and_attack_reaches_it() => SingleLayerCase(new LinearMax());

    [Fact]
    public void A_network_fitted_to_absolute_value_uses_its_whole_slope()
    {
        var random = new SeededRandom(1);
        float[] x = RandomVector(ref random, 1000, scale: 1);
        var data = new Dataset(x, x.Select(MathF.Abs).ToArray(), 1, 1);
        var net = new AbsNet();
        net.Initialize(3);
        Trainer.Train(net, data, new MeanSquaredError(), new TrainingOptions { Epochs = 150, BatchSize = 32, LearningRate = 0.005f, Seed = 1 });
        VerificationReport report = LipschitzVerifier.Verify(net, data);
        Assert.InRange(report.EmpiricalBound, 0.99, report.CertifiedBound * (1 + 1e-5));
        Assert.InRange(report.CertifiedBound, 0.99, 1 + 1e-6);
        Assert.Equal(VerificationStatus.Verified, report.Status);
        Assert.Empty(report.Radii); // regression targets: no robustness part
        Assert.Contains("not computed", report.ToString());
    }

    [Theory]
    [InlineData(nameof(MoonsNet))]      // p = 1
    [InlineData(nameof(EuclideanNet))]  // p = 2
    [InlineData(nameof(MaxNormNet))]    // p = ∞
    public void Weights_scaled_up_after_projection_are_flagged_and_the_attack_finds_a_violating_pair(string name)
    {
        ILipschitzNetwork net = Create(name);
        NetworkDescription d = net.Description;
        net.Initialize(5);
        // A freshly initialised network uses little of its certified slope (random signs cancel), so the weights are
        // scaled well past the constraint: ×10 per layer.
        foreach (LayerShape layer in d.Layers)
            foreach (ref float w in net.Parameters.Slice(layer.WeightOffset, layer.Inputs * layer.Outputs))
                w *= 10;
        VerificationReport report = name switch
        {
            nameof(MoonsNet) => LipschitzVerifier.Verify((MoonsNet)net, RandomData(d.InputCount, d.OutputCount, 200, 1)),
            nameof(EuclideanNet) => LipschitzVerifier.Verify((EuclideanNet)net, RandomData(d.InputCount, d.OutputCount, 200, 1)),
            _ => LipschitzVerifier.Verify((MaxNormNet)net, RandomData(d.InputCount, d.OutputCount, 200, 1)),
        };
        Assert.Equal(VerificationStatus.ExceedsDeclaredBound, report.Status);
        Assert.Contains("FLAGGED", report.ToString());
        InputPair pair = Assert.IsType<InputPair>(report.AttackPair);
        Assert.True(pair.Ratio > d.Lipschitz, $"attack ratio {pair.Ratio} does not exceed λ = {d.Lipschitz}");
        Assert.Contains("pair violating λ", report.ToString());

        // The pair really violates the declared bound: check it with a fresh evaluation.
        var fx = new float[d.OutputCount];
        var fy = new float[d.OutputCount];
        net.Forward(pair.X, fx);
        net.Forward(pair.Y, fy);
        double change = fx.Zip(fy, (a, b) => Math.Abs((double)a - b)).Max();
        double distance = ScalarReference.PNorm(pair.X.Zip(pair.Y, (a, b) => (double)a - b).ToArray(), d.P);
        Assert.True(change > d.Lipschitz * distance, $"{change} ≤ λ·{distance}");
        // ... and the certificate itself still holds: no pair beats L̂ beyond the float allowance.
        Assert.Null(report.Violation);
    }

    [Fact]
    public void A_trained_network_scaled_up_by_a_quarter_is_caught_too()
    {
        // Trained networks use nearly all of their slope, so even a modest scaling breaks the declared bound.
        Dataset data = TwoMoons.Generate(300, 0.1, 4);
        var net = new MoonsNet();
        Trainer.Train(net, data, new HingeLoss(0.1f), new TrainingOptions { Epochs = 40, LearningRate = 0.01f });
        foreach (LayerShape layer in net.Description.Layers)
            foreach (ref float w in net.Parameters.Slice(layer.WeightOffset, layer.Inputs * layer.Outputs))
                w *= 1.25f;
        VerificationReport report = LipschitzVerifier.Verify(net, data);
        Assert.Equal(VerificationStatus.ExceedsDeclaredBound, report.Status);
        Assert.True(report.AttackPair!.Ratio > 1, $"attack ratio {report.AttackPair.Ratio}");
    }

    [Theory, MemberData(nameof(All), MemberType = typeof(NetworkCases))]
    public void The_certificate_is_never_below_the_plainly_computed_product(string name)
    {
        ILipschitzNetwork net = Create(name);
        var random = new SeededRandom(4);
        RandomParameters(net.Description, ref random, scale: 2).CopyTo(net.Parameters);
        // The definition, plainly: the first layer as the raw input meets it (W₁·diag(1/scale)), each layer's norm in its own
        // constraint (row norms; the largest singular value, by an independent SVD; AOL's weighted Gershgorin bound), each
        // residual block's max(1, 2ρ − 1), then the residual's slope, then the output map's largest scale.
        NetworkDescription d = net.Description;
        float[] parameters = net.Parameters.ToArray();
        double Scale(int i) => d.HasInputMap ? parameters[d.InputScaleOffset + i] : 1;
        double plain = 1;
        bool spectral = false;
        LayerShape[] layers = d.Layers.ToArray();
        for (int l = 0; l < layers.Length; l++)
        {
            LayerShape layer = layers[l];
            double[] w = Enumerable.Range(0, layer.Outputs * layer.Inputs)
                .Select(k => parameters[layer.ExecutedWeightOffset + k] / (l == 0 ? Scale(k % layer.Inputs) : 1)).ToArray();
            plain *= layer.Constraint switch
            {
                LayerConstraint.RowNorms => Enumerable.Range(0, layer.Outputs).Max(r => ScalarReference.PNorm(w.AsSpan(r * layer.Inputs, layer.Inputs), layer.RowNorm)),
                LayerConstraint.Spectral => SpectralTests.SingularValues(w.Select(v => (float)v).ToArray(), layer.Outputs, layer.Inputs)[0],
                _ => AolBound(w, parameters.AsSpan(layer.ExecutedWeightOffset + layer.Outputs * layer.Inputs, layer.Inputs), l == 0 ? Scale : _ => 1, layer.Outputs, layer.Inputs),
            };
            spectral |= layer.Constraint == LayerConstraint.Spectral;
            foreach (Model.ResidualBlockStep block in d.Plan.Blocks.Where(b => b.Layer == l + 1))
                plain *= BlockFactor(block, parameters);
        }
        if (d.HasMonotoneResidual)
            plain += ScalarReference.PNorm(Enumerable.Range(0, d.InputCount).Select(i => d.ResidualCoefficient * Math.Abs(d.Monotone[i]) / Scale(i)).ToArray(), d.Q);
        if (d.HasOutputMap)
            plain *= Enumerable.Range(0, d.OutputCount).Max(k => parameters[d.OutputScaleOffset + k]);
        double certified = net.LipschitzBound(); // what a user reads, against the bound computed here from its definition
        // Row norms and AOL's bound are sums the certificate rounds outward; a spectral bound is proved to within 0.1 % of σ.
        Assert.InRange(certified, plain * (1 - 1e-12), plain * (spectral ? 1.001 : 1 + 1e-10));
    }

    /// <summary>AOL's bound from its definition: √maxⱼ Σₖ |(W′ᵀW′)ⱼₖ|·(dⱼ/sⱼ)/(dₖ/sₖ), for W′ already divided by the scales s.</summary>
    internal static double AolBound(double[] w, ReadOnlySpan<float> d, Func<int, double> scale, int rows, int columns)
    {
        double largest = 0;
        for (int j = 0; j < columns; j++)
        {
            double sum = 0, weightJ = d[j] / scale(j);
            for (int k = 0; k < columns && weightJ > 0; k++)
            {
                double gram = 0;
                for (int o = 0; o < rows; o++)
                    gram += w[o * columns + j] * w[o * columns + k];
                double weightK = d[k] / scale(k);
                sum += weightK > 0 ? Math.Abs(gram) * weightJ / weightK : 0;
            }
            largest = Math.Max(largest, sum);
        }
        return Math.Sqrt(largest);
    }

    /// <summary>An SLL block's factor from its definition: ρ = maxᵢ tᵢ·Σⱼ |(W·Wᵀ)ᵢⱼ|·e^(qⱼ − qᵢ), then max(1, 2ρ − 1).</summary>
    internal static double BlockFactor(Model.ResidualBlockStep block, float[] parameters)
    {
        int n = block.Inner, m = block.Width;
        double rho = 0;
        for (int i = 0; i < n; i++)
        {
            double sum = 0;
            for (int j = 0; j < n; j++)
            {
                double gram = 0;
                for (int k = 0; k < m; k++)
                    gram += (double)parameters[block.WeightOffset + i * m + k] * parameters[block.WeightOffset + j * m + k];
                sum += Math.Abs(gram) * Math.Exp((double)parameters[block.ExponentOffset + j] - parameters[block.ExponentOffset + i]);
            }
            rho = Math.Max(rho, parameters[block.DiagonalOffset + i] * sum);
        }
        return Math.Max(1, 2 * rho - 1);
    }

    [Theory]
    [InlineData(nameof(MoonsNet))]
    [InlineData(nameof(EuclideanNet))]
    [InlineData(nameof(MaxNormNet))]
    [InlineData(nameof(NarrowNet))]
    public void No_point_within_the_certified_radius_changes_the_class(string name)
    {
        ILipschitzNetwork net = Create(name);
        NetworkDescription d = net.Description;
        net.Initialize(8);
        Dataset data = RandomData(d.InputCount, d.OutputCount, 60, 2);
        float[] radii = name switch
        {
            nameof(MoonsNet) => LipschitzVerifier.Verify((MoonsNet)net, data).Radii,
            nameof(EuclideanNet) => LipschitzVerifier.Verify((EuclideanNet)net, data).Radii,
            nameof(MaxNormNet) => LipschitzVerifier.Verify((MaxNormNet)net, data).Radii,
            _ => LipschitzVerifier.Verify((NarrowNet)net, data).Radii,
        };
        Assert.Contains(radii, r => r > 0);
        var random = new SeededRandom(3);
        var y = new float[d.OutputCount];
        var point = new float[d.InputCount];
        var direction = new double[d.InputCount];
        for (int i = 0; i < data.Count; i++)
        {
            if (radii[i] <= 0)
                continue;
            for (int trial = 0; trial < 300; trial++)
            {
                // A random point of the ℓp ball of radius r(x): on its sphere for half the trials, inside for the rest.
                for (int j = 0; j < direction.Length; j++)
                    direction[j] = double.IsPositiveInfinity(d.P) && trial % 3 == 0 ? (random.NextDouble() < 0.5 ? -1 : 1) : random.NextGaussian();
                double norm = ScalarReference.PNorm(direction, d.P);
                double length = radii[i] * (1 - 1e-4) * (trial % 2 == 0 ? 1 : random.NextDouble());
                for (int j = 0; j < point.Length; j++)
                    point[j] = (float)(data.Input(i)[j] + direction[j] / norm * length);
                net.Forward(point, y);
                Assert.True(LipschitzVerifier.Margin(y, data.Target(i)) > 0,
                    $"{name} sample {i}: class changed within its certified radius {radii[i]}");
            }
        }
    }

    [Fact]
    public void The_report_reads_as_documented()
    {
        var net = new MoonsNet();
        Dataset data = TwoMoons.Generate(200, 0.1, 1);
        Trainer.Train(net, data, new HingeLoss(0.1f), new TrainingOptions { Epochs = 30, LearningRate = 0.01f });
        var phases = new List<VerificationProgress>();
        VerificationReport report = LipschitzVerifier.Verify(net, data, new VerificationOptions { AttackStarts = 32, Epsilons = [0.05, 0.1] },
            new SynchronousProgress(phases.Add));
        string text = report.ToString();
        Assert.Contains("certified bound  L̂ = ", text);
        Assert.Contains("tightness", text);
        Assert.Contains("VERIFIED", text);
        Assert.Equal(2, report.CertifiedAccuracies.Count);
        Assert.True(report.CertifiedAccuracies[0].Accuracy >= report.CertifiedAccuracies[1].Accuracy);
        Assert.Contains(phases, p => p.Phase == "attack" && p.Done == 32);
    }

    [Fact]
    public void The_inner_loops_allocate_nothing()
    {
        // Allocation must not grow with the attack budget: everything is allocated up front.
        var net = new MoonsNet();
        Dataset data = TwoMoons.Generate(100, 0.1, 1);
        long Measure(int steps)
        {
            LipschitzVerifier.Verify(net, data, new VerificationOptions { AttackStarts = 8, AttackSteps = steps });
            long before = GC.GetAllocatedBytesForCurrentThread();
            LipschitzVerifier.Verify(net, data, new VerificationOptions { AttackStarts = 8, AttackSteps = steps });
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Measure(400); // first: whatever a long attack reaches once (a lazily built table, a tier-up) is not per step
        Assert.Equal(Measure(10), Measure(400));
    }

    [Fact]
    public void Bad_options_and_data_are_rejected()
    {
        var net = new MoonsNet();
        Assert.Throws<ArgumentOutOfRangeException>(() => LipschitzVerifier.Verify(net, TwoMoons.Generate(10, 0, 0), new VerificationOptions { StepSize = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => LipschitzVerifier.Verify(net, TwoMoons.Generate(10, 0, 0), new VerificationOptions { Epsilons = [-1] }));
        var e = Assert.Throws<ArgumentException>(() => LipschitzVerifier.Verify(net, new Dataset(new float[3], new float[1], 3, 1)));
        Assert.Contains("3 inputs", e.Message);
    }

    private sealed class SynchronousProgress(Action<VerificationProgress> report) : IProgress<VerificationProgress>
    {
        public void Report(VerificationProgress value) => report(value);
    }
}
