namespace LipGen.Data;

/// <summary>Samples as row-major [count, inputWidth] inputs and [count, targetWidth] targets: immutable, finite, never empty.</summary>
public sealed class Dataset
{
    private readonly float[] _inputs, _targets;

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

    private static void CheckFinite(float[] values, string name, int width)
    {
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i]))
                throw new ArgumentException($"{name}[{i / width}, {i % width}] is {values[i]}; every value must be finite.", name);
    }
}
