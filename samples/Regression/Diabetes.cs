using LipGen.Data;
using Microsoft.Data.Analysis;

namespace Regression;

/// <summary>Reads data/diabetes.csv (written by data/export_diabetes.py) through a DataFrame: raw units, the fixed split, column names kept.</summary>
internal static class Diabetes
{
    public const string Target = "progression";

    public static readonly string[] Features = ["age", "sex", "bmi", "bp", "tc", "ldl", "hdl", "tch", "ltg", "glu"];

    public static (Dataset Train, Dataset Test) Load(string path)
    {
        DataFrame frame = DataFrame.LoadCsv(path, cultureInfo: System.Globalization.CultureInfo.InvariantCulture);
        DataFrameColumn split = frame["split"];
        // The dataset keeps the column names: the report's slope table and the saved file name each input by them.
        Dataset Part(string name) => frame.Filter(split.ElementwiseEquals(name)).ToDataset(Features, [Target]);
        return (Part("train"), Part("test"));
    }
}
