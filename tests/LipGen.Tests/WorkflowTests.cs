using CsCheck;
using System.Globalization;
using LipGen.Data;
using LipGen.IO;
using LipGen.Training;
using LipGen.Tests.Networks;
using LipGen.Verification;
using Microsoft.Data.Analysis;

namespace LipGen.Tests;

/// <summary>The training workflow (issue 20): validation, early stopping, schedules, Adam's options, labels, names, traps.</summary>
public class WorkflowTests
{
    private static (Dataset Train, Dataset Validation) NoisyMoons() =>
        TwoMoons.Generate(240, noise: 0.35, seed: 11).Split(0.5, seed: 2);

    private static MoonsNet Fresh()
    {
        var net = new MoonsNet();
        net.Initialize(3);
        return net;
    }

    [Fact]
    public void Early_stopping_restores_the_best_epoch_bit_identical_to_stopping_there_by_hand()
    {
        (Dataset train, Dataset validation) = NoisyMoons();
        var options = new TrainingOptions
        {
            Epochs = 150, BatchSize = 8, LearningRate = 0.05, Seed = 4, Validation = validation, EarlyStopping = new EarlyStopping(patience: 4),
        };
        MoonsNet stopped = Fresh();
        TrainingResult result = Trainer.Train(stopped, train, new HingeLoss(0.1f), options);
        Assert.True(result.StoppedEarly, result.ToString());
        Assert.Equal(result.BestEpoch + 4, result.Epochs.Count);
        Assert.True(result.RestoredBest);
        // The best epoch's validation loss is the lowest of the run, and the restored network has it.
        double lowest = result.Epochs.Min(e => e.Validation!.Value.Loss);
        Assert.Equal(lowest, result.Epochs[result.BestEpoch - 1].Validation!.Value.Loss);
        Assert.Equal(lowest, result.Validation!.Value.Loss);

        MoonsNet byHand = Fresh();
        Trainer.Train(byHand, train, new HingeLoss(0.1f), options with { Epochs = result.BestEpoch, EarlyStopping = null, RestoreBest = false });
        Assert.Equal(byHand.Parameters.ToArray(), stopped.Parameters.ToArray());
    }

    [Fact]
    public void Without_restore_the_network_keeps_its_last_epoch()
    {
        (Dataset train, Dataset validation) = NoisyMoons();
        var options = new TrainingOptions { Epochs = 12, BatchSize = 8, LearningRate = 0.05, Seed = 4, Validation = validation };
        MoonsNet last = Fresh();
        TrainingResult result = Trainer.Train(last, train, new HingeLoss(0.1f), options with { RestoreBest = false });
        MoonsNet plain = Fresh();
        Trainer.Train(plain, train, new HingeLoss(0.1f), options with { Validation = null });
        Assert.False(result.RestoredBest);
        Assert.Equal(plain.Parameters.ToArray(), last.Parameters.ToArray()); // validation only watches
        Assert.All(result.Epochs, e => Assert.NotNull(e.Validation));
    }

    [Fact]
    public void Early_stopping_checks_what_it_can_watch()
    {
        (Dataset train, Dataset validation) = NoisyMoons();
        var e = Assert.Throws<ArgumentException>(() => Trainer.Train(Fresh(), train, new HingeLoss(0.1f),
            new TrainingOptions { EarlyStopping = new EarlyStopping(5) }));
        Assert.Contains("TrainingOptions.Validation", e.Message);
        e = Assert.Throws<ArgumentException>(() => Trainer.Train(Fresh(), train, new HingeLoss(0.1f),
            new TrainingOptions { Validation = validation, EarlyStopping = new EarlyStopping(5, ValidationMetric.RSquared) }));
        Assert.Contains("R² needs a regression loss", e.Message);
        e = Assert.Throws<ArgumentException>(() => Trainer.Train(Fresh(), train, new HingeLoss(0.1f),
            new TrainingOptions { Validation = validation, EarlyStopping = new EarlyStopping(5, ValidationMetric.CertifiedAccuracy) }));
        Assert.Contains("Epsilon", e.Message);
        var wrong = new Dataset([1f, 2f, 3f], [1f], 3, 1);
        e = Assert.Throws<ArgumentException>(() => Trainer.Train(Fresh(), train, new HingeLoss(0.1f), new TrainingOptions { Validation = wrong }));
        Assert.Contains("validation set", e.Message);
    }

    [Fact]
    public void Early_stopping_on_certified_accuracy_keeps_the_epoch_that_certified_most()
    {
        (Dataset train, Dataset validation) = NoisyMoons();
        MoonsNet net = Fresh();
        var certified = new List<double>(); // what the verifier says after each epoch, a separate path from the trainer's
        var verify = new VerificationOptions { Epsilons = [0.05], AttackStarts = 2, AttackSteps = 2, MonotoneSearchStarts = 0, RadiusAttackSamples = 0 };
        TrainingResult result = Trainer.Train(net, train, new HingeLoss(0.1f), new TrainingOptions
        {
            Epochs = 8, BatchSize = 16, LearningRate = 0.02, Validation = validation,
            EarlyStopping = new EarlyStopping(3, ValidationMetric.CertifiedAccuracy) { Epsilon = 0.05 },
        }, new SynchronousProgress<EpochReport>(_ => certified.Add(LipschitzVerifier.Verify(net, validation, verify).CertifiedAccuracies[0].Accuracy)));
        int best = certified.IndexOf(certified.Max()) + 1; // the first epoch with the most, as "improves" is strict
        Assert.Equal(best, result.BestEpoch);
        Assert.Equal(certified.Max(), LipschitzVerifier.Verify(net, validation, verify).CertifiedAccuracies[0].Accuracy);
        Assert.True(certified.Distinct().Count() > 1, "the epochs certify different shares, so the choice is tested");
    }

    [Fact]
    public void Schedules_give_the_documented_rates()
    {
        double[] none = [];
        LearningRateSchedule step = LearningRateSchedule.Step(every: 10, factor: 0.5);
        Assert.Equal(0.1, step.Rate(1, 0.1, none));
        Assert.Equal(0.1, step.Rate(10, 0.1, none));
        Assert.Equal(0.05, step.Rate(11, 0.1, none));
        Assert.Equal(0.025, step.Rate(21, 0.1, none));

        LearningRateSchedule cosine = LearningRateSchedule.CosineWithWarmup(warmupEpochs: 4, totalEpochs: 24, minimumFraction: 0.1);
        Assert.Equal(0.025, cosine.Rate(1, 0.1, none), 15);
        Assert.Equal(0.1, cosine.Rate(4, 0.1, none), 15);
        Assert.Equal(0.1, cosine.Rate(5, 0.1, none), 15);
        Assert.Equal(0.1 * (0.1 + 0.9 * (1 + Math.Cos(Math.PI * 9 / 19)) / 2), cosine.Rate(14, 0.1, none), 15);
        Assert.Equal(0.01, cosine.Rate(24, 0.1, none), 15);
        Assert.Equal(0.01, cosine.Rate(40, 0.1, none), 15);
        for (int e = 5; e < 24; e++)
            Assert.True(cosine.Rate(e + 1, 0.1, none) < cosine.Rate(e, 0.1, none));

        LearningRateSchedule plateau = LearningRateSchedule.ReduceOnPlateau(patience: 2, factor: 0.5, minimumRate: 0.02);
        double[] history = [5, 4, 4, 4, 4, 4, 4, 4, 3, 3, 3, 3, 3, 3, 3];
        Assert.Equal(0.1, plateau.Rate(5, 0.1, history));   // after 4 epochs: two without improvement
        Assert.Equal(0.05, plateau.Rate(6, 0.1, history));  // the third cuts
        Assert.Equal(0.05, plateau.Rate(8, 0.1, history));
        Assert.Equal(0.025, plateau.Rate(9, 0.1, history)); // three more, and a cut
        Assert.Equal(0.025, plateau.Rate(12, 0.1, history)); // epoch 9 improved, and the count started again
        Assert.Equal(0.02, plateau.Rate(13, 0.1, history));  // the next cut stops at the minimum
        Assert.Equal(0.02, plateau.Rate(16, 0.1, history));

        Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.Step(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.Step(5, 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.CosineWithWarmup(10, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => step.Rate(0, 0.1, none));
    }

    [Fact]
    public void Training_runs_each_epoch_at_its_scheduled_rate()
    {
        (Dataset train, Dataset validation) = NoisyMoons();
        LearningRateSchedule schedule = LearningRateSchedule.CosineWithWarmup(2, 8);
        TrainingResult result = Trainer.Train(Fresh(), train, new HingeLoss(0.1f),
            new TrainingOptions { Epochs = 8, BatchSize = 32, LearningRate = 0.02, Schedule = schedule, Validation = validation });
        for (int e = 1; e <= 8; e++)
            Assert.Equal((float)schedule.Rate(e, 0.02, []), result.Epochs[e - 1].LearningRate);

        // A plateau schedule watches the validation loss: its rates follow from the reported losses.
        LearningRateSchedule plateau = LearningRateSchedule.ReduceOnPlateau(patience: 1, factor: 0.5);
        result = Trainer.Train(Fresh(), train, new HingeLoss(0.1f),
            new TrainingOptions { Epochs = 30, BatchSize = 8, LearningRate = 0.05, Schedule = plateau, Validation = validation });
        double[] losses = [.. result.Epochs.Select(r => r.Validation!.Value.Loss)];
        for (int e = 1; e <= 30; e++)
            Assert.Equal((float)plateau.Rate(e, 0.05, losses), result.Epochs[e - 1].LearningRate);
        Assert.True(result.Epochs[^1].LearningRate < 0.05, "the validation loss of noisy moons plateaus within 30 epochs");
    }

    [Fact]
    public void Adams_options_reach_the_optimizer_and_change_the_run()
    {
        (Dataset train, _) = NoisyMoons();
        MoonsNet standard = Fresh(), other = Fresh();
        Trainer.Train(standard, train, new HingeLoss(0.1f), new TrainingOptions { Epochs = 2, BatchSize = 16 });
        Trainer.Train(other, train, new HingeLoss(0.1f), new TrainingOptions { Epochs = 2, BatchSize = 16, Beta1 = 0.5, Beta2 = 0.99, Epsilon = 1e-6 });
        Assert.NotEqual(standard.Parameters.ToArray(), other.Parameters.ToArray());
        var session = new TrainingSession<MoonsNet.Kernel, HingeLoss>(Fresh(), new HingeLoss(0.1f), 0.01, 0, beta1: 0.5, beta2: 0.99, epsilon: 1e-6);
        Assert.Equal((0.5f, 0.99f, 1e-6f), (session.Optimizer.Beta1, session.Optimizer.Beta2, session.Optimizer.Epsilon));
        session.LearningRate = 0.001;
        Assert.Equal(0.001f, session.Optimizer.LearningRate);
        Assert.Throws<ArgumentOutOfRangeException>(() => session.LearningRate = double.NaN);
        Assert.Throws<ArgumentOutOfRangeException>(() => session.LearningRate = -1);
        Assert.Throws<ArgumentOutOfRangeException>(() => Trainer.Train(Fresh(), train, new HingeLoss(0.1f), new TrainingOptions { Beta2 = 1 }));
    }

    [Fact]
    public void Without_shuffling_a_full_batch_epoch_is_one_step_on_all_the_data()
    {
        (Dataset train, _) = NoisyMoons();
        MoonsNet byTrainer = Fresh(), bySteps = Fresh();
        Trainer.Train(byTrainer, train, new HingeLoss(0.1f), new TrainingOptions { Epochs = 3, BatchSize = train.Count, Shuffle = false, LearningRate = 0.01 });
        var session = new TrainingSession<MoonsNet.Kernel, HingeLoss>(bySteps, new HingeLoss(0.1f), 0.01);
        for (int e = 0; e < 3; e++)
            session.Step(train.Inputs, train.Targets);
        Assert.Equal(bySteps.Parameters.ToArray(), byTrainer.Parameters.ToArray());
    }

    [Fact]
    public void A_cancelled_run_keeps_its_last_epoch_and_hands_back_what_it_measured()
    {
        (Dataset train, Dataset validation) = NoisyMoons();
        using var cancel = new CancellationTokenSource();
        var options = new TrainingOptions { Epochs = 20, BatchSize = 16, LearningRate = 0.02, Validation = validation };
        MoonsNet net = Fresh();
        var e = Assert.Throws<TrainingCanceledException>(() => Trainer.Train(net, train, new HingeLoss(0.1f), options,
            new SynchronousProgress<EpochReport>(r => { if (r.Epoch == 3) cancel.Cancel(); }), cancel.Token));
        Assert.Equal(3, e.Result.Epochs.Count);
        Assert.InRange(e.Result.BestEpoch, 1, 3);
        Assert.IsAssignableFrom<OperationCanceledException>(e);
        MoonsNet three = Fresh();
        Trainer.Train(three, train, new HingeLoss(0.1f), options with { Epochs = 3, RestoreBest = false });
        Assert.Equal(three.Parameters.ToArray(), net.Parameters.ToArray());
    }

    [Fact]
    public void Zero_one_labels_train_and_verify_exactly_as_minus_one_plus_one()
    {
        Dataset signs = TwoMoons.Generate(200, noise: 0.1, seed: 5);
        float[] zeroOne = [.. signs.Targets.ToArray().Select(t => t > 0 ? 1f : 0f)];
        var bits = new Dataset(signs.Inputs.ToArray(), zeroOne, 2, 1);
        foreach (bool hinge in new[] { true, false })
        {
            MoonsNet a = Fresh(), b = Fresh();
            var options = new TrainingOptions { Epochs = 3, BatchSize = 32, LearningRate = 0.01 };
            TrainingResult ra = hinge ? Trainer.Train(a, signs, new HingeLoss(0.1f), options) : Trainer.Train(a, signs, new BinaryCrossEntropyWithLogits(), options);
            TrainingResult rb = hinge ? Trainer.Train(b, bits, new HingeLoss(0.1f), options) : Trainer.Train(b, bits, new BinaryCrossEntropyWithLogits(), options);
            Assert.Equal(a.Parameters.ToArray(), b.Parameters.ToArray());
            Assert.Equal(ra.Final, rb.Final);
        }
        MoonsNet net = Fresh();
        Assert.True(LipschitzVerifier.HasLabels(bits));
        Assert.Equal(LipschitzVerifier.Radii<MoonsNet.Kernel>(net.Parameters, signs, net.LipschitzBound()),
            LipschitzVerifier.Radii<MoonsNet.Kernel>(net.Parameters, bits, net.LipschitzBound()));
        Assert.Equal(signs.Split(0.3, 1).Test.Targets.ToArray().Select(t => t > 0), bits.Split(0.3, 1).Test.Targets.ToArray().Select(t => t > 0));

        float[] mixed = [.. zeroOne];
        mixed[7] = -1;
        var e = Assert.Throws<ArgumentException>(() => Trainer.Train(Fresh(), new Dataset(signs.Inputs.ToArray(), mixed, 2, 1), new HingeLoss(0.1f), new TrainingOptions()));
        Assert.Contains("mix −1 (row 7) and 0", e.Message);
        Assert.False(LipschitzVerifier.HasLabels(new Dataset(signs.Inputs.ToArray(), mixed, 2, 1)));
    }

    [Fact]
    public void A_class_column_becomes_one_hot_targets_with_its_class_names()
    {
        var frame = new DataFrame(
            new PrimitiveDataFrameColumn<double>("petal", [1.0, 2.0, 3.0, 4.0]),
            new PrimitiveDataFrameColumn<double>("sepal", [0.5, 0.5, 1.5, 1.5]),
            new StringDataFrameColumn("species", ["virginica", "setosa", "versicolor", "setosa"]));
        Dataset data = frame.ToClassDataset(["petal", "sepal"], "species");
        Assert.Equal(["setosa", "versicolor", "virginica"], data.ClassNames);
        Assert.Equal(["petal", "sepal"], data.FeatureNames);
        Assert.Equal([0f, 0, 1, 1, 0, 0, 0, 1, 0, 1, 0, 0], data.Targets.ToArray());

        var numbered = new DataFrame(
            new PrimitiveDataFrameColumn<double>("x", [1.0, 2.0, 3.0]),
            new PrimitiveDataFrameColumn<int>("digit", [2, 0, 1]));
        Dataset digits = numbered.ToClassDataset(["x"], "digit");
        Assert.Equal(["0", "1", "2"], digits.ClassNames);
        Assert.Equal([0f, 0, 1, 1, 0, 0, 0, 1, 0], digits.Targets.ToArray()); // class 2 is output 2

        // A class column given as one target to a network with several outputs: the error names the way out.
        var column = new Dataset(new float[3 * 4], [0f, 1f, 2f], 4, 1);
        var e = Assert.Throws<ArgumentException>(() => Trainer.Train(new MulticlassL1Net(), column, new TauCrossEntropyLoss(4), new TrainingOptions()));
        Assert.Contains("Dataset.FromClassLabels", e.Message);
        Assert.Throws<ArgumentException>(() => new DataFrame(new PrimitiveDataFrameColumn<double>("x", [1.0]), new StringDataFrameColumn("c", ["a"])).ToClassDataset(["x"], "c"));
    }

    [Fact]
    public void Feature_names_travel_from_the_data_into_the_report()
    {
        var random = new SeededRandom(3);
        var data = new Dataset(NetworkCases.RandomVector(ref random, 40 * 4), NetworkCases.RandomVector(ref random, 40), 4, 1)
            .WithNames(["age", "income", "debt", "tenure"]);
        Assert.Equal("debt", data.FeatureName(2));
        Assert.Equal(["age", "income", "debt", "tenure"], data.Split(0.25, 1).Train.FeatureNames);
        var net = new MonotoneNet();
        VerificationReport report = LipschitzVerifier.Verify(net, data, new VerificationOptions { AttackStarts = 4, AttackSteps = 5 });
        string text = report.ToString();
        Assert.Contains("income", text);
        Assert.Contains("debt ", text);
        Assert.DoesNotContain("x1 ", text);
        // The monotonicity search's pairs name their input too (an unconstrained twin, so that it finds one).
        var twin = new MonotoneTwinNet();
        twin.Initialize(5);
        VerificationReport broken = LipschitzVerifier.Verify(twin, data, new VerificationOptions { AttackStarts = 4, AttackSteps = 5, Monotone = [1, 0, -1, 0] });
        Assert.NotNull(broken.LargestMonotoneDecrease);
        string pair = broken.LargestMonotoneDecrease.ToString(data.FeatureNames);
        Assert.StartsWith(broken.LargestMonotoneDecrease.Input == 0 ? "age from " : "debt from ", pair);
        Assert.Contains("wrong-way move seen: " + pair, broken.ToString());
        Assert.StartsWith($"x{broken.LargestMonotoneDecrease.Input} from ", broken.LargestMonotoneDecrease.ToString());
        Assert.Throws<ArgumentException>(() => data.WithNames(["a", "a", "b", "c"]));
        Assert.Throws<ArgumentException>(() => data.WithNames(["a", "b"]));
        Assert.Equal("x0", new Dataset([1f], [1f], 1, 1).FeatureName(0));
    }

    [Fact]
    public async Task Feature_and_class_names_travel_with_the_saved_file()
    {
        string path = Path.Combine(Path.GetTempPath(), $"lipgen-{Guid.NewGuid():N}.safetensors");
        try
        {
            var random = new SeededRandom(3);
            // Names as they come from spreadsheets: quotes, backslashes, units and non-ASCII letters.
            string[] features = ["age \"years\"", "income, $", "debt\\ratio", "tenure (mois, été)"];
            var data = new Dataset(NetworkCases.RandomVector(ref random, 40 * 4), [.. Enumerable.Range(0, 40).Select(i => (float)(i % 2))], 4, 1)
                .WithNames(features, ["declined", "approved"]);
            var net = new MonotoneNet();
            net.Save(path, NetworkNames.Of(data));
            NetworkNames names = NetworkFile.ReadNames(path);
            Assert.Equal(features, names.Features);
            Assert.Equal(["declined", "approved"], names.Classes);
            var loaded = new MonotoneNet(); // the names change nothing the network computes or how it loads
            loaded.Load(path);
            Assert.Equal(net.Parameters.ToArray(), loaded.Parameters.ToArray());
            Assert.Equal(features, data.WithNames(null).WithNames(names.Features, names.Classes).FeatureNames);

            // Through a stream and asynchronously too; a file without names reads as none; names that do not fit are refused.
            var stream = new MemoryStream();
            await net.SaveAsync(stream, new NetworkNames(features), CancellationToken.None);
            stream.Position = 0;
            Assert.Equal(features, NetworkFile.ReadNames(stream).Features);
            net.Save(path);
            Assert.Equal(new NetworkNames(null, null), NetworkFile.ReadNames(path));
            Assert.Contains("needs 4", Assert.Throws<ArgumentException>(() => net.Save(path, new NetworkNames(["a", "b"]))).Message);
            Assert.Throws<ArgumentException>(() => net.Save(path, new NetworkNames(null, ["only one"])));
            Assert.Null(NetworkNames.Of(new Dataset([1f], [1f], 1, 1)));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Training_a_scale_inputs_network_whose_map_was_never_fitted_names_InputMaps_Fit()
    {
        Dataset data = TwoMoons.Generate(50, noise: 0.1, seed: 1);
        var net = new MappedNet();
        var e = Assert.Throws<InvalidOperationException>(() => Trainer.Train(net, data, new HingeLoss(0.1f), new TrainingOptions { Epochs = 1 }));
        Assert.Contains("InputMaps.Fit", e.Message);
        InputMaps.Fit(net, data);
        Trainer.Train(net, data, new HingeLoss(0.1f), new TrainingOptions { Epochs = 1 });
        // A declared map is not "unfitted", even at the identity.
        Trainer.Train(new MappedMonotoneNet(), new Dataset(new float[3 * 4], new float[2 * 4], 3, 2), new MeanSquaredError(), new TrainingOptions { Epochs = 1 });
    }

    [Fact]
    public void A_file_loads_into_a_larger_bound_as_it_is_and_into_a_smaller_one_projected()
    {
        string path = Path.Combine(Path.GetTempPath(), $"lipgen-{Guid.NewGuid():N}.safetensors");
        try
        {
            MoonsNet trained = Fresh();
            Trainer.Train(trained, TwoMoons.Generate(200, 0.1, 1), new HingeLoss(0.1f), new TrainingOptions { Epochs = 5, LearningRate = 0.02 });
            trained.Save(path);
            var loose = new LooseMoonsNet();
            loose.Load(path);
            Assert.Equal(trained.Parameters.ToArray(), loose.Parameters.ToArray());
            Assert.Equal(trained.Forward([0.3f, -0.2f]), loose.Forward([0.3f, -0.2f]));

            var tight = new TightMoonsNet();
            float[] before = tight.Parameters.ToArray();
            var e = Assert.Throws<NetworkFileException>(() => tight.Load(path));
            Assert.Contains("projectOnLoad: true", e.Message);
            Assert.Equal(before, tight.Parameters.ToArray());
            tight.Load(path, projectOnLoad: true); // the LIPG020 fix: project into the smaller bound, then save
            Assert.True(tight.LipschitzBound() <= 0.5);

            var aol = new AolNet();
            aol.Save(path);
            e = Assert.Throws<NetworkFileException>(() => new LooseAolNet().Load(path));
            Assert.Contains("depends on λ", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_diverging_run_warns_and_a_healthy_one_does_not()
    {

        Dataset data = TwoMoons.Generate(300, noise: 0.1, seed: 2);
        TrainingResult healthy = Trainer.Train(Fresh(), data, new HingeLoss(0.1f), new TrainingOptions { Epochs = 20, BatchSize = 32, LearningRate = 0.01 });
        Assert.Empty(healthy.Warnings);
        TrainingResult wild = Trainer.Train(Fresh(), data, new HingeLoss(0.1f), new TrainingOptions { Epochs = 20, BatchSize = 32, LearningRate = 1e6 });
        Assert.NotEmpty(wild.Warnings);
        Assert.Contains("learning rate", wild.Warnings[0]);
        Assert.Contains("warning:", wild.ToString());
    }

    [Fact]
    public void Regression_targets_beyond_the_bounds_reach_are_warned_about()
    {
        var random = new SeededRandom(4);
        float[] x = [.. Enumerable.Range(0, 64).Select(_ => (float)random.NextDouble())];
        var far = new Dataset(x, [.. x.Select(v => 1000 * v)], 1, 1);
        TrainingResult result = Trainer.Train(new ScalarInputNet(), far, new MeanSquaredError(), new TrainingOptions { Epochs = 2 });
        Assert.Contains(result.Warnings, w => w.Contains("ScaleOutputs = true") && w.Contains("OutputMaps.Fit") && w.Contains("R² on them is at most"));
        var near = new Dataset(x, [.. x.Select(v => 1.5f * v)], 1, 1);
        Assert.DoesNotContain(Trainer.Train(new ScalarInputNet(), near, new MeanSquaredError(), new TrainingOptions { Epochs = 2 }).Warnings,
            w => w.Contains("R² on them is at most"));
    }

    [Fact]
    public void The_R_squared_ceiling_of_the_targets_warning_is_never_beaten()
    {
        // The warning's ceiling must hold for every network of the declaration: trained, at random weights, and with its
        // maps anywhere. Random data (a linear trend plus noise, in raw units), random maps, a short fit; R² ≤ ceiling.
        Gen.Select(Gen.Int[8, 60], Gen.ULong, Gen.Double[0.01, 1000], Gen.Double[0, 2]).Sample((count, seed, spread, noise) =>
        {
            var random = new SeededRandom(seed);
            float[] x = [.. Enumerable.Range(0, count * 3).Select(_ => (float)(100 * random.NextDouble()))];
            float[] t = [.. Enumerable.Range(0, count).Select(r => (float)(spread * (x[3 * r] - x[3 * r + 2]) / 100 + noise * spread * random.NextDouble()))];
            var data = new Dataset(x, t, 3, 1);
            var net = new RawRegressionNet();
            net.Initialize(seed);
            InputMaps.Fit(net, data);
            OutputMaps.Set(net, [(float)(spread * random.NextDouble())], [(float)(1 + spread * random.NextDouble() / 3)]);
            double ceiling = TrainingWarnings.RSquaredCeiling<RawRegressionNet.Kernel>(net.Parameters, data);
            Assert.True(Trainer.Evaluate(net, data, new MeanSquaredError()).RSquared <= ceiling);
            Trainer.Train(net, data, new MeanSquaredError(), new TrainingOptions { Epochs = 15, BatchSize = 8, LearningRate = 0.02, Seed = seed });
            Assert.True(Trainer.Evaluate(net, data, new MeanSquaredError()).RSquared <= ceiling);
        }, iter: 60);
    }

    [Fact]
    public void Reports_print_short_lines_in_any_culture()
    {
        CultureInfo saved = CultureInfo.CurrentCulture;
        var comma = (CultureInfo)CultureInfo.InvariantCulture.Clone(); // the test host runs globalization-invariant: a decimal comma by hand
        comma.NumberFormat.NumberDecimalSeparator = comma.NumberFormat.PercentDecimalSeparator = ",";
        CultureInfo.CurrentCulture = comma;
        try
        {
            var evaluation = new Evaluation(0.123456, 0.9876);
            Assert.Equal("loss 0.1235, accuracy 98.8 %", evaluation.ToString());
            var regression = new Evaluation(2.5, double.NaN, 1.25, 1.5811, 0.56789);
            Assert.Equal("loss 2.5, MAE 1.25, RMSE 1.581, R² 0.568", regression.ToString());
            var epoch = new EpochReport(7, 0.5, 0.75, 0.99999) { Validation = evaluation, LearningRate = 0.001 };
            Assert.Equal("epoch 7: loss 0.5, accuracy 75.0 %, L̂ 0.99999; validation loss 0.1235, accuracy 98.8 %; lr 0.001", epoch.ToString());
            var result = new TrainingResult([epoch], evaluation) { BestEpoch = 7 };
            Assert.Equal("1 epochs, best epoch 7; training: loss 0.1235, accuracy 98.8 %", result.ToString());
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }

    [Fact]
    public void The_console_progress_redraws_one_line_or_logs_every_few_epochs()
    {
        var log = new StringWriter();
        var progress = new ConsoleProgress(40, log, redraw: false);
        for (int e = 1; e <= 40; e++)
            progress.Report(new EpochReport(e, 1.0 / e, 0.5, 1));
        string[] lines = log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(21, lines.Length); // epoch 1, then every second one (40 / 20), the last included
        Assert.StartsWith("[1/40] loss 1, accuracy 50.0 %", lines[0]);
        Assert.StartsWith("[40/40] loss 0.025", lines[^1]);

        var terminal = new StringWriter();
        var redraw = new ConsoleProgress(3, terminal, redraw: true);
        for (int e = 1; e <= 3; e++)
            redraw.Report(new EpochReport(e, 1, double.NaN, 1));
        Assert.Equal(3, terminal.ToString().Count(c => c == '\r'));
        Assert.Single(terminal.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.EndsWith("\n", terminal.ToString().Replace("\r\n", "\n"));

        // A run that stops early never reaches its last epoch: Complete ends the line, once.
        var stopped = new StringWriter();
        var early = new ConsoleProgress(10, stopped, redraw: true);
        early.Report(new EpochReport(1, 1, double.NaN, 1));
        early.Complete();
        early.Complete();
        Assert.Equal(1, stopped.ToString().Count(c => c == '\n'));
    }
}

/// <summary>Monotone slopes with a margin (issue 20): <c>MonotoneResidual</c> above λ.</summary>
public class MonotoneMarginTests
{
    private static (MarginMonotoneNet Net, Dataset Data) Trained()
    {
        var random = new SeededRandom(8);
        float[] x = NetworkCases.RandomVector(ref random, 400 * 4);
        float[] y = [.. Enumerable.Range(0, 400).Select(i => x[4 * i] - 0.5f * x[4 * i + 2] + MathF.Sin(3 * x[4 * i + 1]))];
        var data = new Dataset(x, y, 4, 1);
        var net = new MarginMonotoneNet();
        Trainer.Train(net, data, new MeanSquaredError(), new TrainingOptions { Epochs = 15, BatchSize = 32, LearningRate = 0.01 });
        return (net, data);
    }

    [Fact]
    public void A_residual_above_lambda_gives_strictly_positive_certified_slopes()
    {
        (MarginMonotoneNet net, _) = Trained();
        Assert.Equal(Model.NetworkPlan.ResidualCoefficient(2.8561), MarginMonotoneNet.Kernel.Description.ResidualCoefficient);
        InputSlope[] slopes = [.. CertifiedBound.SlopeRanges(MarginMonotoneNet.Kernel.Description, net.Parameters)];
        double margin = 2.8561 - 2.197;
        Assert.True(slopes[0].Lower >= margin * (1 - 1e-5), $"lower slope of x0 {slopes[0].Lower}");
        Assert.True(slopes[2].Upper <= -margin * (1 - 1e-5), $"upper slope of x2 {slopes[2].Upper}");
        // f is (λ + c·‖s‖_∞)-Lipschitz in ℓ1: the declared bound counts c, not λ, for the residual.
        Assert.True(MarginMonotoneNet.Kernel.Description.DeclaredBound >= 2.197 + 2.8561);
        Assert.True(net.LipschitzBound() <= MarginMonotoneNet.Kernel.Description.DeclaredBound);
    }

    [Fact]
    public void The_float_monotonicity_statement_survives_a_dense_search()
    {
        (MarginMonotoneNet net, Dataset data) = Trained();
        VerificationReport report = LipschitzVerifier.Verify(net, data, new VerificationOptions { AttackStarts = 8, AttackSteps = 10 });
        Assert.Equal(VerificationStatus.Verified, report.Status);
        double h0 = report.FloatMonotoneSteps[0], h2 = report.FloatMonotoneSteps[2];
        Assert.True(double.IsNaN(report.FloatMonotoneSteps[1]));
        Assert.InRange(h0, 1e-9, 1e-2);
        Assert.Contains("in float too, for steps ≥", report.ToString());
        // Every pair in the data's box whose monotone input differs by at least h moves the right way, as the network runs.
        var random = new SeededRandom(21);
        var x = new float[4];
        int pairs = 0;
        for (int trial = 0; trial < 20_000; trial++)
        {
            for (int i = 0; i < 4; i++)
                x[i] = (float)(2 * random.NextDouble() - 1);
            foreach ((int input, int sign, double h) in new[] { (0, 1, h0), (2, -1, h2) })
            {
                double step = h * (1 + 4 * random.NextDouble() * random.NextDouble());
                float[] y = (float[])x.Clone();
                y[input] = (float)(x[input] + step);
                if (y[input] - (double)x[input] < h || y[input] > 1)
                    continue;
                Assert.True(sign * (net.Forward(y) - net.Forward(x)) > 0, $"x{input} by {y[input] - (double)x[input]} at [{string.Join(", ", x)}]");
                pairs++;
            }
        }
        Assert.True(pairs > 30_000, $"{pairs} pairs");
    }

    [Fact]
    public void The_coefficient_travels_with_the_file()
    {
        (MarginMonotoneNet net, _) = Trained();
        byte[] bytes = IO.NetworkFile.Serialize(MarginMonotoneNet.Kernel.Description, net.Parameters);
        Assert.Contains("\"lipgen.monotone_residual\":\"2.8561", System.Text.Encoding.UTF8.GetString(bytes));
        var loaded = new MarginMonotoneNet();
        loaded.Load(new MemoryStream(bytes));
        Assert.Equal(net.Forward([0.1f, 0.2f, 0.3f, 0.4f]), loaded.Forward([0.1f, 0.2f, 0.3f, 0.4f]));
        // A file from a network whose residual ran at another coefficient is refused by name.
        byte[] other = (byte[])bytes.Clone(); // the header edited in place, same length, so the tensors' bytes stay where they are
        int at = System.Text.Encoding.Latin1.GetString(bytes).IndexOf("\"lipgen.monotone_residual\":\"2.8561", StringComparison.Ordinal);
        System.Text.Encoding.ASCII.GetBytes("2.5000").CopyTo(other, at + "\"lipgen.monotone_residual\":\"".Length);
        var e = Assert.Throws<IO.NetworkFileException>(() => new MarginMonotoneNet().Load(new MemoryStream(other)));
        Assert.Contains("lipgen.monotone_residual", e.Message);
    }
}

/// <summary>Targets in their own units through the output map y = offset + scale·g (issue 20): <c>ScaleOutputs</c>.</summary>
public class OutputMapTests
{
    /// <summary>A raw-unit regression: about 5000 ± 900, increasing in x0, decreasing in x2, with a free bump in x1.</summary>
    private static Dataset RawTargets(int count, ulong seed)
    {
        var random = new SeededRandom(seed);
        float[] x = NetworkCases.RandomVector(ref random, count * 3);
        float[] y = [.. Enumerable.Range(0, count).Select(i => 5000 + 400 * x[3 * i] - 250 * x[3 * i + 2] + 150 * MathF.Sin(2 * x[3 * i + 1]))];
        return new Dataset(x, y, 3, 1);
    }

    private static RawRegressionNet Fitted(Dataset data)
    {
        var net = new RawRegressionNet();
        net.Initialize(1);
        InputMaps.Fit(net, data);
        OutputMaps.Fit(net, data);
        return net;
    }

    [Fact]
    public void Raw_targets_train_out_of_the_box_and_the_guarantees_are_in_their_units()
    {
        Dataset train = RawTargets(600, 1), test = RawTargets(300, 2);
        RawRegressionNet net = Fitted(train);
        (float[] offsets, float[] scales) = OutputMaps.Get(net);
        // The targets' mean and standard deviation, as the map holds them.
        double[] t = [.. train.Targets.ToArray().Select(v => (double)v)];
        double mean = t.Average(), spread = Math.Sqrt(t.Select(v => (v - mean) * (v - mean)).Average());
        Assert.Equal((float)mean, offsets[0]);
        Assert.Equal((float)spread, scales[0]);
        TrainingResult result = Trainer.Train(net, train, new MeanSquaredError(), new TrainingOptions { Epochs = 40, BatchSize = 32, LearningRate = 0.01, Validation = test });
        Assert.Empty(result.Warnings);
        Assert.True(result.Validation!.Value.RSquared > 0.9, $"R² {result.Validation.Value.RSquared} on raw targets");

        // The slopes are in target units per input unit: about 400 for x0, and the certificate is L̂ of the raw function.
        VerificationReport report = LipschitzVerifier.Verify(net, test, new VerificationOptions { AttackStarts = 4, AttackSteps = 10 });
        Assert.NotEqual(VerificationStatus.Failed, report.Status);
        Assert.True(report.InputSlopes[0].Lower > 0 && report.InputSlopes[2].Upper < 0);
        Assert.InRange(report.CertifiedBound, 100, 1e5);
        // Every slope bound is the core's times the output's scale: with scale 1 they shrink by exactly that factor (up to rounding).
        float[] parameters = net.Parameters.ToArray();
        InputSlope[] raw = [.. CertifiedBound.SlopeRanges(net.Description, parameters)];
        parameters[net.Description.OutputScaleOffset] = 1;
        InputSlope[] core = [.. CertifiedBound.SlopeRanges(net.Description, parameters)];
        for (int i = 0; i < 3; i++)
        {
            Assert.InRange(raw[i].Lower / core[i].Lower, scales[0] * (1 - 1e-12), scales[0] * (1 + 1e-12));
            Assert.InRange(raw[i].Upper / core[i].Upper, scales[0] * (1 - 1e-12), scales[0] * (1 + 1e-12));
        }
        Assert.InRange(net.LipschitzBound() / CertifiedBound.Compute(net.Description, parameters), scales[0] * (1 - 1e-12), scales[0] * (1 + 1e-12));
    }

    [Fact]
    public void An_output_map_never_fitted_is_an_error_naming_OutputMaps_Fit()
    {
        Dataset data = RawTargets(50, 3);
        var net = new RawRegressionNet();
        net.Initialize(1);
        InputMaps.Fit(net, data);
        var e = Assert.Throws<InvalidOperationException>(() => Trainer.Train(net, data, new MeanSquaredError(), new TrainingOptions { Epochs = 1 }));
        Assert.Contains("OutputMaps.Fit", e.Message);
        OutputMaps.Fit(net, data);
        Trainer.Train(net, data, new MeanSquaredError(), new TrainingOptions { Epochs = 1 });
    }

    [Fact]
    public void Bad_output_scales_are_refused_everywhere_naming_the_output()
    {
        var net = new MappedOutputsNet();
        net.Initialize(2);
        float[] before = net.Parameters.ToArray();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => OutputMaps.Set(net, [0f, 0, 0], [1f, -2, 1]));
        Assert.Contains("output 1", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => OutputMaps.Set(net, [0f, 0, 0], [1f, 1, 1e-40f]));
        Assert.Throws<ArgumentException>(() => OutputMaps.Set(net, [0f, float.NaN, 0], [1f, 1, 1]));
        Assert.Equal(before, net.Parameters.ToArray());
        Assert.Throws<InvalidOperationException>(() => OutputMaps.Fit(new MoonsNet(), TwoMoons.Generate(10, 0.1, 1)));

        // Written by a caller into the parameters: the projection refuses it; in a file: loading refuses it.
        net.Parameters[net.Description.OutputScaleOffset + 2] = -1;
        Assert.Contains("output 2", Assert.Throws<ArgumentException>(() => net.Project()).Message);
        byte[] file = NetworkFile.Serialize(net.Description, net.Parameters.ToArray());
        net.Parameters[net.Description.OutputScaleOffset + 2] = 1;
        var loaded = new MappedOutputsNet();
        Assert.Contains("output_map.scale", Assert.Throws<NetworkFileException>(() => NetworkFile.Load(loaded, new MemoryStream(file))).Message);
        // And the certificate claims nothing for it.
        Assert.True(double.IsNaN(CertifiedBound.Compute(net.Description, [.. net.Parameters.ToArray().Select((v, i) => i == net.Description.OutputScaleOffset ? -1f : v)])));
    }

    [Fact]
    public void Fitted_targets_far_beyond_lambda_raise_no_reach_warning()
    {
        Dataset data = RawTargets(200, 4);
        TrainingResult result = Trainer.Train(Fitted(data), data, new MeanSquaredError(), new TrainingOptions { Epochs = 2 });
        Assert.DoesNotContain(result.Warnings, w => w.Contains("cannot fit"));
    }
}
