namespace LipGen.Data;

/// <summary>Samples as row-major [count, inputWidth] inputs and [count, targetWidth] targets: immutable, finite, never empty.</summary>
public sealed class Dataset
{
    private readonly float[] _inputs, _targets;
    private readonly string[]? _featureNames, _classNames;

    /// <summary>
    /// Copies the samples (so that a later write to the caller's arrays cannot reach training). There must be at least one
    /// sample, and every value must be finite.
    /// </summary>
    public Dataset(float[] inputs, float[] targets, int inputWidth, int targetWidth)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(targetWidth);
        if (inputs.Length % inputWidth != 0)
            throw new ArgumentException($"inputs has {inputs.Length} values, not a whole number of rows of {inputWidth}.", nameof(inputs));
        int count = inputs.Length / inputWidth;
        if (count == 0)
            throw new ArgumentException("The dataset has no samples; training, evaluation and verification need at least one.", nameof(inputs));
        if (targets.Length != count * targetWidth)
            throw new ArgumentException($"{count} samples need {count * targetWidth} targets of width {targetWidth}; got {targets.Length}.", nameof(targets));
        CheckFinite(inputs, nameof(inputs), inputWidth);
        CheckFinite(targets, nameof(targets), targetWidth);
        _inputs = (float[])inputs.Clone();
        _targets = (float[])targets.Clone();
        InputWidth = inputWidth;
        TargetWidth = targetWidth;
        Count = count;
    }

    /// <summary>
    /// A classification dataset from class labels: row i of the targets is one-hot, 1 in column <c>labels[i]</c> and 0 in
    /// the other <paramref name="classes"/> − 1 (the targets of <see cref="Training.MulticlassHingeLoss"/>,
    /// <see cref="Training.TauCrossEntropyLoss"/> and <see cref="Training.MulticlassHkrLoss"/>). A label outside
    /// [0, <paramref name="classes"/>) is an error naming its row; so is a class count no network's output can have (2 to
    /// 4096). <paramref name="classNames"/> (optional) names class k, the network's output k, for <see cref="ClassNames"/>.
    /// </summary>
    public static Dataset FromClassLabels(float[] inputs, int[] labels, int inputWidth, int classes, IReadOnlyList<string>? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(labels);
        if (classes < 2)
            throw new ArgumentOutOfRangeException(nameof(classes), classes, "A classification needs at least 2 classes.");
        if (classes > Model.NetworkPlan.MaxWidth)
            throw new ArgumentOutOfRangeException(nameof(classes), classes,
                $"{classes} classes need a network with {classes} outputs; a layer is at most {Model.NetworkPlan.MaxWidth} wide.");
        var targets = new float[labels.Length * (long)classes];
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] < 0 || labels[i] >= classes)
                throw new ArgumentOutOfRangeException(nameof(labels), labels[i], $"Row {i} has label {labels[i]}; labels must lie in [0, {classes}).");
            targets[(long)i * classes + labels[i]] = 1;
        }
        var data = new Dataset(inputs, targets, inputWidth, classes);
        return classNames is null ? data : data.WithNames(null, classNames);
    }

    /// <summary>
    /// The same samples with names: <paramref name="featureNames"/> (one per input column) for reports and slope tables,
    /// <paramref name="classNames"/> (one per target column of one-hot rows, or two, for −1 and +1, with one target column).
    /// Null keeps the current names. Names must be distinct and not blank.
    /// </summary>
    public Dataset WithNames(IReadOnlyList<string>? featureNames, IReadOnlyList<string>? classNames = null)
    {
        string[]? features = featureNames is null ? _featureNames : Names(featureNames, InputWidth, "feature", nameof(featureNames));
        string[]? classes = classNames is null ? _classNames : Names(classNames, TargetWidth == 1 ? 2 : TargetWidth, "class", nameof(classNames));
        return new Dataset(this, features, classes);
    }

    /// <summary>The input columns' names (from a DataFrame's columns, or <see cref="WithNames"/>); null when not named.</summary>
    public IReadOnlyList<string>? FeatureNames => _featureNames;

    /// <summary>The classes' names, class k first… (from <see cref="FromClassLabels"/>, a DataFrame class column or <see cref="WithNames"/>); null when not named.</summary>
    public IReadOnlyList<string>? ClassNames => _classNames;

    /// <summary>Input column <paramref name="index"/>'s name, or "x{index}" when the columns are not named.</summary>
    public string FeatureName(int index) => _featureNames?[index] ?? $"x{index}";

    private static string[] Names(IReadOnlyList<string> names, int count, string what, string parameter)
    {
        if (names.Count != count)
            throw new ArgumentException($"{names.Count} {what} names given; this dataset needs {count}.", parameter);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < names.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(names[i]))
                throw new ArgumentException($"The {what} name at {i} is blank.", parameter);
            if (!seen.Add(names[i]))
                throw new ArgumentException($"The {what} name '{names[i]}' appears twice.", parameter);
        }
        return [.. names];
    }

    private Dataset(Dataset source, string[]? featureNames, string[]? classNames)
    {
        _inputs = source._inputs;
        _targets = source._targets;
        InputWidth = source.InputWidth;
        TargetWidth = source.TargetWidth;
        Count = source.Count;
        _featureNames = featureNames;
        _classNames = classNames;
    }

    /// <summary>Number of samples.</summary>
    public int Count { get; }

    /// <summary>Values per input row.</summary>
    public int InputWidth { get; }

    /// <summary>Values per target row.</summary>
    public int TargetWidth { get; }

    /// <summary>All inputs, row-major.</summary>
    public ReadOnlySpan<float> Inputs => _inputs;

    /// <summary>All targets, row-major.</summary>
    public ReadOnlySpan<float> Targets => _targets;

    /// <summary>Input row <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> Input(int index) => _inputs.AsSpan(index * InputWidth, InputWidth);

    /// <summary>Target row <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> Target(int index) => _targets.AsSpan(index * TargetWidth, TargetWidth);

    /// <summary>
    /// A seeded split into a training and a test set. When the targets are labels (±1 in one column, one +1 per row of
    /// several, or one-hot rows), the split is stratified: each class keeps its share in both parts. Otherwise the rows are shuffled once and
    /// cut. The same seed always gives the same split, and rows keep their original order within each part.
    /// </summary>
    /// <param name="testFraction">The share of each class (or of all rows) that goes to the test set, in (0, 1).</param>
    /// <param name="seed">Seed of the shuffle.</param>
    public (Dataset Train, Dataset Test) Split(double testFraction, ulong seed)
    {
        if (!(testFraction > 0 && testFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "The test fraction must be strictly between 0 and 1.");
        var groups = new SortedDictionary<int, List<int>>();
        bool labelled = Verification.LipschitzVerifier.HasLabels(this);
        for (int i = 0; i < Count; i++)
        {
            int key = labelled ? Prediction.Label(Target(i)) : 0;
            if (!groups.TryGetValue(key, out List<int>? rows))
                groups[key] = rows = [];
            rows.Add(i);
        }
        var random = new SeededRandom(seed);
        var test = new bool[Count];
        foreach (List<int> rows in groups.Values)
        {
            for (int i = rows.Count - 1; i > 0; i--) // Fisher–Yates
            {
                int j = random.NextInt(i + 1);
                (rows[i], rows[j]) = (rows[j], rows[i]);
            }
            int take = (int)Math.Round(testFraction * rows.Count, MidpointRounding.AwayFromZero);
            for (int k = 0; k < take; k++)
                test[rows[k]] = true;
        }
        int testCount = test.Count(t => t);
        if (testCount == 0 || testCount == Count)
            throw new ArgumentException($"A test fraction of {testFraction} leaves {(testCount == 0 ? "the test" : "the training")} set of these {Count} samples empty.", nameof(testFraction));
        return (Subset(test, inTest: false), Subset(test, inTest: true));
    }

    private Dataset Subset(bool[] test, bool inTest)
    {
        var inputs = new List<float>();
        var targets = new List<float>();
        for (int i = 0; i < Count; i++)
        {
            if (test[i] != inTest)
                continue;
            inputs.AddRange(Input(i).ToArray());
            targets.AddRange(Target(i).ToArray());
        }
        return new Dataset(new Dataset(inputs.ToArray(), targets.ToArray(), InputWidth, TargetWidth), _featureNames, _classNames);
    }

    private static void CheckFinite(float[] values, string name, int width)
    {
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i]))
                throw new ArgumentException($"{name}[{i / width}, {i % width}] is {values[i]}; every value must be finite.", name);
    }
}
