// The declaration of a network: what a [LipschitzNetwork] attribute says, as one value. This file is compiled into the
// runtime and, linked, into the generator, so the parser, the analyzer, the plan and generated code share one model of
// the declaration and one set of rules for it. It must compile for netstandard2.0.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using LipGen.Model;

namespace LipGen;

/// <summary>
/// A network's declaration: the widths and every named argument of <see cref="LipschitzNetworkAttribute"/>, as a value
/// (two declarations with the same contents are equal). Generated code holds its network's declaration as one literal, and
/// <see cref="NetworkDescription"/> and the network's plan are built from it. <see cref="Validate"/> lists what is wrong
/// with it, each problem keyed by the attribute property it belongs to, so the analyzer reports it on that argument.
/// </summary>
#if LIPGEN_GENERATOR
internal sealed class NetworkDeclaration : IEquatable<NetworkDeclaration>
#else
public sealed class NetworkDeclaration : IEquatable<NetworkDeclaration>
#endif
{
    // Every default is the attribute's own property initialiser, written once in LipschitzNetworkAttribute.cs.
    private static readonly LipschitzNetworkAttribute Defaults = new();

    /// <summary>A declaration with these widths (input, hidden…, output) and every other argument at its default.</summary>
    public NetworkDeclaration(params int[] widths) => Widths = Copy(widths) ?? Array.Empty<int>();

    /// <summary>The layer widths: input, hidden…, output.</summary>
    public IReadOnlyList<int> Widths { get; }

    /// <summary>The GroupSort group size of every hidden layer, or null when not written (the attribute's default, 2).</summary>
    public int? GroupSize { get; init; }

    /// <summary>One group size per hidden layer, or null; overrides <see cref="GroupSize"/>.</summary>
    public IReadOnlyList<int>? GroupSizes { get => _groupSizes; init => _groupSizes = Copy(value); }

    private readonly int[]? _groupSizes;

    /// <summary>The input-space norm p.</summary>
    public double P { get; init; } = Defaults.P;

    /// <summary>The Lipschitz bound λ of the constrained part.</summary>
    public double Lipschitz { get; init; } = Defaults.Lipschitz;

    /// <summary>The activation after every hidden layer.</summary>
    public Activation Activation { get; init; } = Defaults.Activation;

    /// <summary>How every dense layer is bounded.</summary>
    public LayerConstraint Constraint { get; init; } = Defaults.Constraint;

    /// <summary>One monotone sign per input (+1, −1, 0), or null: no monotone residual.</summary>
    public IReadOnlyList<int>? Monotone { get => _monotone; init => _monotone = Copy(value); }

    private readonly int[]? _monotone;

    /// <summary>True when the inputs are mapped by z = (x − offset) / scale (also implied by offsets or scales).</summary>
    public bool ScaleInputs { get; init; } = Defaults.ScaleInputs;

    /// <summary>True when the outputs are mapped by y = offset + scale·g after the core (fitted with <c>OutputMaps.Fit</c>).</summary>
    public bool ScaleOutputs { get; init; } = Defaults.ScaleOutputs;

    /// <summary>The monotone residual's coefficient c (<see cref="LipschitzNetworkAttribute.MonotoneResidual"/>); null means λ.</summary>
    public double? MonotoneResidual { get; init; }

    /// <summary>The input map's declared offsets, or null (0 each).</summary>
    public IReadOnlyList<double>? InputOffsets { get => _inputOffsets; init => _inputOffsets = Copy(value); }

    private readonly double[]? _inputOffsets;

    /// <summary>The input map's declared scales, or null (1 each).</summary>
    public IReadOnlyList<double>? InputScales { get => _inputScales; init => _inputScales = Copy(value); }

    private readonly double[]? _inputScales;

    /// <summary>SLL residual blocks after every hidden layer (0: none).</summary>
    public int ResidualBlocks { get; init; } = Defaults.ResidualBlocks;

    /// <summary>The compiled-in weights file, or null (the generator's concern; the runtime ignores it).</summary>
    public string? Weights { get; init; }

    /// <summary>How compiled-in weights are stored (the generator's concern, like <see cref="Weights"/>).</summary>
    public Precision WeightPrecision { get; init; } = Defaults.WeightPrecision;

    /// <summary>True when the network has an input map (declared by any of its three arguments).</summary>
    public bool HasInputMap => ScaleInputs || InputOffsets is not null || InputScales is not null;

    /// <summary>The number of hidden layers.</summary>
    public int HiddenLayers => Math.Max(0, Widths.Count - 2);

    /// <summary>The group size of every hidden layer: GroupSizes, else GroupSize repeated; all 0 for ReLU (no groups).</summary>
    public int[] PerLayerGroupSizes()
    {
        var perLayer = new int[HiddenLayers];
        if (Activation == Activation.ReLU)
            return perLayer;
        for (int i = 0; i < perLayer.Length; i++)
            perLayer[i] = GroupSizes is null ? GroupSize ?? Defaults.GroupSize : i < GroupSizes.Count ? GroupSizes[i] : 0;
        return perLayer;
    }

    /// <summary>
    /// This declaration with the attribute argument <paramref name="name"/> set to <paramref name="value"/> (an int, double,
    /// bool, string, enum value as its number, or an array of them), as the parser reads a named argument; an argument it
    /// does not know, or a value of the wrong type, leaves it unchanged.
    /// </summary>
    public NetworkDeclaration With(string name, object? value) => name switch
    {
        nameof(LipschitzNetworkAttribute.GroupSize) when value is int g => Clone(d => d.GroupSize = g),
        nameof(LipschitzNetworkAttribute.GroupSizes) => Clone(d => d._groupSizes = As<int>(value)),
        nameof(LipschitzNetworkAttribute.P) when value is double p => Clone(d => d.P = p),
        nameof(LipschitzNetworkAttribute.Lipschitz) when value is double l => Clone(d => d.Lipschitz = l),
        nameof(LipschitzNetworkAttribute.Activation) when value is int a => Clone(d => d.Activation = (Activation)a),
        nameof(LipschitzNetworkAttribute.Constraint) when value is int c => Clone(d => d.Constraint = (LayerConstraint)c),
        nameof(LipschitzNetworkAttribute.Monotone) => Clone(d => d._monotone = As<int>(value)),
        nameof(LipschitzNetworkAttribute.ScaleInputs) when value is bool s => Clone(d => d.ScaleInputs = s),
        nameof(LipschitzNetworkAttribute.ScaleOutputs) when value is bool o => Clone(d => d.ScaleOutputs = o),
        nameof(LipschitzNetworkAttribute.MonotoneResidual) when value is double c => Clone(d => d.MonotoneResidual = c),
        nameof(LipschitzNetworkAttribute.InputOffsets) => Clone(d => d._inputOffsets = As<double>(value)),
        nameof(LipschitzNetworkAttribute.InputScales) => Clone(d => d._inputScales = As<double>(value)),
        nameof(LipschitzNetworkAttribute.ResidualBlocks) when value is int k => Clone(d => d.ResidualBlocks = k),
        nameof(LipschitzNetworkAttribute.Weights) => Clone(d => d.Weights = value as string),
        nameof(LipschitzNetworkAttribute.WeightPrecision) when value is int precision => Clone(d => d.WeightPrecision = (Precision)precision),
        _ => this,
    };

    private static T[]? As<T>(object? value) => value is T[] array ? (T[])array.Clone() : null;

    /// <summary>A mutable copy for <see cref="With"/> (init accessors are settable inside the type).</summary>
    private NetworkDeclaration Clone(Action<Mutable> change)
    {
        var copy = new Mutable(this);
        change(copy);
        return copy.Build();
    }

    /// <summary>The fields of a declaration while <see cref="With"/> changes one.</summary>
    private sealed class Mutable
    {
        public Mutable(NetworkDeclaration d)
        {
            Widths = d.Widths;
            GroupSize = d.GroupSize;
            _groupSizes = d._groupSizes;
            P = d.P;
            Lipschitz = d.Lipschitz;
            Activation = d.Activation;
            Constraint = d.Constraint;
            _monotone = d._monotone;
            ScaleInputs = d.ScaleInputs;
            ScaleOutputs = d.ScaleOutputs;
            MonotoneResidual = d.MonotoneResidual;
            _inputOffsets = d._inputOffsets;
            _inputScales = d._inputScales;
            ResidualBlocks = d.ResidualBlocks;
            Weights = d.Weights;
            WeightPrecision = d.WeightPrecision;
        }

        public IReadOnlyList<int> Widths;
        public int? GroupSize;
        public int[]? _groupSizes, _monotone;
        public double P, Lipschitz;
        public Activation Activation;
        public LayerConstraint Constraint;
        public bool ScaleInputs, ScaleOutputs;
        public double? MonotoneResidual;
        public double[]? _inputOffsets, _inputScales;
        public int ResidualBlocks;
        public string? Weights;
        public Precision WeightPrecision;

        public NetworkDeclaration Build() => new(Widths.ToArray())
        {
            GroupSize = GroupSize,
            GroupSizes = _groupSizes,
            P = P,
            Lipschitz = Lipschitz,
            Activation = Activation,
            Constraint = Constraint,
            Monotone = _monotone,
            ScaleInputs = ScaleInputs,
            ScaleOutputs = ScaleOutputs,
            MonotoneResidual = MonotoneResidual,
            InputOffsets = _inputOffsets,
            InputScales = _inputScales,
            ResidualBlocks = ResidualBlocks,
            Weights = Weights,
            WeightPrecision = WeightPrecision,
        };
    }

    /// <summary>
    /// Every problem of the declared values, each keyed by the attribute property it belongs to (and the element, for
    /// arrays), with its LIPG id; warnings included. A declaration without errors builds a plan.
    /// </summary>
    public IReadOnlyList<DeclarationProblem> Validate()
    {
        var problems = new List<DeclarationProblem>();
        void Add(DeclarationRule rule, string property, int index, params object[] arguments) =>
            problems.Add(new DeclarationProblem(rule, property, index, arguments));

        const string GroupSizeName = nameof(LipschitzNetworkAttribute.GroupSize), GroupSizesName = nameof(LipschitzNetworkAttribute.GroupSizes);
        if (Widths.Count < 2)
            Add(DeclarationRules.TooFewWidths, "", -1, Widths.Count);
        else if (Widths.Count > NetworkPlan.MaxWidths)
            Add(DeclarationRules.TooManyLayers, "", -1, Widths.Count, NetworkPlan.MaxWidths);
        for (int i = 0; i < Widths.Count; i++)
            if (Widths[i] < 1 || Widths[i] > NetworkPlan.MaxWidth)
                Add(DeclarationRules.InvalidWidth, nameof(Widths), i, Widths[i], i, NetworkPlan.MaxWidth);

        bool relu = Activation == Activation.ReLU;
        if (Activation is not (Activation.GroupSort or Activation.ReLU))
            Add(DeclarationRules.InvalidActivation, nameof(Activation), -1, (int)Activation);
        if (relu)
        {
            // ReLU has no groups: group sizes are not checked, and setting one is a mistake worth a warning.
            if (GroupSize is not null)
                Add(DeclarationRules.GroupSizeWithoutGroupSort, GroupSizeName, -1, GroupSizeName);
            if (GroupSizes is not null)
                Add(DeclarationRules.GroupSizeWithoutGroupSort, GroupSizesName, -1, GroupSizesName);
        }
        else if (GroupSizes is not null && GroupSize is { } ignored)
            Add(DeclarationRules.GroupSizeIgnored, GroupSizeName, -1, ignored);
        if (!relu && GroupSizes is not null && GroupSizes.Count != HiddenLayers)
            Add(DeclarationRules.GroupSizeCountMismatch, GroupSizesName, -1, GroupSizes.Count, HiddenLayers);
        else if (!relu && GroupSizes is null && (GroupSize ?? Defaults.GroupSize) < 1)
            Add(DeclarationRules.InvalidGroupSize, GroupSizeName, -1, GroupSize ?? Defaults.GroupSize);
        else if (!relu && Widths.Count >= 2)
        {
            int[] perLayer = PerLayerGroupSizes();
            for (int i = 0; i < HiddenLayers; i++)
            {
                int g = perLayer[i], width = Widths[i + 1];
                // The element of GroupSizes, or the GroupSize argument, that gave this layer its group size.
                (string property, int index) = GroupSizes is null ? (GroupSizeName, -1) : (GroupSizesName, i);
                if (GroupSizes is not null && g < 1)
                    Add(DeclarationRules.InvalidGroupSize, property, index, g);
                else if (g >= 1 && width >= 1 && width % g != 0)
                    Add(DeclarationRules.GroupSizeDoesNotDivide, property, index, g, i + 1, width);
            }
        }

        const string ConstraintName = nameof(LipschitzNetworkAttribute.Constraint);
        if (!Enum.IsDefined(typeof(LayerConstraint), Constraint))
            Add(DeclarationRules.InvalidConstraint, ConstraintName, -1, (int)Constraint);
        else if (Constraint != LayerConstraint.RowNorms && P != 2)
            Add(DeclarationRules.EuclideanConstraintNeedsP2, ConstraintName, -1, Constraint, Text(P));

        if (!(P >= 1)) // also catches NaN
            Add(DeclarationRules.InvalidP, nameof(P), -1, Text(P));
        if (NetworkPlan.BoundProblem(Lipschitz) is { } boundProblem)
            Add(DeclarationRules.InvalidLipschitz, nameof(Lipschitz), -1, Text(Lipschitz), boundProblem);

        if (Monotone is { } monotone && Widths.Count >= 1)
        {
            const string MonotoneName = nameof(LipschitzNetworkAttribute.Monotone);
            if (monotone.Count != Widths[0])
                Add(DeclarationRules.MonotoneLengthMismatch, MonotoneName, -1, monotone.Count, Widths[0]);
            bool signsValid = true;
            for (int i = 0; i < monotone.Count; i++)
            {
                if (monotone[i] is -1 or 0 or 1)
                    continue;
                signsValid = false;
                Add(DeclarationRules.InvalidMonotoneSign, MonotoneName, i, monotone[i], i);
            }
            if (signsValid && monotone.Count == Widths[0] && monotone.All(s => s == 0))
                Add(DeclarationRules.MonotoneAllZero, MonotoneName, -1);
        }
        if (MonotoneResidual is { } c)
        {
            const string ResidualName = nameof(LipschitzNetworkAttribute.MonotoneResidual);
            string? reason = Monotone is null ? "it is the coefficient of the monotone residual, and the network declares no Monotone inputs"
                : NetworkPlan.BoundProblem(c) is { } problem ? problem.Replace("λ", "the coefficient")
                : c < Lipschitz ? $"it must be at least λ = {Text(Lipschitz)}, or the layers' slope (up to λ) could outweigh it and break monotonicity"
                : null;
            if (reason is not null)
                Add(DeclarationRules.InvalidMonotoneResidual, ResidualName, -1, Text(c), reason);
        }
        ValidateInputMap(nameof(InputOffsets), InputOffsets, problems, value =>
            double.IsNaN(value) || double.IsInfinity(value) || Math.Abs(value) > float.MaxValue ? "an offset must be a finite float" : null);
        // The scale as the network will hold it, a float: the model's one rule for scales.
        ValidateInputMap(nameof(InputScales), InputScales, problems, value => InputMapStep.ScaleProblem((float)value));

        const string BlocksName = nameof(LipschitzNetworkAttribute.ResidualBlocks);
        if (ResidualBlocks < 0 || ResidualBlocks > NetworkPlan.MaxResidualBlocks)
            Add(DeclarationRules.InvalidResidualBlocks, BlocksName, -1, ResidualBlocks,
                $"the count must lie between 0 and {NetworkPlan.MaxResidualBlocks}");
        else if (ResidualBlocks > 0 && Constraint == LayerConstraint.RowNorms)
            Add(DeclarationRules.InvalidResidualBlocks, BlocksName, -1, ResidualBlocks,
                "an SLL block is 1-Lipschitz in ℓ2, so the layers around it must be bounded in ℓ2 too: Constraint = LayerConstraint.Spectral or LayerConstraint.Aol, with P = 2");
        else if (ResidualBlocks > 0 && HiddenLayers == 0)
            Add(DeclarationRules.InvalidResidualBlocks, BlocksName, -1, ResidualBlocks, "the blocks go after hidden layers, and this network has none");

        const string PrecisionName = nameof(LipschitzNetworkAttribute.WeightPrecision);
        if (!Enum.IsDefined(typeof(Precision), WeightPrecision))
            Add(DeclarationRules.InvalidWeightPrecision, PrecisionName, -1, (int)WeightPrecision,
                "use Precision.Single or Precision.BFloat16");
        else if (WeightPrecision != Precision.Single && Weights is null)
            Add(DeclarationRules.InvalidWeightPrecision, PrecisionName, -1, $"Precision.{WeightPrecision}",
                "it is how compiled-in weights are stored, and the network compiles none in (no Weights file); a trained network "
                + "is converted at run time with BFloat16Network.From(network)");
        return problems;
    }

    private void ValidateInputMap(string name, IReadOnlyList<double>? values, List<DeclarationProblem> problems, Func<double, string?> problem)
    {
        if (values is null || Widths.Count < 1)
            return;
        if (values.Count != Widths[0])
            problems.Add(new DeclarationProblem(DeclarationRules.InputMapLengthMismatch, name, -1, new object[] { name, values.Count, Widths[0] }));
        for (int i = 0; i < values.Count; i++)
            if (problem(values[i]) is { } reason)
                problems.Add(new DeclarationProblem(DeclarationRules.InvalidInputMapValue, name, i, new object[] { name, i, Text(values[i]), reason }));
    }

    /// <summary>A number as diagnostics write it: ∞, or the shortest round-trip form.</summary>
    internal static string Text(double value) =>
        double.IsPositiveInfinity(value) ? "∞" : double.IsNegativeInfinity(value) ? "-∞" : value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first error, if there is one.</summary>
    internal void ThrowIfInvalid()
    {
        foreach (DeclarationProblem problem in Validate())
            if (!problem.Rule.IsWarning)
                throw new ArgumentException($"The declaration is not valid ({problem.Rule.Id}{(problem.Property.Length > 0 ? $", {problem.Property}" : "")}): {problem.Message}.");
    }

    private static T[]? Copy<T>(IReadOnlyList<T>? values) => values?.ToArray();

    /// <inheritdoc/>
    public bool Equals(NetworkDeclaration? other) =>
        other is not null && Same(Widths, other.Widths) && GroupSize == other.GroupSize && Same(GroupSizes, other.GroupSizes)
        && P.Equals(other.P) && Lipschitz.Equals(other.Lipschitz) && Activation == other.Activation && Constraint == other.Constraint
        && Same(Monotone, other.Monotone) && MonotoneResidual.Equals(other.MonotoneResidual) && ScaleInputs == other.ScaleInputs && ScaleOutputs == other.ScaleOutputs && Same(InputOffsets, other.InputOffsets)
        && Same(InputScales, other.InputScales) && ResidualBlocks == other.ResidualBlocks && Weights == other.Weights
        && WeightPrecision == other.WeightPrecision;

    private static bool Same<T>(IReadOnlyList<T>? a, IReadOnlyList<T>? b) =>
        a is null ? b is null : b is not null && a.SequenceEqual(b);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as NetworkDeclaration);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        int hash = 17;
        foreach (int w in Widths)
            hash = hash * 31 + w;
        return ((hash * 31 + P.GetHashCode()) * 31 + Lipschitz.GetHashCode()) * 31 + (int)Constraint;
    }

    /// <summary>The declaration as the attribute that declares it.</summary>
    public override string ToString()
    {
        var parts = new List<string> { string.Join(", ", Widths) };
        if (GroupSize is { } g)
            parts.Add($"GroupSize = {g}");
        if (GroupSizes is not null)
            parts.Add($"GroupSizes = new[] {{ {string.Join(", ", GroupSizes)} }}");
        parts.Add($"P = {Text(P)}");
        parts.Add($"Lipschitz = {Text(Lipschitz)}");
        if (Activation != Defaults.Activation)
            parts.Add($"Activation = Activation.{Activation}");
        if (Constraint != Defaults.Constraint)
            parts.Add($"Constraint = LayerConstraint.{Constraint}");
        if (ResidualBlocks != 0)
            parts.Add($"ResidualBlocks = {ResidualBlocks}");
        if (Monotone is not null)
            parts.Add($"Monotone = new[] {{ {string.Join(", ", Monotone)} }}");
        if (MonotoneResidual is { } residual)
            parts.Add($"MonotoneResidual = {Text(residual)}");
        if (ScaleInputs)
            parts.Add("ScaleInputs = true");
        if (InputOffsets is not null)
            parts.Add($"InputOffsets = new[] {{ {string.Join(", ", InputOffsets.Select(Text))} }}");
        if (InputScales is not null)
            parts.Add($"InputScales = new[] {{ {string.Join(", ", InputScales.Select(Text))} }}");
        if (ScaleOutputs)
            parts.Add("ScaleOutputs = true");
        if (Weights is not null)
            parts.Add($"Weights = \"{Weights}\"");
        if (WeightPrecision != Defaults.WeightPrecision)
            parts.Add($"WeightPrecision = Precision.{WeightPrecision}");
        return $"[LipschitzNetwork({string.Join(", ", parts)})]";
    }
}

/// <summary>One problem of a declaration: its rule (LIPG id and message), the property it belongs to and the element.</summary>
#if LIPGEN_GENERATOR
internal sealed class DeclarationProblem
#else
public sealed class DeclarationProblem
#endif
{
    /// <summary>Creates the problem.</summary>
    internal DeclarationProblem(DeclarationRule rule, string property, int index, object[] arguments)
    {
        Rule = rule;
        Property = property;
        Index = index;
        Arguments = arguments;
    }

    /// <summary>What is wrong, with its LIPG id.</summary>
    public DeclarationRule Rule { get; }

    /// <summary>The attribute property ("Widths", "GroupSizes", …), or "" for the attribute as a whole.</summary>
    public string Property { get; }

    /// <summary>The element of an array property, or −1.</summary>
    public int Index { get; }

    /// <summary>The values the rule's message names.</summary>
    public IReadOnlyList<object> Arguments { get; }

    /// <summary>The message, as the LIPG diagnostic reads.</summary>
    public string Message => string.Format(CultureInfo.InvariantCulture, Rule.Format, Arguments.ToArray());

    /// <inheritdoc/>
    public override string ToString() => $"{Rule.Id}: {Message}";
}

/// <summary>A rule of declarations: its LIPG id, title, message format and severity (docs/diagnostics.md has each).</summary>
#if LIPGEN_GENERATOR
internal sealed class DeclarationRule
#else
public sealed class DeclarationRule
#endif
{
    internal DeclarationRule(string id, string title, string format, bool isWarning = false)
    {
        Id = id;
        Title = title;
        Format = format;
        IsWarning = isWarning;
    }

    /// <summary>The diagnostic id, LIPG0xx.</summary>
    public string Id { get; }

    /// <summary>A short title.</summary>
    public string Title { get; }

    /// <summary>The message, with numbered placeholders.</summary>
    public string Format { get; }

    /// <summary>True for a warning: the declaration still builds.</summary>
    public bool IsWarning { get; }
}

/// <summary>Every rule <see cref="NetworkDeclaration.Validate"/> checks. The generator's analyzer reports them by these ids.</summary>
internal static class DeclarationRules
{
    /// <summary>LIPG004.</summary>
    public static readonly DeclarationRule TooFewWidths = new("LIPG004", "A Lipschitz network needs at least two widths",
        "[LipschitzNetwork] lists {0} width(s); it needs at least two: the input width and the output width");

    /// <summary>LIPG005.</summary>
    public static readonly DeclarationRule InvalidWidth = new("LIPG005", "Layer width out of range",
        "Width {0} (position {1}) is out of range: every width must be between 1 and {2}");

    /// <summary>LIPG006.</summary>
    public static readonly DeclarationRule TooManyLayers = new("LIPG006", "Too many layers",
        "[LipschitzNetwork] lists {0} widths; at most {1} are supported");

    /// <summary>LIPG007.</summary>
    public static readonly DeclarationRule InvalidGroupSize = new("LIPG007", "GroupSort group size must be positive",
        "Group size {0} is invalid: a GroupSort group holds at least one neuron");

    /// <summary>LIPG008.</summary>
    public static readonly DeclarationRule GroupSizeDoesNotDivide = new("LIPG008", "GroupSort group size must divide the layer width",
        "Group size {0} does not divide the width {2} of hidden layer {1}");

    /// <summary>LIPG009.</summary>
    public static readonly DeclarationRule GroupSizeCountMismatch = new("LIPG009", "One group size per hidden layer",
        "GroupSizes lists {0} value(s) but the network has {1} hidden layer(s)");

    /// <summary>LIPG010.</summary>
    public static readonly DeclarationRule InvalidP = new("LIPG010", "Invalid input norm p",
        "P = {0} is not a norm: p must be a number ≥ 1, or Norm.Infinity");

    /// <summary>LIPG011.</summary>
    public static readonly DeclarationRule InvalidLipschitz = new("LIPG011", "Invalid Lipschitz bound",
        "Lipschitz = {0} is not a usable bound: {1}");

    /// <summary>LIPG014 (warning).</summary>
    public static readonly DeclarationRule GroupSizeIgnored = new("LIPG014", "GroupSize is ignored when GroupSizes is set",
        "GroupSize = {0} is ignored because GroupSizes gives one group size per hidden layer; remove one of the two", isWarning: true);

    /// <summary>LIPG015.</summary>
    public static readonly DeclarationRule InvalidActivation = new("LIPG015", "Unknown activation",
        "Activation = {0} is not an activation LipGen knows: use Activation.GroupSort or Activation.ReLU");

    /// <summary>LIPG016 (warning).</summary>
    public static readonly DeclarationRule GroupSizeWithoutGroupSort = new("LIPG016", "Group sizes need GroupSort",
        "{0} has no effect because the activation is ReLU; remove it or use Activation.GroupSort", isWarning: true);

    /// <summary>LIPG021.</summary>
    public static readonly DeclarationRule MonotoneLengthMismatch = new("LIPG021", "Monotone needs one sign per input",
        "Monotone has {0} entries; the network has {1} inputs and needs one sign per input");

    /// <summary>LIPG022.</summary>
    public static readonly DeclarationRule InvalidMonotoneSign = new("LIPG022", "Monotone sign must be -1, 0 or 1",
        "Monotone[{1}] = {0} is not a monotonicity: use 1 (non-decreasing), -1 (non-increasing) or 0 (free)");

    /// <summary>LIPG023 (warning).</summary>
    public static readonly DeclarationRule MonotoneAllZero = new("LIPG023", "No input is monotone",
        "Every Monotone entry is 0, so no input is monotone; the residual would only double the network's Lipschitz bound. Remove Monotone, or mark the monotone inputs with 1 or -1.",
        isWarning: true);

    /// <summary>LIPG024.</summary>
    public static readonly DeclarationRule InputMapLengthMismatch = new("LIPG024", "Input map needs one value per input",
        "{0} has {1} entries; the network has {2} inputs and needs one per input");

    /// <summary>LIPG025.</summary>
    public static readonly DeclarationRule InvalidInputMapValue = new("LIPG025", "Invalid input map value",
        "{0}[{1}] = {2} is not valid: {3}");

    /// <summary>LIPG026.</summary>
    public static readonly DeclarationRule EuclideanConstraintNeedsP2 = new("LIPG026", "Euclidean layer constraints need P = 2",
        "Constraint = LayerConstraint.{0} bounds every layer in ℓ2 → ℓ2, so the input norm must be P = 2, not {1}");

    /// <summary>LIPG027.</summary>
    public static readonly DeclarationRule InvalidConstraint = new("LIPG027", "Unknown layer constraint",
        "Constraint = {0} is not a LayerConstraint: use LayerConstraint.RowNorms, LayerConstraint.Spectral or LayerConstraint.Aol");

    /// <summary>LIPG029.</summary>
    public static readonly DeclarationRule InvalidResidualBlocks = new("LIPG029", "Invalid residual blocks",
        "ResidualBlocks = {0} is not valid: {1}");

    /// <summary>LIPG030.</summary>
    public static readonly DeclarationRule InvalidMonotoneResidual = new("LIPG030", "Invalid monotone residual coefficient",
        "MonotoneResidual = {0} is not valid: {1}");

    /// <summary>LIPG031.</summary>
    public static readonly DeclarationRule InvalidWeightPrecision = new("LIPG031", "Invalid weight precision",
        "WeightPrecision = {0} is not valid: {1}");

    /// <summary>Every rule, for the analyzer's table of descriptors.</summary>
    public static IReadOnlyList<DeclarationRule> All { get; } = new[]
    {
        TooFewWidths, InvalidWidth, TooManyLayers, InvalidGroupSize, GroupSizeDoesNotDivide, GroupSizeCountMismatch, InvalidP,
        InvalidLipschitz, GroupSizeIgnored, InvalidActivation, GroupSizeWithoutGroupSort, MonotoneLengthMismatch, InvalidMonotoneSign,
        MonotoneAllZero, InputMapLengthMismatch, InvalidInputMapValue, EuclideanConstraintNeedsP2, InvalidConstraint, InvalidResidualBlocks,
        InvalidMonotoneResidual, InvalidWeightPrecision,
    };
}
