using LipGen.Data;
using LipGen.Tests.Networks;
using LipGen.Training;
using LipGen.Verification;
using static LipGen.Tests.NetworkCases;

namespace LipGen.Tests;

/// <summary>Training by reparametrisation, W = N(V): the gradient through N against finite differences, and training with it.</summary>
public class ReparametrizationTests
{
    /// <summary>N in double, from its definition: each row v of each layer becomes v·min(1, λᵢ / ‖v‖_q).</summary>
    private static double[] Normalize(NetworkDescription d, double[] v)
    {
        double[] w = (double[])v.Clone();
        foreach (LayerShape layer in d.Layers)
            for (int r = 0; r < layer.Outputs; r++)
            {
                double[] row = v.AsSpan(layer.WeightOffset + r * layer.Inputs, layer.Inputs).ToArray();
                double norm = ScalarReference.PNorm(row, layer.RowNorm);
                if (norm > layer.Bound)
                    for (int j = 0; j < row.Length; j++)
                        w[layer.WeightOffset + r * layer.Inputs + j] = row[j] * layer.Bound / norm;
            }
        return w;
    }

    public static TheoryData<string> Networks => new(nameof(MoonsNet), nameof(EuclideanNet), nameof(Outer.Inner.DeepNet), nameof(MonotoneNet), nameof(MappedMonotoneNet));

    [Theory, MemberData(nameof(Networks))]
    public void The_gradient_through_the_normalisation_matches_finite_differences(string name)
    {
        ILipschitzNetwork net = Create(name);
        NetworkDescription d = net.Description;
        var random = new SeededRandom(31);
        float[] v = RandomParameters(d, ref random, scale: 3); // most rows far outside their ball
        const int batch = 4;
        float[] inputs = RandomVector(ref random, batch * d.InputCount);
        float[] weights = RandomVector(ref random, batch * d.OutputCount, scale: 1);

        Span<float> w = net.Parameters;
        v.CopyTo(w);
        net.Project(); // N(V), as training runs it
        var gradient = new float[d.ParameterCount];
        net.Backward(inputs, weights, gradient);
        Reparametrization.Backpropagate(d.Plan, v, gradient);

        double Loss(double[] theta) => ScalarReference.WeightedLoss(d, Normalize(d, theta), inputs, weights);


        double[] theta = ScalarReference.ToDouble(v);
        for (int j = 0; j < theta.Length; j++)
        {
            if (IsFixed(d, j))
                continue;
            double saved = theta[j];
            theta[j] = saved + 1e-6;
            double up = Loss(theta);
            theta[j] = saved - 1e-6;
            double down = Loss(theta);
            theta[j] = saved;
            double numeric = (up - down) / 2e-6;
            Assert.True(Math.Abs(gradient[j] - numeric) <= 1e-4 * Math.Max(1, Math.Abs(numeric)),
                $"{name} parameter {j}: through N {gradient[j]}, finite difference {numeric}");
        }
    }

    [Fact]
    public void Reparametrised_training_learns_and_every_step_stays_within_the_certificate()
    {
        var net = new MoonsNet();
        net.Initialize(1);
        Dataset data = TwoMoons.Generate(400, 0.1, 3);
        var session = new TrainingSession<MoonsNet.Kernel, HingeLoss>(net, new HingeLoss(0.1f), learningRate: 0.005, shuffleSeed: 1)
        {
            Constraint = ConstraintMethod.Reparametrization,
        };
        Assert.Equal(net.Parameters.ToArray(), session.FreeParameters.ToArray()); // V starts at W
        EpochReport last = default;
        for (int epoch = 0; epoch < 40; epoch++)
        {
            last = session.RunEpoch(data, 32);
            Assert.True(CertifiedBound.Compute(net.Description, net.Parameters) <= 1, $"epoch {epoch}: L̂ {last.LipschitzBound}");
        }
        Assert.True(last.Accuracy > 0.95, $"accuracy {last.Accuracy}");
        // V has left the ball where the constraint is active, while W sits on it.
        Assert.Contains(Enumerable.Range(0, 32), r => Math.Abs(session.FreeParameters[r * 2]) > 1.0001 || Math.Abs(session.FreeParameters[r * 2 + 1]) > 1.0001);

        // Trainer takes the same option.
        var other = new MoonsNet();
        other.Initialize(1);
        TrainingResult result = Trainer.Train(other, data, new HingeLoss(0.1f),
            new TrainingOptions { Epochs = 5, BatchSize = 32, LearningRate = 0.005, Constraint = ConstraintMethod.Reparametrization });
        Assert.True(result.Final.Accuracy > 0.8);
    }
}
