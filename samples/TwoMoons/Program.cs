using System.Diagnostics;
using System.Globalization;
using LipGen;
using LipGen.Data;
using LipGen.IO;
using LipGen.Training;
using LipGen.Verification;
using TwoMoons;

// The seed post's experiment: one 1-Lipschitz GroupSort network, trained on two moons with BCE and with hinge loss.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
DemoOptions options;
try
{
    options = DemoOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    Console.Error.WriteLine(DemoOptions.Usage);
    return 2;
}

Dataset train = LipGen.Data.TwoMoons.Generate(options.Points, options.Noise, options.Seed);
Dataset test = LipGen.Data.TwoMoons.Generate(options.Points, options.Noise, options.Seed + 1);
Directory.CreateDirectory(options.OutputDirectory);
Console.WriteLine($"Two moons: {train.Count} training and {test.Count} test points, noise {options.Noise}, seed {options.Seed}.");
Console.WriteLine($"Network: {MoonsNet.Kernel.Description}");
Console.WriteLine($"Training: {options.Epochs} epochs, batches of {options.BatchSize}, Adam lr {options.LearningRate}, projection after every step.");
Console.WriteLine();

var rows = new List<(string Loss, Evaluation Train, Evaluation Test, VerificationReport Report, TimeSpan Time, string Plot)>();
rows.Add(Run("BCE", new BinaryCrossEntropyWithLogits()));
rows.Add(Run("hinge", new HingeLoss(options.Margin)));

Console.WriteLine();
Console.WriteLine($"{"loss",-18} {"train loss",11} {"train acc",10} {"test acc",9} {"certified L̂",12} {"tightness",10} {"mean radius",12} {"time",8}");
foreach (var r in rows)
    Console.WriteLine($"{r.Loss,-18} {r.Train.Loss,11:F4} {r.Train.Accuracy,10:P1} {r.Test.Accuracy,9:P1} {r.Report.CertifiedBound,12:F6} {r.Report.Tightness,10:F4} {r.Report.MeanRadius,12:F4} {r.Time.TotalSeconds,7:F2}s");
Console.WriteLine();
Console.WriteLine($"Both networks are certified {MoonsNet.Kernel.Lipschitz}-Lipschitz (ℓ1 inputs); radii are on the test points, in ℓ1.");
Console.WriteLine($"Plots are in {Path.GetFullPath(options.OutputDirectory)}: {string.Join(", ", rows.Select(r => Path.GetFileName(r.Plot)))} and their -radius twins.");
return 0;

(string, Evaluation, Evaluation, VerificationReport, TimeSpan, string) Run<TLoss>(string name, TLoss loss) where TLoss : struct, ILoss
{
    var net = new MoonsNet();
    net.Initialize(options.Seed); // the same starting point for both losses
    var trainingOptions = new TrainingOptions
    {
        Epochs = options.Epochs, BatchSize = options.BatchSize, LearningRate = options.LearningRate, Seed = options.Seed,
    };
    int every = Math.Max(1, options.Epochs / 10);
    var clock = Stopwatch.StartNew();
    TrainingResult result = Trainer.Train(net, train, loss, trainingOptions, new SynchronousProgress<EpochReport>(e =>
    {
        if (e.Epoch % every == 0 || e.Epoch == 1)
            Console.WriteLine($"[{name,-5}] epoch {e.Epoch,4}/{options.Epochs}  loss {e.Loss:F4}  accuracy {e.Accuracy:P1}  certified L {e.LipschitzBound:F6}");
    }));
    clock.Stop();
    Evaluation testEvaluation = Trainer.Evaluate(net, test, loss);
    string plot = Path.Combine(options.OutputDirectory, $"two-moons-{name.ToLowerInvariant()}.png");
    DecisionBoundaryPlot.Save(net, train, $"{loss.Name}: train accuracy {result.Final.Accuracy:P1}, certified L = {net.LipschitzBound():F4}", plot);

    VerificationReport report = LipschitzVerifier.Verify(net, test, new VerificationOptions { Seed = options.Seed, Epsilons = [0.01, 0.05, 0.1, 0.2, 0.3] });
    Console.WriteLine();
    Console.WriteLine(report);
    DecisionBoundaryPlot.SaveRadius(net, test, report.CertifiedBound, $"{loss.Name}: certified L1 radius |f(x)| / L, mean on test points {report.MeanRadius:F3}",
        Path.ChangeExtension(plot, null) + "-radius.png");
    if (options.SavePath is not null && loss is HingeLoss)
    {
        net.Save(options.SavePath);
        Console.WriteLine($"Saved the hinge network to {Path.GetFullPath(options.SavePath)}");
    }
    return (loss.Name, result.Final, testEvaluation, report, clock.Elapsed, plot);
}
