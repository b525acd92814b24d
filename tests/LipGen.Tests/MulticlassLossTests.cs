using System.Text.Json;
using LipGen.Data;
using LipGen.Training;

namespace LipGen.Tests;

/// <summary>The losses' batch form: gradients by finite differences, and the multiclass losses against deel-torchlip.</summary>
public class MulticlassLossTests
{
    private static (float[] Outputs, float[] Targets) Batch(int batch, int classes, bool oneHot, ulong seed)
    {
        var random = new SeededRandom(seed);
        var outputs = new float[batch * classes];
        var targets = new float[batch * classes];
        for (int i = 0; i < outputs.Length; i++)
            outputs[i] = (float)(3 * (2 * random.NextDouble() - 1));
        for (int b = 0; b < batch; b++)
        {
            int label = random.NextInt(classes);
            for (int k = 0; k < classes; k++)
                targets[b * classes + k] = oneHot ? (k == label ? 1 : 0) : (k == label ? 1 : -1);
        }
        return (outputs, targets);
    }

    private static void CheckGradient<TLoss>(TLoss loss, bool oneHot, int classes) where TLoss : struct, ILoss
    {
        foreach (int batch in new[] { 1, 7, 32 })
        {
            (float[] outputs, float[] targets) = Batch(batch, classes, oneHot, (ulong)(batch * 31 + classes));
            var gradient = new float[outputs.Length];
            float value = loss.EvaluateBatch(outputs, targets, gradient, classes);
            Assert.True(float.IsFinite(value));
            var scratch = new float[outputs.Length];
            for (int i = 0; i < outputs.Length; i++)
            {
                float saved = outputs[i];
                const float h = 1e-3f;
                outputs[i] = saved + h;
                double up = loss.EvaluateBatch(outputs, targets, scratch, classes);
                outputs[i] = saved - h;
                double down = loss.EvaluateBatch(outputs, targets, scratch, classes);
                outputs[i] = saved;
                double numeric = (up - down) / (2 * h);
                // Hinge kinks: a sample within h of its margin has a one-sided derivative; skip it.
                if (Math.Abs(up - down) > 0 && Math.Abs(numeric - gradient[i]) > 2e-3 * Math.Max(1, Math.Abs(numeric)))
                {
                    outputs[i] = saved + h / 10;
                    double near = loss.EvaluateBatch(outputs, targets, scratch, classes);
                    outputs[i] = saved;
                    double oneSided = (near - value) / (h / 10);
                    Assert.True(Math.Abs(oneSided - gradient[i]) <= 2e-3 * Math.Max(1, Math.Abs(gradient[i])),
                        $"{loss.Name}, batch {batch}, element {i}: gradient {gradient[i]}, finite difference {numeric}, one-sided {oneSided}");
                }
            }
            // The per-sample form is the batch form on one row.
            var one = new float[classes];
            var fromBatch = new float[classes];
            Assert.Equal(loss.Evaluate(outputs.AsSpan(0, classes), targets.AsSpan(0, classes), one),
                loss.EvaluateBatch(outputs.AsSpan(0, classes), targets.AsSpan(0, classes), fromBatch, classes), 5);
        }
    }

    [Fact] public void MulticlassHinge_gradient_matches_finite_differences() => CheckGradient(new MulticlassHingeLoss(1), oneHot: true, classes: 5);

    [Fact] public void TauCrossEntropy_gradient_matches_finite_differences() => CheckGradient(new TauCrossEntropyLoss(4), oneHot: true, classes: 5);

    [Fact] public void MulticlassHkr_gradient_matches_finite_differences() => CheckGradient(new MulticlassHkrLoss(0.7f, 1), oneHot: true, classes: 4);

    [Fact] public void Hinge_batch_gradient_matches_finite_differences() => CheckGradient(new HingeLoss(0.5f), oneHot: false, classes: 3);

    [Theory, InlineData(1, 1024), InlineData(1, 512), InlineData(1, 256), InlineData(1, 128), InlineData(1, 0), InlineData(3, 1024)]
    public void Hinge_batch_is_the_sample_mean_of_its_rows_bit_for_bit(int width, int bits)
    {
        // HingeLoss.EvaluateBatch runs its own loop; it must be the generic mean of Evaluate over the rows, to the bit,
        // for ±1 and 0/1 labels, outputs on the margin, and a NaN.
        var random = new SeededRandom((ulong)width);
        int batch = 37;
        float[] outputs = NetworkCases.RandomVector(ref random, batch * width), targets = new float[batch * width];
        for (int i = 0; i < targets.Length; i++)
            targets[i] = i % 4 == 0 ? 0 : i % 3 == 0 ? 1 : i % 2 == 0 ? -1 : 1;
        outputs[1] = targets[1] > 0 ? 0.5f : -0.5f; // exactly on the margin: no gradient
        outputs[2] = 0;
        var loss = new HingeLoss(0.5f);
        float[] fast = new float[outputs.Length], generic = new float[outputs.Length];
        foreach (float fifth in new[] { float.NaN, 0.3f }) // a NaN loss, then a finite one whose sum's order shows in its bits
        {
            outputs[5] = fifth;
            float batchLoss = loss.EvaluateBatch(outputs, targets, fast, width, (LipGen.Kernels.VectorBits)bits); // one output: vectorised at that width
            float genericLoss = SampleMean.Evaluate(loss, outputs, targets, generic, width);
            Assert.Equal(BitConverter.SingleToInt32Bits(genericLoss), BitConverter.SingleToInt32Bits(batchLoss));
            for (int i = 0; i < fast.Length; i++)
                Assert.Equal(BitConverter.SingleToInt32Bits(generic[i]), BitConverter.SingleToInt32Bits(fast[i]));
        }
        Assert.Throws<ArgumentException>(() => loss.EvaluateBatch(outputs, targets.AsSpan(1), fast, width));
    }

    [Fact]
    public void One_output_correctness_is_the_span_rule()
    {
        float[] values = [-2, -0f, 0, 0.25f, 1, float.NaN, float.PositiveInfinity, float.NegativeInfinity];
        foreach (float output in values)
            foreach (float target in new[] { -1f, 0, 1, 0.5f, float.NaN })
            {
                bool expected = !float.IsNaN(output) && Prediction.Classify([output]) == Prediction.Label([target]);
                Assert.Equal(expected, Metrics.IsCorrect(output, target));
                Assert.Equal(expected, Metrics.IsCorrect([output], [target]));
            }
    }

    [Fact] public void Bce_batch_gradient_matches_finite_differences() => CheckGradient(new BinaryCrossEntropyWithLogits(), oneHot: false, classes: 2);

    [Fact] public void Squared_error_batch_gradient_matches_finite_differences() => CheckGradient(new MeanSquaredError(), oneHot: false, classes: 3);

    [Fact]
    public void The_multiclass_losses_match_deel_torchlip_on_committed_cases()
    {
        using JsonDocument file = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "deel-losses.json")));
        int checkedCases = 0;
        foreach (JsonElement c in file.RootElement.GetProperty("cases").EnumerateArray())
        {
            float[] p = c.GetProperty("parameters").EnumerateArray().Select(v => v.GetSingle()).ToArray();
            int classes = c.GetProperty("classes").GetInt32();
            float[] outputs = c.GetProperty("outputs").EnumerateArray().Select(v => v.GetSingle()).ToArray();
            float[] targets = c.GetProperty("targets").EnumerateArray().Select(v => v.GetSingle()).ToArray();
            double expected = c.GetProperty("value").GetDouble();
            double[] expectedGradient = c.GetProperty("gradient").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            var gradient = new float[outputs.Length];
            string name = c.GetProperty("loss").GetString()!;
            float value = name switch
            {
                "MulticlassHingeLoss" => new MulticlassHingeLoss(p[0]).EvaluateBatch(outputs, targets, gradient, classes),
                "TauCrossEntropyLoss" => new TauCrossEntropyLoss(p[0]).EvaluateBatch(outputs, targets, gradient, classes),
                "MulticlassHkrLoss" => new MulticlassHkrLoss(p[0], p[1]).EvaluateBatch(outputs, targets, gradient, classes),
                _ => throw new InvalidDataException(name),
            };
            Assert.True(Math.Abs(value - expected) <= 1e-5 * Math.Max(1, Math.Abs(expected)), $"{name}({string.Join(", ", p)}), {classes} classes: LipGen {value}, deel-torchlip {expected}");
            for (int i = 0; i < gradient.Length; i++)
                Assert.True(Math.Abs(gradient[i] - expectedGradient[i]) <= 1e-6 + 1e-5 * Math.Abs(expectedGradient[i]),
                    $"{name}({string.Join(", ", p)}) element {i}: LipGen {gradient[i]}, deel-torchlip {expectedGradient[i]}");
            checkedCases++;
        }
        Assert.Equal(27, checkedCases);
    }

    /// <summary>Three Gaussian blobs in 5 dimensions, one per class.</summary>
    internal static Dataset Blobs(int count, ulong seed)
    {
        var random = new SeededRandom(seed);
        var inputs = new float[count * 5];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            labels[i] = i % 3;
            for (int j = 0; j < 5; j++)
                inputs[i * 5 + j] = (float)((j == labels[i] ? 2.0 : 0.0) + 0.5 * (random.NextDouble() + random.NextDouble() + random.NextDouble() - 1.5));
        }
        return Dataset.FromClassLabels(inputs, labels, 5, 3);
    }

    [Fact]
    public void The_trainer_learns_three_classes_with_each_multiclass_loss()
    {
        Dataset data = Blobs(300, 1);
        foreach (Func<Networks.EuclideanNet, Evaluation> train in new Func<Networks.EuclideanNet, Evaluation>[]
        {
            net => Trainer.Train(net, data, new TauCrossEntropyLoss(5), Options()).Final,
            net => Trainer.Train(net, data, new MulticlassHingeLoss(0.5f), Options()).Final,
            net => Trainer.Train(net, data, new MulticlassHkrLoss(0.9f, 0.5f), Options()).Final,
        })
        {
            var net = new Networks.EuclideanNet();
            net.Initialize(2);
            Evaluation final = train(net);
            Assert.True(final.Accuracy > 0.95, $"accuracy {final.Accuracy}");
        }
        // Targets that are not one-hot are refused before training, naming the row.
        var plusMinus = new Dataset(data.Inputs.ToArray(), data.Targets.ToArray().Select(v => v == 0 ? -1f : v).ToArray(), 5, 3);
        Assert.Contains("Row 0 has target -1", Assert.Throws<ArgumentException>(() => Trainer.Train(new Networks.EuclideanNet(), plusMinus, new TauCrossEntropyLoss(1), Options())).Message);

        static TrainingOptions Options() => new() { Epochs = 30, BatchSize = 32, LearningRate = 0.01, Seed = 3 };
    }

    [Fact]
    public void Class_labels_become_one_hot_rows_and_a_bad_label_names_its_row()
    {
        Dataset data = Dataset.FromClassLabels([0, 0, 1, 1, 2, 2], [2, 0, 1], inputWidth: 2, classes: 3);
        Assert.Equal([0, 0, 1, 1, 0, 0, 0, 1, 0], data.Targets.ToArray());
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Dataset.FromClassLabels([0, 0, 1, 1], [1, 3], 2, 3));
        Assert.Contains("Row 1 has label 3", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Dataset.FromClassLabels([0, 0], [-1], 2, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MulticlassHkrLoss(1.5f, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TauCrossEntropyLoss(0));
        Assert.Throws<InvalidOperationException>(() => default(TauCrossEntropyLoss).Tau);
    }
}
