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
        CheckColumns(frame, features, labels);
        float[] x = Read(frame, features), y = Read(frame, labels);
        return new Dataset(x, y, features.Count, labels.Count).WithNames(features);
    }

    /// <summary>
    /// A classification dataset for a network with one output per class: inputs from <paramref name="features"/>, and one-hot
    /// targets from the class column <paramref name="classColumn"/> (<see cref="Dataset.FromClassLabels"/>).
    /// A column of whole numbers 0…K−1 names class k by k; any other values (text, or numbers that are not 0…K−1) are
    /// classes in ordinal order of their text. <see cref="Dataset.ClassNames"/> keeps the names, so output k can be read back.
    /// Errors as <see cref="ToDataset"/>; a class column with fewer than two classes is an error too.
    /// </summary>
    public static Dataset ToClassDataset(this DataFrame frame, IReadOnlyList<string> features, string classColumn)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentException.ThrowIfNullOrEmpty(classColumn);
        ArgumentNullException.ThrowIfNull(features);
        if (features.Count == 0)
            throw new ArgumentException("Name at least one feature column.");
        CheckColumns(frame, features, [classColumn]);
        float[] x = Read(frame, features);
        DataFrameColumn column = Column(frame, classColumn);
        long rows = frame.Rows.Count;
        var text = new string[rows];
        for (long r = 0; r < rows; r++)
            text[r] = column[r] switch
            {
                null => throw new ArgumentException($"Row {r}, column '{classColumn}': the class is missing."),
                IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
                var other => other.ToString() ?? "",
            };
        string[] classes = [.. text.Distinct(StringComparer.Ordinal)];
        if (classes.Length < 2)
            throw new ArgumentException($"Column '{classColumn}' holds {classes.Length} class; a classification needs at least 2.");
        // Whole numbers 0…K−1 keep their meaning (class 3 is output 3); anything else is sorted by its text.
        bool indices = classes.All(c => int.TryParse(c, NumberStyles.None, CultureInfo.InvariantCulture, out int k) && k < classes.Length);
        Array.Sort(classes, indices ? Comparer<string>.Create((a, b) => int.Parse(a, CultureInfo.InvariantCulture).CompareTo(int.Parse(b, CultureInfo.InvariantCulture))) : StringComparer.Ordinal);
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int k = 0; k < classes.Length; k++)
            index[classes[k]] = k;
        int[] labels = [.. text.Select(t => index[t])];
        return Dataset.FromClassLabels(x, labels, features.Count, classes.Length, classes).WithNames(features);
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

    /// <summary>No column twice (a label among the features gives the answer away), every column present, some rows.</summary>
    private static void CheckColumns(DataFrame frame, IReadOnlyList<string> features, IReadOnlyList<string> labels)
    {
        foreach (IGrouping<string, string> repeated in features.Concat(labels).GroupBy(name => name).Where(g => g.Count() > 1))
            throw new ArgumentException(features.Contains(repeated.Key) && labels.Contains(repeated.Key)
                ? $"Column '{repeated.Key}' is named both as a feature and as a label; a label among the inputs gives the answer away."
                : $"Column '{repeated.Key}' is named {repeated.Count()} times; name each column once.");
        if (frame.Rows.Count == 0)
            throw new ArgumentException(frame.Columns.Count == 0
                ? "The data has no rows and no columns (a CSV file with only a header row reads this way); a dataset needs at least one sample."
                : "The data has no rows; a dataset needs at least one sample.");
        foreach (string name in features.Concat(labels))
            Column(frame, name);
    }

    /// <summary>The named columns' values, row-major.</summary>
    private static float[] Read(DataFrame frame, IReadOnlyList<string> names)
    {
        DataFrameColumn[] columns = [.. names.Select(name => Column(frame, name))];
        long rows = frame.Rows.Count;
        var values = new float[rows * columns.Length];
        for (long r = 0; r < rows; r++)
            for (int j = 0; j < columns.Length; j++)
                values[r * columns.Length + j] = Value(columns[j], r);
        return values;
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
