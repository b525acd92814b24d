using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LipGen.Generator;

/// <summary>
/// Expands every <c>[LipschitzNetwork]</c> class into its forward, backward, input-gradient, projection and certificate
/// code. <see cref="LipschitzNetworkAnalyzer"/> reports invalid declarations; for those whose type can take generated
/// members, this emits them throwing, so that the LIPG diagnostics are the only errors a user sees.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class LipschitzNetworkGenerator : IIncrementalGenerator
{
    /// <summary>Tracking names of the pipeline steps, for incremental-caching tests.</summary>
    public static class TrackingNames
    {
        public const string Specs = nameof(Specs);
        public const string ValidSpecs = nameof(ValidSpecs);
        public const string Models = nameof(Models);
    }

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<NetworkSpec> specs = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                NetworkParser.AttributeMetadataName,
                predicate: static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                transform: static (ctx, ct) => ctx.TargetSymbol is INamedTypeSymbol type && ctx.TargetNode is TypeDeclarationSyntax declaration && ctx.Attributes.Length == 1
                    ? NetworkParser.Parse(type, ctx.Attributes[0], declaration, ct).Spec
                    : null)
            .WithTrackingName(TrackingNames.Specs)
            .Where(static spec => spec is not null)!
            .WithTrackingName(TrackingNames.ValidSpecs)!;

        // Weights files are binary AdditionalFiles; only networks that name one read it (the analyzer reports a missing or
        // unsuitable file, and such a network is skipped here).
        IncrementalValueProvider<ImmutableArray<AdditionalText>> weightFiles = context.AdditionalTextsProvider
            .Where(static file => file.Path.EndsWith(".safetensors", System.StringComparison.OrdinalIgnoreCase))
            .Collect();
        IncrementalValuesProvider<NetworkModel> models = specs
            .Combine(weightFiles)
            .Select(static (pair, _) => Model(pair.Left, pair.Right))
            .WithTrackingName(TrackingNames.Models);

        context.RegisterSourceOutput(models, static (spc, model) => spc.AddSource(model.Spec.HintName, NetworkEmitter.Emit(model)));
    }

    /// <summary>
    /// The spec with its compiled-in weights. A declaration with errors, or whose weights file cannot be compiled in (the
    /// analyzer reports why), becomes an invalid model: its members are emitted throwing, so only the LIPG errors show.
    /// </summary>
    private static NetworkModel Model(NetworkSpec spec, ImmutableArray<AdditionalText> files)
    {
        if (spec.WeightsFile is null || !spec.IsValid)
            return new NetworkModel(spec, default, null);
        EmbeddedWeights.Result weights = EmbeddedWeights.Load(spec, files);
        return weights.Parameters is null
            ? new NetworkModel(spec with { IsValid = false }, default, null)
            : new NetworkModel(spec, new EquatableArray<float>(weights.Parameters), weights.Path);
    }
}
