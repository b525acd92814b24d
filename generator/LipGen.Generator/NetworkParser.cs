using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using LipGen.Model;

namespace LipGen.Generator;

/// <summary>
/// Turns a class carrying <c>[LipschitzNetwork]</c> into a <see cref="NetworkSpec"/>, or into the list of problems that
/// make it invalid. The generator keeps only the spec; the analyzer reports the problems. Never throws on user input.
/// </summary>
internal static class NetworkParser
{
    /// <summary>The attribute's metadata name, from the attribute type itself (linked from the runtime).</summary>
    public static readonly string AttributeMetadataName = typeof(LipschitzNetworkAttribute).FullName!;

    /// <summary>The widest layer (the model's limit: inference keeps two layers of activations on the stack).</summary>
    public const int MaxWidth = NetworkPlan.MaxWidth;

    /// <summary>The most widths (so at most MaxWidths − 1 dense layers) one declaration may list.</summary>
    public const int MaxWidths = NetworkPlan.MaxWidths;

    public readonly record struct Result(NetworkSpec? Spec, ImmutableArray<Diagnostic> Problems);

    /// <summary>Errors in the type itself (not partial, generic or static without weights, attribute twice, member clash).</summary>
    private static readonly ImmutableHashSet<string> ShapeErrors = ImmutableHashSet.Create(
        DiagnosticDescriptors.NotPartial.Id, DiagnosticDescriptors.ContainingTypeNotPartial.Id, DiagnosticDescriptors.UnsupportedType.Id,
        DiagnosticDescriptors.DuplicateAttribute.Id, DiagnosticDescriptors.MemberNameClash.Id);

    public static Result Parse(INamedTypeSymbol type, AttributeData attribute, TypeDeclarationSyntax declaration, CancellationToken cancellationToken)
    {
        var problems = ImmutableArray.CreateBuilder<Diagnostic>();
        // A declaration the parser had to repair (a missing name, say) is the user's syntax error: the compiler reports it,
        // and generating from the repaired tree would only add errors inside generated code.
        for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
            if (string.IsNullOrEmpty(t.Name))
                return new Result(null, problems.ToImmutable());
        if (declaration.Identifier.IsMissing)
            return new Result(null, problems.ToImmutable());
        // So is a namespace whose name the parser had to invent ("namespace ,Fuzz;").
        for (INamespaceSymbol? ns = type.ContainingNamespace; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
            if (string.IsNullOrEmpty(ns.Name))
                return new Result(null, problems.ToImmutable());
        // A top-level type declared private or protected is the user's error too (CS1527): generated code naming it would
        // only add CS0122.
        if (type.ContainingType is null && type.DeclaredAccessibility is Accessibility.Private or Accessibility.Protected
                or Accessibility.ProtectedOrInternal or Accessibility.ProtectedAndInternal)
            return new Result(null, problems.ToImmutable());
        var attributeSyntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
        Location attributeLocation = attributeSyntax?.GetLocation() ?? declaration.Identifier.GetLocation();
        string fullName = type.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat);

        CheckShape(type, declaration, fullName, problems, cancellationToken);
        CheckSingleAttribute(type, attributeLocation, fullName, problems);
        CheckReservedNames(type, declaration, fullName, problems);

        NetworkDeclaration? declared = Read(attribute);
        if (declared is null)
            return new Result(null, problems.ToImmutable());
        Validate(declared, attributeSyntax, attributeLocation, type, declaration, fullName, problems);

        // Warnings (LIPG014, LIPG016) are reported but do not stop generation. Errors in the arguments leave a spec that
        // only names the type: the emitter writes throwing members for it, so uses of the network add no errors of their own.
        // Errors in the type's shape leave nothing, since a generated part would itself fail to compile there.
        if (problems.Any(d => d.Severity == DiagnosticSeverity.Error && ShapeErrors.Contains(d.Id)))
            return new Result(null, problems.ToImmutable());
        NetworkSpec spec = Build(type, fullName, declared);
        return new Result(problems.Any(d => d.Severity == DiagnosticSeverity.Error) ? spec with { IsValid = false } : spec, problems.ToImmutable());
    }

    /// <summary>
    /// Reads the attribute into a <see cref="NetworkDeclaration"/>, each named argument by the real attribute's property name.
    /// Null when the compiler could not bind the attribute (wrong argument types, syntax errors): it reports that itself, and
    /// there is nothing sound to generate from.
    /// </summary>
    private static NetworkDeclaration? Read(AttributeData attribute)
    {
        if (attribute.AttributeConstructor is null || attribute.ConstructorArguments.Length != 1)
            return null;
        // A null width list ([LipschitzNetwork(null)]) binds, and is reported as zero widths.
        TypedConstant widthArgument = attribute.ConstructorArguments[0];
        int[]? widths = widthArgument.IsNull ? [] : ReadArray<int>(widthArgument);
        if (widths is null)
            return null;
        var declared = new NetworkDeclaration(widths);
        foreach (KeyValuePair<string, TypedConstant> named in attribute.NamedArguments)
            declared = declared.With(named.Key, Value(named.Value));
        return declared;
    }

    /// <summary>A named argument's value as the declaration takes it: the constant, or an int[] or double[] for an array.</summary>
    private static object? Value(TypedConstant constant) =>
        constant.Kind != TypedConstantKind.Array ? constant.Value
        : constant.IsNull ? null
        : (object?)ReadArray<int>(constant) ?? ReadArray<double>(constant);

    /// <summary>
    /// Every problem of the declared values (the model's rules, each on the argument its property names, and the element for
    /// arrays), and the generator's own: a static trainable network, too many weights to compile in.
    /// </summary>
    private static void Validate(NetworkDeclaration d, AttributeSyntax? syntax, Location attribute, INamedTypeSymbol type, TypeDeclarationSyntax declaration,
        string fullName, ImmutableArray<Diagnostic>.Builder problems)
    {
        IReadOnlyList<DeclarationProblem> found = d.Validate();
        foreach (DeclarationProblem problem in found)
            problems.Add(Diagnostic.Create(DiagnosticDescriptors.For(problem.Rule), Locate(syntax, attribute, problem), problem.Arguments.ToArray()));
        if (type.IsStatic && d.Weights is null)
            problems.Add(Diagnostic.Create(DiagnosticDescriptors.UnsupportedType, declaration.Identifier.GetLocation(), fullName,
                "a trainable network holds its parameters in an instance, so it cannot be static (one with compiled-in Weights can)"));
        // The parameter count comes from the plan, which only a declaration without errors can build.
        if (d.Weights is not null && !found.Any(p => !p.Rule.IsWarning))
        {
            int count = NetworkPlan.Build(d).ParameterCount;
            if (count > EmbeddedWeights.MaxParameters)
                problems.Add(Diagnostic.Create(DiagnosticDescriptors.WeightsTooLarge, NamedLocation(syntax, nameof(LipschitzNetworkAttribute.Weights)) ?? attribute,
                    count, EmbeddedWeights.MaxParameters));
        }
    }

    /// <summary>Where a problem belongs: the element of an array argument, the named argument, a width, or the attribute.</summary>
    private static Location Locate(AttributeSyntax? syntax, Location attribute, DeclarationProblem problem) => problem.Property switch
    {
        "" => attribute,
        nameof(NetworkDeclaration.Widths) => WidthLocation(syntax, problem.Index) ?? attribute,
        _ when problem.Index >= 0 => ElementLocation(NamedArgument(syntax, problem.Property), problem.Index) ?? attribute,
        _ => NamedLocation(syntax, problem.Property) ?? attribute,
    };

    /// <summary>The value-equatable spec of a valid declaration.</summary>
    private static NetworkSpec Build(INamedTypeSymbol type, string fullName, NetworkDeclaration d)
    {
        var containing = new List<ContainingType>();
        for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
            containing.Insert(0, new ContainingType(Keyword(outer), outer.Name));
        string? ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : null;
        return new NetworkSpec(ns, new EquatableArray<ContainingType>(containing.ToArray()), Keyword(type), type.Name, fullName, d);
    }

    private static void CheckShape(INamedTypeSymbol type, TypeDeclarationSyntax declaration, string fullName,
        ImmutableArray<Diagnostic>.Builder problems, CancellationToken cancellationToken)
    {
        Location nameLocation = declaration.Identifier.GetLocation();
        if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
            problems.Add(Diagnostic.Create(DiagnosticDescriptors.NotPartial, nameLocation, fullName));
        if (type.TypeParameters.Length > 0)
            problems.Add(Diagnostic.Create(DiagnosticDescriptors.UnsupportedType, nameLocation, fullName, "generic types are not supported"));
        else if (declaration.Modifiers.Any(SyntaxKind.FileKeyword))
            problems.Add(Diagnostic.Create(DiagnosticDescriptors.UnsupportedType, nameLocation, fullName, "file-local types cannot be extended from a generated file"));

        for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            if (outer.TypeParameters.Length > 0)
            {
                problems.Add(Diagnostic.Create(DiagnosticDescriptors.UnsupportedType, nameLocation, fullName,
                    $"its containing type '{outer.Name}' is generic"));
                continue;
            }
            foreach (SyntaxReference reference in outer.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax(cancellationToken) is TypeDeclarationSyntax outerDeclaration
                    && !outerDeclaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                {
                    problems.Add(Diagnostic.Create(DiagnosticDescriptors.ContainingTypeNotPartial, outerDeclaration.Identifier.GetLocation(),
                        outer.Name, fullName));
                    break;
                }
            }
        }
    }

    /// <summary>
    /// A type declares one network. The attribute forbids repeats, but two partial declarations can each carry one;
    /// the compiler then reports CS0579, and we name the network so it is clear which declaration is affected.
    /// </summary>
    private static void CheckSingleAttribute(INamedTypeSymbol type, Location attributeLocation, string fullName, ImmutableArray<Diagnostic>.Builder problems)
    {
        if (type.GetAttributes().Count(a => a.AttributeClass?.ToDisplayString() == AttributeMetadataName) > 1)
            problems.Add(Diagnostic.Create(DiagnosticDescriptors.DuplicateAttribute, attributeLocation, fullName));
    }

    /// <summary>Names the generated partial class defines; a user member (or an inherited one) with one of them would clash.</summary>
    public static IReadOnlyList<string> ReservedNames => Emit.GeneratedMembers.ReservedNames;

    private static void CheckReservedNames(INamedTypeSymbol type, TypeDeclarationSyntax declaration, string fullName, ImmutableArray<Diagnostic>.Builder problems)
    {
        foreach (string name in ReservedNames)
        {
            for (INamedTypeSymbol? current = type; current is not null && current.SpecialType != SpecialType.System_Object; current = current.BaseType)
            {
                bool inherited = !SymbolEqualityComparer.Default.Equals(current, type);
                ISymbol? clash = current.GetMembers(name).FirstOrDefault(m =>
                    !m.IsImplicitlyDeclared && (!inherited || m.DeclaredAccessibility != Accessibility.Private)
                    && m.DeclaringSyntaxReferences.Any(r => !IsGeneratedByUs(r.SyntaxTree)));
                if (clash is null)
                    continue;
                Location location = inherited ? declaration.Identifier.GetLocation()
                    : clash.Locations.FirstOrDefault(l => l.IsInSource && !IsGeneratedByUs(l.SourceTree!)) ?? declaration.Identifier.GetLocation();
                problems.Add(Diagnostic.Create(DiagnosticDescriptors.MemberNameClash, location, fullName, name));
                break;
            }
        }
    }

    /// <summary>
    /// The analyzer sees the generator's output in the compilation; a generated member is not the user's. Generated trees
    /// are named "{assembly}/{generator type}/{hint name}".
    /// </summary>
    private static bool IsGeneratedByUs(SyntaxTree tree) =>
        tree.FilePath.Replace('\\', '/').Contains("/" + typeof(LipschitzNetworkGenerator).FullName + "/");

    private static string Keyword(INamedTypeSymbol type) => type switch
    {
        { TypeKind: TypeKind.Interface } => "interface",
        { IsRecord: true, TypeKind: TypeKind.Struct } => "record struct",
        { IsRecord: true } => "record",
        { TypeKind: TypeKind.Struct } => "struct",
        _ => "class",
    };

    /// <summary>An array argument's elements, or null if it is null or any element is not a <typeparamref name="T"/>.</summary>
    private static T[]? ReadArray<T>(TypedConstant constant)
    {
        if (constant.Kind != TypedConstantKind.Array || constant.IsNull)
            return null;
        var values = new T[constant.Values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            if (constant.Values[i].Value is not T value)
                return null;
            values[i] = value;
        }
        return values;
    }

    /// <summary>The i-th width's argument, whether widths were passed as a params list or as one array.</summary>
    private static Location? WidthLocation(AttributeSyntax? attribute, int index)
    {
        if (attribute?.ArgumentList is null)
            return null;
        var positional = attribute.ArgumentList.Arguments.Where(a => a.NameEquals is null && a.NameColon is null).ToList();
        if (positional.Count == 1 && positional[0].Expression is ArrayCreationExpressionSyntax or ImplicitArrayCreationExpressionSyntax or CollectionExpressionSyntax)
            return ElementLocation(positional[0], index);
        return index < positional.Count ? positional[index].GetLocation() : null;
    }

    /// <summary>Element <paramref name="index"/> of an array-valued argument, or the whole argument.</summary>
    public static Location? ElementLocation(AttributeArgumentSyntax? argument, int index)
    {
        if (argument is null)
            return null;
        SyntaxNode? element = argument.Expression switch
        {
            ArrayCreationExpressionSyntax { Initializer: { } init } when index < init.Expressions.Count => init.Expressions[index],
            ImplicitArrayCreationExpressionSyntax a when index < a.Initializer.Expressions.Count => a.Initializer.Expressions[index],
            CollectionExpressionSyntax c when index < c.Elements.Count => c.Elements[index],
            _ => null,
        };
        return (element ?? argument).GetLocation();
    }

    public static AttributeArgumentSyntax? NamedArgument(AttributeSyntax? attribute, string name) =>
        attribute?.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == name);

    /// <summary>The <c>Name = value</c> argument's location.</summary>
    public static Location? NamedLocation(AttributeSyntax? attribute, string name) => NamedArgument(attribute, name)?.GetLocation();
}
