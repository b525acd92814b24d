// What a network file's metadata must say, and how it is compared. Compiled into the runtime (Load) and into the generator
// (compiled-in weights), so a file is judged the same way at run time and at build time. It must compile for netstandard2.0.
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using LipGen.Model;

namespace LipGen.IO;

/// <summary>The declaration in a safetensors file's metadata: <c>lipgen.widths</c>, <c>lipgen.group_sizes</c>, <c>lipgen.p</c>,
/// <c>lipgen.lipschitz</c>, <c>lipgen.activation</c>, <c>lipgen.monotone</c>.</summary>
internal static class NetworkMetadata
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The key of the declared λ.</summary>
    public const string LipschitzKey = "lipgen.lipschitz";

    /// <summary>The metadata a network with this plan writes.</summary>
    public static IEnumerable<KeyValuePair<string, string>> Of(NetworkPlan plan)
    {
        yield return Pair("format", "pt");
        yield return Pair("lipgen.widths", string.Join(",", plan.Widths));
        yield return Pair("lipgen.activation", plan.Activation.ToString());
        if (plan.Activation == Activation.GroupSort)
            yield return Pair("lipgen.group_sizes", string.Join(",", plan.Steps.OfType<ActivationStep>().Select(a => a.GroupSize)));
        yield return Pair("lipgen.p", double.IsPositiveInfinity(plan.P) ? "inf" : plan.P.ToString("R", Invariant));
        yield return Pair(LipschitzKey, plan.Lipschitz.ToString("R", Invariant));
        yield return Pair(MonotoneKey, Signs(plan));
        yield return Pair(ConstraintKey, plan.LayerConstraint.ToString());
        if (plan.Declaration.ResidualBlocks > 0)
            yield return Pair(ResidualBlocksKey, plan.Declaration.ResidualBlocks.ToString(Invariant));
        foreach (PlanStep step in plan.Steps)
            foreach (KeyValuePair<string, string> entry in step.Metadata)
                yield return entry;
    }

    /// <summary>The key of the monotone residual's coefficient c as a float (written when there is a residual).</summary>
    public const string ResidualCoefficientKey = "lipgen.monotone_residual";

    /// <summary>The key of the number of SLL residual blocks after each hidden layer (written when there are any).</summary>
    public const string ResidualBlocksKey = "lipgen.residual_blocks";

    /// <summary>The key of the layers' constraint: RowNorms, Spectral or Aol (a LipGen file without it is RowNorms).</summary>
    public const string ConstraintKey = "lipgen.constraint";

    /// <summary>The key of the monotone signs: one per input, all 0 for a network without a residual (the same function).</summary>
    public const string MonotoneKey = "lipgen.monotone";

    private static string Signs(NetworkPlan plan)
    {
        var signs = new int[plan.InputCount];
        for (int i = 0; i < signs.Length; i++)
            signs[i] = plan.Residual?.Signs[i] ?? 0;
        return string.Join(",", signs);
    }

    /// <summary>
    /// The first key whose stored value disagrees with the plan, as "was saved from a network with {key} = {stored};
    /// {name} has {value}", or null. Keys the file does not have are not compared (a PyTorch file has none).
    /// </summary>
    public static string? Mismatch(NetworkPlan plan, IReadOnlyDictionary<string, string> stored, string name)
    {
        foreach (KeyValuePair<string, string> expected in Of(plan))
        {
            bool present = stored.TryGetValue(expected.Key, out string? found);
            string? value = present ? found
                // A LipGen file from before monotone inputs has no signs: its network had none, which is all zeros.
                : expected.Key == MonotoneKey && stored.ContainsKey("lipgen.widths") ? string.Join(",", new int[plan.InputCount])
                // One from before spectral layers has no constraint: its layers were row-bounded.
                : expected.Key == ConstraintKey && stored.ContainsKey("lipgen.widths") ? nameof(LayerConstraint.RowNorms)
                // and one without residual blocks has no key for them.
                : expected.Key == ResidualBlocksKey && stored.ContainsKey("lipgen.widths") ? "0"
                // and one from before MonotoneResidual ran its residual at λ rounded up.
                : expected.Key == ResidualCoefficientKey && stored.TryGetValue(LipschitzKey, out string? lambda) && ParseNumber(lambda) is double l
                    ? NetworkPlan.ResidualCoefficient(l).ToString("R", Invariant) : null;
            if (value is null || SameValue(expected.Key, value, expected.Value))
                continue;
            // Weights within a smaller bound satisfy a larger one, and the certificate check decides the rest, when the
            // function does not depend on λ. Where it does (AOL rescales to λᵢ, a monotone residual's coefficient is λ),
            // the same weights at another λ compute another function, so λ must match.
            if (expected.Key == LipschitzKey && LipschitzFreeFunction(plan))
                continue;
            if (expected.Key == LipschitzKey)
                return $"was saved from a network with {expected.Key} = {value}; {name} has {expected.Value}, and its function depends on λ "
                    + $"({(plan.Residual is not null ? "the monotone residual's coefficient is λ" : "AOL layers rescale to λᵢ")}), so the file loads only at λ = {value}";
            return present
                ? $"was saved from a network with {expected.Key} = {value}; {name} has {expected.Value}"
                : $"has no {expected.Key} key, so it was saved by a LipGen version that wrote {expected.Key} = {value} for every network (the key came later); {name} has {expected.Value}";
        }
        return null;
    }

    /// <summary>True when the network computes the same function from the same stored values whatever its λ.</summary>
    internal static bool LipschitzFreeFunction(NetworkPlan plan) => plan.Residual is null && plan.LayerConstraint != LayerConstraint.Aol;

    /// <summary>Numbers compare as numbers ("1.0" is 1, "inf" is ∞), lists element by element, words exactly.</summary>
    private static bool SameValue(string key, string stored, string expected)
    {
        if (key is "lipgen.p" or LipschitzKey or ResidualCoefficientKey)
            return ParseNumber(stored) is double a && ParseNumber(expected) is double b && a == b;
        if (key is "lipgen.widths" or "lipgen.group_sizes" or MonotoneKey or ResidualBlocksKey)
        {
            // An empty list (a network without hidden layers has no group sizes) is "", not one empty element.
            string[] left = stored.Trim().Length == 0 ? new string[0] : stored.Split(','), right = expected.Length == 0 ? new string[0] : expected.Split(',');
            if (left.Length != right.Length)
                return false;
            for (int i = 0; i < left.Length; i++)
                if (!long.TryParse(left[i].Trim(), NumberStyles.Integer, Invariant, out long x) || !long.TryParse(right[i], NumberStyles.Integer, Invariant, out long y) || x != y)
                    return false;
            return true;
        }
        return stored == expected;
    }

    /// <summary>A number as the metadata writes it ("inf" for ∞), or null.</summary>
    public static double? ParseNumber(string text)
    {
        string trimmed = text.Trim();
        if (trimmed is "inf" or "Infinity" or "∞")
            return double.PositiveInfinity;
        return double.TryParse(trimmed, NumberStyles.Float, Invariant, out double value) ? value : null;
    }

    /// <summary>
    /// Every tensor a network file of this plan holds, in file order, with its place in the parameter buffer: the plan's saved
    /// regions (<see cref="NetworkPlan.SavedRegions"/>): per dense layer <c>layers.{i}.weight</c> [out, in] and
    /// <c>layers.{i}.bias</c> [out] (the names <c>torch.nn.Linear</c> layers get in a module list called <c>layers</c>), then
    /// any residual blocks' <c>blocks.{k}.weight</c>, <c>.bias</c> and <c>.q</c>, then, with an input map,
    /// <c>input_map.offset</c> and <c>input_map.scale</c> [inputs], and with an output map <c>output_map.offset</c> and
    /// <c>output_map.scale</c> [outputs]. Projection state and derived values are not saved.
    /// </summary>
    public static IEnumerable<ParameterRegion> Tensors(NetworkPlan plan) => plan.SavedRegions;

    /// <summary>
    /// Why parameters read from a file cannot be used, or null: an input or output map's scale that is not a finite, normal,
    /// positive float (<see cref="InputMapStep.ScaleProblem"/>, <see cref="OutputMapStep.ScaleProblem"/>).
    /// </summary>
    public static string? InvalidScale(NetworkPlan plan, float[] parameters)
    {
        if (plan.InputMap is { } map)
            for (int i = 0; i < map.Inputs; i++)
            {
                float scale = parameters[map.ScaleOffset + i];
                if (InputMapStep.ScaleProblem(scale) is { } problem)
                    return $"tensor \"{InputMapStep.ScaleTensor}\" holds {scale.ToString("R", Invariant)} for input {i}; {problem}";
            }
        if (plan.OutputMap is { } output)
            for (int k = 0; k < output.Outputs; k++)
            {
                float scale = parameters[output.ScaleOffset + k];
                if (OutputMapStep.ScaleProblem(scale) is { } problem)
                    return $"tensor \"{OutputMapStep.ScaleTensor}\" holds {scale.ToString("R", Invariant)} for output {k}; {problem}";
            }
        return null;
    }

    private static KeyValuePair<string, string> Pair(string key, string value) => new(key, value);
}
