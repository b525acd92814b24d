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
/// <param name="Widths">Layer widths: input, hidden…, output.</param>
/// <param name="GroupSizes">GroupSort group size per hidden layer.</param>
/// <param name="P">Input-space norm p.</param>
/// <param name="Lipschitz">Lipschitz bound λ.</param>
/// <param name="Activation">The activation after every hidden layer.</param>
/// <param name="WeightsFile">The Weights argument (a safetensors AdditionalFiles item), or null.</param>
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
    EquatableArray<int> Widths,
    EquatableArray<int> GroupSizes,
    double P,
    double Lipschitz,
    Activation Activation,
    string? WeightsFile,
    bool IsValid = true)
{
    /// <summary>One monotone sign per input, or empty: no monotone residual.</summary>
    public EquatableArray<int> Monotone { get; init; }

    /// <summary>True when the network maps its inputs by (x − offset) / scale.</summary>
    public bool HasInputMap { get; init; }

    /// <summary>The declared offsets, or empty (0 each).</summary>
    public EquatableArray<double> InputOffsets { get; init; }

    /// <summary>The declared scales, or empty (1 each).</summary>
    public EquatableArray<double> InputScales { get; init; }

    /// <summary>Row bounds or spectral norms on every layer.</summary>
    public LayerConstraint Constraint { get; init; }

    /// <summary>Hint name of the generated file: the full metadata-like name, unique per type.</summary>
    public string HintName => FullName.Replace('<', '[').Replace('>', ']') + ".g.cs";

    /// <summary>The network's plan: the one model of its steps and layout, shared with the runtime.</summary>
    public LipGen.Model.NetworkPlan Plan() =>
        LipGen.Model.NetworkPlan.Build(Widths.ToArray(), GroupSizes.ToArray(), P, Lipschitz, Activation,
            Monotone.Count == 0 ? null : Monotone.ToArray(),
            HasInputMap ? (InputOffsets.Count == 0 ? new double[Widths[0]] : InputOffsets.ToArray()) : null,
            HasInputMap ? (InputScales.Count == 0 ? Ones(Widths[0]) : InputScales.ToArray()) : null, Constraint);

    private static double[] Ones(int length)
    {
        var ones = new double[length];
        for (int i = 0; i < length; i++)
            ones[i] = 1;
        return ones;
    }
}

/// <summary>A spec with the weights read from its Weights file, when it has one.</summary>
internal sealed record NetworkModel(NetworkSpec Spec, EquatableArray<float> Weights, string? WeightsPath);

/// <summary>An enclosing type: the keyword(s) to redeclare it partially, and its name.</summary>
internal readonly record struct ContainingType(string Keyword, string Name);
