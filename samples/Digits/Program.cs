using System.Diagnostics;
using System.Globalization;
using Digits;
using LipGen;
using LipGen.Data;
using LipGen.Training;
using LipGen.Verification;

// Certified multi-class robustness in ℓ2 on scikit-learn's 8×8 digits (see README.md beside this file).
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
int epochs = args.Length > 0 && int.TryParse(args[0], out int e) && e > 0 ? e : 150;
string output = args.Length > 1 ? args[1] : "out";
// A third argument picks networks by their short names (row, spectral, hkr, bjorck, aol, sll), comma-separated.
HashSet<string> only = args.Length > 2 ? [.. args[2].Split(',', StringSplitOptions.RemoveEmptyEntries)] : [];
bool Wanted(string key) => only.Count == 0 || only.Contains(key);
Directory.CreateDirectory(output);

(Dataset train, Dataset test) = DigitsData.Load(Path.Combine(AppContext.BaseDirectory, "data", "digits.csv"));
double[] epsilons = [0.1, 0.25, 0.5, 0.75, 1.0, 1.5];
Console.WriteLine($"Digits: {train.Count} training and {test.Count} test images, 64 pixels in [0, 1], 10 classes.");
Console.WriteLine($"Spectral: {DigitsNet.Kernel.Description}");
Console.WriteLine($"Row:      {DigitsRowNet.Kernel.Description}");
Console.WriteLine($"AOL:      {DigitsAolNet.Kernel.Description}");
Console.WriteLine($"SLL:      {DigitsSllNet.Kernel.Description}");
Console.WriteLine($"Training: {epochs} epochs, batches of 64, Adam lr 0.002.");
Console.WriteLine();

var runs = new List<Run>();
if (Wanted("spectral"))
    runs.Add(Train("spectral, τ-CE (τ 8)", new DigitsNet(), new TauCrossEntropyLoss(8), bjorck: 0));
if (Wanted("hkr"))
    runs.Add(Train("spectral, HKR (α 0.97)", new DigitsNet(), new MulticlassHkrLoss(0.97f, 0.6f), bjorck: 0));
if (Wanted("bjorck"))
    runs.Add(Train("spectral + Björck, τ-CE", new DigitsNet(), new TauCrossEntropyLoss(8), bjorck: 3));
if (Wanted("row"))
    runs.Add(Train("row bounds, τ-CE (τ 8)", new DigitsRowNet(), new TauCrossEntropyLoss(8), bjorck: 0));
if (Wanted("aol"))
    runs.Add(Train("AOL, τ-CE (τ 8)", new DigitsAolNet(), new TauCrossEntropyLoss(8), bjorck: 0));
if (Wanted("sll"))
    runs.Add(Train("AOL + 2×2 SLL, τ-CE", new DigitsSllNet(), new TauCrossEntropyLoss(8), bjorck: 0));

Console.WriteLine();
Console.Write($"{"network",-26} {"clean",7} ");
foreach (double eps in epsilons)
    Console.Write($"{"ε=" + eps.ToString("G3"),8}");
Console.WriteLine($" {"L̂",9} {"attack L̲",9} {"tightness",9} {"ms/epoch",9}");
foreach (Run r in runs)
{
    Console.Write($"{r.Name,-26} {r.Report.Accuracy,7:P1} ");
    foreach (CertifiedAccuracy c in r.Report.CertifiedAccuracies)
        Console.Write($"{c.Accuracy,8:P1}");
    Console.WriteLine($" {r.Report.CertifiedBound,9:F4} {r.Report.EmpiricalBound,9:F4} {r.Report.Tightness,9:F4} {r.MillisecondsPerEpoch,9:F1}");
}
Console.WriteLine();
Console.WriteLine("Certified accuracy: the share of test images classified correctly whose class provably cannot change within ℓ2 distance ε (pixels in [0, 1]).");
string plot = Path.Combine(output, "digits-certified-accuracy.png");
CertifiedAccuracyPlot.Save(runs.Select(r => (r.Name, r.Report)).ToList(), test, plot);
Console.WriteLine($"Certified accuracy against ε is plotted in {Path.GetFullPath(plot)}.");
bool held = runs.All(r => r.Report.Status == VerificationStatus.Verified && r.Report.RadiusCounterexample is null);
if (!held)
    Console.Error.WriteLine("error: a verification did not pass (see the reports above).");
return held ? 0 : 1;

Run Train<TKernel, TLoss>(string name, ILipschitzNetwork<TKernel> net, TLoss loss, int bjorck)
    where TKernel : struct, ILipschitzKernel where TLoss : struct, ILoss
{
    net.Initialize(11);
    var clock = Stopwatch.StartNew();
    double halfway = 0; // the first epochs also compile the code: time the second half
    int every = Math.Max(1, epochs / 5);
    Trainer.Train(net, train, loss, new TrainingOptions { Epochs = epochs, BatchSize = 64, LearningRate = 0.002, Seed = 11, BjorckIterations = bjorck },
        new SynchronousProgress<EpochReport>(r =>
        {
            if (r.Epoch == epochs / 2)
                halfway = clock.Elapsed.TotalMilliseconds;
            if (r.Epoch % every == 0 || r.Epoch == 1)
                Console.WriteLine($"[{name,-24}] epoch {r.Epoch,4}/{epochs}  loss {r.Loss,8:F4}  accuracy {r.Accuracy:P1}  certified L̂ {r.LipschitzBound:F4}");
        }));
    double perEpoch = (clock.Elapsed.TotalMilliseconds - halfway) / (epochs - epochs / 2);
    VerificationReport report = LipschitzVerifier.Verify(net, test, new VerificationOptions { Epsilons = epsilons, Seed = 11, AttackStarts = 48, AttackSteps = 60 });
    Console.WriteLine();
    Console.WriteLine($"{name}:");
    Console.WriteLine(report);
    return new Run(name, report, perEpoch);
}

internal sealed record Run(string Name, VerificationReport Report, double MillisecondsPerEpoch);
