using LipGen.Tests.Networks;
using LipGen.Verification;
using static LipGen.Tests.NetworkCases;

namespace LipGen.Tests;

/// <summary>Per-input slope bounds: never beaten by a gradient, never above L̂, and exactly zero for an input no weight reads.</summary>
public class InputSlopeTests
{
    [Theory, MemberData(nameof(All), MemberType = typeof(NetworkCases))]
    public void No_gradient_component_beats_its_inputs_slope_bound_and_no_bound_exceeds_the_certificate(string name)
    {
        ILipschitzNetwork net = Create(name);
        NetworkDescription d = net.Description;
        var random = new SeededRandom(21);
        for (int trial = 0; trial < 20; trial++)
        {
            RandomParameters(d, ref random, scale: 1).CopyTo(net.Parameters);
            net.Project();
            double[] slopes = CertifiedBound.InputSlopes(d, net.Parameters);
            double certificate = net.LipschitzBound();
            Assert.Equal(d.InputCount, slopes.Length);
            // Each slope is at most L̂, up to a few ulps: a slope rounds each scale of a map on its own path, L̂ on the product's.
            Assert.All(slopes, slope => Assert.True(slope >= 0 && slope <= certificate * (1 + 1e-12), $"{name}: slope {slope} against L̂ {certificate}"));
            var gradient = new float[d.InputCount];
            var direction = new float[d.OutputCount];
            for (int point = 0; point < 10; point++)
            {
                float[] x = RandomVector(ref random, d.InputCount, scale: 3);
                for (int k = 0; k < d.OutputCount; k++)
                {
                    Array.Clear(direction);
                    direction[k] = 1;
                    net.InputGradient(x, direction, gradient);
                    for (int i = 0; i < d.InputCount; i++)
                        // The float gradient is a product of as many roundings as layers: allow 10⁻⁵ relative.
                        Assert.True(Math.Abs(gradient[i]) <= slopes[i] * (1 + 1e-5),
                            $"{name} trial {trial}: |∂f{k}/∂x{i}| = {Math.Abs(gradient[i])} above its bound {slopes[i]}");
                }
            }
        }
    }

    [Fact]
    public void With_p_1_the_largest_slope_bound_is_the_certificate()
    {
        var net = new MoonsNet(); // p = 1: ‖W₁‖_{1→∞} is the largest |w| of W₁, the largest column maximum
        net.Initialize(3);
        double[] slopes = CertifiedBound.InputSlopes(net.Description, net.Parameters);
        Assert.Equal(net.LipschitzBound(), slopes.Max(), 1e-12);
    }

    [Fact]
    public void An_input_no_weight_reads_has_slope_zero_and_a_bad_buffer_is_rejected()
    {
        var net = new MoonsNet();
        net.Initialize(4);
        for (int o = 0; o < 32; o++)
            net.Parameters[o * 2] = 0; // column 0 of W1
        double[] slopes = CertifiedBound.InputSlopes(net.Description, net.Parameters);
        Assert.Equal(0, slopes[0]);
        Assert.True(slopes[1] > 0);
        Assert.Equal(net.Forward([0.3f, 0.7f]), net.Forward([-5f, 0.7f]));
        Assert.Throws<ArgumentException>(() => CertifiedBound.InputSlopes(net.Description, new float[3]));
    }
}
