using LipGen.Data;
using LipGen.Training;
using LipGen.Tests.Networks;

namespace LipGen.Tests;

public class TrainingTests
{
    [Fact]
    public void Hinge_loss_fits_two_moons_above_98_percent_within_a_fixed_budget()
    {
        Dataset data = TwoMoons.Generate(1000, noise: 0.1, seed: 7);
        var net = new MoonsNet();
        net.Initialize(1);
        var reports = new List<EpochReport>();
        TrainingResult result = Trainer.Train(net, data, new HingeLoss(0.1f),
            new TrainingOptions { Epochs = 60, BatchSize = 64, LearningRate = 0.01f, Seed = 3 }, new SynchronousProgress<EpochReport>(reports.Add));
        Assert.True(result.Final.Accuracy >= 0.98, $"train accuracy {result.Final.Accuracy}");
        Assert.Equal(60, reports.Count);
        Assert.Equal(Enumerable.Range(1, 60), reports.Select(r => r.Epoch));
        Assert.All(reports, r => Assert.True(r.LipschitzBound <= 1 + 1e-6));
        Assert.True(net.LipschitzBound() <= 1 + 1e-6);
    }

    [Fact]
    public void Training_is_reproducible_from_its_seeds()
    {
        Dataset data = TwoMoons.Generate(200, noise: 0.1, seed: 1);
        float[] Run()
        {
            var net = new MoonsNet();
            net.Initialize(4);
            Trainer.Train(net, data, new BinaryCrossEntropyWithLogits(), new TrainingOptions { Epochs = 3, BatchSize = 32, Seed = 5 });
            return net.Parameters.ToArray();
        }
        Assert.Equal(Run(), Run());
    }

    [Fact]
    public void Training_gives_bit_identical_weights_on_one_thread_and_on_several()
    {
        var random = new SeededRandom(9);
        float[] inputs = NetworkCases.RandomVector(ref random, 500 * 16);
        float[] targets = Enumerable.Range(0, 500).Select(i => inputs[16 * i] + inputs[16 * i + 1] > 0 ? 1f : -1f).ToArray();
        var data = new Dataset(inputs, targets, 16, 1);
        float[] Run(int threads)
        {
            var net = new WideNet();
            net.Initialize(2);
            Trainer.Train(net, data, new HingeLoss(0.1f),
                new TrainingOptions { Epochs = 2, BatchSize = 256, LearningRate = 0.01, Seed = 4, MaxDegreeOfParallelism = threads });
            return net.Parameters.ToArray();
        }
        float[] one = Run(1);
        Assert.Equal(one, Run(2)); // batches of 256 × 128 × 128 split their products between the two threads
        Assert.Equal(one, Run(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Run(0));
    }

    [Fact]
    public void Every_step_leaves_the_network_within_its_bound()
    {
        var net = new Networks.EuclideanNet();
        var inputs = new float[64 * 5];
        var targets = new float[64 * 3];
        var random = new SeededRandom(1);
        var session = new TrainingSession<Networks.EuclideanNet.Kernel, HingeLoss>(net, new HingeLoss(1), learningRate: 0.5f);
        for (int step = 0; step < 20; step++)
        {
            for (int i = 0; i < inputs.Length; i++)
                inputs[i] = (float)(random.NextDouble() * 4 - 2);
            for (int i = 0; i < targets.Length; i++)
                targets[i] = random.NextDouble() < 0.5 ? -1 : 1;
            session.Step(inputs, targets);
            Assert.True(net.LipschitzBound() <= 2.5 * (1 + 1e-6));
        }
        Assert.Equal(20, session.Optimizer.StepCount);
    }

    [Fact]
    public void Bad_data_is_rejected_with_a_clear_message()
    {
        var net = new MoonsNet();
        var wrongWidth = new Dataset(new float[6], new float[2], inputWidth: 3, targetWidth: 1);
        var e = Assert.Throws<ArgumentException>(() => Trainer.Train(net, wrongWidth, new HingeLoss(1), new TrainingOptions()));
        Assert.Contains("3 inputs", e.Message);
        var badLabel = new Dataset(new float[4], [1, 0.5f], inputWidth: 2, targetWidth: 1); // 0 would be a 0/1 label
        e = Assert.Throws<ArgumentException>(() => Trainer.Train(net, badLabel, new HingeLoss(1), new TrainingOptions()));
        Assert.Contains("−1 or +1", e.Message);
        Assert.Throws<ArgumentException>(() => new Dataset([1, float.NaN], [1], 2, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HingeLoss(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Trainer.Train(net, TwoMoons.Generate(10, 0, 0), new HingeLoss(1), new TrainingOptions { BatchSize = 0 }));
    }

    [Fact]
    public void Two_moons_follows_make_moons()
    {
        Dataset noiseless = TwoMoons.Generate(10, noise: 0, seed: 0);
        Assert.Equal(10, noiseless.Count);
        // First point of the upper moon is (1, 0), last is (−1, 0); the lower moon runs from (0, 0.5) to (2, 0.5).
        Assert.Equal([1f, 0f], noiseless.Input(0).ToArray());
        Assert.Equal(-1f, noiseless.Input(4)[0], 6);
        Assert.Equal([0f, 0.5f], noiseless.Input(5).ToArray());
        Assert.Equal(2f, noiseless.Input(9)[0], 6);
        Assert.Equal([-1f, -1, -1, -1, -1, 1, 1, 1, 1, 1], noiseless.Targets.ToArray());
        Dataset noisy = TwoMoons.Generate(4000, noise: 0.2, seed: 3);
        double sum = 0, sumSq = 0;
        for (int i = 0; i < 2000; i++) // upper moon: noise on top of the circle
        {
            double angle = Math.PI * i / 1999;
            double e = noisy.Input(i)[0] - Math.Cos(angle);
            sum += e;
            sumSq += e * e;
        }
        Assert.InRange(sum / 2000, -0.02, 0.02);
        Assert.InRange(Math.Sqrt(sumSq / 2000), 0.18, 0.22);
    }
}
