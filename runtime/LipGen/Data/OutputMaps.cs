namespace LipGen.Data;

/// <summary>
/// Sets the output map y = offset + scale·g of a network declared with <c>ScaleOutputs</c>, so that it is trained on, and
/// predicts, targets in their own units while λ bounds the standardised core g. The map is part of the network: its values
/// are saved, exported and compiled in with the weights, and the certificate, slope ranges, radii and float error bound are
/// stated in the outputs' units (L̂ carries the largest scale). Set it before training: changing it afterwards changes the
/// function the network computes.
/// </summary>
public static class OutputMaps
{
    /// <summary>
    /// Fits the map to <paramref name="data"/>'s targets: each offset is the target's mean, each scale its standard deviation
    /// (1 for a target that never changes, so the map stays finite). The core then learns standardised targets, which a λ
    /// of about 1 over standardised inputs can reach.
    /// </summary>
    public static void Fit(ILipschitzNetwork network, Dataset data)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        NetworkDescription description = RequireMap(network);
        if (data.TargetWidth != description.OutputCount)
            throw new ArgumentException($"The data has {data.TargetWidth} targets per sample; {description.Name} gives {description.OutputCount}.", nameof(data));
        (float[] offsets, float[] scales) = InputMaps.MeanAndSpread(data, description.OutputCount, data.Target);
        Set(network, offsets, scales);
    }

    /// <summary>
    /// Sets the map's offsets and scales. Every offset must be finite and every scale a finite, normal, positive float (a
    /// negative one would reverse an output and every monotone direction with it); otherwise nothing changes and the error
    /// names the output.
    /// </summary>
    public static void Set(ILipschitzNetwork network, ReadOnlySpan<float> offsets, ReadOnlySpan<float> scales)
    {
        ArgumentNullException.ThrowIfNull(network);
        NetworkDescription description = RequireMap(network);
        int n = description.OutputCount;
        if (offsets.Length != n || scales.Length != n)
            throw new ArgumentException($"{description.Name} has {n} outputs: the map needs {n} offsets and {n} scales, got {offsets.Length} and {scales.Length}.");
        for (int k = 0; k < n; k++)
        {
            if (!float.IsFinite(offsets[k]))
                throw new ArgumentException($"The offset for output {k} is {offsets[k]}; every offset must be finite.", nameof(offsets));
            if (Model.OutputMapStep.ScaleProblem(scales[k]) is { } problem)
                throw new ArgumentOutOfRangeException(nameof(scales), scales[k], $"The scale for output {k} is {scales[k]}; {problem}.");
        }
        offsets.CopyTo(network.Parameters.Slice(description.OutputOffsetOffset, n));
        scales.CopyTo(network.Parameters.Slice(description.OutputScaleOffset, n));
    }

    /// <summary>The network's current offsets and scales (copies).</summary>
    public static (float[] Offsets, float[] Scales) Get(ILipschitzNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        NetworkDescription description = RequireMap(network);
        return (network.Parameters.Slice(description.OutputOffsetOffset, description.OutputCount).ToArray(),
            network.Parameters.Slice(description.OutputScaleOffset, description.OutputCount).ToArray());
    }

    private static NetworkDescription RequireMap(ILipschitzNetwork network) =>
        network.Description.HasOutputMap ? network.Description
            : throw new InvalidOperationException(
                $"{network.Description.Name} has no output map: declare it with ScaleOutputs = true in its [LipschitzNetwork] attribute.");
}
