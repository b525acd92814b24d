using Microsoft.CodeAnalysis;

namespace LipGen.Generator;

/// <summary>Every diagnostic LipGen reports. Each id has a section in docs/diagnostics.md.</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "LipGen";
    private const string HelpBase = "docs/diagnostics.md#";

    public static readonly DiagnosticDescriptor NotPartial = Error("LIPG001",
        "Lipschitz network type must be partial",
        "'{0}' carries [LipschitzNetwork] but is not declared partial, so the generated members cannot be added to it");

    public static readonly DiagnosticDescriptor ContainingTypeNotPartial = Error("LIPG002",
        "Containing type of a Lipschitz network must be partial",
        "'{0}' contains the Lipschitz network '{1}' but is not declared partial");

    public static readonly DiagnosticDescriptor UnsupportedType = Error("LIPG003",
        "Type cannot be a Lipschitz network",
        "'{0}' cannot carry [LipschitzNetwork]: {1}");

    public static readonly DiagnosticDescriptor TooFewWidths = Error("LIPG004",
        "A Lipschitz network needs at least two widths",
        "[LipschitzNetwork] on '{0}' lists {1} width(s); it needs at least two: the input width and the output width");

    public static readonly DiagnosticDescriptor InvalidWidth = Error("LIPG005",
        "Layer width out of range",
        "Width {0} (position {1}) is out of range: every width must be between 1 and {2}");

    public static readonly DiagnosticDescriptor TooManyLayers = Error("LIPG006",
        "Too many layers",
        "[LipschitzNetwork] on '{0}' lists {1} widths; at most {2} are supported");

    public static readonly DiagnosticDescriptor InvalidGroupSize = Error("LIPG007",
        "GroupSort group size must be positive",
        "Group size {0} is invalid: a GroupSort group holds at least one neuron");

    public static readonly DiagnosticDescriptor GroupSizeDoesNotDivide = Error("LIPG008",
        "GroupSort group size must divide the layer width",
        "Group size {0} does not divide the width {2} of hidden layer {1}");

    public static readonly DiagnosticDescriptor GroupSizeCountMismatch = Error("LIPG009",
        "One group size per hidden layer",
        "GroupSizes lists {0} value(s) but the network has {1} hidden layer(s)");

    public static readonly DiagnosticDescriptor InvalidP = Error("LIPG010",
        "Invalid input norm p",
        "P = {0} is not a norm: p must be a number ≥ 1, or Norm.Infinity");

    public static readonly DiagnosticDescriptor InvalidLipschitz = Error("LIPG011",
        "Invalid Lipschitz bound",
        "Lipschitz = {0} is not a usable bound: {1}");

    public static readonly DiagnosticDescriptor DuplicateAttribute = Error("LIPG012",
        "[LipschitzNetwork] applied more than once",
        "'{0}' carries [LipschitzNetwork] more than once; a type declares exactly one network");

    public static readonly DiagnosticDescriptor MemberNameClash = Error("LIPG013",
        "Member name is reserved for generated code",
        "'{0}' declares or inherits a member named '{1}', which the generated network code defines; rename it");

    public static readonly DiagnosticDescriptor GroupSizeIgnored = new("LIPG014",
        "GroupSize is ignored when GroupSizes is set",
        "GroupSize = {0} is ignored because GroupSizes gives one group size per hidden layer; remove one of the two",
        Category, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpBase + "lipg014");

    public static readonly DiagnosticDescriptor InvalidActivation = Error("LIPG015",
        "Unknown activation",
        "Activation = {0} is not an activation LipGen knows: use Activation.GroupSort or Activation.ReLU");

    public static readonly DiagnosticDescriptor GroupSizeWithoutGroupSort = new("LIPG016",
        "Group sizes need GroupSort",
        "{0} has no effect because the activation is ReLU; remove it or use Activation.GroupSort",
        Category, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpBase + "lipg016");

    public static readonly DiagnosticDescriptor WeightsFileMissing = Error("LIPG017",
        "Weights file not found",
        "Weights = \"{0}\" {1}; add the file to the project as <AdditionalFiles Include=\"…\" />");

    public static readonly DiagnosticDescriptor WeightsFileInvalid = Error("LIPG018",
        "Weights file does not fit the declaration",
        "Weights file '{0}' cannot be compiled into this network: {1}");

    public static readonly DiagnosticDescriptor WeightsTooLarge = Error("LIPG019",
        "Too many weights to compile in",
        "The network has {0} parameters; at most {1} can be compiled into the assembly (load larger ones at run time with NetworkFile.Load)");

    public static readonly DiagnosticDescriptor WeightsExceedBound = Error("LIPG020",
        "Compiled-in weights exceed the declared Lipschitz bound",
        "Weights file '{0}' has certificate L̂ = {1}, above the declared Lipschitz = {2} (the file states λ = {3}); compiled in, the network would break its bound");

    public static readonly DiagnosticDescriptor MonotoneLengthMismatch = Error("LIPG021",
        "Monotone needs one sign per input",
        "Monotone has {0} entries; the network has {1} inputs and needs one sign per input");

    public static readonly DiagnosticDescriptor InvalidMonotoneSign = Error("LIPG022",
        "Monotone sign must be -1, 0 or 1",
        "Monotone[{1}] = {0} is not a monotonicity: use 1 (non-decreasing), -1 (non-increasing) or 0 (free)");

    public static readonly DiagnosticDescriptor MonotoneAllZero = new("LIPG023",
        "No input is monotone",
        "Every Monotone entry is 0, so no input is monotone; the residual would only double the network's Lipschitz bound. Remove Monotone, or mark the monotone inputs with 1 or -1.",
        Category, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpBase + "lipg023");

    public static readonly DiagnosticDescriptor InputMapLengthMismatch = Error("LIPG024",
        "Input map needs one value per input",
        "{0} has {1} entries; the network has {2} inputs and needs one per input");

    public static readonly DiagnosticDescriptor InvalidInputMapValue = Error("LIPG025",
        "Invalid input map value",
        "{0}[{1}] = {2} is not valid: {3}");

    public static readonly DiagnosticDescriptor SpectralNeedsP2 = Error("LIPG026",
        "Spectral layers need P = 2",
        "Constraint = LayerConstraint.Spectral bounds every layer in ℓ2 → ℓ2, so the input norm must be P = 2, not {0}");

    public static readonly DiagnosticDescriptor InvalidConstraint = Error("LIPG027",
        "Unknown layer constraint",
        "Constraint = {0} is not a LayerConstraint: use LayerConstraint.RowNorms or LayerConstraint.Spectral");

    public static readonly DiagnosticDescriptor CompiledInputMapDiffers = new("LIPG028",
        "The weights file's input map overrides the declared one",
        "{0}[{1}] = {2} differs from the weights file's {3}; the file's input map is compiled in and the declared {0} is ignored (remove {0}, or make it match the file)",
        Category, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpBase + "lipg028");

    private static DiagnosticDescriptor Error(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
            helpLinkUri: HelpBase + id.ToLowerInvariant());
}
