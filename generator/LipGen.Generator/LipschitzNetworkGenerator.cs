using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LipGen.Generator;

/// <summary>
/// Expands every <c>[LipschitzNetwork]</c> class into its forward, backward, input-gradient, projection and certificate
/// code. Invalid declarations produce nothing here: <see cref="LipschitzNetworkAnalyzer"/> reports them.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class LipschitzNetworkGenerator : IIncrementalGenerator
{
    /// <summary>Tracking names of the pipeline steps, for incremental-caching tests.</summary>
    public static class TrackingNames
    {
        public const string Specs = nameof(Specs);
        public const string ValidSpecs = nameof(ValidSpecs);
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

        context.RegisterSourceOutput(specs, static (spc, spec) => spc.AddSource(spec.HintName, NetworkEmitter.Emit(spec)));
    }
}
