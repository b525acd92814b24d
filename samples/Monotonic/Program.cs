using System.Diagnostics;
using System.Globalization;
using LipGen;
using LipGen.Data;
using LipGen.Training;
using LipGen.Verification;
using Monotonic;

// A provably monotone classifier on real data, next to its unconstrained twin (see README.md beside this file).
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
int epochs = args.Length > 0 && int.TryParse(args[0], out int e) && e > 0 ? e : 200;
string output = args.Length > 1 ? args[1] : "out";
Directory.CreateDirectory(output);

(Dataset train, Dataset test, string[] features) = BreastCancer.Load(Path.Combine(AppContext.BaseDirectory, "data", "breast-cancer.csv"));
int[] signs = MonotoneCancerNet.Kernel.Description.Monotone.ToArray();
Console.WriteLine($"Breast Cancer Wisconsin (diagnostic): {train.Count} training and {test.Count} test samples, {features.Length} features in their own units.");
Console.WriteLine($"Monotone (malignancy never falls as they grow): {string.Join(", ", features.Where((_, i) => signs[i] > 0))}.");
Console.WriteLine($"Network: {MonotoneCancerNet.Kernel.Description}");
Console.WriteLine($"Twin:    {CancerNet.Kernel.Description}");
Console.WriteLine($"Training: {epochs} epochs, batches of 32, Adam lr 0.003, hinge loss (margin 0.5), input map fitted to the training data.");
Console.WriteLine();

var options = new VerificationOptions { Monotone = signs, Epsilons = [0.05, 0.1, 0.2, 0.5], Seed = 1 };
var rows = new List<Row>
{
    Run("monotone, projection", new MonotoneCancerNet(), ConstraintMethod.Projection),
    Run("monotone, reparametrised", new MonotoneCancerNet(), ConstraintMethod.Reparametrization),
    Run("twin, projection", new CancerNet(), ConstraintMethod.Projection),
};

Console.WriteLine();
Console.WriteLine($"{"network",-26} {"train acc",9} {"test acc",9} {"L̂ (raw)",10} {"layers/λ",9} {"tightness",9} {"monotone",14} {"violations",10} {"ms/epoch",9}");
foreach (Row r in rows)
    Console.WriteLine($"{r.Name,-26} {r.Train,9:P1} {r.Report.Accuracy,9:P1} {r.Report.CertifiedBound,10:G4} {r.Report.ConstrainedBound,9:F4} {r.Report.Tightness,9:F4} {r.Report.Monotonicity,14} {(r.Report.MonotoneViolation is null ? "none" : "found"),10} {r.MillisecondsPerEpoch,9:F2}");
Console.WriteLine();
Console.WriteLine("L̂ is in the features' own units (per pixel of radius, …), through the input map; 'layers/λ' is the constrained layers' certificate, which λ = 1 bounds.");

var monotone = (MonotoneCancerNet)rows[0].Network;
var twin = (CancerNet)rows[2].Network;
const int Compactness = 5; // monotone by declaration; the twin's fit runs against it (as a linear model's does)
string plot = Path.Combine(output, "monotone-response.png");
ScottPlot.Plot response = Samples.ResponsePlot.Draw(monotone, twin, test, Compactness);
response.Add.HorizontalLine(0, 1, ScottPlot.Colors.Gray);
response.Title($"f along {features[Compactness]}, six test patients (f > 0: malignant)");
response.XLabel($"{features[Compactness]} (raw units)");
response.YLabel("f(x)");
response.SavePng(plot, 900, 560);
Console.WriteLine($"The response to {features[Compactness]} for six test patients, both networks, is in {Path.GetFullPath(plot)}.");
// The guarantee, checked: both monotone networks certified, neither report failed.
bool held = rows.Take(2).All(r => r.Report.Monotonicity == MonotonicityStatus.Certified) && rows.All(r => r.Report.Status != VerificationStatus.Failed);
if (!held)
    Console.Error.WriteLine("error: a monotone network was not certified, or a verification failed (see the reports above).");
return held ? 0 : 1;

Row Run<TKernel>(string name, ILipschitzNetwork<TKernel> net, ConstraintMethod method) where TKernel : struct, ILipschitzKernel
{
    net.Initialize(7);
    InputMaps.Fit(net, train); // mean and spread of each feature: the layers see standardised inputs, the guarantees stay in raw units
    var clock = Stopwatch.StartNew();
    double halfway = 0; // the first epochs also compile and tier up the code: time the second half
    int every = Math.Max(1, epochs / 5);
    TrainingResult result = Trainer.Train(net, train, new HingeLoss(0.5f),
        new TrainingOptions { Epochs = epochs, BatchSize = 32, LearningRate = 0.003, Seed = 7, Constraint = method },
        new SynchronousProgress<EpochReport>(r =>
        {
            if (r.Epoch == epochs / 2)
                halfway = clock.Elapsed.TotalMilliseconds;
            if (r.Epoch % every == 0 || r.Epoch == 1)
                Console.WriteLine($"[{name,-24}] epoch {r.Epoch,4}/{epochs}  loss {r.Loss:F4}  accuracy {r.Accuracy:P1}  certified L̂ {r.LipschitzBound:G4}");
        }));
    clock.Stop();
    VerificationReport report = LipschitzVerifier.Verify(net, test, options);
    Console.WriteLine();
    Console.WriteLine($"{name}:");
    Console.WriteLine(report);
    return new Row(name, net, result.Final.Accuracy, report, (clock.Elapsed.TotalMilliseconds - halfway) / (epochs - epochs / 2));
}

internal sealed record Row(string Name, ILipschitzNetwork Network, double Train, VerificationReport Report, double MillisecondsPerEpoch);
