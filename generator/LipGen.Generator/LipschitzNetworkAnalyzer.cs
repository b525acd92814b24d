using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace LipGen.Generator;

/// <summary>Reports the problems <see cref="NetworkParser"/> finds in <c>[LipschitzNetwork]</c> declarations.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class LipschitzNetworkAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => DiagnosticDescriptors.All;

    /// <summary>LIPG017/LIPG018/LIPG020 on the Weights argument when its file is missing, does not fit the declaration, or exceeds λ.</summary>
    private static void ReportWeightsFile(SymbolAnalysisContext context, NetworkSpec spec, AttributeData attribute)
    {
        ImmutableArray<AdditionalText> files = context.Options.AdditionalFiles
            .Where(f => f.Path.EndsWith(".safetensors", System.StringComparison.OrdinalIgnoreCase)).ToImmutableArray();
        EmbeddedWeights.Result result = EmbeddedWeights.Load(spec, files);
        var syntax = attribute.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken) as AttributeSyntax;
        if (result.Problem is null)
        {
            // LIPG028 on the declared map argument the compiled-in file contradicts.
            foreach (EmbeddedWeights.MapDifference difference in EmbeddedWeights.MapDifferences(spec, result.Parameters!))
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.CompiledInputMapDiffers,
                    NetworkParser.ElementLocation(NetworkParser.NamedArgument(syntax, difference.Argument), difference.Input) ?? syntax?.GetLocation() ?? Location.None,
                    difference.Argument, difference.Input, difference.Declared, difference.File));
            return;
        }
        Location location = NetworkParser.NamedLocation(syntax, "Weights") ?? syntax?.GetLocation() ?? Location.None;
        context.ReportDiagnostic(Diagnostic.Create(result.Problem, location, result.Arguments));
    }

    /// <summary>LIPG002 on <paramref name="type"/> for every network nested in it, at any depth, when it is not partial.</summary>
    private static void ReportNonPartialContainer(SymbolAnalysisContext context, INamedTypeSymbol type, INamedTypeSymbol attributeType)
    {
        if (type.GetTypeMembers().IsEmpty)
            return;
        foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(context.CancellationToken) is not TypeDeclarationSyntax declaration
                || declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                continue;
            foreach (INamedTypeSymbol network in NestedNetworks(type, attributeType))
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ContainingTypeNotPartial, declaration.Identifier.GetLocation(),
                    type.Name, network.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat)));
            return;
        }
    }

    private static IEnumerable<INamedTypeSymbol> NestedNetworks(INamedTypeSymbol type, INamedTypeSymbol attributeType)
    {
        foreach (INamedTypeSymbol nested in type.GetTypeMembers())
        {
            if (nested.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, attributeType)))
                yield return nested;
            foreach (INamedTypeSymbol deeper in NestedNetworks(nested, attributeType))
                yield return deeper;
        }
    }

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            INamedTypeSymbol? attributeType = start.Compilation.GetTypeByMetadataName(NetworkParser.AttributeMetadataName);
            if (attributeType is null)
                return;
            start.RegisterSymbolAction(symbolContext =>
            {
                var type = (INamedTypeSymbol)symbolContext.Symbol;
                CancellationToken ct = symbolContext.CancellationToken;
                foreach (AttributeData attribute in type.GetAttributes())
                {
                    if (!SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, attributeType))
                        continue;
                    if (attribute.ApplicationSyntaxReference?.GetSyntax(ct).Parent?.Parent is not TypeDeclarationSyntax declaration)
                        continue;
                    // LIPG002 sits on the containing type, so that type's own action reports it (diagnostics stay local).
                    NetworkParser.Result parsed = NetworkParser.Parse(type, attribute, declaration, ct);
                    foreach (Diagnostic problem in parsed.Problems)
                        if (problem.Id != DiagnosticDescriptors.ContainingTypeNotPartial.Id)
                            symbolContext.ReportDiagnostic(problem);
                    if (parsed.Spec is { IsValid: true, WeightsFile: not null })
                        ReportWeightsFile(symbolContext, parsed.Spec, attribute);
                }
                ReportNonPartialContainer(symbolContext, type, attributeType);
            }, SymbolKind.NamedType);
        });
    }
}
