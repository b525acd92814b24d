using System.Collections.Immutable;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace LipGen.Generator.Tests;

/// <summary>
/// Random and mutated declarations: wrong argument types and counts, extreme numbers, every class shape we reject, and
/// syntax damaged around the class. The generator and the analyzer must never throw, and no error may ever point into
/// generated code: every error is ours or the user's own.
/// </summary>
public class FuzzTests
{
    private static readonly string[] Widths = ["-1", "0", "1", "2", "3", "4", "6", "7", "16", "32", "4096", "4097", "int.MaxValue", "2.5", "\"x\"", "null"];
    private static readonly string[] GroupSizes = ["-1", "0", "1", "2", "3", "4", "16", "int.MinValue", "\"g\"", "2.0"];
    private static readonly string[] Ps = ["1", "2", "3", "1.5", "0.5", "0", "-1", "double.NaN", "double.PositiveInfinity", "double.NegativeInfinity", "LipGen.Norm.Infinity", "LipGen.Norm.L2", "\"p\"", "1e308"];
    private static readonly string[] Lambdas = ["1", "0.5", "2", "0", "-1", "double.NaN", "double.PositiveInfinity", "1e300", "1e-300", "double.Epsilon", "true"];
    private static readonly string[] Bodies = [";", " { }", " { public void Project() { } }", " { int _parameters; }", " { public int Twice(int x) => 2 * x; }", " { public Net() { } }"];
    private static readonly string[] Modifiers = ["", "public ", "internal ", "public sealed ", "abstract ", "static ", "file ", "private "];
    private const string Damage = "{}[](),;=<>\"/*@#";

    private static string Pick(Random random, string[] values) => values[random.Next(values.Length)];

    private static readonly string[] ValidWidths = ["1", "2", "4", "8", "16", "32"];
    private static readonly string[] ValidPs = ["1", "2", "3", "1.25", "LipGen.Norm.Infinity", "LipGen.Norm.L1"];
    private static readonly string[] ValidModifiers = ["", "public ", "internal ", "public sealed ", "abstract "];

    /// <summary>A declaration the generator accepts: widths 2…32 with group sizes 1 or 2, valid p and λ, a supported shape.</summary>
    private static string ValidDeclaration(Random random)
    {
        var widths = new List<string> { Pick(random, ValidWidths) };
        int hidden = random.Next(0, 4);
        for (int i = 0; i < hidden; i++)
            widths.Add(Pick(random, ValidWidths[1..]));
        widths.Add(Pick(random, ValidWidths));
        string group = random.Next(2) == 0 ? "1" : "2";
        // ℓ2 layers (spectral, AOL) and residual blocks, when p = 2.
        string p = Pick(random, ValidPs);
        string euclidean = p == "LipGen.Norm.L2" || random.Next(3) == 0
            ? $", P = 2, Constraint = {Pick(random, ["LipGen.LayerConstraint.Spectral", "LipGen.LayerConstraint.Aol"])}{(hidden > 0 && random.Next(2) == 0 ? $", ResidualBlocks = {random.Next(1, 3)}" : "")}"
            : $", P = {p}";
        string attribute = $"[LipGen.LipschitzNetwork({string.Join(", ", widths)}, GroupSize = {group}{euclidean}, Lipschitz = {Pick(random, ["1", "0.5", "3"])})]";
        string type = $"{attribute}\n{Pick(random, ValidModifiers)}partial {(random.Next(4) == 0 ? "record" : "class")} Net{Pick(random, [";", " { }", " { public int Twice(int x) => 2 * x; }"])}";
        if (random.Next(2) == 0)
            type = $"public static partial class Outer {{ {type} }}";
        return random.Next(2) == 0 ? $"namespace Fuzz;\n{type}" : type;
    }

    private static string Declaration(Random random)
    {
        if (random.Next(4) == 0)
            return random.Next(4) == 0 ? Mutate(random, ValidDeclaration(random)) : ValidDeclaration(random);
        var arguments = new List<string>();
        var widths = Enumerable.Range(0, random.Next(0, 6)).Select(_ => Pick(random, Widths)).ToList();
        if (random.Next(5) == 0)
            arguments.Add(random.Next(2) == 0 ? $"new[] {{ {string.Join(", ", widths)} }}" : $"new int[] {{ {string.Join(", ", widths)} }}");
        else
            arguments.AddRange(widths);
        if (random.Next(3) == 0) arguments.Add($"GroupSize = {Pick(random, GroupSizes)}");
        if (random.Next(4) == 0)
        {
            string sizes = string.Join(", ", Enumerable.Range(0, random.Next(0, 4)).Select(_ => Pick(random, GroupSizes)));
            arguments.Add(random.Next(3) switch { 0 => $"GroupSizes = new[] {{ {sizes} }}", 1 => $"GroupSizes = [{sizes}]", _ => "GroupSizes = null" });
        }
        if (random.Next(2) == 0) arguments.Add($"P = {Pick(random, Ps)}");
        if (random.Next(2) == 0) arguments.Add($"Lipschitz = {Pick(random, Lambdas)}");
        if (random.Next(4) == 0) arguments.Add($"Constraint = {Pick(random, ["LipGen.LayerConstraint.RowNorms", "LipGen.LayerConstraint.Spectral", "LipGen.LayerConstraint.Aol", "(LipGen.LayerConstraint)9"])}");
        if (random.Next(5) == 0) arguments.Add($"ResidualBlocks = {Pick(random, ["-1", "0", "1", "2", "17", "int.MaxValue"])}");
        if (random.Next(8) == 0) arguments.Add($"Monotone = new[] {{ {string.Join(", ", Enumerable.Range(0, random.Next(0, 4)).Select(_ => Pick(random, ["-1", "0", "1", "2"])))} }}");
        if (random.Next(8) == 0) arguments.Add($"InputScales = new double[] {{ {string.Join(", ", Enumerable.Range(0, random.Next(0, 4)).Select(_ => Pick(random, ["1", "0", "-1", "1e-44", "1e39", "double.NaN"])))} }}");
        if (random.Next(15) == 0) arguments.Add("Unknown = 1");
        if (random.Next(10) == 0) arguments.Reverse(); // named before positional: a compiler error
        string attribute = $"[LipGen.LipschitzNetwork({string.Join(", ", arguments)})]";
        if (random.Next(20) == 0)
            attribute += attribute;

        string keyword = random.Next(6) == 0 ? "record" : "class";
        string partial = random.Next(5) == 0 ? "" : "partial ";
        string generic = random.Next(10) == 0 ? "<T>" : "";
        string type = $"{attribute}\n{Pick(random, Modifiers)}{partial}{keyword} Net{generic}{Pick(random, Bodies)}";

        type = random.Next(6) switch
        {
            0 => $"partial class Outer {{ {type} }}",
            1 => $"class Outer {{ {type} }}",
            2 => $"partial struct Outer<TOuter> {{ {type} }}",
            3 => $"public static partial class Outer {{ internal partial class Middle {{ {type} }} }}",
            _ => type,
        };
        string source = random.Next(3) switch
        {
            0 => $"namespace Fuzz;\n{type}",
            1 => $"namespace Fuzz.Block {{ {type} }}",
            _ => type,
        };
        if (random.Next(3) == 0)
            source = Mutate(random, source);
        return source;
    }

    private static string Mutate(Random random, string source)
    {
        var text = new StringBuilder(source);
        int edits = random.Next(1, 4);
        for (int e = 0; e < edits && text.Length > 0; e++)
        {
            int at = random.Next(text.Length);
            switch (random.Next(3))
            {
                case 0: text.Remove(at, 1); break;
                case 1: text.Insert(at, Damage[random.Next(Damage.Length)]); break;
                default:
                    int length = random.Next(1, Math.Min(12, text.Length - at) + 1);
                    text.Insert(at, text.ToString(at, length));
                    break;
            }
        }
        return text.ToString();
    }

    private static bool InGeneratedCode(Location location) =>
        location.SourceTree?.FilePath.Contains(typeof(LipschitzNetworkGenerator).FullName!, StringComparison.Ordinal) == true;

    [Fact]
    public void A_thousand_random_and_mutated_declarations_never_break_the_build()
    {
        const int cases = 1000;
        int generated = 0, rejected = 0;
        // Each case has its own seed, so the run is the same whatever the scheduling; both cores share the work.
        Parallel.For(0, cases, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i =>
        {
            if (Check(Declaration(new Random(20261124 + i))))
                Interlocked.Increment(ref generated);
            else
                Interlocked.Increment(ref rejected);
        });
        // The mix must exercise both sides.
        Assert.True(generated >= 150, $"only {generated} declarations were valid");
        Assert.True(rejected >= 500, $"only {rejected} declarations were rejected");
    }

    /// <summary>Runs one declaration through the generator and the analyzer; returns whether code was generated.</summary>
    private static bool Check(string source)
    {
        Compilation input = GeneratorHarness.Compilation(source);
        GeneratorDriver driver = GeneratorHarness.Driver().RunGeneratorsAndUpdateCompilation(input, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        GeneratorRunResult run = driver.GetRunResult().Results.Single();
        Assert.True(run.Exception is null, $"generator threw on:\n{source}\n{run.Exception}");
        Assert.DoesNotContain(generatorDiagnostics, d => d.Id == "CS8785");

        var exceptions = new List<Exception>();
        var options = new CompilationWithAnalyzersOptions(new AnalyzerOptions([]), (e, _, _) => exceptions.Add(e), concurrentAnalysis: false, logAnalyzerExecutionTime: false);
        ImmutableArray<Diagnostic> all = output.WithAnalyzers([new LipschitzNetworkAnalyzer()], options).GetAllDiagnosticsAsync().GetAwaiter().GetResult();
        Assert.True(exceptions.Count == 0, $"analyzer threw on:\n{source}\n{string.Join("\n", exceptions)}");
        Assert.DoesNotContain(all, d => d.Id == "AD0001");

        // No diagnostic of any severity inside generated code.
        Diagnostic? inGenerated = all.FirstOrDefault(d => InGeneratedCode(d.Location));
        Assert.True(inGenerated is null, $"diagnostic in generated code for:\n{source}\n{inGenerated}");

        // Every compiler error is one the user's code has on its own, without anything generated.
        var own = input.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => (d.Id, d.Location.SourceSpan)).ToHashSet();
        foreach (Diagnostic error in all.Where(d => d.Severity == DiagnosticSeverity.Error && !d.Id.StartsWith("LIPG", StringComparison.Ordinal)))
            Assert.True(own.Contains((error.Id, error.Location.SourceSpan)), $"error {error} appears only with the generated code, for:\n{source}");

        bool ours = all.Any(d => d.Id.StartsWith("LIPG", StringComparison.Ordinal) && d.Severity == DiagnosticSeverity.Error);
        if (run.GeneratedSources.Length > 0)
        {
            // A rejected declaration gets only the throwing members; a clean one gets the network.
            bool fallback = run.GeneratedSources.Any(s => s.SourceText.ToString().Contains("was not generated: its [LipschitzNetwork] declaration has errors", StringComparison.Ordinal));
            Assert.True(ours == fallback, $"{(ours ? "a network generated for a declaration we reject" : "throwing members for a declaration we accept")}:\n{source}");
            return !ours;
        }
        // Nothing generated: we said why, or the user's code has errors of its own, or no class carries the attribute.
        Assert.True(ours || own.Count > 0 || NoNetworkDeclared(input), $"nothing generated and nothing said for:\n{source}");
        return false;
    }

    /// <summary>True when no class in the compilation carries the attribute (the damage removed it or its target).</summary>
    private static bool NoNetworkDeclared(Compilation compilation)
    {
        INamedTypeSymbol? attribute = compilation.GetTypeByMetadataName("LipGen.LipschitzNetworkAttribute");
        return !compilation.SyntaxTrees.SelectMany(t => t.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.TypeDeclarationSyntax>())
            .Select(d => compilation.GetSemanticModel(d.SyntaxTree).GetDeclaredSymbol(d))
            .Any(s => s?.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, attribute)) == true);
    }
}
