using System.Text;
using LipGen.Data;
using LipGen.IO;
using LipGen.Training;
using LipGen.Verification;
using LipGen.Tests.Networks;

namespace LipGen.Tests;

/// <summary>
/// Guarantees that hold for the network as it runs in float, and bad input that is never silent. One test per defect the
/// guarantees probe found, then the soundness searches: radii, the attack's verdict, and concurrent read-only calls.
/// </summary>
public sealed class GuaranteeTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("lipgen-guarantees-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static MoonsNet Trained(int epochs = 60)
    {
        var net = new MoonsNet();
        Trainer.Train(net, TwoMoons.Generate(400, 0.1, 1), new HingeLoss(0.1f), new TrainingOptions { Epochs = epochs, LearningRate = 0.01f, Seed = 2 });
        return net;
    }

    /// <summary>
    /// Trained with BCE, which uses the whole slope (tightness 1): along the worst direction f falls at L̂, so the class
    /// changes right at the exact-arithmetic radius, and any overclaim by the float radius shows.
    /// </summary>
    private static MoonsNet TrainedTight(int epochs = 60)
    {
        var net = new MoonsNet();
        Trainer.Train(net, TwoMoons.Generate(400, 0.1, 1), new BinaryCrossEntropyWithLogits(), new TrainingOptions { Epochs = epochs, LearningRate = 0.01f, Seed = 2 });
        return net;
    }

    // ---- Non-finite values are never silent --------------------------------------------------------------------------

    [Fact]
    public void InputGradient_at_a_NaN_input_is_NaN_like_Forward()
    {
        var net = new MoonsNet();
        float[] gradient = new float[2];
        net.InputGradient([float.NaN, 0.5f], [1f], gradient);
        Assert.True(float.IsNaN(net.Forward([float.NaN, 0.5f])));
        Assert.All(gradient, g => Assert.True(float.IsNaN(g)));
        net.InputGradient([float.PositiveInfinity, 0.5f], [1f], gradient);
        Assert.All(gradient, g => Assert.True(float.IsNaN(g)));
        net.InputGradient([0.25f, 0.5f], [1f], gradient);
        Assert.All(gradient, g => Assert.True(float.IsFinite(g)));
    }

    [Theory]
    [InlineData(float.NaN, 1f, "inputs row 1")]
    [InlineData(float.PositiveInfinity, 1f, "inputs row 1")]
    [InlineData(0.5f, float.NaN, "targets row 1")]
    public void A_training_step_with_a_non_finite_value_names_the_row_and_changes_nothing(float input, float target, string named)
    {
        var net = new MoonsNet();
        float[] before = net.Parameters.ToArray();
        var session = new TrainingSession<MoonsNet.Kernel, MeanSquaredError>(net, default, 0.01f);
        var e = Assert.Throws<ArgumentException>(() => session.Step([0.1f, 0.2f, input, 0.3f], [0.5f, target]));
        Assert.Contains(named, e.Message);
        Assert.Equal(before, net.Parameters.ToArray());
    }

    [Fact]
    public void Divergence_keeps_the_weights_of_the_last_finite_step()
    {
        var net = new MoonsNet();
        var session = new TrainingSession<MoonsNet.Kernel, MeanSquaredError>(net, default, 0.01f);
        session.Step([0.1f, 0.2f, 0.3f, -0.4f], [0.5f, -0.5f]);
        float[] afterFirst = net.Parameters.ToArray();
        // Finite inputs whose squared error overflows float: the step's loss is ∞.
        var e = Assert.Throws<InvalidOperationException>(() => session.Step([3e37f, 3e37f, 0, 0], [-3e37f, 0]));
        Assert.Contains("diverged", e.Message);
        Assert.Equal(afterFirst, net.Parameters.ToArray());
        Assert.All(afterFirst, w => Assert.True(float.IsFinite(w)));
    }

    [Fact]
    public void A_dataset_owns_its_data_so_later_writes_cannot_reach_training()
    {
        float[] inputs = [0.1f, 0.2f, 0.3f, 0.4f], targets = [1, -1];
        var data = new Dataset(inputs, targets, 2, 1);
        inputs[0] = float.NaN;
        targets[1] = float.NaN;
        Assert.Equal(0.1f, data.Input(0)[0]);
        Assert.Equal(-1f, data.Target(1)[0]);
        var net = new MoonsNet();
        TrainingResult result = Trainer.Train(net, data, new HingeLoss(0.1f), new TrainingOptions { Epochs = 2, BatchSize = 2 });
        Assert.True(double.IsFinite(result.Final.Loss));
    }

    [Fact]
    public void An_empty_dataset_is_rejected_where_it_is_made()
    {
        var e = Assert.Throws<ArgumentException>(() => new Dataset([], [], 2, 1));
        Assert.Contains("no samples", e.Message);
    }

    [Fact]
    public void Project_rejects_non_finite_weights_naming_layer_and_row_and_changes_nothing()
    {
        var net = new MoonsNet();
        LayerShape second = net.Description.Layers[1];
        net.Parameters[second.WeightOffset + 3 * second.Inputs + 5] = float.PositiveInfinity;
        net.Parameters[0] = 50; // a row far above its bound, which a partial projection would have rescaled
        float[] before = net.Parameters.ToArray();
        var e = Assert.Throws<ArgumentException>(net.Project);
        Assert.Contains("layer 2, row 3", e.Message);
        Assert.Equal(before, net.Parameters.ToArray());
    }

    [Fact]
    public void After_Project_the_certificate_is_within_lambda_even_for_rows_exactly_on_the_bound()
    {
        // Rows whose computed ℓ1 norm is exactly the bound: the rounded-outward certificate reads them a hair above it, so
        // Project must treat them as above it too.
        var net = new MoonsNet();
        foreach (LayerShape layer in net.Description.Layers)
            for (int r = 0; r < layer.Outputs; r++)
            {
                Span<float> row = net.Parameters.Slice(layer.WeightOffset + r * layer.Inputs, layer.Inputs);
                // Layer 1 (ℓ∞ rows): entries of 1; later layers (ℓ1 rows): 32 entries of 1/32. Every norm is exactly 1.
                row.Fill(layer.RowNorm == 1 ? 1f / layer.Inputs : 1f);
            }
        net.Project();
        Assert.True(net.LipschitzBound() <= 1, $"certificate {net.LipschitzBound():R} after Project");
    }

    // ---- Load never breaks the declared bound ------------------------------------------------------------------------

    /// <summary>A file without LipGen metadata (as PyTorch writes it) whose weights are 1.5 times a projected network's.</summary>
    private static byte[] UnconstrainedFile(out float[] weights)
    {
        var source = new MoonsNet();
        weights = source.Parameters.ToArray().Select(w => 1.5f * w).ToArray();
        return WithMetadata(NetworkFile.Serialize(MoonsNet.Kernel.Description, weights), _ => "\"format\":\"pt\"");
    }

    /// <summary>The file with its metadata object's contents replaced.</summary>
    private static byte[] WithMetadata(byte[] file, Func<string, string> replace)
    {
        int length = (int)BitConverter.ToUInt64(file, 0);
        string header = Encoding.UTF8.GetString(file, 8, length).TrimEnd();
        int start = header.IndexOf("\"__metadata__\":{", StringComparison.Ordinal) + "\"__metadata__\":{".Length;
        int end = header.IndexOf('}', start);
        string json = header[..start] + replace(header[start..end]) + header[end..];
        byte[] bytes = Encoding.UTF8.GetBytes(json);
        var result = new byte[8 + bytes.Length + file.Length - 8 - length];
        BitConverter.TryWriteBytes(result.AsSpan(0, 8), (ulong)bytes.Length);
        bytes.CopyTo(result, 8);
        file.AsSpan(8 + length).CopyTo(result.AsSpan(8 + bytes.Length));
        return result;
    }

    [Fact]
    public void Load_rejects_weights_whose_certificate_exceeds_lambda_and_leaves_the_network_unchanged()
    {
        string path = Path.Combine(_folder, "unconstrained.safetensors");
        File.WriteAllBytes(path, UnconstrainedFile(out float[] weights));
        double certificate = CertifiedBound.Compute(MoonsNet.Kernel.Description, weights);
        Assert.True(certificate > 1);
        var net = new MoonsNet();
        net.Initialize(7);
        float[] before = net.Parameters.ToArray();
        var e = Assert.Throws<NetworkFileException>(() => net.Load(path));
        Assert.Contains($"L̂ = {certificate.ToString("G9", System.Globalization.CultureInfo.InvariantCulture)}", e.Message);
        Assert.Contains("λ = 1", e.Message);
        Assert.Equal(before, net.Parameters.ToArray());

        net.Load(path, projectOnLoad: true);
        Assert.True(net.LipschitzBound() <= 1);
        Assert.NotEqual(before, net.Parameters.ToArray());
    }

    [Fact]
    public void Numeric_metadata_compares_as_numbers()
    {
        string path = Path.Combine(_folder, "p-as-1.0.safetensors");
        byte[] file = NetworkFile.Serialize(MoonsNet.Kernel.Description, new MoonsNet().Parameters);
        File.WriteAllBytes(path, WithMetadata(file, m => m.Replace("\"lipgen.p\":\"1\"", "\"lipgen.p\":\"1.0\"").Replace("\"lipgen.lipschitz\":\"1\"", "\"lipgen.lipschitz\":\"1e0\"")));
        new MoonsNet().Load(path);
        File.WriteAllBytes(path, WithMetadata(file, m => m.Replace("\"lipgen.p\":\"1\"", "\"lipgen.p\":\"1.5\"")));
        Assert.Contains("lipgen.p = 1.5", Assert.Throws<NetworkFileException>(() => new MoonsNet().Load(path)).Message);
    }

    // ---- Saving ----------------------------------------------------------------------------------------------------

    [Fact]
    public void A_long_legal_file_name_saves()
    {
        string path = Path.Combine(_folder, new string('n', 240) + ".safetensors"); // 252 bytes: legal (limit 255)
        var net = new MoonsNet();
        net.Save(path);
        var loaded = new MoonsNet();
        loaded.Initialize(3);
        loaded.Load(path);
        Assert.Equal(net.Parameters.ToArray(), loaded.Parameters.ToArray());
    }

    [Fact]
    public void Saving_through_a_symlink_replaces_its_target_and_keeps_the_link()
    {
        string target = Path.Combine(_folder, "real.safetensors"), link = Path.Combine(_folder, "link.safetensors");
        File.WriteAllBytes(target, [1, 2, 3]);
        File.CreateSymbolicLink(link, target);
        var net = new MoonsNet();
        net.Save(link);
        Assert.NotNull(new FileInfo(link).LinkTarget);
        Assert.Equal(NetworkFile.Serialize(net.Description, net.Parameters), File.ReadAllBytes(target));
        Assert.Empty(Directory.GetFiles(_folder, "*.tmp"));
    }

    [Fact]
    public void A_save_that_fails_names_the_target_and_the_cause()
    {
        string path = Path.Combine(_folder, "missing-folder", "net.safetensors");
        var e = Assert.ThrowsAny<IOException>(() => new MoonsNet().Save(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("does not exist", e.Message);

        // An odd location: the target is a folder, so the final rename fails. The message names the target, not the
        // temporary file, and no temporary file is left behind.
        string folder = Path.Combine(_folder, "a-folder");
        Directory.CreateDirectory(folder);
        e = Assert.ThrowsAny<IOException>(() => new MoonsNet().Save(folder));
        Assert.StartsWith($"Cannot save {folder}:", e.Message);
        Assert.DoesNotContain(".lipgen-", e.Message);
        Assert.Empty(Directory.GetFiles(_folder, "*.tmp"));
    }

    // ---- Radii that hold for the float network ---------------------------------------------------------------------

    /// <summary>
    /// The same function on inputs shifted by <paramref name="offset"/>: b₁ absorbs −W₁·offset, so the float network is
    /// evaluated at magnitudes around the offset (where its rounding is largest).
    /// </summary>
    private static MoonsNet Shifted(MoonsNet trained, float offset)
    {
        var net = new MoonsNet();
        trained.Parameters.CopyTo(net.Parameters);
        LayerShape first = net.Description.Layers[0];
        for (int o = 0; o < first.Outputs; o++)
        {
            double shift = 0;
            for (int j = 0; j < first.Inputs; j++)
                shift += (double)net.Parameters[first.WeightOffset + o * first.Inputs + j] * offset;
            net.Parameters[first.BiasOffset + o] = (float)(net.Parameters[first.BiasOffset + o] - shift);
        }
        return net;
    }

    private static Dataset Offset(Dataset data, float offset) =>
        new(data.Inputs.ToArray().Select(x => x + offset).ToArray(), data.Targets.ToArray(), data.InputWidth, data.TargetWidth);

    [Theory]
    [InlineData(0f)]
    [InlineData(100f)]
    [InlineData(10_000f)]
    public void No_class_change_inside_a_certified_radius_of_the_float_network(float offset)
    {
        MoonsNet net = Shifted(TrainedTight(), offset);
        Dataset data = Offset(TwoMoons.Generate(150, 0.1, 9), offset);
        double certificate = net.LipschitzBound();
        float[] radii = LipschitzVerifier.Radii<MoonsNet.Kernel>(net.Parameters, data, certificate);
        Assert.True(radii.Count(r => r > 0) > data.Count / 2, $"only {radii.Count(r => r > 0)} points certified");
        for (int i = 0; i < data.Count; i++)
        {
            if (!(radii[i] > 0))
                continue;
            float[] x = data.Input(i).ToArray();
            bool positive = data.Target(i)[0] > 0;
            // p = 1: the worst direction is along one coordinate, against the label; check both coordinates and both signs,
            // every representable point near the radius and a coarse grid inside it.
            for (int j = 0; j < 2; j++)
                foreach (int sign in (ReadOnlySpan<int>)[1, -1])
                    AssertNoChange(net, x, j, sign, radii[i], positive, i);
        }
    }

    private static void AssertNoChange(MoonsNet net, float[] x, int j, int sign, double radius, bool positive, int sample)
    {
        float[] y = (float[])x.Clone();
        void Check(float coordinate)
        {
            if (Math.Abs((double)coordinate - x[j]) >= radius)
                return;
            y[j] = coordinate;
            float f = net.Forward(y);
            Assert.True(positive ? f >= 0 : f < 0,
                $"sample {sample}: f = {f} at distance {Math.Abs((double)coordinate - x[j]):G9} < radius {radius:G9} (coordinate {j}, direction {sign})");
        }
        for (int k = 1; k <= 64; k++)
            Check((float)(x[j] + sign * radius * k / 64));
        // The representable points just inside the radius, walking inwards.
        float edge = (float)(x[j] + sign * radius);
        for (int k = 0; k < 400; k++, edge = sign > 0 ? MathF.BitDecrement(edge) : MathF.BitIncrement(edge))
            Check(edge);
    }

    [Fact]
    public void The_float_error_bound_holds_at_large_inputs()
    {
        // The trained network shifted to 10⁴: f̃ differs from the exact f of its weights by no more than E(x).
        MoonsNet net = Shifted(Trained(), 10_000f);
        var output = new float[1];
        var workspace = new float[MoonsNet.Kernel.WorkspaceLength];
        Dataset data = Offset(TwoMoons.Generate(100, 0.1, 4), 10_000f);
        double largest = 0;
        for (int i = 0; i < data.Count; i++)
        {
            double bound = FloatErrorBound.AtPoint<MoonsNet.Kernel>(net.Parameters, data.Input(i), output, workspace);
            double exact = ScalarReference.Forward(net.Description, net.Parameters, data.Input(i))[0];
            Assert.InRange(Math.Abs(output[0] - exact), 0, bound);
            largest = Math.Max(largest, bound);
        }
        Assert.InRange(largest, 1e-5, 1e-1); // large at 10⁴, as it should be, and still far from useless
    }

    [Fact]
    public void Float_difference_quotients_beyond_the_certificate_are_explained_by_the_error_bound()
    {
        var net = new AwkwardNet();
        net.Initialize(5);
        // A network that uses its whole slope, as a trained one does: every row's bound sits on its first entry, so
        // f(x) = ∏λᵢ·x₁ plus the (random) biases' effect, and |∂f/∂x₁| = L̂.
        var scratch = new SeededRandom(1);
        foreach (LayerShape layer in net.Description.Layers)
            for (int r = 0; r < layer.Outputs; r++)
            {
                Span<float> row = net.Parameters.Slice(layer.WeightOffset + r * layer.Inputs, layer.Inputs);
                row.Clear();
                row[0] = (float)(layer.Bound * (1 - 1e-6));
                net.Parameters[layer.BiasOffset + r] = (float)(2 * scratch.NextDouble() - 1);
            }
        double certificate = net.LipschitzBound();
        Assert.InRange(certificate, 3.99, 4);
        var random = new SeededRandom(3);
        var (fx, fy) = (new float[3], new float[3]);
        var workspace = new float[AwkwardNet.Kernel.WorkspaceLength];
        double worstRatio = 0;
        for (int trial = 0; trial < 3000; trial++)
        {
            float[] x = [.. Enumerable.Range(0, 3).Select(_ => 10_000f + (float)(200 * random.NextDouble() - 100))];
            double step = Math.Pow(10, -4 * random.NextDouble()); // 1e-4 .. 1: short distances are where rounding shows
            float[] y = [.. x.Select(v => v + (float)(step * (2 * random.NextDouble() - 1)))];
            double distance = ScalarReference.PNorm(x.Zip(y, (a, b) => (double)a - b).ToArray(), 3);
            if (distance == 0)
                continue;
            double ex = FloatErrorBound.AtPoint<AwkwardNet.Kernel>(net.Parameters, x, fx, workspace);
            double ey = FloatErrorBound.AtPoint<AwkwardNet.Kernel>(net.Parameters, y, fy, workspace);
            for (int k = 0; k < 3; k++)
            {
                double change = Math.Abs((double)fx[k] - fy[k]);
                worstRatio = Math.Max(worstRatio, change / distance);
                Assert.True(change <= certificate * distance + ex + ey, $"|Δf| = {change} > L̂·d + E(x) + E(y) = {certificate * distance} + {ex} + {ey}");
            }
        }
        Assert.True(worstRatio > certificate, $"the search never left L̂ ({worstRatio} ≤ {certificate}), so it tests nothing");
    }

    // ---- The attack's verdict ----------------------------------------------------------------------------------------

    public static TheoryData<string> Norms => new(nameof(MoonsNet), nameof(EuclideanNet), nameof(MaxNormNet));

    [Theory, MemberData(nameof(Norms))]
    public void The_attack_never_reports_a_projected_network_as_failed(string name)
    {
        ILipschitzNetwork network = NetworkCases.Create(name);
        var random = new SeededRandom(11);
        for (int seed = 0; seed < 100; seed++)
        {
            network.Initialize((ulong)seed);
            // Half the networks see inputs around 10⁴, where float evaluation is least exact.
            float offset = seed % 2 == 0 ? 0 : 10_000;
            int n = network.Description.InputCount, m = network.Description.OutputCount;
            var inputs = new float[24 * n];
            for (int i = 0; i < inputs.Length; i++)
                inputs[i] = offset + (float)(2 * random.NextDouble() - 1);
            var targets = new float[24 * m];
            for (int s = 0; s < 24; s++)
                targets[s * m + random.NextInt(m)] = 1;
            if (m > 1)
                for (int i = 0; i < targets.Length; i++)
                    targets[i] = targets[i] == 1 ? 1 : -1;
            VerificationReport report = VerifyAny(network, new Dataset(inputs, targets, n, m), new VerificationOptions { AttackStarts = 6, AttackSteps = 12, Seed = (ulong)seed });
            Assert.True(report.Status == VerificationStatus.Verified, $"{name}, seed {seed}, offset {offset}:{Environment.NewLine}{report}");
        }
    }

    private static VerificationReport VerifyAny(ILipschitzNetwork network, Dataset data, VerificationOptions options) => network switch
    {
        MoonsNet net => LipschitzVerifier.Verify(net, data, options),
        EuclideanNet net => LipschitzVerifier.Verify(net, data, options),
        MaxNormNet net => LipschitzVerifier.Verify(net, data, options),
        _ => throw new ArgumentException(network.GetType().Name),
    };

    [Fact]
    public void A_network_pushed_past_its_bound_is_not_reported_as_verified()
    {
        MoonsNet net = Trained(20);
        LayerShape last = net.Description.Layers[^1];
        for (int i = 0; i < last.Inputs; i++)
            net.Parameters[last.WeightOffset + i] *= 3;
        VerificationReport report = LipschitzVerifier.Verify(net, TwoMoons.Generate(200, 0.1, 5));
        Assert.Equal(VerificationStatus.ExceedsDeclaredBound, report.Status);
        Assert.Contains("E ≤", report.ToString());
    }

    // ---- Concurrent read-only calls ----------------------------------------------------------------------------------

    [Fact]
    public void Read_only_members_agree_with_single_threaded_results_from_two_threads()
    {
        MoonsNet net = Trained(5);
        Dataset data = TwoMoons.Generate(64, 0.2, 8);
        float[] inputs = data.Inputs.ToArray();
        float[] ones = Enumerable.Repeat(1f, data.Count).ToArray();

        (float[] Forward, float[] Batch, float[] Backward, float[] Gradients, double Bound) Run()
        {
            var forward = new float[data.Count];
            var batch = new float[data.Count];
            var backward = new float[MoonsNet.ParameterCount];
            var gradients = new float[2 * data.Count];
            for (int i = 0; i < data.Count; i++)
            {
                forward[i] = net.Forward(data.Input(i));
                net.InputGradient(data.Input(i), [1f], gradients.AsSpan(2 * i, 2));
            }
            net.ForwardBatch(inputs, batch);
            net.Backward(inputs, ones, backward);
            return (forward, batch, backward, gradients, net.LipschitzBound());
        }

        var expected = Run();
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        void Worker()
        {
            for (int round = 0; round < 200; round++)
            {
                var actual = Run();
                if (!actual.Forward.SequenceEqual(expected.Forward)) failures.Add("Forward");
                if (!actual.Batch.SequenceEqual(expected.Batch)) failures.Add("ForwardBatch");
                if (!actual.Backward.SequenceEqual(expected.Backward)) failures.Add("Backward");
                if (!actual.Gradients.SequenceEqual(expected.Gradients)) failures.Add("InputGradient");
                if (actual.Bound != expected.Bound) failures.Add("LipschitzBound");
            }
        }
        var threads = new[] { new Thread(Worker), new Thread(Worker) };
        foreach (Thread t in threads)
            t.Start();
        foreach (Thread t in threads)
            t.Join();
        Assert.Empty(failures.Distinct());
    }
}
