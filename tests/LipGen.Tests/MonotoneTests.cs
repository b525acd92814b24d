using CsCheck;
using LipGen.Data;
using LipGen.IO;
using LipGen.Tests.Networks;
using LipGen.Verification;
using static LipGen.Tests.NetworkCases;

namespace LipGen.Tests;

/// <summary>
/// Monotone networks f = g + c·Σ sᵢzᵢ and the input map z = (x − offset) / scale: the declared bound, the slope ranges against
/// brute force, the monotonicity certificate and search, the float error bound, and the map's checks and round trips.
/// </summary>
public class MonotoneTests
{
    public static TheoryData<string> MonotoneNetworks => new(nameof(MonotoneNet), nameof(MappedMonotoneNet));

    public static TheoryData<string> MappedOrMonotone => new(nameof(MonotoneNet), nameof(MappedMonotoneNet), nameof(MappedNet));

    [Fact]
    public void The_declared_bound_is_lambda_times_one_plus_the_dual_norm_of_the_signs()
    {
        // p = 1: ‖s‖_∞ = 1, so 2λ; c = 1.5 is a float, exactly.
        Assert.InRange(MonotoneNet.Kernel.Description.DeclaredBound, 3, 3 * (1 + 1e-15));
        Assert.Equal(1.5f, MonotoneNet.Kernel.Description.ResidualCoefficient);
        // p = 2 with two monotone inputs: λ + c·√2, c = 0.8 rounded up to a float.
        NetworkDescription d = MappedMonotoneNet.Kernel.Description;
        Assert.True(d.ResidualCoefficient >= 0.8 && d.ResidualCoefficient - 0.8 < 1e-7);
        Assert.InRange(d.DeclaredBound, 0.8 + d.ResidualCoefficient * Math.Sqrt(2), (0.8 + d.ResidualCoefficient * Math.Sqrt(2)) * (1 + 1e-12));
        Assert.Contains("monotone [+, −, 0]", d.ToString());
        Assert.Equal([1, -1, 0], d.Monotone.ToArray());
        Assert.Equal([0, 0, 0, 0], MonotoneTwinNet.Kernel.Description.Monotone.ToArray());
    }

    [Theory, MemberData(nameof(MonotoneNetworks))]
    public void After_projection_every_monotone_input_is_certified(string name)
    {
        ILipschitzNetwork net = Create(name);
        NetworkDescription d = net.Description;
        var random = new SeededRandom(5);
        for (int trial = 0; trial < 20; trial++)
        {
            RandomParameters(d, ref random, scale: 5).CopyTo(net.Parameters);
            net.Project();
            foreach (InputSlope slope in CertifiedBound.SlopeRanges(d, net.Parameters))
            {
                Assert.True(slope.Lower <= slope.Upper);
                if (slope.Monotone != 0)
                    Assert.True(slope.IsCertifiedMonotone, $"{name} trial {trial}: input {slope.Input} range [{slope.Lower}, {slope.Upper}]");
                else
                    Assert.Equal(-slope.Lower, slope.Upper); // a free input's range is symmetric: ±Bᵢ
            }
        }
    }

    [Theory, MemberData(nameof(MonotoneNetworks))]
    public void Property_the_float_network_never_moves_against_a_certified_input_beyond_its_error_bound(string name)
    {
        // For random certified weights, points and steps: sᵢ·(f̃(x + t·eᵢ) − f̃(x)) ≥ −(E(x) + E(y)), the guarantee in float.
        switch (name)
        {
            case nameof(MonotoneNet): Check(new MonotoneNet()); break;
            default: Check(new MappedMonotoneNet()); break;
        }

        static void Check<TKernel>(ILipschitzNetwork<TKernel> net) where TKernel : struct, ILipschitzKernel
        {
            NetworkDescription d = net.Description;
            int[] monotone = Enumerable.Range(0, d.InputCount).Where(i => d.Monotone[i] != 0).ToArray();
            var (fx, fy) = (new float[d.OutputCount], new float[d.OutputCount]);
            var workspace = new float[TKernel.WorkspaceLength];
            Gen.Select(Gen.ULong, Gen.Float[-50, 50].Array[d.InputCount], Gen.Int[0, monotone.Length - 1], Gen.Double[1e-6, 10]).Sample((seed, x, which, t) =>
            {
                var random = new SeededRandom(seed);
                RandomParameters(d, ref random, scale: 3).CopyTo(net.Parameters);
                net.Project();
                int i = monotone[which];
                float[] y = (float[])x.Clone();
                y[i] = (float)(x[i] + t);
                if (!(y[i] > x[i]))
                    return true;
                double ex = FloatErrorBound.AtPoint<TKernel>(net.Parameters, x, fx, workspace);
                double ey = FloatErrorBound.AtPoint<TKernel>(net.Parameters, y, fy, workspace);
                for (int k = 0; k < d.OutputCount; k++)
                    if (d.Monotone[i] * ((double)fy[k] - fx[k]) < -(ex + ey))
                        return false;
                return CertifiedBound.SlopeRanges(d, net.Parameters)[i].IsCertifiedMonotone;
            }, iter: 2000, threads: 1);
        }
    }

    [Theory, MemberData(nameof(MappedOrMonotone))]
    public void Slope_ranges_hold_every_exact_slope_on_a_grid(string name)
    {
        // Brute force: on a grid, the exact (double) difference quotient along each input is an average of ∂f/∂xᵢ over the
        // segment, so it must lie inside the certified range; the largest one found shows the range is not vacuous.
        ILipschitzNetwork net = Create(name);
        NetworkDescription d = net.Description;
        var random = new SeededRandom(8);
        RandomParameters(d, ref random, scale: 2).CopyTo(net.Parameters);
        net.Project();
        InputSlope[] ranges = CertifiedBound.SlopeRanges(d, net.Parameters);
        double[] theta = ScalarReference.ToDouble(net.Parameters);
        int n = d.InputCount, points = n <= 2 ? 25 : n == 3 ? 9 : 5;
        var largest = new double[n];
        var x = new double[n];
        int total = (int)Math.Pow(points, n);
        for (int index = 0; index < total; index++)
        {
            for (int i = 0, rest = index; i < n; i++, rest /= points)
            {
                double center = d.HasInputMap ? net.Parameters[d.InputOffsetOffset + i] : 0;
                double spread = d.HasInputMap ? net.Parameters[d.InputScaleOffset + i] : 1;
                x[i] = center + spread * (-3 + 6.0 * (rest % points) / (points - 1));
            }
            double[] fx = ScalarReference.Forward(d, theta, x);
            for (int i = 0; i < n; i++)
            {
                double h = 1e-3 * (d.HasInputMap ? net.Parameters[d.InputScaleOffset + i] : 1);
                double saved = x[i];
                x[i] = saved + h;
                double[] fy = ScalarReference.Forward(d, theta, x);
                x[i] = saved;
                for (int k = 0; k < fx.Length; k++)
                {
                    double slope = (fy[k] - fx[k]) / h;
                    double slack = 1e-9 * Math.Max(1, Math.Abs(slope));
                    Assert.InRange(slope, ranges[i].Lower - slack, ranges[i].Upper + slack);
                    largest[i] = Math.Max(largest[i], Math.Abs(slope));
                }
            }
        }
        for (int i = 0; i < n; i++)
            Assert.True(largest[i] > 0.05 * ranges[i].Bound, $"{name} input {i}: the grid never came near the bound ({largest[i]} of {ranges[i].Bound})");
    }

    private static Dataset Data(int inputs, int count, ulong seed)
    {
        var random = new SeededRandom(seed);
        float[] x = RandomVector(ref random, count * inputs, scale: 2);
        var t = new float[count];
        for (int i = 0; i < count; i++)
            t[i] = x[i * inputs] - x[i * inputs + 2] > 0 ? 1 : -1;
        return new Dataset(x, t, inputs, 1);
    }

    [Fact]
    public void A_certified_network_is_reported_monotone_and_the_search_finds_nothing()
    {
        var net = new MonotoneNet();
        net.Initialize(3);
        VerificationReport report = LipschitzVerifier.Verify(net, Data(4, 200, 1));
        Assert.Equal(MonotonicityStatus.Certified, report.Monotonicity);
        Assert.Null(report.MonotoneViolation);
        Assert.Equal(VerificationStatus.Verified, report.Status);
        Assert.True(report.InputSlopes[0].IsCertifiedMonotone && report.InputSlopes[2].IsCertifiedMonotone);
        Assert.True(report.CertifiedBound <= net.Description.DeclaredBound);
        Assert.Contains("monotonicity: CERTIFIED", report.ToString());
    }

    [Fact]
    public void A_network_pushed_past_its_bound_is_not_certified_and_the_search_finds_a_violation()
    {
        var net = new MonotoneNet();
        net.Initialize(3);
        foreach (LayerShape layer in net.Description.Layers)
            foreach (ref float w in net.Parameters.Slice(layer.WeightOffset, layer.Inputs * layer.Outputs))
                w *= 4; // g's slopes grow 64-fold: far beyond what the residual's c = λ can hold up
        VerificationReport report = LipschitzVerifier.Verify(net, Data(4, 200, 1));
        Assert.False(report.InputSlopes[0].IsCertifiedMonotone && report.InputSlopes[2].IsCertifiedMonotone);
        Assert.Equal(MonotonicityStatus.Violated, report.Monotonicity);
        MonotonePair pair = report.MonotoneViolation!;
        Assert.True(pair.IsBeyondRounding);
        // The pair is real: run the network on it again.
        float fx = net.Forward(pair.X), fy = net.Forward(pair.Y);
        Assert.True(pair.Sign * (fy - fx) < 0, $"f(x) = {fx}, f(y) = {fy}");
        Assert.Equal(pair.X.Where((_, j) => j != pair.Input), pair.Y.Where((_, j) => j != pair.Input));
        Assert.True(pair.Y[pair.Input] > pair.X[pair.Input]);
        Assert.Equal(VerificationStatus.ExceedsDeclaredBound, report.Status); // not a bug: the weights left the constraint
        Assert.Contains("monotonicity: VIOLATED", report.ToString());
    }

    [Fact]
    public void The_twin_without_the_residual_is_caught_when_asked_for_the_same_signs()
    {
        var twin = new MonotoneTwinNet();
        twin.Initialize(3);
        VerificationReport report = LipschitzVerifier.Verify(twin, Data(4, 200, 1), new VerificationOptions { Monotone = [1, 0, -1, 0] });
        Assert.Equal(MonotonicityStatus.Violated, report.Monotonicity);
        Assert.Equal(VerificationStatus.Verified, report.Status); // its Lipschitz certificate still holds
        Assert.Throws<ArgumentException>(() => LipschitzVerifier.Verify(twin, Data(4, 20, 1), new VerificationOptions { Monotone = [1, 0] }));
    }

    [Theory, MemberData(nameof(MappedOrMonotone))]
    public void The_float_error_bound_holds_at_points_and_in_balls(string name)
    {
        switch (name)
        {
            case nameof(MonotoneNet): Check(new MonotoneNet()); break;
            case nameof(MappedMonotoneNet): Check(new MappedMonotoneNet()); break;
            default: Check(new MappedNet()); break;
        }

        static void Check<TKernel>(ILipschitzNetwork<TKernel> net) where TKernel : struct, ILipschitzKernel
        {
            NetworkDescription d = net.Description;
            var random = new SeededRandom(17);
            RandomParameters(d, ref random, scale: 1).CopyTo(net.Parameters);
            net.Project();
            var output = new float[d.OutputCount];
            var probe = new float[d.OutputCount];
            var workspace = new float[TKernel.WorkspaceLength];
            for (int trial = 0; trial < 200; trial++)
            {
                // Large inputs (around 10³ in their own units) make rounding visible.
                float[] x = RandomVector(ref random, d.InputCount, scale: 1000);
                double atPoint = FloatErrorBound.AtPoint<TKernel>(net.Parameters, x, output, workspace);
                double[] exact = ScalarReference.Forward(d, net.Parameters, x);
                for (int k = 0; k < d.OutputCount; k++)
                    Assert.InRange(Math.Abs(output[k] - exact[k]), 0, atPoint);
                double radius = 0.5;
                double inBall = FloatErrorBound.InBall<TKernel>(net.Parameters, x, radius, output, workspace);
                for (int sample = 0; sample < 5; sample++)
                {
                    float[] y = [.. x.Select(v => v + (float)(radius / d.InputCount * (2 * random.NextDouble() - 1)))];
                    net.Forward(y, probe);
                    double[] exactY = ScalarReference.Forward(d, net.Parameters, y);
                    for (int k = 0; k < d.OutputCount; k++)
                        Assert.InRange(Math.Abs(probe[k] - exactY[k]), 0, inBall);
                }
            }
        }
    }

    [Theory]
    [InlineData(nameof(MoonsNet))]
    [InlineData(nameof(AwkwardNet))]
    [InlineData(nameof(MappedMonotoneNet))]
    [InlineData(nameof(MappedNet))]
    public void The_float_error_bound_over_a_box_holds_at_every_point_in_it(string name)
    {
        switch (name)
        {
            case nameof(MoonsNet): Check(new MoonsNet()); break;
            case nameof(AwkwardNet): Check(new AwkwardNet()); break;
            case nameof(MappedMonotoneNet): Check(new MappedMonotoneNet()); break;
            default: Check(new MappedNet()); break;
        }

        static void Check<TKernel>(ILipschitzNetwork<TKernel> net) where TKernel : struct, ILipschitzKernel
        {
            NetworkDescription d = net.Description;
            var random = new SeededRandom(23);
            RandomParameters(d, ref random, scale: 1).CopyTo(net.Parameters);
            net.Project();
            var output = new float[d.OutputCount];
            for (int trial = 0; trial < 20; trial++)
            {
                // Boxes of very different widths per input, far from 0, as raw features are.
                var (low, high) = (new double[d.InputCount], new double[d.InputCount]);
                for (int i = 0; i < d.InputCount; i++)
                {
                    double center = (2 * random.NextDouble() - 1) * Math.Pow(10, 3 * random.NextDouble());
                    double width = Math.Pow(10, 4 * random.NextDouble() - 2);
                    (low[i], high[i]) = (center - width, center + width);
                }
                double bound = FloatErrorBound.InBox<TKernel>(net.Parameters, low, high);
                for (int sample = 0; sample < 50; sample++)
                {
                    float[] x = [.. Enumerable.Range(0, d.InputCount).Select(i => (float)Math.Clamp(low[i] + random.NextDouble() * (high[i] - low[i]), low[i], high[i]))];
                    if (Enumerable.Range(0, d.InputCount).Any(i => x[i] < low[i] || x[i] > high[i]))
                        continue; // rounded to float just outside the box
                    net.Forward(x, output);
                    double[] exact = ScalarReference.Forward(d, net.Parameters, x);
                    for (int k = 0; k < d.OutputCount; k++)
                        Assert.InRange(Math.Abs(output[k] - exact[k]), 0, bound);
                }
            }
        }
    }

    [Fact]
    public void Fit_sets_mean_and_spread_and_keeps_the_guarantees_in_raw_units()
    {
        var net = new MappedNet();
        var random = new SeededRandom(2);
        float[] x = new float[2 * 500];
        for (int i = 0; i < 500; i++)
        {
            x[2 * i] = (float)(1000 + 50 * (2 * random.NextDouble() - 1)); // dollars, say
            x[2 * i + 1] = 7; // constant: its scale stays 1
        }
        var data = new Dataset(x, new float[500], 2, 1);
        InputMaps.Fit(net, data);
        (float[] offsets, float[] scales) = InputMaps.Get(net);
        Assert.InRange(offsets[0], 995, 1005);
        Assert.InRange(scales[0], 25, 32); // σ of a uniform ±50 is 50/√3
        Assert.Equal(7, offsets[1]);
        Assert.Equal(1, scales[1]);
        // The certificate is stated in dollars: the first column is divided by the scale.
        double layersOnly = CertifiedBound.ComputeConstrained(net.Description, net.Parameters);
        Assert.True(net.LipschitzBound() < layersOnly, $"{net.LipschitzBound()} against {layersOnly}");
        Assert.True(CertifiedBound.InputSlopes(net.Description, net.Parameters)[0] <= layersOnly / scales[0] * (1 + 1e-12));
    }

    [Fact]
    public void A_non_positive_scale_is_rejected_everywhere_with_the_input_named()
    {
        var net = new MappedNet();
        Assert.Contains("input 1", Assert.Throws<ArgumentOutOfRangeException>(() => InputMaps.Set(net, [0, 0], [1, 0])).Message);
        Assert.Contains("input 0", Assert.Throws<ArgumentOutOfRangeException>(() => InputMaps.Set(net, [0, 0], [-1, 1])).Message);
        Assert.Throws<ArgumentException>(() => InputMaps.Set(net, [float.NaN, 0], [1, 1]));
        Assert.Throws<InvalidOperationException>(() => InputMaps.Fit(new MoonsNet(), new Dataset(new float[2], new float[1], 2, 1)));

        net.Parameters[net.Description.InputScaleOffset + 1] = -2; // as a careless caller might
        Assert.Contains("input 1", Assert.Throws<ArgumentException>(() => net.Project()).Message);
        Assert.True(double.IsNaN(net.LipschitzBound())); // no certificate for a reversed input

        // A file with a non-positive scale never loads.
        byte[] file = NetworkFile.Serialize(net.Description, net.Parameters);
        var fresh = new MappedNet();
        float[] unchanged = fresh.Parameters.ToArray();
        var error = Assert.Throws<NetworkFileException>(() => fresh.Load(new MemoryStream(file)));
        Assert.Contains("input_map.scale", error.Message);
        Assert.Equal(unchanged, fresh.Parameters.ToArray());
    }

    [Fact]
    public void The_map_and_the_signs_round_trip_through_a_file_and_a_mismatched_declaration_is_refused()
    {
        var net = new MappedMonotoneNet();
        var random = new SeededRandom(4);
        RandomParameters(net.Description, ref random, scale: 1).CopyTo(net.Parameters);
        net.Project();
        var stream = new MemoryStream();
        net.Save(stream);
        var loaded = new MappedMonotoneNet();
        loaded.Load(new MemoryStream(stream.ToArray()));
        Assert.Equal(net.Parameters.ToArray(), loaded.Parameters.ToArray());
        float[] x = [120, -1, 0.25f];
        var (a, b) = (new float[2], new float[2]);
        net.Forward(x, a);
        loaded.Forward(x, b);
        Assert.Equal(a, b);

        // A monotone file does not load into its twin without the residual, nor the twin's into it.
        var monotone = new MonotoneNet();
        monotone.Initialize(1);
        var bytes = new MemoryStream();
        monotone.Save(bytes);
        var twin = new MonotoneTwinNet();
        Assert.Contains("lipgen.monotone = 1,0,-1,0", Assert.Throws<NetworkFileException>(() => twin.Load(new MemoryStream(bytes.ToArray()))).Message);
        var twinBytes = new MemoryStream();
        twin.Save(twinBytes);
        Assert.Contains("lipgen.monotone = 0,0,0,0", Assert.Throws<NetworkFileException>(() => monotone.Load(new MemoryStream(twinBytes.ToArray()))).Message);
    }

    [Fact]
    public void The_residual_adds_no_allocation_to_the_forward_pass()
    {
        var net = new MappedMonotoneNet();
        float[] x = [120, -1, 0.25f];
        var y = new float[2];
        net.Forward(x, y);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
            net.Forward(x, y);
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }
}
