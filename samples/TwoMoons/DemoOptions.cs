using System.Globalization;

namespace TwoMoons;

/// <summary>Command-line options of the demo, with defaults that reproduce the README's figures.</summary>
internal sealed record DemoOptions(string OutputDirectory, int Points, double Noise, int Epochs, int BatchSize, float LearningRate, float Margin, ulong Seed, string? SavePath = null)
{
    public const string Usage =
        "usage: TwoMoons [--out DIR] [--points N] [--noise X] [--epochs N] [--batch N] [--lr X] [--margin X] [--seed N] [--save FILE.safetensors]";

    public static DemoOptions Parse(string[] args)
    {
        var o = new DemoOptions("two-moons-output", 1000, 0.1, 200, 64, 0.01f, 0.1f, 1);
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            if (name is "-h" or "--help")
                throw new ArgumentException("help requested");
            if (i + 1 >= args.Length)
                throw new ArgumentException($"{name} needs a value");
            string value = args[++i];
            o = name switch
            {
                "--out" => o with { OutputDirectory = value },
                "--save" => o with { SavePath = value },
                "--points" => o with { Points = Int(name, value, min: 2) },
                "--noise" => o with { Noise = Real(name, value, min: 0) },
                "--epochs" => o with { Epochs = Int(name, value, min: 1) },
                "--batch" => o with { BatchSize = Int(name, value, min: 1) },
                "--lr" => o with { LearningRate = (float)Real(name, value, min: 1e-12) },
                "--margin" => o with { Margin = (float)Real(name, value, min: 1e-12) },
                "--seed" => o with { Seed = ulong.TryParse(value, CultureInfo.InvariantCulture, out ulong s) ? s : throw new ArgumentException($"--seed expects a non-negative integer, got '{value}'") },
                _ => throw new ArgumentException($"unknown option '{name}'"),
            };
        }
        return o;
    }

    private static int Int(string name, string value, int min) =>
        int.TryParse(value, CultureInfo.InvariantCulture, out int n) && n >= min ? n : throw new ArgumentException($"{name} expects an integer ≥ {min}, got '{value}'");

    private static double Real(string name, string value, double min) =>
        double.TryParse(value, CultureInfo.InvariantCulture, out double x) && x >= min && double.IsFinite(x) ? x : throw new ArgumentException($"{name} expects a number ≥ {min}, got '{value}'");
}
