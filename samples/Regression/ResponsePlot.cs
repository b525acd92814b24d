using LipGen.Data;
using ScottPlot;

namespace Regression;

/// <summary>The prediction along one feature, every other feature held at a test patient's values: the monotone network and its twin.</summary>
internal static class ResponsePlot
{
    public static void Save(DiabetesNet monotone, DiabetesTwin twin, Dataset data, int feature, string path)
    {
        double low = double.MaxValue, high = double.MinValue;
        for (int i = 0; i < data.Count; i++)
            (low, high) = (Math.Min(low, data.Input(i)[feature]), Math.Max(high, data.Input(i)[feature]));
        var plot = new Plot();
        Color[] palette = [Colors.C0, Colors.C1, Colors.C2, Colors.C3, Colors.C4, Colors.C5];
        float[] x = new float[data.InputWidth];
        const int Points = 200;
        for (int p = 0; p < palette.Length; p++)
        {
            data.Input(p * data.Count / palette.Length).CopyTo(x);
            var (grid, fMonotone, fTwin) = (new double[Points], new double[Points], new double[Points]);
            for (int k = 0; k < Points; k++)
            {
                x[feature] = (float)(low + (high - low) * k / (Points - 1));
                grid[k] = x[feature];
                fMonotone[k] = monotone.Forward(x);
                fTwin[k] = twin.Forward(x);
            }
            var solid = plot.Add.ScatterLine(grid, fMonotone, palette[p]);
            solid.LineWidth = 2;
            var dashed = plot.Add.ScatterLine(grid, fTwin, palette[p]);
            dashed.LinePattern = LinePattern.Dashed;
            if (p == 0)
            {
                solid.LegendText = "monotone network";
                dashed.LegendText = "unconstrained twin";
            }
        }
        string name = data.FeatureName(feature);
        plot.Title($"Predicted progression along {name}, six test patients");
        plot.XLabel($"{name} (raw units)");
        plot.YLabel("predicted progression (raw units)");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, 900, 560);
    }
}
