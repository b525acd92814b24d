namespace LipGen.Data;

/// <summary>
/// Sets the input map z = (x − offset) / scale of a network declared with <c>ScaleInputs</c>, <c>InputOffsets</c> or
/// <c>InputScales</c>. The map is part of the network: its values are saved, exported and compiled in with the weights, and
/// every guarantee (certificate, slope ranges, radii, monotonicity) is stated in the units of x. Set it before training:
/// changing it afterwards changes the function the network computes.
/// </summary>
public static class InputMaps
{
    /// <summary>
    /// Fits the map to <paramref name="data"/>: each offset is the input's mean, each scale its standard deviation (1 for
    /// an input that never changes, or whose spread is below the smallest normal float, so the map stays finite).
    /// </summary>
    public static void Fit(ILipschitzNetwork network, Dataset data)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        NetworkDescription description = RequireMap(network);
        if (data.InputWidth != description.InputCount)
            throw new ArgumentException($"The data has {data.InputWidth} inputs per sample; {description.Name} takes {description.InputCount}.", nameof(data));
        (float[] offsets, float[] scales) = MeanAndSpread(data, description.InputCount, data.Input);
        Set(network, offsets, scales);
    }

    /// <summary>
    /// Sets the map's offsets and scales. Every offset must be finite and every scale a finite, normal, positive float (a
    /// negative scale would reverse an input's monotone direction, a subnormal one overflow the map); otherwise nothing
    /// changes and the error names the input.
    /// </summary>
    public static void Set(ILipschitzNetwork network, ReadOnlySpan<float> offsets, ReadOnlySpan<float> scales)
    {
        ArgumentNullException.ThrowIfNull(network);
        NetworkDescription description = RequireMap(network);
        int n = description.InputCount;
        if (offsets.Length != n || scales.Length != n)
            throw new ArgumentException($"{description.Name} has {n} inputs: the map needs {n} offsets and {n} scales, got {offsets.Length} and {scales.Length}.");
        for (int i = 0; i < n; i++)
        {
            if (!float.IsFinite(offsets[i]))
                throw new ArgumentException($"The offset for input {i} is {offsets[i]}; every offset must be finite.", nameof(offsets));
            if (Model.InputMapStep.ScaleProblem(scales[i]) is { } problem)
                throw new ArgumentOutOfRangeException(nameof(scales), scales[i], $"The scale for input {i} is {scales[i]}; {problem}.");
        }
        offsets.CopyTo(network.Parameters.Slice(description.InputOffsetOffset, n));
        scales.CopyTo(network.Parameters.Slice(description.InputScaleOffset, n));
    }

    /// <summary>The network's current offsets and scales (copies).</summary>
    public static (float[] Offsets, float[] Scales) Get(ILipschitzNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        NetworkDescription description = RequireMap(network);
        return (network.Parameters.Slice(description.InputOffsetOffset, description.InputCount).ToArray(),
            network.Parameters.Slice(description.InputScaleOffset, description.InputCount).ToArray());
    }

    /// <summary>
    /// Each column's mean and standard deviation over <paramref name="data"/> (in double), as a map's offsets and scales: a
    /// spread of 0, or below the smallest normal float, gives scale 1, so the map stays finite.
    /// </summary>
    internal static (float[] Offsets, float[] Scales) MeanAndSpread(Dataset data, int n, Func<int, ReadOnlySpan<float>> row)
    {
        if (data.Count == 0)
            throw new ArgumentException("The data has no samples to fit a map to.", nameof(data));
        var mean = new double[n];
        var square = new double[n];
        for (int s = 0; s < data.Count; s++)
        {
            ReadOnlySpan<float> x = row(s);
            for (int i = 0; i < n; i++)
                mean[i] += x[i];
        }
        for (int i = 0; i < n; i++)
            mean[i] /= data.Count;
        for (int s = 0; s < data.Count; s++)
        {
            ReadOnlySpan<float> x = row(s);
            for (int i = 0; i < n; i++)
                square[i] += (x[i] - mean[i]) * (x[i] - mean[i]);
        }
        var offsets = new float[n];
        var scales = new float[n];
        for (int i = 0; i < n; i++)
        {
            float spread = (float)Math.Sqrt(square[i] / data.Count);
            offsets[i] = (float)mean[i];
            scales[i] = Model.InputMapStep.IsValidScale(spread) ? spread : 1;
        }
        return (offsets, scales);
    }

    private static NetworkDescription RequireMap(ILipschitzNetwork network) =>
        network.Description.HasInputMap ? network.Description
            : throw new InvalidOperationException(
                $"{network.Description.Name} has no input map: declare it with ScaleInputs = true (or InputOffsets / InputScales) in its [LipschitzNetwork] attribute.");
}
