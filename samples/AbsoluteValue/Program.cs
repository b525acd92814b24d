using System.Globalization;
using AbsoluteValue;
using LipGen;
using LipGen.Data;
using LipGen.Training;
using LipGen.Verification;
using ScottPlot;

// Anil, Lucas & Grosse's example of gradient-norm attenuation: fit f(x) = |x| on [−1, 1] with a 1-Lipschitz network.
// |x| has slope ±1 everywhere, so the network must use its whole Lipschitz budget at every point. GroupSort can; a
// norm-constrained ReLU network loses slope wherever units switch off, and cannot.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
string output = args.Length > 0 ? args[0] : "absolute-value-output";
int epochs = args.Length > 1 && int.TryParse(args[1], out int e) && e > 0 ? e : 300;
Directory.CreateDirectory(output);

Dataset data = AbsoluteValueData(2000, seed: 1);
var options = new TrainingOptions { Epochs = epochs, BatchSize = 32, LearningRate = 0.005f, Seed = 2 };
var groupSort = new GroupSortNet();
var relu = new ReluNet();
groupSort.Initialize(3);
relu.Initialize(3);

Console.WriteLine($"Fitting |x| on [−1, 1]: {data.Count} points, {epochs} epochs, squared error, Adam lr {options.LearningRate}.");
var rows = new List<(string Name, double MaxError, double MeanError, VerificationReport Report)>
{
    Fit("GroupSort", groupSort),
    Fit("ReLU", relu),
};

Console.WriteLine();
Console.WriteLine($"{"activation",-10} {"max |f − |x||",14} {"mean",8} {"certified L̂",12} {"empirical L̲",12} {"tightness",10}");
foreach (var r in rows)
    Console.WriteLine($"{r.Name,-10} {r.MaxError,14:F4} {r.MeanError,8:F4} {r.Report.CertifiedBound,12:F4} {r.Report.EmpiricalBound,12:F4} {r.Report.Tightness,10:F4}");
SavePlot(Path.Combine(output, "absolute-value.png"));
Console.WriteLine();
Console.WriteLine($"Plot: {Path.GetFullPath(Path.Combine(output, "absolute-value.png"))}");
return 0;

(string, double, double, VerificationReport) Fit<TKernel>(string name, ILipschitzNetwork<TKernel> net) where TKernel : struct, ILipschitzKernel
{
    Trainer.Train(net, data, new MeanSquaredError(), options, new SynchronousProgress<EpochReport>(r =>
    {
        if (r.Epoch % Math.Max(1, epochs / 5) == 0)
            Console.WriteLine($"[{name,-9}] epoch {r.Epoch,4}  loss {r.Loss:E3}");
    }));
    (double max, double mean) = Errors(net);
    VerificationReport report = LipschitzVerifier.Verify(net, data, new VerificationOptions { AttackStarts = 48 });
    return (name, max, mean, report);
}

static (double Max, double Mean) Errors(ILipschitzNetwork net)
{
    double max = 0, sum = 0;
    const int points = 2001;
    for (int i = 0; i < points; i++)
    {
        float x = -1 + 2f * i / (points - 1);
        var y = new float[1];
        net.Forward([x], y);
        double error = Math.Abs(y[0] - Math.Abs(x));
        max = Math.Max(max, error);
        sum += error;
    }
    return (max, sum / points);
}

static Dataset AbsoluteValueData(int count, ulong seed)
{
    var random = new SeededRandom(seed);
    var inputs = new float[count];
    var targets = new float[count];
    for (int i = 0; i < count; i++)
    {
        inputs[i] = (float)(2 * random.NextDouble() - 1);
        targets[i] = Math.Abs(inputs[i]);
    }
    return new Dataset(inputs, targets, 1, 1);
}

void SavePlot(string path)
{
    var plot = new Plot();
    double[] xs = Enumerable.Range(0, 401).Select(i => -1 + i / 200.0).ToArray();
    plot.Add.ScatterLine(xs, xs.Select(Math.Abs).ToArray(), Colors.Black).LegendText = "|x|";
    var g = plot.Add.ScatterLine(xs, xs.Select(x => (double)groupSort.Forward([(float)x])).ToArray(), Colors.Blue);
    g.LegendText = $"GroupSort (max error {rows[0].MaxError:F4})";
    var r = plot.Add.ScatterLine(xs, xs.Select(x => (double)relu.Forward([(float)x])).ToArray(), Colors.OrangeRed);
    r.LegendText = $"ReLU (max error {rows[1].MaxError:F4})";
    plot.Title("Fitting |x| with 1-Lipschitz networks");
    plot.XLabel("x");
    plot.ShowLegend(Alignment.UpperCenter);
    plot.SavePng(path, 800, 500);
}
