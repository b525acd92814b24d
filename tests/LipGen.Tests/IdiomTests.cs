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
