using CsCheck;
using LipGen.Data;
using LipGen.IO;
using LipGen.Kernels;
using LipGen.Tests.Networks;
using LipGen.Training;
using LipGen.Verification;

namespace LipGen.Tests;

/// <summary>
/// The edges a probe of the guarantee found: where a user got a wrong verdict, a hang, an exception from deep inside or a
/// silent NaN. Each test failed before its fix.
/// </summary>
public class EdgeTests
{
    [Theory]
    [InlineData(1, 16)]
    [InlineData(1, 64)]
    [InlineData(2, 16)]
    [InlineData(2, 64)]
    public void Bjorck_training_ends_every_epoch_within_lambda_and_the_saved_file_loads_back(int iterations, int batch)
    {
        for (ulong seed = 0; seed < 6; seed++)
        {
            var net = new SpectralMoonsNet();
            net.Initialize(seed);
            Dataset data = TwoMoons.Generate(1500, 0.1, seed);
            TrainingResult result = Trainer.Train(net, data, new HingeLoss(0.1f),
                new TrainingOptions { Epochs = 4, BatchSize = batch, LearningRate = 0.02, Seed = seed, BjorckIterations = iterations });
            Assert.All(result.Epochs, e => Assert.True(e.LipschitzBound <= 1, $"seed {seed}, epoch {e.Epoch}: L̂ = {e.LipschitzBound:R}"));
            // The projection's verdict is the certificate's: another projection changes nothing, the verifier agrees, and the
            // network's own file loads back into it.
            int weights = net.Description.Layers[^1].BiasOffset + 1; // the power-iteration vectors after them may move
            float[] before = net.Parameters[..weights].ToArray();
            net.Project();
            Assert.Equal(before, net.Parameters[..weights].ToArray());
            var file = new MemoryStream();
            net.Save(file);
            var loaded = new SpectralMoonsNet();
            loaded.Load(new MemoryStream(file.ToArray()));
            Assert.Equal(net.LipschitzBound(), loaded.LipschitzBound());
        }
    }

    [Fact]
    public void Seeded_integers_are_those_of_the_rejection_rule_with_its_limit_computed_every_draw()
    {
        // NextInt computes its rejection limit only for draws that could be rejected; the sequence (every shuffle, every
        // seeded split) must be that of the rule with the limit computed always, for small ranges and near 2³¹.
        foreach (int range in new[] { 1, 2, 3, 7, 128, 10_000, 1 << 30, int.MaxValue - 1, int.MaxValue })
        {
            var fast = new SeededRandom(42);
            var plain = new SeededRandom(42);
            for (int i = 0; i < 2000; i++)
            {
                ulong r = (ulong)range, limit = ulong.MaxValue - ulong.MaxValue % r, x;
                do x = plain.NextUInt64(); while (x >= limit);
                Assert.Equal((int)(x % r), fast.NextInt(range));
            }
        }
    }

    [Fact]
    public void The_spectral_bound_finds_a_top_singular_vector_orthogonal_to_the_power_iterations_start()
    {
        // 128 × 128 with σ = 1, 0.8, 0.8·0.99… and the top left singular vector orthogonal to the fixed start vector: power
        // iteration from that start settles on σ₂ long before rounding brings σ₁ in. The bound must still be tight.
        const int n = 128;
        var random = new SeededRandom(11);
        double[] start = [.. Enumerable.Range(0, n).Select(i => 1 + 0.01 * ((i * 7919) % 101) / 101.0)];
        double[][] u = Orthonormal(n, ref random, first: start), v = Orthonormal(n, ref random, first: null);
        var w = new float[n * n];
        for (int r = 0; r < n; r++)
            for (int c = 0; c < n; c++)
            {
                double sum = 0;
                for (int k = 0; k < n; k++)
                    sum += (k == 0 ? 1 : 0.8 * Math.Pow(0.99, k - 1)) * u[k][r] * v[k][c];
                w[r * n + c] = (float)sum;
            }
        double exact = SpectralTests.SingularValues(w, n, n)[0];
        double bound = Model.SpectralBound.Compute(w, n, n, default);
        Assert.True(bound >= exact, $"bound {bound} below σ₁ {exact}");
        Assert.True(bound <= exact * 1.001, $"bound {bound} is {bound / exact:F3}× σ₁ {exact}");
    }

    /// <summary>
    /// n orthonormal vectors by Gram–Schmidt on random ones; with <paramref name="first"/>, the first is a random vector made
    /// orthogonal to it.
    /// </summary>
    private static double[][] Orthonormal(int n, ref SeededRandom random, double[]? first)
    {
        var basis = new List<double[]>();
        if (first is not null)
            basis.Add(Normalized(first));
        var vectors = new double[n][];
        for (int k = 0; k < n; k++)
        {
            var x = new double[n];
            for (int i = 0; i < n; i++)
                x[i] = random.NextGaussian();
            foreach (double[] b in basis)
            {
                double dot = x.Zip(b, (p, q) => p * q).Sum();
                for (int i = 0; i < n; i++)
                    x[i] -= dot * b[i];
            }
            vectors[k] = Normalized(x);
            basis.Add(vectors[k]);
        }
        return vectors;
    }

    private static double[] Normalized(double[] x)
    {
        double norm = Math.Sqrt(x.Sum(v => v * v));
        return [.. x.Select(v => v / norm)];
    }

    /// <summary>A bound from 10⁻⁴⁵ to 10³⁸, log-uniform.</summary>
    private static readonly Gen<double> Bounds = Gen.Double[-45, 38].Select(e => Math.Pow(10, e));

    /// <summary>
    /// Runs <paramref name="action"/> on a thread of its own and says whether it returned in time, rethrowing what it threw.
    /// Not Task.Run: CsCheck samples on pool threads, and a pool thread blocked on a pool task can wait past any limit
    /// for the pool to grow.
    /// </summary>
    private static bool ReturnsWithin(Action action, TimeSpan limit)
    {
        Exception? thrown = null;
        var thread = new Thread(() =>
        {
            try { action(); }
            catch (Exception e) { thrown = e; }
        }) { IsBackground = true };
        thread.Start();
        bool returned = thread.Join(limit);
        if (thrown is not null)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(thrown);
        return returned;
    }

    [Fact]
    public void No_projection_loops_or_overshoots_on_any_bound()
    {
        // Rows of every magnitude, subnormal ones included, projected onto every bound a float can hold: either the bound is
        // refused up front (below 2⁻¹⁰⁰, the subnormal region) or the rows end inside it, in one bounded pass.
        Gen.Select(Bounds, Gen.Float[-1, 1].Array[1, 40], Gen.Int[-149, 127], Gen.Int[0, 3].Select(i => new[] { 1.0, 2.0, double.PositiveInfinity, 3.0 }[i])).Sample((bound, row, exponent, q) =>
        {
            float[] weights = [.. row.Select(x => (float)(x * Math.Pow(2, exponent)))];
            bool usable = bound >= Model.NetworkPlan.MinimumBound;
            if (!usable)
            {
                Assert.Throws<ArgumentOutOfRangeException>(void () => RowNorms.Project(weights, 1, weights.Length, q, bound));
                return;
            }
            Assert.True(ReturnsWithin(() => RowNorms.Project(weights, 1, weights.Length, q, bound), TimeSpan.FromSeconds(10)), "Project did not return");
            Assert.True(RowNorms.Norm(weights, q) <= RowNorms.Threshold(weights.Length, q, bound), $"‖row‖ {RowNorms.Norm(weights, q)} above {bound}");
        }, iter: 2000);
    }

    [Fact]
    public void No_spectral_projection_loops_or_overshoots_on_any_bound()
    {
        Gen.Select(Bounds, Gen.Float[-1, 1].Array[12], Gen.Int[-149, 127]).Sample((bound, entries, exponent) =>
        {
            float[] weights = [.. entries.Select(x => (float)(x * Math.Pow(2, exponent)))];
            if (bound < Model.NetworkPlan.MinimumBound)
            {
                Assert.Throws<ArgumentOutOfRangeException>(void () => SpectralNorms.Project(weights, 4, 3, bound, new float[3]));
                return;
            }
            Assert.True(ReturnsWithin(() => SpectralNorms.Project(weights, 4, 3, bound, new float[3]), TimeSpan.FromSeconds(10)), "Project did not return");
            double sigma = SpectralTests.SingularValues(weights, 4, 3)[0];
            Assert.True(sigma <= bound * (1 + 1e-12), $"σ {sigma} above the bound {bound}");
            Assert.True(Model.SpectralBound.Compute(weights, 4, 3, default, Model.Certificate.Inside(bound)) <= bound,
                "the certificate reads the projected layer as above its bound");
        }, iter: 1000);
    }

    [Fact]
    public void A_description_refuses_every_bound_a_float_network_cannot_hold()
    {
        Gen.Select(Bounds, Gen.Int[1, 4]).Sample((bound, layers) =>
        {
            int[] widths = [.. Enumerable.Repeat(4, layers + 1)];
            int[] groups = [.. Enumerable.Repeat(2, layers - 1)];
            if (Model.NetworkPlan.BoundProblem(bound) is null)
                Assert.Equal(bound, new NetworkDescription("Net", new NetworkDeclaration(widths) { GroupSizes = groups, Lipschitz = bound }).Lipschitz);
            else
                Assert.Contains("LIPG011, Lipschitz", Assert.Throws<ArgumentException>(() => new NetworkDescription("Net", new NetworkDeclaration(widths) { GroupSizes = groups, Lipschitz = bound })).Message);
        }, iter: 500);
        Assert.Contains("at least 2⁻¹⁰⁰", Assert.Throws<ArgumentException>(() => new NetworkDescription("Net", new NetworkDeclaration(2, 4, 1) { Lipschitz = 1e-80 })).Message);
        Assert.Contains("at most float.MaxValue", Assert.Throws<ArgumentException>(() => new NetworkDescription("Net", new NetworkDeclaration(2, 4, 1) { Lipschitz = 1e39 })).Message);
        Assert.Throws<ArgumentException>(() => new NetworkDescription("Net", new NetworkDeclaration(2, 4, 1) { GroupSize = 0 })); // a group size of 0 would never end a group
    }

    [Fact]
    public void Verify_reports_outputs_that_are_not_finite_instead_of_throwing()
    {
        var net = new MoonsNet();
        var data = new Dataset([3e38f, -3e38f, 0.5f, 0.2f, -0.3f, 0.1f], [1, -1, 1], 2, 1);
        VerificationReport report = LipschitzVerifier.Verify(net, data, new VerificationOptions { AttackStarts = 12, AttackSteps = 10 });
        Assert.Equal(VerificationStatus.NonFiniteOutput, report.Status);
        Assert.True(report.NonFiniteOutputs > 0 || report.NonFinitePoint is not null);
        string text = report.ToString();
        Assert.Contains("NOT FINITE", text);
        Assert.DoesNotContain("  VERIFIED:", text);

        // A sample whose output is NaN itself: counted, named, and never called verified.
        var huge = new MoonsNet();
        LayerShape[] layers = huge.Description.Layers.ToArray();
        huge.Parameters.Clear();
        huge.Parameters[layers[0].WeightOffset] = 0.5f;   // layer 1, row 0 reads x0, with a bias near float.MaxValue
        huge.Parameters[layers[0].BiasOffset] = 3e38f;
        huge.Parameters[layers[1].WeightOffset] = 0.5f;
        huge.Parameters[layers[2].WeightOffset] = 0.5f;
        var overflow = new Dataset([float.MaxValue, 0, 0.5f, 0], [1, 1], 2, 1);
        VerificationReport nan = LipschitzVerifier.Verify(huge, overflow, new VerificationOptions { AttackStarts = 6, AttackSteps = 5 });
        Assert.Equal(VerificationStatus.NonFiniteOutput, nan.Status);
        Assert.Equal(1, nan.NonFiniteOutputs);
        Assert.Equal(0, nan.NonFiniteSample);
        Assert.False(float.IsFinite(nan.NonFiniteSampleOutput![0]));
        Assert.Contains("the output is not finite at 1 of the data's samples (first: sample 0", nan.ToString());
    }

    [Fact]
    public void A_subnormal_input_map_scale_is_refused_everywhere()
    {
        var net = new MappedNet();
        Assert.Contains("smallest normal float", Assert.Throws<ArgumentOutOfRangeException>(() => InputMaps.Set(net, [0f, 0f], [1f, 1e-44f])).Message);
        Assert.Equal([1f, 1f], InputMaps.Get(net).Scales); // nothing changed

        net.Parameters[net.Description.InputScaleOffset + 1] = 1.4e-45f;
        Assert.Contains("smallest normal float", Assert.Throws<ArgumentException>(() => net.Project()).Message);

        float[] parameters = new MappedNet().Parameters.ToArray();
        parameters[net.Description.InputScaleOffset] = 1.4e-45f;
        byte[] file = NetworkFile.Serialize(net.Description, parameters);
        var target = new MappedNet();
        Assert.Contains("at least 1.2E-38", Assert.Throws<NetworkFileException>(() => target.Load(new MemoryStream(file))).Message);
        Assert.True(double.IsNaN(CertifiedBound.Compute(net.Description, parameters)), "no certificate for a map that overflows");

        // A normal scale keeps the map finite a long way from the offset.
        InputMaps.Set(target, [0f, 0f], [1.2e-38f, 1f]);
        float[] output = new float[1];
        target.Forward([1e-3f, 0.5f], output);
        Assert.True(float.IsFinite(output[0]));
    }

    [Fact]
    public void Reparametrised_training_of_spectral_layers_is_refused_before_any_step()
    {
        var net = new SpectralNet();
        float[] before = net.Parameters.ToArray();
        Dataset data = Dataset.FromClassLabels(new float[6 * 8], [0, 1, 2, 3, 0, 1, 2, 3], 6, 4);
        var error = Assert.Throws<InvalidOperationException>(() => Trainer.Train(net, data, new TauCrossEntropyLoss(1),
            new TrainingOptions { Epochs = 1, Constraint = ConstraintMethod.Reparametrization }));
        Assert.Contains("reparametrised training is implemented for row-bounded layers (and AOL layers", error.Message);
        Assert.Contains("ConstraintMethod.Projection", error.Message);
        Assert.Equal(before, net.Parameters.ToArray());
    }

    /// <summary>A stream that fails as a caller's stream might.</summary>
    private sealed class FailingStream(Exception failure) : MemoryStream(new byte[64])
    {
        public override int Read(byte[] buffer, int offset, int count) => throw failure;

        public override int Read(Span<byte> buffer) => throw failure;

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => throw failure;

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => throw failure;
    }

    public static TheoryData<string> StreamFailures => new("timeout", "state", "socket");

    private static Exception Failure(string kind) => kind switch
    {
        "timeout" => new TimeoutException("the peer stopped answering"),
        "state" => new InvalidOperationException("the stream is not readable now"),
        _ => new System.Net.Sockets.SocketException(10054),
    };

    [Theory, MemberData(nameof(StreamFailures))]
    public async Task Any_failure_of_a_callers_stream_is_a_network_file_exception_and_leaves_the_network_unchanged(string kind)
    {
        var net = new MoonsNet();
        float[] before = net.Parameters.ToArray();
        NetworkFileException error = Assert.Throws<NetworkFileException>(() => net.Load(new FailingStream(Failure(kind))));
        Assert.Contains("Cannot read the stream", error.Message);
        Assert.NotNull(error.InnerException);
        await Assert.ThrowsAsync<NetworkFileException>(() => net.LoadAsync(new FailingStream(Failure(kind))));
        Assert.Equal(before, net.Parameters.ToArray());
        // A cancellation the caller asked for stays a cancellation.
        Assert.Throws<OperationCanceledException>(() => net.Load(new FailingStream(new OperationCanceledException())));
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(1 << 28)]
    [InlineData(4097)]
    public void A_class_count_no_network_can_output_is_refused(int classes)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Dataset.FromClassLabels(new float[4], [0, 1], 2, classes));
        Assert.Contains("at most 4096 wide", error.Message);
        Assert.Equal(4096, Dataset.FromClassLabels(new float[4], [0, 4095], 2, 4096).TargetWidth);
    }

    [Fact]
    public void Data_frames_name_what_is_wrong_with_the_columns_asked_for()
    {
        string csv = Path.Combine(Directory.CreateTempSubdirectory("lipgen-edge-").FullName, "header-only.csv");
        File.WriteAllText(csv, "x,y,label\n");
        Assert.Contains("no rows", Assert.Throws<ArgumentException>(() => DataFrameDataset.LoadCsv(csv, ["x", "y"], ["label"])).Message);
        File.WriteAllText(csv, "x,y,label\n1,2,1\n3,4,-1\n");
        Assert.Contains("both as a feature and as a label", Assert.Throws<ArgumentException>(() => DataFrameDataset.LoadCsv(csv, ["x", "label"], ["label"])).Message);
        Assert.Contains("named 2 times", Assert.Throws<ArgumentException>(() => DataFrameDataset.LoadCsv(csv, ["x", "x"], ["label"])).Message);
        Assert.Equal(2, DataFrameDataset.LoadCsv(csv, ["x", "y"], ["label"]).Count);
    }

    [Fact]
    public void The_monotonicity_search_reports_rounding_level_wrong_way_moves_with_their_allowance()
    {
        // A monotone network whose slope in x0 is c − 0.9999·λ ≈ 1.5·10⁻⁴: certified monotone, but over very short steps float
        // rounding moves the output more than the slope does, sometimes the wrong way. The search must see that, and say it is
        // within rounding.
        var net = new MonotoneNet();
        NetworkDescription d = net.Description;
        Span<float> p = net.Parameters;
        p.Clear();
        LayerShape[] layers = d.Layers.ToArray();
        double lambdaI = layers[0].Bound;
        p[layers[0].WeightOffset] = p[layers[0].WeightOffset + 4] = (float)(-lambdaI * (1 - 1e-4)); // rows 0 and 1 read −x0
        p[layers[1].WeightOffset] = p[layers[1].WeightOffset + 16] = (float)(lambdaI * (1 - 1e-7));
        p[layers[2].WeightOffset] = (float)(lambdaI * (1 - 1e-7));
        net.Project();
        var random = new SeededRandom(3);
        var inputs = new float[64 * 4];
        for (int i = 0; i < 64; i++)
            inputs[i * 4] = (float)(2 * random.NextDouble() - 1);
        var data = new Dataset(inputs, new float[64], 4, 1);
        VerificationReport report = LipschitzVerifier.Verify(net, data, new VerificationOptions { AttackStarts = 4, AttackSteps = 4, MonotoneSearchStarts = 64 });
        Assert.True(report.InputSlopes[0].IsCertifiedMonotone, report.ToString());
        Assert.True(report.InputSlopes[0].Lower > 0);
        Assert.Equal(MonotonicityStatus.Certified, report.Monotonicity);
        Assert.True(report.LargestMonotoneDecrease is not null, report.ToString());
        MonotonePair decrease = report.LargestMonotoneDecrease!;
        Assert.False(decrease.IsBeyondRounding);
        Assert.True(report.MonotoneSearchPairs > 0);
        Assert.Contains("largest wrong-way move seen", report.ToString());
        Assert.Contains("within float rounding", report.ToString());
    }
}
