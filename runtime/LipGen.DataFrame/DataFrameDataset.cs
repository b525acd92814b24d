using System.Globalization;
using Microsoft.Data.Analysis;

namespace LipGen.Data;

/// <summary>
/// Tabular data the way .NET users load it: a <see cref="DataFrame"/> (from <c>DataFrame.LoadCsv</c>, a database, or built in
/// code) to a <see cref="Dataset"/>, by named feature and label columns.
/// </summary>
public static class DataFrameDataset
{
    /// <summary>
    /// A dataset whose inputs are <paramref name="features"/> and whose targets are <paramref name="labels"/>, both column
    /// names of <paramref name="frame"/>, in that order. Numeric columns of any type are read; text is parsed as a number in
    /// the invariant culture. A missing column, a column named twice (or as both a feature and a label), a frame without
    /// rows, or a missing, non-numeric or non-finite value, is an <see cref="ArgumentException"/> that names it (rows
    /// counted from 0).
    /// </summary>
    public static Dataset ToDataset(this DataFrame frame, IReadOnlyList<string> features, IReadOnlyList<string> labels)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        if (features.Count == 0 || labels.Count == 0)
            throw new ArgumentException("Name at least one feature column and one label column.");
        // A column twice would train on the answer (a label among the features) or weigh one input twice.
        foreach (IGrouping<string, string> repeated in features.Concat(labels).GroupBy(name => name).Where(g => g.Count() > 1))
            throw new ArgumentException(features.Contains(repeated.Key) && labels.Contains(repeated.Key)
                ? $"Column '{repeated.Key}' is named both as a feature and as a label; a label among the inputs gives the answer away."
                : $"Column '{repeated.Key}' is named {repeated.Count()} times; name each column once.");
        if (frame.Rows.Count == 0)
            throw new ArgumentException(frame.Columns.Count == 0
                ? "The data has no rows and no columns (a CSV file with only a header row reads this way); a dataset needs at least one sample."
                : "The data has no rows; a dataset needs at least one sample.");
        DataFrameColumn[] inputs = [.. features.Select(name => Column(frame, name))];
        DataFrameColumn[] targets = [.. labels.Select(name => Column(frame, name))];
        long rows = frame.Rows.Count;
        var x = new float[rows * inputs.Length];
        var y = new float[rows * targets.Length];
        for (long r = 0; r < rows; r++)
        {
            for (int j = 0; j < inputs.Length; j++)
                x[r * inputs.Length + j] = Value(inputs[j], r);
            for (int j = 0; j < targets.Length; j++)
                y[r * targets.Length + j] = Value(targets[j], r);
        }
        return new Dataset(x, y, inputs.Length, targets.Length);
    }

    /// <summary>Reads a CSV file (with a header row) and takes the named columns, as <see cref="ToDataset"/>.</summary>
    public static Dataset LoadCsv(string path, IReadOnlyList<string> features, IReadOnlyList<string> labels)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        DataFrame frame;
        try
        {
            frame = DataFrame.LoadCsv(path, cultureInfo: CultureInfo.InvariantCulture);
        }
        catch (FormatException e)
        {
            throw new ArgumentException($"{path} is not a CSV file with a header row and data: {e.Message}", nameof(path), e);
        }
        return frame.ToDataset(features, labels);
    }

    private static DataFrameColumn Column(DataFrame frame, string name)
    {
        int index = frame.Columns.IndexOf(name);
        if (index < 0)
            throw new ArgumentException($"The data has no column '{name}'; its columns are {string.Join(", ", frame.Columns.Select(c => $"'{c.Name}'"))}.");
        return frame.Columns[index];
    }

    private static float Value(DataFrameColumn column, long row)
    {
        object? value = column[row];
        double number = value switch
        {
            null => throw new ArgumentException($"Row {row}, column '{column.Name}': the value is missing."),
            string text when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed) => parsed,
            string text => throw new ArgumentException($"Row {row}, column '{column.Name}': \"{text}\" is not a number."),
            bool or char or DateTime => throw new ArgumentException($"Row {row}, column '{column.Name}': {value} ({value.GetType().Name}) is not a number."),
            IConvertible convertible => convertible.ToDouble(CultureInfo.InvariantCulture),
            _ => throw new ArgumentException($"Row {row}, column '{column.Name}': {value} ({value.GetType().Name}) is not a number."),
        };
        var single = (float)number;
        if (!float.IsFinite(single))
            throw new ArgumentException($"Row {row}, column '{column.Name}': {value} is not a finite float.");
        return single;
    }
}
