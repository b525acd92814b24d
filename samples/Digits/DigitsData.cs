using System.Globalization;
using LipGen.Data;

namespace Digits;

/// <summary>Reads data/digits.csv (written by data/export_digits.py): 64 pixels scaled from 0–16 to [0, 1], the digit, the fixed split.</summary>
internal static class DigitsData
{
    public static (Dataset Train, Dataset Test) Load(string path)
    {
        string[] lines = File.ReadAllLines(path);
        var (trainX, trainY, testX, testY) = (new List<float>(), new List<int>(), new List<float>(), new List<int>());
        for (int row = 1; row < lines.Length; row++)
        {
            string[] cells = lines[row].Split(',');
            if (cells.Length != 66)
                throw new InvalidDataException($"{path} line {row + 1} has {cells.Length} cells, not 66.");
            bool isTest = cells[65] switch
            {
                "test" => true,
                "train" => false,
                _ => throw new InvalidDataException($"{path} line {row + 1}: split is \"{cells[65]}\", not train or test."),
            };
            var (x, y) = isTest ? (testX, testY) : (trainX, trainY);
            for (int i = 0; i < 64; i++)
                x.Add(float.Parse(cells[i], CultureInfo.InvariantCulture) / 16);
            y.Add(int.Parse(cells[64], CultureInfo.InvariantCulture));
        }
        return (Dataset.FromClassLabels(trainX.ToArray(), trainY.ToArray(), 64, 10), Dataset.FromClassLabels(testX.ToArray(), testY.ToArray(), 64, 10));
    }
}
