using LipGen.Data;
using LipGen.IO;
using LipGen.Training;
using LipGen.Tests.Networks;

namespace LipGen.Tests;

/// <summary>The .NET conventions a user relies on: one exception type for loading, loss structs that cannot be used unvalidated, predictions.</summary>
public class IdiomTests
{
    [Fact]
    public void A_missing_file_is_a_NetworkFileException_with_the_IO_cause_inside()
    {
        string path = Path.Combine(Path.GetTempPath(), $"no-such-{Guid.NewGuid():N}.safetensors");
        var e = Assert.Throws<NetworkFileException>(() => new MoonsNet().Load(path));
        Assert.Contains(path, e.Message);
        Assert.IsType<FileNotFoundException>(e.InnerException);
    }

    [Fact]
    public void A_default_hinge_loss_throws_on_use_instead_of_training_with_margin_0()
    {
        Assert.Throws<InvalidOperationException>(() => default(HingeLoss).Margin);
        var net = new MoonsNet();
        float[] before = net.Parameters.ToArray();
        var e = Assert.Throws<InvalidOperationException>(() =>
            Trainer.Train(net, TwoMoons.Generate(32, 0.1, 1), default(HingeLoss), new TrainingOptions { Epochs = 1 }));
        Assert.Contains("new HingeLoss(margin)", e.Message);
        Assert.Equal(before, net.Parameters.ToArray());
        Assert.Equal(0.1f, new HingeLoss(0.1f).Margin);
    }

    [Fact]
    public void Cancelled_training_keeps_the_last_completed_epochs_weights_and_the_network_usable()
    {
        var net = new MoonsNet();
        Dataset data = TwoMoons.Generate(2000, 0.1, 1);
        float[]? afterEpoch = null;
        using var cancel = new CancellationTokenSource();
        var progress = new SynchronousProgress<EpochReport>(report =>
        {
            if (report.Epoch == 2)
            {
                afterEpoch = net.Parameters.ToArray(); // the last completed epoch
                cancel.Cancel();                      // cancelled: the third epoch stops at its first batch check
            }
        });
        Assert.ThrowsAny<OperationCanceledException>(() =>
            Trainer.Train(net, data, new HingeLoss(0.1f), new TrainingOptions { Epochs = 5, BatchSize = 16, LearningRate = 0.01f }, progress, cancel.Token));
        Assert.Equal(afterEpoch, net.Parameters.ToArray());
        Assert.True(net.LipschitzBound() <= 1);
        Assert.True(float.IsFinite(net.Forward([0.5f, 0.25f])));
        // And it trains on.
        Trainer.Train(net, data, new HingeLoss(0.1f), new TrainingOptions { Epochs = 1 });
    }

    [Fact]
    public void Cancelled_training_mid_epoch_goes_back_to_the_epoch_start()
    {
        var net = new MoonsNet();
        float[] before = net.Parameters.ToArray();
        var session = new TrainingSession<MoonsNet.Kernel, HingeLoss>(net, new HingeLoss(0.1f), 0.01f);
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => session.RunEpoch(TwoMoons.Generate(256, 0.1, 2), 16, cancel.Token));
        Assert.Equal(before, net.Parameters.ToArray());
    }

    [Fact]
    public void Verification_can_be_cancelled()
    {
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            Verification.LipschitzVerifier.Verify(new MoonsNet(), TwoMoons.Generate(64, 0.1, 2), cancellationToken: cancel.Token));
    }

    [Fact]
    public async Task Save_load_and_export_work_on_streams_and_asynchronously()
    {
        var net = new MoonsNet();
        net.Initialize(4);
        byte[] expected = NetworkFile.Serialize(net.Description, net.Parameters);

        using var stream = new MemoryStream();
        net.Save(stream);
        Assert.Equal(expected, stream.ToArray());
        stream.Position = 0;
        var loaded = new MoonsNet();
        loaded.Load(stream);
        Assert.Equal(net.Parameters.ToArray(), loaded.Parameters.ToArray());

        string path = Path.Combine(Path.GetTempPath(), $"lipgen-async-{Guid.NewGuid():N}.safetensors");
        try
        {
            await net.SaveAsync(path);
            Assert.Equal(expected, await File.ReadAllBytesAsync(path));
            var fromFile = new MoonsNet();
            await fromFile.LoadAsync(path);
            Assert.Equal(net.Parameters.ToArray(), fromFile.Parameters.ToArray());
            await Assert.ThrowsAsync<NetworkFileException>(() => fromFile.LoadAsync(path + ".missing"));
        }
        finally
        {
            File.Delete(path);
        }

        using var asyncStream = new MemoryStream();
        await net.SaveAsync(asyncStream);
        asyncStream.Position = 0;
        var fromAsyncStream = new MoonsNet();
        await fromAsyncStream.LoadAsync(asyncStream);
        Assert.Equal(net.Parameters.ToArray(), fromAsyncStream.Parameters.ToArray());

        using var onnx = new MemoryStream();
        net.ToOnnx(onnx);
        Assert.Equal(OnnxExport.ToOnnxBytes(net.Description, net.Parameters), onnx.ToArray());
        using var onnxAsync = new MemoryStream();
        await net.ToOnnxAsync(onnxAsync);
        Assert.Equal(onnx.ToArray(), onnxAsync.ToArray());

        // A stream that breaks is a NetworkFileException too, and the network is unchanged.
        var broken = new MoonsNet();
        float[] untouched = broken.Parameters.ToArray();
        Assert.Throws<NetworkFileException>(() => broken.Load(new MemoryStream(expected[..100])));
        Assert.Equal(untouched, broken.Parameters.ToArray());
    }

    [Fact]
    public void A_regression_loss_reports_MAE_RMSE_and_R2_and_no_accuracy()
    {
        var net = new MoonsNet();
        net.Initialize(6);
        var random = new SeededRandom(2);
        float[] inputs = NetworkCases.RandomVector(ref random, 2 * 50);
        float[] outputs = new float[50];
        for (int s = 0; s < 50; s++)
            outputs[s] = net.Forward(inputs.AsSpan(2 * s, 2)); // the path Evaluate takes, so the errors are exactly 0

        Evaluation exact = Trainer.Evaluate(net, new Dataset(inputs, outputs, 2, 1), new MeanSquaredError());
        Assert.True(double.IsNaN(exact.Accuracy));
        Assert.Equal(0, exact.MeanAbsoluteError);
        Assert.Equal(0, exact.RootMeanSquaredError);
        Assert.Equal(1, exact.RSquared);

        // Targets one above the outputs: every error is −1, so MAE = RMSE = 1 and R² = 1 − n / Σ(t − t̄)².
        float[] shifted = outputs.Select(v => v + 1).ToArray();
        Evaluation off = Trainer.Evaluate(net, new Dataset(inputs, shifted, 2, 1), new MeanSquaredError());
        double mean = shifted.Average(v => (double)v), variation = shifted.Sum(v => (v - mean) * (v - mean));
        Assert.Equal(1, off.MeanAbsoluteError, 1e-6);
        Assert.Equal(1, off.RootMeanSquaredError, 1e-6);
        Assert.Equal(1 - 50 / variation, off.RSquared, Math.Abs(1 - 50 / variation) * 1e-6);

        Evaluation classification = Trainer.Evaluate(net, TwoMoons.Generate(40, 0.1, 1), new HingeLoss(0.1f));
        Assert.InRange(classification.Accuracy, 0, 1);
        Assert.True(double.IsNaN(classification.MeanAbsoluteError));

        EpochReport report = new TrainingSession<MoonsNet.Kernel, MeanSquaredError>(net, default, 0.001f).RunEpoch(new Dataset(inputs, outputs, 2, 1), 16);
        Assert.True(double.IsNaN(report.Accuracy));
    }

    [Fact]
    public void Split_is_seeded_and_stratified()
    {
        // 300 points of class +1 and 100 of class −1.
        var random = new SeededRandom(9);
        float[] inputs = NetworkCases.RandomVector(ref random, 2 * 400);
        float[] targets = Enumerable.Range(0, 400).Select(i => i % 4 == 0 ? -1f : 1f).ToArray();
        var data = new Dataset(inputs, targets, 2, 1);
        (Dataset train, Dataset test) = data.Split(0.25, seed: 3);
        Assert.Equal(300, train.Count);
        Assert.Equal(100, test.Count);
        Assert.Equal(25, test.Targets.ToArray().Count(t => t < 0)); // a quarter of each class
        Assert.Equal(75, train.Targets.ToArray().Count(t => t < 0));
        (Dataset again, _) = data.Split(0.25, seed: 3);
        Assert.Equal(train.Inputs.ToArray(), again.Inputs.ToArray());
        Assert.NotEqual(train.Inputs.ToArray(), data.Split(0.25, seed: 4).Train.Inputs.ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Split(1, 0));
        Assert.Throws<ArgumentException>(() => new Dataset([1, 2], [1], 2, 1).Split(0.1, 0));
    }

    [Fact]
    public void Classify_gives_the_sign_for_one_output_and_the_largest_for_several()
    {
        Assert.Equal(1, Prediction.Classify([0f]));
        Assert.Equal(-1, Prediction.Classify([-0.5f]));
        Assert.Equal(2, Prediction.Classify([0.1f, -3f, 0.7f]));
        Assert.Equal(0, Prediction.Classify([0.7f, 0.7f])); // the first, on a tie
        Assert.Contains("NaN", Assert.Throws<ArgumentException>(() => Prediction.Classify([0.1f, float.NaN])).Message);

        var net = new MoonsNet();
        Dataset data = TwoMoons.Generate(20, 0.1, 3);
        var classes = new int[data.Count];
        net.Classify(data.Inputs, classes);
        for (int i = 0; i < data.Count; i++)
        {
            Assert.Equal(net.Forward(data.Input(i)) >= 0 ? 1 : -1, classes[i]);
            Assert.Equal(classes[i], net.Classify(data.Input(i)));
        }
    }
}
