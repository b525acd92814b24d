using LipGen.Data;

namespace LipGen.IO;

/// <summary>
/// The names a network file carries with its weights: one per input (the features, in the order the network takes them)
/// and the classes' (one per output, or two, for −1 and +1, with one output). Written by
/// <see cref="NetworkFile.Save(ILipschitzNetwork, string, NetworkNames?)"/> into the safetensors metadata
/// (<c>lipgen.feature_names</c>, <c>lipgen.class_names</c>, each a JSON array of strings) and read back by
/// <see cref="NetworkFile.ReadNames(string)"/>; they do not change what the network computes, and a file loads into a
/// network whatever names it carries.
/// </summary>
/// <param name="Features">One name per input, or null.</param>
/// <param name="Classes">One name per output (two with one output), or null.</param>
public sealed record NetworkNames(IReadOnlyList<string>? Features, IReadOnlyList<string>? Classes = null)
{
    /// <summary>The metadata key of the feature names.</summary>
    public const string FeaturesKey = "lipgen.feature_names";

    /// <summary>The metadata key of the class names.</summary>
    public const string ClassesKey = "lipgen.class_names";

    /// <summary>A dataset's feature and class names (<see cref="Dataset.FeatureNames"/>, <see cref="Dataset.ClassNames"/>), or null when it has neither.</summary>
    public static NetworkNames? Of(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return data.FeatureNames is null && data.ClassNames is null ? null : new NetworkNames(data.FeatureNames, data.ClassNames);
    }

    /// <summary>Throws unless the names fit a network with this description: one per input, one per output (two with one output).</summary>
    internal void Check(NetworkDescription description)
    {
        Check(Features, description.InputCount, "feature", "input", description);
        Check(Classes, description.OutputCount == 1 ? 2 : description.OutputCount, "class", description.OutputCount == 1 ? "class of its one output (−1 and +1)" : "output", description);
    }

    private static void Check(IReadOnlyList<string>? names, int count, string what, string per, NetworkDescription description)
    {
        if (names is null)
            return;
        if (names.Count != count)
            throw new ArgumentException($"{names.Count} {what} names given; {description.Name} needs {count}, one per {per}.", nameof(names));
        for (int i = 0; i < names.Count; i++)
            if (string.IsNullOrWhiteSpace(names[i]))
                throw new ArgumentException($"The {what} name at {i} is blank.", nameof(names));
    }
}
