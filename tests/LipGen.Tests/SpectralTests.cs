using CsCheck;
using LipGen.Data;
using LipGen.IO;
using LipGen.Tests.Networks;
using LipGen.Training;
using LipGen.Verification;
using static LipGen.Tests.NetworkCases;

namespace LipGen.Tests;

/// <summary>Spectral layers: the sound bound against an independent SVD, the projection, Björck, and the network end to end.</summary>
public class SpectralTests
{
    /// <summary>All singular values of a row-major matrix, in double, by cyclic Jacobi on its Gram matrix (independent of LipGen).</summary>
    internal static double[] SingularValues(ReadOnlySpan<float> w, int rows, int columns)
    {
        int n = columns;
        var a = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int r = 0; r < rows; r++)
                    sum += (double)w[r * columns + i] * w[r * columns + j];
                a[i, j] = sum;
            }
        for (int sweep = 0; sweep < 100; sweep++)
        {
            double off = 0;
            for (int p = 0; p < n; p++)
                for (int q = p + 1; q < n; q++)
                {
                    off += a[p, q] * a[p, q];
                    if (Math.Abs(a[p, q]) < 1e-300)
                        continue;
                    double theta = (a[q, q] - a[p, p]) / (2 * a[p, q]);
                    double t = Math.Sign(theta == 0 ? 1 : theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
                    double c = 1 / Math.Sqrt(t * t + 1), s = t * c;
                    for (int k = 0; k < n; k++)
                    {
                        double akp = a[k, p], akq = a[k, q];
                        a[k, p] = c * akp - s * akq;
                        a[k, q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < n; k++)
                    {
                        double apk = a[p, k], aqk = a[q, k];
                        a[p, k] = c * apk - s * aqk;
                        a[q, k] = s * apk + c * aqk;
                    }
                }
            if (off < 1e-30)
                break;
        }
        return [.. Enumerable.Range(0, n).Select(i => Math.Sqrt(Math.Max(a[i, i], 0))).OrderByDescending(v => v)];
    }

    private static float[] Matrix(int rows, int columns, ulong seed, string kind)
    {
        var random = new SeededRandom(seed);
        var w = new float[rows * columns];
        for (int i = 0; i < w.Length; i++)
            w[i] = (float)(2 * random.NextDouble() - 1);
        switch (kind)
        {
            case "rank one": // u·vᵀ: σ = ‖u‖‖v‖, the rest 0
                for (int r = 0; r < rows; r++)
                    for (int c = 0; c < columns; c++)
                        w[r * columns + c] = (float)((r + 1) * 0.1 * (c % 3 - 1));
                break;
            case "orthogonal": // a signed permutation scaled by 0.7: every singular value equal, power iteration cannot single one out
                Array.Clear(w);
                for (int i = 0; i < Math.Min(rows, columns); i++)
                    w[i * columns + (i * 5 + 1) % columns] = i % 2 == 0 ? 0.7f : -0.7f;
                break;
            case "close pair": // two nearly equal top singular values
                Array.Clear(w);
                for (int i = 0; i < Math.Min(rows, columns); i++)
                    w[i * columns + i] = i == 0 ? 1f : i == 1 ? 0.9999999f : 0.3f;
                break;
            case "huge and tiny":
                for (int i = 0; i < w.Length; i++)
                    w[i] *= i % 7 == 0 ? 1e6f : 1e-6f;
                break;
        }
        return w;
    }

    public static TheoryData<int, int, string> Matrices()
    {
        var data = new TheoryData<int, int, string>();
        // Sizes around the Cholesky test's blocks of 8 rows: one partial block, exactly one, several with a partial last one.
        foreach ((int rows, int columns) in new[] { (8, 8), (16, 5), (5, 16), (64, 64), (1, 9), (9, 1), (37, 20), (17, 40) })
            foreach (string kind in new[] { "random", "rank one", "orthogonal", "close pair", "huge and tiny" })
                data.Add(rows, columns, kind);
        return data;
    }

    [Theory, MemberData(nameof(Matrices))]
    public void The_sound_bound_is_never_below_the_largest_singular_value_and_is_tight(int rows, int columns, string kind)
    {
        for (ulong seed = 0; seed < 3; seed++)
        {
            float[] w = Matrix(rows, columns, seed, kind);
            double exact = SingularValues(w, rows, columns)[0];
            double bound = Model.SpectralBound.Compute(w, rows, columns, default);
            Assert.True(bound >= exact, $"{kind} {rows}×{columns}: bound {bound} below σ_max {exact}");
            Assert.True(bound <= exact * 1.001 + 1e-30, $"{kind} {rows}×{columns}: bound {bound} far above σ_max {exact}");
        }
    }

    [Theory, MemberData(nameof(Matrices))]
    public void A_projections_claim_first_bound_is_sound_says_the_claim_when_it_holds_and_stays_close_when_it_does_not(int rows, int columns, string kind)
    {
        // What a projection asks (claimFirst): for claims above σ_max, the claim itself (or the cheap bound, when it is
        // lower still); for claims below it, a proved bound, never below σ_max and within 10⁻³ of it; from a cold start, a
        // warm one (the last call's vector) and a zero one.
        for (ulong seed = 0; seed < 3; seed++)
        {
            float[] w = Matrix(rows, columns, seed, kind);
            double exact = SingularValues(w, rows, columns)[0];
            var state = new float[Math.Min(rows, columns)];
            foreach (double ratio in new[] { 1.01, 1.0001, 0.999, 0.5 })
            {
                double claim = exact * ratio;
                for (int call = 0; call < 2; call++)
                {
                    double bound = Model.SpectralBound.Compute(w, rows, columns, default, state, state, iterations: call == 0 ? 300 : 40, claim, claimFirst: true);
                    Assert.True(bound >= exact, $"{kind} {rows}×{columns}, claim ×{ratio}: bound {bound} below σ_max {exact}");
                    if (ratio > 1)
                        Assert.True(bound <= claim, $"{kind} {rows}×{columns}: the claim {claim} holds, yet the bound is {bound}");
                    else
                        Assert.True(bound <= exact * 1.001 + 1e-30, $"{kind} {rows}×{columns}, claim ×{ratio}: bound {bound} far above σ_max {exact}");
                }
            }
        }
    }

    [Fact]
    public void The_sound_bound_holds_over_random_shapes_kinds_and_claims()
    {
        // A property over the shapes around the Cholesky test's blocks of 8 rows (and one past a block of 16 columns): the
        // bound is never below σ_max, with or without a claim tested first, and a claim above σ_max is what it says.
        string[] kinds = ["random", "rank one", "orthogonal", "close pair", "huge and tiny"];
        Gen.Select(Gen.Int[1, 40], Gen.Int[1, 40], Gen.ULong, Gen.Int[0, kinds.Length - 1], Gen.Double[0.98, 1.02]).Sample((rows, columns, seed, kind, ratio) =>
        {
            float[] w = Matrix(rows, columns, seed, kinds[kind]);
            double exact = SingularValues(w, rows, columns)[0];
            double bound = Model.SpectralBound.Compute(w, rows, columns, default);
            var state = new float[Math.Min(rows, columns)];
            double claim = exact * ratio;
            double claimed = Model.SpectralBound.Compute(w, rows, columns, default, state, state, iterations: 300, claim, claimFirst: true);
            return bound >= exact && claimed >= exact && (ratio <= 1.0001 || claimed <= claim);
        }, iter: 200);
    }

    [Fact]
    public void The_projection_leaves_every_layer_within_its_bound_and_the_certificate_within_lambda()
    {
        var net = new SpectralNet();
        NetworkDescription d = net.Description;
        var random = new SeededRandom(3);
        for (int trial = 0; trial < 10; trial++)
        {
            RandomParameters(d, ref random, scale: 3).CopyTo(net.Parameters);
            net.Project();
            foreach (LayerShape layer in d.Layers)
            {
                double sigma = SingularValues(net.Parameters.Slice(layer.WeightOffset, layer.Inputs * layer.Outputs), layer.Outputs, layer.Inputs)[0];
                Assert.True(sigma <= layer.Bound, $"trial {trial}: σ {sigma} above λᵢ {layer.Bound}");
                // The scale was large, so each layer was rescaled onto its bound; from a power-iteration vector that is not warm
                // (here random), the proved bound can be up to a few tenths of a percent above σ, and so the layer below λᵢ.
                Assert.True(sigma >= layer.Bound * 0.99, $"trial {trial}: σ {sigma} shrunk far below λᵢ {layer.Bound}");
            }
            Assert.True(net.LipschitzBound() <= d.Lipschitz, $"trial {trial}: L̂ {net.LipschitzBound()}");
        }
    }

    [Theory]
    [InlineData(1.3)]
    [InlineData(7.888609052210118e-31)] // 2⁻¹⁰⁰, the smallest bound a declaration may have: in float, its Gram matrix would underflow
    [InlineData(1e30)]
    public void Bjorck_pushes_every_singular_value_to_within_1e3_of_lambda(double lambda)
    {
        var random = new SeededRandom(5);
        var w = new float[24 * 16];
        for (int i = 0; i < w.Length; i++)
            w[i] = (float)((2 * random.NextDouble() - 1) / 8 * lambda);
        double[] before = SingularValues(w, 24, 16);
        Assert.True(before[0] / before[^1] < 10, "well-conditioned"); // the test's premise
        Kernels.SpectralNorms.Project(w, 24, 16, lambda, new float[16]); // into the region where Björck converges
        Kernels.SpectralNorms.Orthogonalize(w, 24, 16, lambda, iterations: 20);
        Assert.All(SingularValues(w, 24, 16), s => Assert.InRange(s, lambda * (1 - 1e-3), lambda * (1 + 1e-3)));
    }

    [Fact]
    public void A_spectral_network_runs_trains_saves_and_certifies_in_l2()
    {
        var net = new SpectralNet();
        NetworkDescription d = net.Description;
        Assert.Equal(LayerConstraint.Spectral, d.Constraint);
        Assert.Contains("spectral layers", d.ToString());
        var random = new SeededRandom(7);
        RandomParameters(d, ref random, scale: 1).CopyTo(net.Parameters);
        net.Project();
        // Forward against the double reference, and gradients in ℓ2 never beyond L̂.
        var output = new float[4];
        var gradient = new float[6];
        double bound = net.LipschitzBound();
        for (int trial = 0; trial < 200; trial++)
        {
            float[] x = RandomVector(ref random, 6, scale: 3);
            net.Forward(x, output);
            double[] exact = ScalarReference.Forward(d, net.Parameters, x);
            for (int k = 0; k < 4; k++)
                Assert.Equal(exact[k], output[k], 1e-5);
            float[] weights = RandomVector(ref random, 4, scale: 1);
            net.InputGradient(x, weights, gradient);
            // ‖J·v‖ in ℓ2 is at most L̂·‖v‖₂: the network is L̂-Lipschitz from ℓ2 to ℓ2.
            Assert.True(ScalarReference.PNorm(ScalarReference.ToDouble(gradient), 2) <= bound * ScalarReference.PNorm(ScalarReference.ToDouble(weights), 2) * (1 + 1e-5));
        }
        // The file records the constraint, and a row-bounded network of the same shape refuses it.
        var file = new MemoryStream();
        net.Save(file);
        var loaded = new SpectralNet();
        loaded.Load(new MemoryStream(file.ToArray()));
        Assert.Equal(net.Parameters[..^d.Layers.ToArray().Sum(l => Math.Min(l.Inputs, l.Outputs))].ToArray(),
            loaded.Parameters[..^d.Layers.ToArray().Sum(l => Math.Min(l.Inputs, l.Outputs))].ToArray());
        // Training with Björck keeps the bound, and reaches good accuracy on three blobs padded to six inputs.
        Dataset blobs = MulticlassLossTests.Blobs(240, 4);
        var inputs = new float[240 * 6];
        var labels = new int[240];
        for (int i = 0; i < 240; i++)
        {
            blobs.Input(i).CopyTo(inputs.AsSpan(i * 6, 5));
            labels[i] = Prediction.Classify(blobs.Target(i));
        }
        Dataset data = Dataset.FromClassLabels(inputs, labels, 6, 4);
        TrainingResult result = Trainer.Train(net, data, new TauCrossEntropyLoss(10),
            new TrainingOptions { Epochs = 30, BatchSize = 32, LearningRate = 0.01, BjorckIterations = 3 });
        Assert.True(result.Final.Accuracy > 0.9, $"accuracy {result.Final.Accuracy}");
        Assert.True(net.LipschitzBound() <= d.Lipschitz);
        Assert.All(result.Epochs, e => Assert.True(e.LipschitzBound <= d.Lipschitz));
        VerificationReport report = LipschitzVerifier.Verify(net, data, new VerificationOptions { AttackStarts = 8, AttackSteps = 20 });
        Assert.Equal(VerificationStatus.Verified, report.Status);
        Assert.Null(report.RadiusCounterexample);
        Assert.True(report.LargestPairBound <= Math.Sqrt(2) * report.CertifiedBound * (1 + 1e-12));
        Assert.Throws<InvalidOperationException>(() => new TrainingSession<MulticlassL1Net.Kernel, TauCrossEntropyLoss>(new MulticlassL1Net(), new TauCrossEntropyLoss(1)) { BjorckIterations = 2 });
    }
}
