namespace LipGen;

/// <summary>The class a network predicts, by the rule accuracy and certified radii use.</summary>
public static class Prediction
{
    /// <summary>
    /// The class of one output row: +1 or −1 for a single output (f ≥ 0 is +1), or the index of the largest of several
    /// outputs (the first, on a tie). A NaN output, which only a non-finite input produces, is an error, not a class.
    /// </summary>
    public static int Classify(ReadOnlySpan<float> output)
    {
        return ClassOf(output);
    }

    /// <summary>
    /// The class a target row names: for one column, +1 for a target above 0 and −1 otherwise, so labels may be −1/+1 or 0/1
    /// (training checks that a dataset uses one or the other); for several columns, the position of the largest (one-hot
    /// rows, or one +1 among −1s).
    /// </summary>
    public static int Label(ReadOnlySpan<float> target)
    {
        if (target.Length == 1)
            return target[0] > 0 ? 1 : -1;
        return ClassOf(target);
    }

    /// <summary>The sign of a one-column label as a float: +1 above 0, −1 for 0 or −1.</summary>
    internal static float Sign(float label) => label > 0 ? 1f : -1f;

    private static int ClassOf(ReadOnlySpan<float> output)
    {
        if (output.IsEmpty)
            throw new ArgumentException("There is no output to classify.", nameof(output));
        int best = 0;
        for (int i = 0; i < output.Length; i++)
        {
            if (float.IsNaN(output[i]))
                throw new ArgumentException($"Output {i} is NaN (is the input finite?); it has no class.", nameof(output));
            if (output[i] > output[best])
                best = i;
        }
        return output.Length == 1 ? (output[0] >= 0 ? 1 : -1) : best;
    }

    /// <summary>The class <paramref name="network"/> predicts for one input. Allocation-free.</summary>
    public static int Classify(this ILipschitzNetwork network, ReadOnlySpan<float> input)
    {
        ArgumentNullException.ThrowIfNull(network);
        int outputs = network.Description.OutputCount;
        Span<float> output = outputs <= 256 ? stackalloc float[outputs] : new float[outputs];
        network.Forward(input, output);
        return Classify(output);
    }

    /// <summary>The class of every row of a row-major [batch, inputs] batch, into <paramref name="classes"/> [batch].</summary>
    public static void Classify(this ILipschitzNetwork network, ReadOnlySpan<float> inputs, Span<int> classes)
    {
        ArgumentNullException.ThrowIfNull(network);
        int n = network.Description.InputCount;
        if (inputs.Length != classes.Length * n)
            throw new ArgumentException($"inputs has {inputs.Length} values; {classes.Length} rows of {n} inputs need {classes.Length * n}.", nameof(inputs));
        for (int s = 0; s < classes.Length; s++)
            classes[s] = network.Classify(inputs.Slice(s * n, n));
    }
}
