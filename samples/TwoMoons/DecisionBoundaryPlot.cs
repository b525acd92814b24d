using LipGen.Data;
using ScottPlot;

namespace TwoMoons;

/// <summary>f over the plane as a heat map (colour scale symmetric about 0), the decision boundary f = 0 and the training points.</summary>
internal static class DecisionBoundaryPlot
{
    private const double Left = -1.6, Right = 2.6, Bottom = -1.1, Top = 1.6;
    private const int Columns = 300, Rows = 200;

    public static void Save(MoonsNet net, Dataset data, string title, string path) =>
        Render(net, data, title, path, f => f, "f(x)", symmetric: true);

    /// <summary>
    /// The certified radius |f(x)| / L̂ over the plane: around every point, no input within that ℓ1 distance gets another
    /// class. It is 0 on the decision boundary and grows at most linearly away from it.
    /// </summary>
    public static void SaveRadius(MoonsNet net, Dataset data, double certifiedBound, string title, string path) =>
        Render(net, data, title, path, f => Math.Abs(f) / certifiedBound, "certified radius", symmetric: false);

    private static void Render(MoonsNet net, Dataset data, string title, string path, Func<double, double> shade, string scale, bool symmetric)
    {
        // Heat-map rows run top to bottom.
        var values = new double[Rows, Columns];
        Span<float> point = stackalloc float[2];
        double largest = 0;
        for (int r = 0; r < Rows; r++)
            for (int c = 0; c < Columns; c++)
            {
                point[0] = (float)X(c);
                point[1] = (float)Y(r);
                values[r, c] = net.Forward(point);
            }

        var shades = new double[Rows, Columns];
        for (int r = 0; r < Rows; r++)
            for (int c = 0; c < Columns; c++)
            {
                shades[r, c] = shade(values[r, c]);
                largest = Math.Max(largest, Math.Abs(shades[r, c]));
            }

        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(shades);
        heatmap.Extent = new CoordinateRect(Left, Right, Bottom, Top);
        heatmap.Colormap = symmetric ? new ScottPlot.Colormaps.MellowRainbow() : new ScottPlot.Colormaps.Viridis();
        heatmap.ManualRange = symmetric ? new ScottPlot.Range(-largest, largest) : new ScottPlot.Range(0, largest);
        plot.Add.ColorBar(heatmap).Label = scale;

        var boundary = BoundaryPoints(values);
        if (boundary.Count > 0)
            plot.Add.Markers(boundary.ToArray(), MarkerShape.FilledCircle, 2, Colors.Black);

        var (upperX, upperY, lowerX, lowerY) = (new List<double>(), new List<double>(), new List<double>(), new List<double>());
        for (int i = 0; i < data.Count; i++)
        {
            bool upper = data.Target(i)[0] < 0;
            (upper ? upperX : lowerX).Add(data.Input(i)[0]);
            (upper ? upperY : lowerY).Add(data.Input(i)[1]);
        }
        var a = plot.Add.Markers(upperX.ToArray(), upperY.ToArray(), MarkerShape.OpenCircle, 4, Colors.Navy);
        a.LegendText = "label −1";
        var b = plot.Add.Markers(lowerX.ToArray(), lowerY.ToArray(), MarkerShape.OpenCircle, 4, Colors.DarkRed);
        b.LegendText = "label +1";
        plot.Title(title);
        plot.XLabel("x₁");
        plot.YLabel("x₂");
        plot.Axes.SetLimits(Left, Right, Bottom, Top);
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, 900, 600);
    }

    private static double X(double column) => Left + (column + 0.5) * (Right - Left) / Columns;

    private static double Y(double row) => Top - (row + 0.5) * (Top - Bottom) / Rows;

    /// <summary>Where f changes sign between neighbouring grid cells, linearly interpolated: the line f = 0.</summary>
    private static List<Coordinates> BoundaryPoints(double[,] f)
    {
        var points = new List<Coordinates>();
        for (int r = 0; r < Rows; r++)
            for (int c = 0; c < Columns; c++)
            {
                if (c + 1 < Columns && Math.Sign(f[r, c]) != Math.Sign(f[r, c + 1]))
                    points.Add(new Coordinates(X(c + f[r, c] / (f[r, c] - f[r, c + 1])), Y(r)));
                if (r + 1 < Rows && Math.Sign(f[r, c]) != Math.Sign(f[r + 1, c]))
                    points.Add(new Coordinates(X(c), Y(r + f[r, c] / (f[r, c] - f[r + 1, c]))));
            }
        return points;
    }
}
