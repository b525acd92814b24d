using System.Text.Json;
using ScottPlot;

namespace LipGen.Benchmarks;

/// <summary>Draws samples per second against batch size from the JSON reports of the <see cref="ThroughputBenchmarks{TNetwork, TKernel}"/> run.</summary>
internal static class ThroughputPlot
{
    public static void Draw(string resultsDirectory, string pngPath)
    {
        var plot = new Plot();
        Color[] colors = [Colors.Blue, Colors.OrangeRed, Colors.Green];
        int series = 0;
        foreach ((string name, string label) in new[] { ("SmallNetThroughput", "S"), ("MediumNetThroughput", "M"), ("LargeNetThroughput", "L") })
        {
            string? report = Directory.GetFiles(resultsDirectory, $"*{name}-report-full-compressed.json").FirstOrDefault()
                ?? Directory.GetFiles(resultsDirectory, $"*{name}-report*.json").FirstOrDefault();
            if (report is null)
                throw new FileNotFoundException($"No JSON report of {name} in {resultsDirectory}: run the throughput benchmarks with --exporters json first.");
            using JsonDocument json = JsonDocument.Parse(File.ReadAllText(report));
            var points = new Dictionary<string, List<(double Batch, double PerSecond)>>();
            foreach (JsonElement benchmark in json.RootElement.GetProperty("Benchmarks").EnumerateArray())
            {
                string method = benchmark.GetProperty("Method").GetString()!;
                double batch = double.Parse(benchmark.GetProperty("Parameters").GetString()!.Split('=')[1], System.Globalization.CultureInfo.InvariantCulture);
                double nanoseconds = benchmark.GetProperty("Statistics").GetProperty("Mean").GetDouble();
                (points.TryGetValue(method, out var list) ? list : points[method] = []).Add((batch, batch / (nanoseconds * 1e-9)));
            }
            foreach ((string method, var list) in points.OrderBy(p => p.Key))
            {
                list.Sort();
                var line = plot.Add.ScatterLine(list.Select(p => Math.Log10(p.Batch)).ToArray(), list.Select(p => Math.Log10(p.PerSecond)).ToArray(), colors[series]);
                line.LegendText = $"{label}: {method}";
                line.LinePattern = method == "LipGen" ? LinePattern.Solid : LinePattern.Dashed;
                line.LineWidth = 2;
                line.MarkerSize = 6;
            }
            series++;
        }
        plot.Title("Throughput against batch size, one thread (log–log)");
        plot.XLabel("batch size (log10)");
        plot.YLabel("samples per second (log10)");
        plot.ShowLegend(Edge.Right);
        plot.SavePng(pngPath, 900, 560);
        Console.WriteLine($"Wrote {pngPath}.");
    }
}
