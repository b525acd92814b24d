namespace LipGen.Generator;

/// <summary>
/// Everything the emitter needs to know about one declared network, as plain values: no symbols, syntax or locations,
/// so the incremental pipeline can compare it by value and skip emission when nothing relevant changed.
/// </summary>
/// <param name="Namespace">The containing namespace, or null for the global namespace.</param>
/// <param name="ContainingTypes">Enclosing types, outermost first.</param>
/// <param name="Keyword">"class" or "record": how to redeclare the type partially.</param>
/// <param name="TypeName">The declared class's name.</param>
/// <param name="FullName">Dotted full name, for messages and the description.</param>
/// <param name="Declaration">The attribute's arguments as one value (linked from the runtime, value-equatable).</param>
/// <param name="IsValid">
/// False for a declaration with errors (or an unusable weights file): only its identity is meaningful, and the emitter
/// writes members that throw, so that the LIPG diagnostics are the only errors.
/// </param>
internal sealed record NetworkSpec(
    string? Namespace,
    EquatableArray<ContainingType> ContainingTypes,
    string Keyword,
    string TypeName,
    string FullName,
    NetworkDeclaration Declaration,
    bool IsValid = true)
{
    /// <summary>The Weights argument (a safetensors AdditionalFiles item), or null.</summary>
    public string? WeightsFile => Declaration.Weights;

    /// <summary>Hint name of the generated file: the full metadata-like name, unique per type.</summary>
    public string HintName => FullName.Replace('<', '[').Replace('>', ']') + ".g.cs";

    /// <summary>The network's plan: the one model of its steps and layout, shared with the runtime.</summary>
    public LipGen.Model.NetworkPlan Plan() => LipGen.Model.NetworkPlan.Build(Declaration);
}

/// <summary>A spec with the weights read from its Weights file, when it has one.</summary>
internal sealed record NetworkModel(NetworkSpec Spec, EquatableArray<float> Weights, string? WeightsPath);

/// <summary>An enclosing type: the keyword(s) to redeclare it partially, and its name.</summary>
internal readonly record struct ContainingType(string Keyword, string Name);
