using static LipGen.Tests.NetworkCases;

namespace LipGen.Tests;

/// <summary>Generated backward passes against central finite differences of the double-precision reference.</summary>
public class GradientTests
{
    private const double Step = 1e-6;

    public static TheoryData<string, int> EveryNetworkAndBatch()
    {
        var data = new TheoryData<string, int>();
        foreach (string network in All)
        {
            data.Add(network, 3);  // the loop over single samples
            data.Add(network, 20); // the batched kernels, with padding columns
        }
        return data;
    }

    [Theory, MemberData(nameof(EveryNetworkAndBatch))]
    public void Parameter_gradients_match_finite_differences(string name, int batch)
    {
        ILipschitzNetwork net = Create(name);
        NetworkDescription d = net.Description;
        var random = new SeededRandom(11);
        RandomParameters(d, ref random, scale: 1).CopyTo(net.Parameters);
        float[] inputs = RandomVector(ref random, batch * d.InputCount);
        float[] weights = RandomVector(ref random, batch * d.OutputCount, scale: 1); // L = Σ weights·f, so ∂L/∂f = weights

        var gradient = new float[d.ParameterCount];
        net.Backward(inputs, weights, gradient);

        double[] theta = ScalarReference.ToDouble(net.Parameters);
        double Loss(double[] parameters) => ScalarReference.WeightedLoss(d, parameters, inputs, weights);


        // Every parameter of a small network; of a large one (WideNet's 33 000), every 13th, which still reaches every layer.
        int stride = theta.Length > 4000 ? 13 : 1;
        for (int j = 0; j < theta.Length; j += stride)
        {
            if (IsFixed(d, j))
            {
                Assert.Equal(0, gradient[j]); // the input map is fixed: it gets no gradient
                continue;
            }
            double saved = theta[j];
            theta[j] = saved + Step;
            double up = Loss(theta);
            theta[j] = saved - Step;
            double down = Loss(theta);
            theta[j] = saved;
            double numeric = (up - down) / (2 * Step);
            Assert.True(Math.Abs(gradient[j] - numeric) <= 1e-4 * Math.Max(1, Math.Abs(numeric)),
                $"{name} parameter {j}: backward {gradient[j]}, finite difference {numeric}");
        }
    }

    [Theory, MemberData(nameof(All), MemberType = typeof(NetworkCases))]
    public void Input_gradients_match_finite_differences(string name)
    {
        ILipschitzNetwork net = Create(name);
        NetworkDescription d = net.Description;
        var random = new SeededRandom(13);
        for (int trial = 0; trial < 10; trial++)
        {
            RandomParameters(d, ref random, scale: 1).CopyTo(net.Parameters);
            float[] x = RandomVector(ref random, d.InputCount);
            float[] weights = RandomVector(ref random, d.OutputCount, scale: 1);
            var gradient = new float[d.InputCount];
            net.InputGradient(x, weights, gradient);

            double[] theta = ScalarReference.ToDouble(net.Parameters);
            double[] point = ScalarReference.ToDouble(x);
            for (int i = 0; i < point.Length; i++)
            {
                double saved = point[i];
                point[i] = saved + Step;
                double[] up = ScalarReference.Forward(d, theta, point);
                point[i] = saved - Step;
                double[] down = ScalarReference.Forward(d, theta, point);
                point[i] = saved;
                double numeric = 0;
                for (int k = 0; k < up.Length; k++)
                    numeric += weights[k] * (up[k] - down[k]) / (2 * Step);
                Assert.True(Math.Abs(gradient[i] - numeric) <= 1e-4 * Math.Max(1, Math.Abs(numeric)),
                    $"{name} trial {trial} input {i}: backward {gradient[i]}, finite difference {numeric}");
            }
        }
    }

    [Fact]
    public void Backward_accumulates_into_the_gradient()
    {
        var net = new Networks.EuclideanNet();
        var random = new SeededRandom(3);
        float[] x = RandomVector(ref random, 5);
        float[] dy = RandomVector(ref random, 3);
        var once = new float[net.Parameters.Length];
        net.Backward(x, dy, once);
        var twice = new float[net.Parameters.Length];
        net.Backward(x, dy, twice);
        net.Backward(x, dy, twice);
        for (int j = 0; j < once.Length; j++)
            Assert.Equal(2 * once[j], twice[j], 5);
    }
}
