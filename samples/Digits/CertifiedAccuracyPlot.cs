using LipGen.Data;
using LipGen.Verification;
using ScottPlot;

namespace Digits;

/// <summary>Certified accuracy against ε (ℓ2, pixels in [0, 1]) for each run, from its per-image radii.</summary>
internal static class CertifiedAccuracyPlot
{
    public static void Save(IReadOnlyList<(string Name, VerificationReport Report)> runs, Dataset test, string path)
    {
        var plot = new Plot();
        Color[] palette = [Colors.C0, Colors.C1, Colors.C2, Colors.C3, Colors.C4, Colors.C5, Colors.C6, Colors.C7];
        const int Points = 200;
        double largest = runs.Max(r => r.Report.Radii.Max());
        for (int i = 0; i < runs.Count; i++)
        {
            float[] radii = runs[i].Report.Radii;
            var (eps, accuracy) = (new double[Points], new double[Points]);
            for (int k = 0; k < Points; k++)
            {
                eps[k] = largest * 1.05 * k / (Points - 1);
                accuracy[k] = k == 0 ? runs[i].Report.Accuracy : (double)radii.Count(r => r > eps[k]) / test.Count; // ε = 0: clean accuracy
            }
            var line = plot.Add.ScatterLine(eps, accuracy, palette[i % palette.Length]);
            line.LineWidth = 2;
            line.LegendText = runs[i].Name;
        }
        plot.Title("Digits: certified accuracy against the L2 radius ε"); // the plot font has no ℓ
        plot.XLabel("ε (L2 distance, pixels in [0, 1])");
        plot.YLabel("certified accuracy");
        plot.Axes.SetLimitsY(0, 1);
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, 900, 560);
    }
}
