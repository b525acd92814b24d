using System.Globalization;
using LipGen.Data;

namespace Monotonic;

/// <summary>Reads data/breast-cancer.csv (written by data/export_breast_cancer.py): raw features, malignant as +1, the fixed split.</summary>
internal static class BreastCancer
{
    public static (Dataset Train, Dataset Test, string[] Features) Load(string path)
    {
        string[] lines = File.ReadAllLines(path);
        string[] header = lines[0].Split(',');
        int features = header.Length - 2; // then "malignant" and "split"
        var (trainX, trainY, testX, testY) = (new List<float>(), new List<float>(), new List<float>(), new List<float>());
        for (int row = 1; row < lines.Length; row++)
        {
            string[] cells = lines[row].Split(',');
            if (cells.Length != header.Length)
                throw new InvalidDataException($"{path} line {row + 1} has {cells.Length} cells; the header has {header.Length}.");
            bool isTest = cells[^1] switch
            {
                "test" => true,
                "train" => false,
                _ => throw new InvalidDataException($"{path} line {row + 1}: split is \"{cells[^1]}\", not train or test."),
            };
            var (x, y) = isTest ? (testX, testY) : (trainX, trainY);
            for (int i = 0; i < features; i++)
                x.Add(float.Parse(cells[i], NumberStyles.Float, CultureInfo.InvariantCulture));
            y.Add(cells[features] == "1" ? 1 : -1);
        }
        return (new Dataset(trainX.ToArray(), trainY.ToArray(), features, 1), new Dataset(testX.ToArray(), testY.ToArray(), features, 1),
            header[..features].Select(h => h.Replace('_', ' ')).ToArray());
    }
}
