using System.Collections.Generic;
using System.Linq;
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

    public static readonly DiagnosticDescriptor DuplicateAttribute = Error("LIPG012",
        "[LipschitzNetwork] applied more than once",
        "'{0}' carries [LipschitzNetwork] more than once; a type declares exactly one network");

    public static readonly DiagnosticDescriptor MemberNameClash = Error("LIPG013",
        "Member name is reserved for generated code",
        "'{0}' declares or inherits a member named '{1}', which the generated network code defines; rename it");

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

    public static readonly DiagnosticDescriptor CompiledInputMapDiffers = new("LIPG028",
        "The weights file's input map overrides the declared one",
        "{0}[{1}] = {2} differs from the weights file's {3}; the file's input map is compiled in and the declared {0} is ignored (remove {0}, or make it match the file)",
        Category, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpBase + "lipg028");

    // The rules a declaration's values are checked by (NetworkDeclaration.Validate, linked from the runtime): ids, titles and
    // messages are the model's, so the runtime's errors and the analyzer's agree.
    public static readonly DiagnosticDescriptor TooFewWidths = Rule("LIPG004", DeclarationRules.TooFewWidths);

    public static readonly DiagnosticDescriptor InvalidWidth = Rule("LIPG005", DeclarationRules.InvalidWidth);

    public static readonly DiagnosticDescriptor TooManyLayers = Rule("LIPG006", DeclarationRules.TooManyLayers);

    public static readonly DiagnosticDescriptor InvalidGroupSize = Rule("LIPG007", DeclarationRules.InvalidGroupSize);

    public static readonly DiagnosticDescriptor GroupSizeDoesNotDivide = Rule("LIPG008", DeclarationRules.GroupSizeDoesNotDivide);

    public static readonly DiagnosticDescriptor GroupSizeCountMismatch = Rule("LIPG009", DeclarationRules.GroupSizeCountMismatch);

    public static readonly DiagnosticDescriptor InvalidP = Rule("LIPG010", DeclarationRules.InvalidP);

    public static readonly DiagnosticDescriptor InvalidLipschitz = Rule("LIPG011", DeclarationRules.InvalidLipschitz);

    public static readonly DiagnosticDescriptor GroupSizeIgnored = Rule("LIPG014", DeclarationRules.GroupSizeIgnored);

    public static readonly DiagnosticDescriptor InvalidActivation = Rule("LIPG015", DeclarationRules.InvalidActivation);

    public static readonly DiagnosticDescriptor GroupSizeWithoutGroupSort = Rule("LIPG016", DeclarationRules.GroupSizeWithoutGroupSort);

    public static readonly DiagnosticDescriptor MonotoneLengthMismatch = Rule("LIPG021", DeclarationRules.MonotoneLengthMismatch);

    public static readonly DiagnosticDescriptor InvalidMonotoneSign = Rule("LIPG022", DeclarationRules.InvalidMonotoneSign);

    public static readonly DiagnosticDescriptor MonotoneAllZero = Rule("LIPG023", DeclarationRules.MonotoneAllZero);

    public static readonly DiagnosticDescriptor InputMapLengthMismatch = Rule("LIPG024", DeclarationRules.InputMapLengthMismatch);

    public static readonly DiagnosticDescriptor InvalidInputMapValue = Rule("LIPG025", DeclarationRules.InvalidInputMapValue);

    public static readonly DiagnosticDescriptor EuclideanConstraintNeedsP2 = Rule("LIPG026", DeclarationRules.EuclideanConstraintNeedsP2);

    public static readonly DiagnosticDescriptor InvalidConstraint = Rule("LIPG027", DeclarationRules.InvalidConstraint);

    public static readonly DiagnosticDescriptor InvalidResidualBlocks = Rule("LIPG029", DeclarationRules.InvalidResidualBlocks);

    public static readonly DiagnosticDescriptor InvalidMonotoneResidual = Rule("LIPG030", DeclarationRules.InvalidMonotoneResidual);

    public static readonly DiagnosticDescriptor InvalidWeightPrecision = Rule("LIPG031", DeclarationRules.InvalidWeightPrecision);

    /// <summary>Every rule's descriptor, by id.</summary>
    public static IReadOnlyDictionary<string, DiagnosticDescriptor> Rules { get; } = new[]
    {
        TooFewWidths, InvalidWidth, TooManyLayers, InvalidGroupSize, GroupSizeDoesNotDivide, GroupSizeCountMismatch, InvalidP, InvalidLipschitz,
        GroupSizeIgnored, InvalidActivation, GroupSizeWithoutGroupSort, MonotoneLengthMismatch, InvalidMonotoneSign, MonotoneAllZero,
        InputMapLengthMismatch, InvalidInputMapValue, EuclideanConstraintNeedsP2, InvalidConstraint, InvalidResidualBlocks,
        InvalidMonotoneResidual, InvalidWeightPrecision,
    }.ToDictionary(d => d.Id);

    private static DiagnosticDescriptor Rule(string id, DeclarationRule rule) =>
        new(id, rule.Title, rule.Format, Category, rule.IsWarning ? DiagnosticSeverity.Warning : DiagnosticSeverity.Error,
            isEnabledByDefault: true, helpLinkUri: HelpBase + id.ToLowerInvariant());

    /// <summary>The rule's descriptor.</summary>
    public static DiagnosticDescriptor For(DeclarationRule rule) => Rules[rule.Id];

    /// <summary>Every descriptor the analyzer reports: the generator's own and the declaration rules'.</summary>
    public static System.Collections.Immutable.ImmutableArray<DiagnosticDescriptor> All { get; } = System.Collections.Immutable.ImmutableArray.Create(
        NotPartial, ContainingTypeNotPartial, UnsupportedType, DuplicateAttribute, MemberNameClash, WeightsFileMissing, WeightsFileInvalid,
        WeightsTooLarge, WeightsExceedBound, CompiledInputMapDiffers).AddRange(Rules.Values.OrderBy(d => d.Id));

    private static DiagnosticDescriptor Error(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
            helpLinkUri: HelpBase + id.ToLowerInvariant());
}
