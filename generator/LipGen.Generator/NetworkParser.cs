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

    /// <summary>The attribute's arguments as written, every unset one at the attribute's own default, and where each was written.</summary>
    private sealed class Declared
    {
        public Declared(AttributeSyntax? syntax, Location location, int[] widths)
        {
            Syntax = syntax;
            Location = location;
            Widths = widths;
            // The defaults are the attribute's own property initialisers: written once, in LipschitzNetworkAttribute.cs.
            var defaults = new LipschitzNetworkAttribute();
            GroupSize = defaults.GroupSize;
            P = defaults.P;
            Lipschitz = defaults.Lipschitz;
            Activation = defaults.Activation;
            Constraint = defaults.Constraint;
        }

        public AttributeSyntax? Syntax { get; }
        public Location Location { get; }
        public int[] Widths { get; }
        public int GroupSize { get; set; }
        public int[]? GroupSizes { get; set; }
        public double P { get; set; }
        public double Lipschitz { get; set; }
        public Activation Activation { get; set; }
        public string? Weights { get; set; }
        public int[]? Monotone { get; set; }
        public bool ScaleInputs { get; set; }
        public double[]? InputOffsets { get; set; }
        public double[]? InputScales { get; set; }
        public LayerConstraint Constraint { get; set; }

        /// <summary>True when the network has an input map (declared by any of its three arguments).</summary>
        public bool HasInputMap => ScaleInputs || InputOffsets is not null || InputScales is not null;

        public int HiddenLayers => Math.Max(0, Widths.Length - 2);

        /// <summary>Where the named argument was written, or the whole attribute.</summary>
        public Location At(string name) => NamedLocation(Syntax, name) ?? Location;

        /// <summary>The group size of every hidden layer: GroupSizes, else GroupSize repeated; all 0 for ReLU (no groups).</summary>
        public int[] PerLayerGroupSizes()
        {
            var perLayer = new int[HiddenLayers];
            if (Activation == Activation.ReLU)
                return perLayer;
            for (int i = 0; i < perLayer.Length; i++)
                perLayer[i] = GroupSizes is null ? GroupSize : i < GroupSizes.Length ? GroupSizes[i] : 0;
            return perLayer;
        }
    }

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

        Declared? declared = Read(attribute, attributeSyntax, attributeLocation);
        if (declared is null)
            return new Result(null, problems.ToImmutable());
        Validate(declared, type, declaration, fullName, problems);

        // Warnings (LIPG014, LIPG016) are reported but do not stop generation. Errors in the arguments leave a spec that
        // only names the type: the emitter writes throwing members for it, so uses of the network add no errors of their own.
        // Errors in the type's shape leave nothing, since a generated part would itself fail to compile there.
        if (problems.Any(d => d.Severity == DiagnosticSeverity.Error && ShapeErrors.Contains(d.Id)))
            return new Result(null, problems.ToImmutable());
        NetworkSpec spec = Build(type, fullName, declared);
        return new Result(problems.Any(d => d.Severity == DiagnosticSeverity.Error) ? spec with { IsValid = false } : spec, problems.ToImmutable());
    }

    /// <summary>
    /// Reads the arguments, by the names of the real attribute's properties. Null when the compiler could not bind the
    /// attribute (wrong argument types, syntax errors): it reports that itself, and there is nothing sound to generate from.
    /// </summary>
    private static Declared? Read(AttributeData attribute, AttributeSyntax? syntax, Location location)
    {
        if (attribute.AttributeConstructor is null || attribute.ConstructorArguments.Length != 1)
            return null;
        // A null width list ([LipschitzNetwork(null)]) binds, and is reported as zero widths.
        TypedConstant widthArgument = attribute.ConstructorArguments[0];
        int[]? widths = widthArgument.IsNull ? [] : ReadIntArray(widthArgument);
        if (widths is null)
            return null;
        var declared = new Declared(syntax, location, widths);
        foreach (KeyValuePair<string, TypedConstant> named in attribute.NamedArguments)
        {
            TypedConstant value = named.Value;
            switch (named.Key)
            {
                case nameof(LipschitzNetworkAttribute.GroupSize) when value.Value is int g:
                    declared.GroupSize = g;
                    break;
                case nameof(LipschitzNetworkAttribute.GroupSizes):
                    declared.GroupSizes = value.IsNull ? null : ReadIntArray(value);
                    break;
                case nameof(LipschitzNetworkAttribute.P) when value.Value is double p:
                    declared.P = p;
                    break;
                case nameof(LipschitzNetworkAttribute.Lipschitz) when value.Value is double l:
                    declared.Lipschitz = l;
                    break;
                case nameof(LipschitzNetworkAttribute.Activation) when value.Value is int a:
                    declared.Activation = (Activation)a;
                    break;
                case nameof(LipschitzNetworkAttribute.Weights) when value.Value is string w:
                    declared.Weights = w;
                    break;
                case nameof(LipschitzNetworkAttribute.Monotone):
                    declared.Monotone = value.IsNull ? null : ReadIntArray(value);
                    break;
                case nameof(LipschitzNetworkAttribute.ScaleInputs) when value.Value is bool scale:
                    declared.ScaleInputs = scale;
                    break;
                case nameof(LipschitzNetworkAttribute.InputOffsets):
                    declared.InputOffsets = value.IsNull ? null : ReadDoubleArray(value);
                    break;
                case nameof(LipschitzNetworkAttribute.Constraint) when value.Value is int constraint:
                    declared.Constraint = (LayerConstraint)constraint;
                    break;
                case nameof(LipschitzNetworkAttribute.InputScales):
                    declared.InputScales = value.IsNull ? null : ReadDoubleArray(value);
                    break;
            }
        }
        return declared;
    }

    /// <summary>Every problem of the declared values, each on the argument that causes it.</summary>
    private static void Validate(Declared d, INamedTypeSymbol type, TypeDeclarationSyntax declaration, string fullName, ImmutableArray<Diagnostic>.Builder problems)
    {
        int problemsBefore = problems.Count;
        int[] widths = d.Widths;
        if (widths.Length < 2)
            problems.Add(Diagnostic.Create(DiagnosticDescriptors.TooFewWidths, d.Location, fullName, widths.Length));
        else if (widths.Length > MaxWidths)
            problems.Add(Diagnostic.Create(DiagnosticDescriptors.TooManyLayers, d.Location, fullName, widths.Length, MaxWidths));
        for (int i = 0; i < widths.Length; i++)
        {
            if (widths[i] < 1 || widths[i] > MaxWidth)
                problems.Add(Diagnostic.Create(DiagnosticDescriptors.InvalidWidth, WidthLocation(d.Syntax, i) ?? d.Location, widths[i], i, MaxWidth));
        }

        const string GroupSizeName = nameof(LipschitzNetworkAttribute.GroupSize), GroupSizesName = nameof(LipschitzNetworkAttribute.GroupSizes);
        bool relu = d.Activation == Activation.ReLU;
        if (d.Activation is not (Activation.GroupSort or Activation.ReLU))
            problems.Add(Diagnostic.Create(DiagnosticDescriptors.InvalidActivation, d.At(nameof(LipschitzNetworkAttribute.Activation)), (int)d.Activation));
        if (relu)
        {
            // ReLU has no groups: group sizes are not checked, and setting one is a mistake worth a warning.
            foreach (string name in new[] { GroupSizeName, GroupSizesName })
                if (NamedLocation(d.Syntax, name) is { } pointless)
                    problems.Add(Diagnostic.Create(DiagnosticDescriptors.GroupSizeWithoutGroupSort, pointless, name));
        }
        else if (d.GroupSizes is not null && NamedLocation(d.Syntax, GroupSizeName) is { } ignored)
            problems.Add(Diagnostic.Create(DiagnosticDescriptors.GroupSizeIgnored, ignored, d.GroupSize));
        if (!relu && d.GroupSizes is not null && d.GroupSizes.Length != d.HiddenLayers)
            problems.Add(Diagnostic.Create(DiagnosticDescriptors.GroupSizeCountMismatch, d.At(GroupSizesName), d.GroupSizes.Length, d.HiddenLayers));
        else if (!relu && d.GroupSizes is null && d.GroupSize < 1)
            problems.Add(Diagnostic.Create(DiagnosticDescriptors.InvalidGroupSize, d.At(GroupSizeName), d.GroupSize));
        else if (!relu && widths.Length >= 2)
        {
            int[] perLayer = d.PerLayerGroupSizes();
            for (int i = 0; i < d.HiddenLayers; i++)
            {
                int g = perLayer[i], width = widths[i + 1];
                // The element of GroupSizes, or the GroupSize argument, that gave this layer its group size.
                Location location = (d.GroupSizes is null
                    ? NamedLocation(d.Syntax, GroupSizeName)
                    : ElementLocation(NamedArgument(d.Syntax, GroupSizesName), i)) ?? d.Location;
                if (d.GroupSizes is not null && g < 1)
                    problems.Add(Diagnostic.Create(DiagnosticDescriptors.InvalidGroupSize, location, g));
                else if (g >= 1 && width >= 1 && width % g != 0)
                    problems.Add(Diagnostic.Create(DiagnosticDescriptors.GroupSizeDoesNotDivide, location, g, i + 1, width));
            }
        }

        const string ConstraintName = nameof(LipschitzNetworkAttribute.Constraint);
        if (d.Constraint is not (LayerConstraint.RowNorms or LayerConstraint.Spectral))
            problems.Add(Diagnostic.Create(DiagnosticDescriptors.InvalidConstraint, d.At(ConstraintName), (int)d.Constraint));
        else if (d.Constraint == LayerConstraint.Spectral && d.P != 2)
            problems.Add(Diagnostic.Create(DiagnosticDescriptors.SpectralNeedsP2, d.At(ConstraintName), Format(d.P)));

        if (!(d.P >= 1)) // also catches NaN
            problems.Add(Diagnostic.Create(DiagnosticDescriptors.InvalidP, d.At(nameof(LipschitzNetworkAttribute.P)), Format(d.P)));
        if (NetworkPlan.BoundProblem(d.Lipschitz) is { } boundProblem)
            problems.Add(Diagnostic.Create(DiagnosticDescriptors.InvalidLipschitz, d.At(nameof(LipschitzNetworkAttribute.Lipschitz)), Format(d.Lipschitz), boundProblem));

        if (d.Monotone is { } monotone && widths.Length >= 1)
        {
            const string MonotoneName = nameof(LipschitzNetworkAttribute.Monotone);
            AttributeArgumentSyntax? argument = NamedArgument(d.Syntax, MonotoneName);
            if (monotone.Length != widths[0])
                problems.Add(Diagnostic.Create(DiagnosticDescriptors.MonotoneLengthMismatch, d.At(MonotoneName), monotone.Length, widths[0]));
            bool signsValid = true;
            for (int i = 0; i < monotone.Length; i++)
            {
                if (monotone[i] is -1 or 0 or 1)
                    continue;
                signsValid = false;
                problems.Add(Diagnostic.Create(DiagnosticDescriptors.InvalidMonotoneSign, ElementLocation(argument, i) ?? d.Location, monotone[i], i));
            }
            if (signsValid && monotone.Length == widths[0] && Array.TrueForAll(monotone, s => s == 0))
                problems.Add(Diagnostic.Create(DiagnosticDescriptors.MonotoneAllZero, d.At(MonotoneName)));
        }
        ValidateInputMap(d, nameof(LipschitzNetworkAttribute.InputOffsets), d.InputOffsets, widths, problems, value =>
            double.IsNaN(value) || double.IsInfinity(value) || Math.Abs(value) > float.MaxValue ? "an offset must be a finite float" : null);
        // The scale as the network will hold it, a float: the model's one rule for scales.
        ValidateInputMap(d, nameof(LipschitzNetworkAttribute.InputScales), d.InputScales, widths, problems, value =>
            InputMapStep.ScaleProblem((float)value));

        if (type.IsStatic && d.Weights is null)
            problems.Add(Diagnostic.Create(DiagnosticDescriptors.UnsupportedType, declaration.Identifier.GetLocation(), fullName,
                "a trainable network holds its parameters in an instance, so it cannot be static (one with compiled-in Weights can)"));
        // The parameter count comes from the plan, which only a declaration without errors can build.
        if (d.Weights is not null && !problems.Skip(problemsBefore).Any(p => p.Severity == DiagnosticSeverity.Error))
        {
            int count = Plan(d).ParameterCount;
            if (count > EmbeddedWeights.MaxParameters)
                problems.Add(Diagnostic.Create(DiagnosticDescriptors.WeightsTooLarge, d.At(nameof(LipschitzNetworkAttribute.Weights)), count, EmbeddedWeights.MaxParameters));
        }
    }

    /// <summary>The plan of a declaration that passed every check.</summary>
    private static NetworkPlan Plan(Declared d) =>
        NetworkPlan.Build(d.Widths, d.PerLayerGroupSizes(), d.P, d.Lipschitz, d.Activation, d.Monotone,
            d.HasInputMap ? d.InputOffsets ?? new double[d.Widths[0]] : null,
            d.HasInputMap ? d.InputScales ?? Enumerable.Repeat(1.0, d.Widths[0]).ToArray() : null, d.Constraint);

    /// <summary>LIPG024 for a wrong length, LIPG025 on each element <paramref name="problem"/> rejects.</summary>
    private static void ValidateInputMap(Declared d, string name, double[]? values, int[] widths, ImmutableArray<Diagnostic>.Builder problems,
        Func<double, string?> problem)
    {
        if (values is null || widths.Length < 1)
            return;
        if (values.Length != widths[0])
            problems.Add(Diagnostic.Create(DiagnosticDescriptors.InputMapLengthMismatch, d.At(name), name, values.Length, widths[0]));
        for (int i = 0; i < values.Length; i++)
            if (problem(values[i]) is { } reason)
                problems.Add(Diagnostic.Create(DiagnosticDescriptors.InvalidInputMapValue, ElementLocation(NamedArgument(d.Syntax, name), i) ?? d.Location,
                    name, i, Format(values[i]), reason));
    }

    /// <summary>The value-equatable spec of a valid declaration.</summary>
    private static NetworkSpec Build(INamedTypeSymbol type, string fullName, Declared d)
    {
        var containing = new List<ContainingType>();
        for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
            containing.Insert(0, new ContainingType(Keyword(outer), outer.Name));
        string? ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : null;
        return new NetworkSpec(ns, new EquatableArray<ContainingType>(containing.ToArray()), Keyword(type), type.Name, fullName,
            new EquatableArray<int>(d.Widths), new EquatableArray<int>(d.PerLayerGroupSizes()), d.P, d.Lipschitz, d.Activation, d.Weights)
        {
            Monotone = d.Monotone is null ? default : new EquatableArray<int>(d.Monotone),
            HasInputMap = d.HasInputMap,
            InputOffsets = d.InputOffsets is null ? default : new EquatableArray<double>(d.InputOffsets),
            InputScales = d.InputScales is null ? default : new EquatableArray<double>(d.InputScales),
            Constraint = d.Constraint,
        };
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
    public static readonly ImmutableArray<string> ReservedNames = ImmutableArray.Create(
        "InputCount", "OutputCount", "ParameterCount", "Description", "Parameters", "Forward", "ForwardBatch",
        "Backward", "InputGradient", "Project", "LipschitzBound", "Initialize", "CreateInitialParameters", "Kernel", "WeightsFile",
        "_parameters");

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

    private static int[]? ReadIntArray(TypedConstant constant) => ReadArray<int>(constant);

    private static double[]? ReadDoubleArray(TypedConstant constant) => ReadArray<double>(constant);

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

    private static string Format(double value) =>
        double.IsPositiveInfinity(value) ? "∞" : double.IsNegativeInfinity(value) ? "-∞" : value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}
