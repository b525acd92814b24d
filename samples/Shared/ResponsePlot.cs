using LipGen;
using LipGen.Data;
using ScottPlot;

namespace Samples;

/// <summary>
/// A network's output along one feature, every other feature held at a test patient's values, for six patients: the
/// monotone network (solid) and its unconstrained twin (dashed). Shared by samples/Monotonic and samples/Regression, which
/// add their own title and labels.
/// </summary>
internal static class ResponsePlot
{
    public static Plot Draw(ILipschitzNetwork monotone, ILipschitzNetwork twin, Dataset data, int feature)
    {
        double low = double.MaxValue, high = double.MinValue;
        for (int i = 0; i < data.Count; i++)
            (low, high) = (Math.Min(low, data.Input(i)[feature]), Math.Max(high, data.Input(i)[feature]));
        var plot = new Plot();
        Color[] palette = [Colors.C0, Colors.C1, Colors.C2, Colors.C3, Colors.C4, Colors.C5];
        float[] x = new float[data.InputWidth];
        float[] output = new float[monotone.Description.OutputCount];
        const int Points = 200;
        for (int p = 0; p < palette.Length; p++)
        {
            data.Input(p * data.Count / palette.Length).CopyTo(x);
            var (grid, fMonotone, fTwin) = (new double[Points], new double[Points], new double[Points]);
            for (int k = 0; k < Points; k++)
            {
                x[feature] = (float)(low + (high - low) * k / (Points - 1));
                grid[k] = x[feature];
                monotone.Forward(x, output);
                fMonotone[k] = output[0];
                twin.Forward(x, output);
                fTwin[k] = output[0];
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
        plot.ShowLegend(Alignment.UpperLeft);
        return plot;
    }
}
