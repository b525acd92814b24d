using System.Globalization;
using LipGen;
using LipGen.Data;
using LipGen.IO;
using LipGen.Training;
using LipGen.Verification;
using Regression;

// Regression on raw targets, monotone in chosen features, with the whole training workflow (see README.md beside this file).
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
int epochs = args.Length > 0 && int.TryParse(args[0], out int e) && e > 0 ? e : 1000;
string output = args.Length > 1 ? args[1] : "out";
Directory.CreateDirectory(output);

(Dataset train, Dataset test) = Diabetes.Load(Path.Combine(AppContext.BaseDirectory, "data", "diabetes.csv"));
(Dataset fit, Dataset validation) = train.Split(0.2, seed: 1);
Console.WriteLine($"Diabetes (Efron et al. 2004): {fit.Count} training, {validation.Count} validation and {test.Count} test patients, " +
    $"{train.InputWidth} baseline variables in their own units; the target, disease progression after a year, is raw too " +
    $"(mean {Mean(train):F0}, range {Min(train):F0}–{Max(train):F0}).");
Console.WriteLine($"Network: {DiabetesNet.Kernel.Description}");
Console.WriteLine($"Twin:    {DiabetesTwin.Kernel.Description}");

var options = new TrainingOptions
{
    Epochs = epochs, BatchSize = 32, LearningRate = 0.003, Seed = 3,
    Validation = validation,
    EarlyStopping = new EarlyStopping(patience: 150),         // on the validation loss; the best epoch's weights are restored
    Schedule = LearningRateSchedule.CosineWithWarmup(20, epochs),
};
Console.WriteLine($"Training: up to {epochs} epochs, batches of 32, Adam 0.003 with a cosine schedule (20 warm-up epochs), " +
    "squared error on raw targets, early stopping after 150 epochs without a better validation loss.");
Console.WriteLine();

var monotone = new DiabetesNet();
var twin = new DiabetesTwin();
(TrainingResult monotoneResult, Evaluation monotoneTest) = Fit(monotone, "monotone");
(TrainingResult twinResult, Evaluation twinTest) = Fit(twin, "twin");
// Without ScaleOutputs λ bounds raw units: the same network cannot reach the targets, and the result's warning says why.
(TrainingResult unscaledResult, Evaluation unscaledTest) = Fit(new DiabetesUnscaledNet(), "monotone, without ScaleOutputs");

(float[] offsets, float[] scales) = OutputMaps.Get(monotone);
Console.WriteLine($"Output map of the monotone network: progression = {offsets[0]:F1} + {scales[0]:F1}·g (the fit set's mean and standard deviation); " +
    $"input scales: {string.Join(", ", InputMaps.Get(monotone).Scales.Select((v, i) => $"{train.FeatureName(i)} {v:G3}"))}.");
var verification = new VerificationOptions { Seed = 1, Monotone = DiabetesNet.Kernel.Description.Monotone.ToArray() };
VerificationReport report = LipschitzVerifier.Verify(monotone, test, verification);
VerificationReport twinReport = LipschitzVerifier.Verify(twin, test, verification);
Console.WriteLine();
Console.WriteLine("The monotone network on the test set (slopes in progression units per raw unit of each variable):");
Console.WriteLine(report);
Console.WriteLine("Its twin, checked against the same directions:");
Console.WriteLine(twinReport);

Console.WriteLine($"{"model",-18} {"epochs",6} {"best",5} {"val R²",7} {"test R²",7} {"test MAE",8} {"L̂ (raw)",9} {"monotone",14}");
foreach (var (name, result, evaluation, r) in new[] { ("monotone network", monotoneResult, monotoneTest, report), ("twin", twinResult, twinTest, twinReport) })
    Console.WriteLine($"{name,-18} {result.Epochs.Count,6} {result.BestEpoch,5} {result.Validation!.Value.RSquared,7:F3} {evaluation.RSquared,7:F3} {evaluation.MeanAbsoluteError,8:F1} {r.CertifiedBound,9:G4} {r.Monotonicity,14}");
Console.WriteLine($"{"without ScaleOutputs",-18} {unscaledResult.Epochs.Count,6} {unscaledResult.BestEpoch,5} {unscaledResult.Validation!.Value.RSquared,7:F3} {unscaledTest.RSquared,7:F3} {unscaledTest.MeanAbsoluteError,8:F1}   ({unscaledResult.Warnings.Count} warning{(unscaledResult.Warnings.Count == 1 ? "" : "s")})");
// The linear baseline, fitted to the whole training split (it needs no validation set).
LeastSquares linear = LeastSquares.Fit(train);
Console.WriteLine($"{"least squares",-18} {"",6} {"",5} {"",7} {linear.RSquared(test),7:F3}   (slopes: {string.Join(", ", Diabetes.Features.Select((f, i) => $"{f} {linear.Slope(i):G3}"))})");
Console.WriteLine();

// The trained network with the column names in its file, as a user would ship it.
string file = Path.Combine(output, "diabetes.safetensors");
monotone.Save(file, NetworkNames.Of(train));
var reloaded = new DiabetesNet();
reloaded.Load(file);
Console.WriteLine($"Saved to {Path.GetFullPath(file)} with its feature names ({string.Join(", ", NetworkFile.ReadNames(file).Features!)}); " +
    $"reloaded, it predicts the first test patient exactly as trained: {reloaded.Forward(test.Input(0)) == monotone.Forward(test.Input(0))}.");

const int Glucose = 9; // monotone by declaration; the twin, free to, lets it lower the prediction for some patients
string plot = Path.Combine(output, "response-glu.png");
ScottPlot.Plot response = Samples.ResponsePlot.Draw(monotone, twin, test, Glucose);
response.Title($"Predicted progression along {test.FeatureName(Glucose)}, six test patients");
response.XLabel($"{test.FeatureName(Glucose)} (raw units)");
response.YLabel("predicted progression (raw units)");
response.SavePng(plot, 900, 560);
Console.WriteLine($"The response to {test.FeatureName(Glucose)} for six test patients, both networks, is in {Path.GetFullPath(plot)}.");

// The guarantees, checked: the monotone network verified and certified monotone, with every slope of its monotone inputs
// bounded away from 0 (the residual's margin), and neither report failed.
bool held = report.Status == VerificationStatus.Verified && report.Monotonicity == MonotonicityStatus.Certified
    && report.InputSlopes.All(s => s.Monotone == 0 || (s.Monotone > 0 ? s.Lower > 0 : s.Upper < 0))
    && twinReport.Status != VerificationStatus.Failed;
if (!held)
    Console.Error.WriteLine("error: the monotone network was not verified and certified with strict slopes, or a verification failed (see the reports above).");
return held ? 0 : 1;

(TrainingResult, Evaluation) Fit<TKernel>(ILipschitzNetwork<TKernel> net, string name) where TKernel : struct, ILipschitzKernel
{
    net.Initialize(seed: 7);
    InputMaps.Fit(net, fit);   // each feature's mean and spread: the layers see standardised inputs
    if (net.Description.HasOutputMap)
        OutputMaps.Fit(net, fit);  // the target's mean and standard deviation: the network predicts in raw units
    Console.WriteLine($"{name}:");
    var progress = new ConsoleProgress(epochs);
    TrainingResult result = Trainer.Train(net, fit, new MeanSquaredError(), options, progress);
    progress.Complete();
    Evaluation onTest = Trainer.Evaluate(net, test, new MeanSquaredError());
    Console.WriteLine($"  {result}");
    Console.WriteLine($"  test: {onTest}");
    return (result, onTest);
}

static double Mean(Dataset d) => d.Targets.ToArray().Average();
static double Min(Dataset d) => d.Targets.ToArray().Min();
static double Max(Dataset d) => d.Targets.ToArray().Max();
