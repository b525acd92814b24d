using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace LipGen.Generator;

/// <summary>Reports the problems <see cref="NetworkParser"/> finds in <c>[LipschitzNetwork]</c> declarations.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class LipschitzNetworkAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.NotPartial, DiagnosticDescriptors.ContainingTypeNotPartial, DiagnosticDescriptors.UnsupportedType,
        DiagnosticDescriptors.TooFewWidths, DiagnosticDescriptors.InvalidWidth, DiagnosticDescriptors.TooManyLayers,
        DiagnosticDescriptors.InvalidGroupSize, DiagnosticDescriptors.GroupSizeDoesNotDivide, DiagnosticDescriptors.GroupSizeCountMismatch,
        DiagnosticDescriptors.InvalidP, DiagnosticDescriptors.InvalidLipschitz, DiagnosticDescriptors.DuplicateAttribute,
        DiagnosticDescriptors.MemberNameClash, DiagnosticDescriptors.GroupSizeIgnored);

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
                foreach (AttributeData attribute in type.GetAttributes())
                {
                    if (!SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, attributeType))
                        continue;
                    if (attribute.ApplicationSyntaxReference?.GetSyntax(symbolContext.CancellationToken).Parent?.Parent is not TypeDeclarationSyntax declaration)
                        continue;
                    foreach (Diagnostic problem in NetworkParser.Parse(type, attribute, declaration, symbolContext.CancellationToken).Problems)
                        symbolContext.ReportDiagnostic(problem);
                }
            }, SymbolKind.NamedType);
        });
    }
}
