using System.Reflection;
using LipGen.Data;
using LipGen.IO;
using LipGen.Tests.Networks;
using LipGen.Training;
using LipGen.Verification;
using static LipGen.Tests.NetworkCases;

namespace LipGen.Tests;

/// <summary>
/// The plan's step kinds beyond dense layers and activations: AOL layers and SLL residual blocks, each through every pass,
/// the certificate, the gradient through what they derive, save and load, training and verification. The shared theories
/// (forward against the double reference, finite differences, batches, ONNX) run them as members of NetworkCases.All.
/// </summary>
public class StepKindTests
{
    [Fact]
    public void Every_declared_test_network_is_in_the_shared_theories()
    {
        string[] declared = typeof(StepKindTests).Assembly.GetTypes()
            .Where(t => t.GetCustomAttribute<LipschitzNetworkAttribute>() is { Weights: null })
            .Select(t => t.Name).OrderBy(n => n).ToArray();
        string[] covered = All.Cast<object[]>().Select(row => (string)row[0]).OrderBy(n => n).ToArray();
        Assert.Equal(declared, covered);
        Assert.All(covered, name => Assert.Equal(name, Create(name).GetType().Name));
    }

    [Theory, MemberData(nameof(All), MemberType = typeof(NetworkCases))]
    public void No_step_of_single_sample_inference_writes_over_a_slot_it_reads(string name)
    {
        // Slots on the inference stack are reused once read: a step whose output shared a buffer with another slot it reads
        // would overwrite its input while reading it (a step may only write in place on the very slot it adds to).
        Model.NetworkPlan plan = Create(name).Description.Plan;
        static (int Start, int End) Range(Model.ValueSlot slot)
        {
            Model.ValueSlot owner = slot.AliasOf ?? slot;
            return (owner.StackOffset, owner.StackOffset + owner.Width);
        }
        foreach (Model.PlanStep step in plan.Steps)
        {
            if (step.Output.IsExternal)
                continue;
            (int start, int end) = Range(step.Output);
            foreach (Model.ValueSlot read in step.Reads)
            {
                if (read.IsExternal || ReferenceEquals(read, step.Output) || ReferenceEquals(read.AliasOf ?? read, step.Output.AliasOf ?? step.Output))
                    continue;
                (int readStart, int readEnd) = Range(read);
                Assert.True(end <= readStart || readEnd <= start, $"{name}: {step.GetType().Name} writes {step.Output} over {read} on the stack");
            }
        }
    }

    [Theory, MemberData(nameof(All), MemberType = typeof(NetworkCases))]
    public void A_saved_network_loads_back_and_computes_the_same_bits(string name)
    {
        ILipschitzNetwork net = Create(name);
        var random = new SeededRandom(21);
        RandomParameters(net.Description, ref random, scale: 0.3).CopyTo(net.Parameters);
        net.Project();
        var file = new MemoryStream();
        net.Save(file);
        ILipschitzNetwork loaded = Create(name);
        loaded.Initialize(99); // different weights and derived values: all of them must come from the file
        loaded.Load(new MemoryStream(file.ToArray()));
        var a = new float[net.Description.OutputCount];
        var b = new float[net.Description.OutputCount];
        for (int trial = 0; trial < 20; trial++)
        {
            float[] x = RandomVector(ref random, net.Description.InputCount);
            net.Forward(x, a);
            loaded.Forward(x, b);
            Assert.Equal(a.Select(BitConverter.SingleToInt32Bits), b.Select(BitConverter.SingleToInt32Bits));
        }
        Assert.Equal(net.LipschitzBound(), loaded.LipschitzBound());
    }

    [Fact]
    public void Aol_layers_run_with_W_times_D_and_are_certified_within_their_bound_in_float()
    {
        var net = new AolNet();
        NetworkDescription d = net.Description;
        var random = new SeededRandom(5);
        for (int trial = 0; trial < 20; trial++)
        {
            RandomParameters(d, ref random, scale: 3).CopyTo(net.Parameters);
            net.Project();
            float[] p = net.Parameters.ToArray();
            foreach (LayerShape layer in d.Layers)
            {
                float[] w = p.AsSpan(layer.WeightOffset, layer.Inputs * layer.Outputs).ToArray();
                ReadOnlySpan<float> executed = p.AsSpan(layer.ExecutedWeightOffset, layer.Inputs * layer.Outputs);
                ReadOnlySpan<float> scales = p.AsSpan(layer.ExecutedWeightOffset + layer.Inputs * layer.Outputs, layer.Inputs);
                // W′ = fl(W·d), column by column, and ‖W′‖₂ (an independent SVD) within λᵢ.
                for (int k = 0; k < executed.Length; k++)
                    Assert.Equal(w[k] * scales[k % layer.Inputs], executed[k]);
                double sigma = SpectralTests.SingularValues(executed, layer.Outputs, layer.Inputs)[0];
                Assert.True(sigma <= layer.Bound, $"trial {trial}: σ(W′) {sigma} above λᵢ {layer.Bound}");
                // d is λᵢ/√Σₖ|WᵀW|ⱼₖ less the margin: no column is rescaled by more than that.
                double[] gram = Enumerable.Range(0, layer.Inputs).Select(j => Enumerable.Range(0, layer.Inputs).Sum(k =>
                    Math.Abs(Enumerable.Range(0, layer.Outputs).Sum(o => (double)w[o * layer.Inputs + j] * w[o * layer.Inputs + k])))).ToArray();
                for (int j = 0; j < layer.Inputs; j++)
                    Assert.InRange(scales[j], layer.Bound / Math.Sqrt(gram[j]) * (1 - 1e-4), layer.Bound / Math.Sqrt(gram[j]));
            }
            Assert.True(net.LipschitzBound() <= d.Lipschitz, $"trial {trial}: L̂ {net.LipschitzBound()} above λ");
        }
    }

    [Fact]
    public void A_residual_block_is_one_lipschitz_in_l2_and_certified_so()
    {
        var net = new BlockNet();
        NetworkDescription d = net.Description;
        var random = new SeededRandom(6);
        RandomParameters(d, ref random, scale: 2).CopyTo(net.Parameters);
        net.Project();
        float[] p = net.Parameters.ToArray();
        foreach (Model.ResidualBlockStep block in d.Plan.Blocks)
        {
            Assert.Equal(1, block.BlockBound(p));
            Assert.True(VerificationTests.BlockFactor(block, p) == 1, "ρ > 1 from the definition");
        }
        // Pairs through the whole network, in the double reference: never beyond L̂ in ℓ2 → ℓ2.
        double bound = net.LipschitzBound();
        Assert.True(bound <= d.Lipschitz);
        for (int trial = 0; trial < 2000; trial++)
        {
            float[] x = RandomVector(ref random, d.InputCount, scale: 3), y = RandomVector(ref random, d.InputCount, scale: 3);
            double[] fx = ScalarReference.Forward(d, p, x), fy = ScalarReference.Forward(d, p, y);
            double change = ScalarReference.PNorm(fx.Zip(fy, (a, b) => a - b).ToArray(), 2);
            double distance = ScalarReference.PNorm(x.Zip(y, (a, b) => (double)a - b).ToArray(), 2);
            Assert.True(change <= bound * distance * (1 + 1e-9), $"‖Δf‖ {change} > L̂ {bound} · {distance}");
        }
        // A diagonal pushed above what the weights allow is certified as such: max(1, 2ρ − 1) > 1.
        Model.ResidualBlockStep first = d.Plan.Blocks[0];
        for (int i = 0; i < first.Inner; i++)
            p[first.DiagonalOffset + i] *= 1.5f;
        Assert.True(first.BlockBound(p) > 1);
        Assert.Equal(VerificationTests.BlockFactor(first, p), first.BlockBound(p), 1e-9);
    }

    public static TheoryData<string> DerivingNetworks => new(nameof(AolNet), nameof(BlockNet), nameof(AolBlockMonotoneNet));

    [Theory, MemberData(nameof(All), MemberType = typeof(NetworkCases))]
    public void The_float_error_bound_holds_for_every_step_kind_at_points_in_balls_and_in_boxes(string name)
    {
        ILipschitzNetwork net = Create(name);
        Type kernel = net.GetType().GetInterfaces().Single(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ILipschitzNetwork<>)).GetGenericArguments()[0];
        typeof(StepKindTests).GetMethod(nameof(CheckFloatError), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(kernel).Invoke(null, [net]);
    }

    private static void CheckFloatError<TKernel>(ILipschitzNetwork<TKernel> net) where TKernel : struct, ILipschitzKernel
    {
        NetworkDescription d = net.Description;
        var random = new SeededRandom(41);
        RandomParameters(d, ref random, scale: 1).CopyTo(net.Parameters);
        net.Project();
        float[] output = new float[d.OutputCount], probe = new float[d.OutputCount], workspace = new float[TKernel.WorkspaceLength];
        for (int trial = 0; trial < 40; trial++)
        {
            float[] x = RandomVector(ref random, d.InputCount, scale: 30);
            double atPoint = FloatErrorBound.AtPoint<TKernel>(net.Parameters, x, output, workspace);
            double[] exact = ScalarReference.Forward(d, net.Parameters, x);
            for (int k = 0; k < d.OutputCount; k++)
                Assert.InRange(Math.Abs(output[k] - exact[k]), 0, atPoint);
            double radius = 0.25, inBall = FloatErrorBound.InBall<TKernel>(net.Parameters, x, radius, output, workspace);
            var (low, high) = (new double[d.InputCount], new double[d.InputCount]);
            for (int i = 0; i < d.InputCount; i++)
                (low[i], high[i]) = (x[i] - radius / d.InputCount, x[i] + radius / d.InputCount);
            double inBox = FloatErrorBound.InBox<TKernel>(net.Parameters, low, high);
            for (int sample = 0; sample < 4; sample++)
            {
                // A point in the box is in the ball too (its ℓp distance from x is at most the radius, for every p).
                float[] y = [.. Enumerable.Range(0, d.InputCount).Select(i => (float)Math.Clamp(low[i] + random.NextDouble() * (high[i] - low[i]), low[i], high[i]))];
                if (Enumerable.Range(0, d.InputCount).Any(i => y[i] < low[i] || y[i] > high[i]))
                    continue; // rounded to float just outside the box
                net.Forward(y, probe);
                double[] exactY = ScalarReference.Forward(d, net.Parameters, y);
                for (int k = 0; k < d.OutputCount; k++)
                {
                    Assert.InRange(Math.Abs(probe[k] - exactY[k]), 0, inBall);
                    Assert.InRange(Math.Abs(probe[k] - exactY[k]), 0, inBox);
                }
            }
            // The ℓ2 route keeps the bound at the scale of the rounding for ℓ2 networks with blocks, not grown by the
            // |W| products of every block (it was 10⁴ times larger before).
            if (d.ResidualBlocks > 0)
                Assert.InRange(atPoint, 0, 1e-3 * (1 + exact.Max(Math.Abs)));
        }
    }

    [Theory, MemberData(nameof(DerivingNetworks))]
    public void The_gradient_through_derived_values_matches_finite_differences_of_the_free_parameters(string name)
    {
        // L(θ) = Σ weights·f over a batch, with every derived value recomputed from θ (Project): the trainer's gradient is
        // Backward's, folded through the derivation.
        ILipschitzNetwork net = Create(name);
        NetworkDescription d = net.Description;
        var random = new SeededRandom(31);
        RandomParameters(d, ref random, scale: 0.5).CopyTo(net.Parameters);
        net.Project();
        float[] inputs = RandomVector(ref random, 6 * d.InputCount), weights = RandomVector(ref random, 6 * d.OutputCount, scale: 1);
        var gradient = new float[d.ParameterCount];
        net.Backward(inputs, weights, gradient);
        NetworkOperations.BackpropagateDerived(d, net.Parameters, gradient);

        float[] theta = net.Parameters.ToArray();
        double Loss(float[] parameters)
        {
            float[] derived = (float[])parameters.Clone();
            d.Plan.Derive(derived);
            return ScalarReference.WeightedLoss(d, ScalarReference.ToDouble(derived), inputs, weights);
        }
        var trained = d.Plan.Regions.Where(r => r.IsTrained).ToArray();
        foreach (Model.ParameterRegion region in trained)
            for (int k = 0; k < region.Count; k += Math.Max(1, region.Count / 12))
            {
                int j = region.Offset + k;
                float saved = theta[j];
                // Float parameters: a step that float holds exactly, large enough for the derivation's rounding to vanish.
                float step = Math.Max(Math.Abs(saved) * 1e-3f, 1e-3f);
                theta[j] = saved + step;
                double up = Loss(theta);
                theta[j] = saved - step;
                double down = Loss(theta);
                theta[j] = saved;
                double numeric = (up - down) / (2 * (double)step);
                Assert.True(Math.Abs(gradient[j] - numeric) <= 2e-2 * Math.Max(1, Math.Abs(numeric)),
                    $"{name} {region.Name}[{k}]: folded gradient {gradient[j]}, finite difference {numeric}");
            }
        // Nothing is left on the derived regions: the optimizer steps the free parameters only.
        foreach (Model.ParameterRegion region in d.Plan.Regions.Where(r => r.Role == Model.RegionRole.Derived))
            Assert.All(gradient.AsSpan(region.Offset, region.Count).ToArray(), g => Assert.Equal(0, g));
    }

    [Theory]
    [InlineData(nameof(AolNet))]
    [InlineData(nameof(BlockNet))]
    public void Aol_and_residual_block_networks_train_verify_and_stay_within_lambda(string name)
    {
        ILipschitzNetwork net = Create(name);
        NetworkDescription d = net.Description;
        net.Initialize(3);
        Dataset blobs = MulticlassLossTests.Blobs(300, 4);
        var inputs = new float[300 * d.InputCount];
        var labels = new int[300];
        for (int i = 0; i < 300; i++)
        {
            blobs.Input(i)[..Math.Min(5, d.InputCount)].CopyTo(inputs.AsSpan(i * d.InputCount));
            labels[i] = Prediction.Classify(blobs.Target(i)) % d.OutputCount;
        }
        Dataset data = Dataset.FromClassLabels(inputs, labels, d.InputCount, d.OutputCount);
        TrainingResult result = name == nameof(AolNet)
            ? Trainer.Train((AolNet)net, data, new TauCrossEntropyLoss(8), new TrainingOptions { Epochs = 30, BatchSize = 32, LearningRate = 0.01, Seed = 1 })
            : Trainer.Train((BlockNet)net, data, new TauCrossEntropyLoss(8), new TrainingOptions { Epochs = 30, BatchSize = 32, LearningRate = 0.01, Seed = 1 });
        Assert.True(result.Final.Accuracy > 0.8, $"{name}: accuracy {result.Final.Accuracy}");
        Assert.All(result.Epochs, e => Assert.True(e.LipschitzBound <= d.Lipschitz, $"epoch {e.Epoch}: L̂ {e.LipschitzBound}"));
        VerificationReport report = name == nameof(AolNet)
            ? LipschitzVerifier.Verify((AolNet)net, data, new VerificationOptions { AttackStarts = 16, AttackSteps = 20 })
            : LipschitzVerifier.Verify((BlockNet)net, data, new VerificationOptions { AttackStarts = 16, AttackSteps = 20 });
        Assert.Equal(VerificationStatus.Verified, report.Status);
        Assert.Null(report.RadiusCounterexample);
    }

    [Fact]
    public void Aol_layers_train_by_reparametrisation_as_well()
    {
        var net = new AolNet();
        net.Initialize(4);
        var session = new TrainingSession<AolNet.Kernel, TauCrossEntropyLoss>(net, new TauCrossEntropyLoss(4)) { Constraint = ConstraintMethod.Reparametrization };
        Assert.Equal(ConstraintMethod.Reparametrization, session.Constraint);
    }
}
