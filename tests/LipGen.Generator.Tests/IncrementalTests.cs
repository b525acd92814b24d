using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace LipGen.Generator.Tests;

/// <summary>The pipeline's caching: equal specs are not emitted again.</summary>
public class IncrementalTests
{
    private const string Network = """
        namespace Demo;
        [LipGen.LipschitzNetwork(2, 16, 1, P = 2)]
        public partial class Net;
        """;

    private const string Other = """
        namespace Demo;
        public static class Helper { public static int Twice(int x) => x * 2; }
        """;

    private static IncrementalStepRunReason[] Reasons(GeneratorDriver driver, string step) =>
        driver.GetRunResult().Results.Single().TrackedSteps[step]
            .SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();

    private static IncrementalStepRunReason[] OutputReasons(GeneratorDriver driver) =>
        driver.GetRunResult().Results.Single().TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();

    [Fact]
    public void A_rerun_on_the_same_compilation_is_cached()
    {
        Compilation compilation = GeneratorHarness.Compilation(Network, Other);
        GeneratorDriver driver = GeneratorHarness.Driver().RunGenerators(compilation);
        driver = driver.RunGenerators(compilation.Clone());
        Assert.All(Reasons(driver, LipschitzNetworkGenerator.TrackingNames.ValidSpecs), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
        Assert.All(OutputReasons(driver), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
    }

    [Fact]
    public void An_unrelated_edit_leaves_the_output_unchanged()
    {
        Compilation compilation = GeneratorHarness.Compilation(Network, Other);
        GeneratorDriver driver = GeneratorHarness.Driver().RunGenerators(compilation);
        SyntaxTree other = compilation.SyntaxTrees.Single(t => t.ToString().Contains("Helper"));
        Compilation edited = compilation.ReplaceSyntaxTree(other,
            CSharpSyntaxTree.ParseText(Other.Replace("x * 2", "x + x"), (CSharpParseOptions)other.Options, other.FilePath));
        driver = driver.RunGenerators(edited);
        Assert.All(Reasons(driver, LipschitzNetworkGenerator.TrackingNames.ValidSpecs),
            r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
        Assert.All(OutputReasons(driver), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
    }

    [Fact]
    public void Editing_a_method_body_in_the_network_class_leaves_the_output_unchanged()
    {
        const string withBody = """
            namespace Demo;
            [LipGen.LipschitzNetwork(2, 16, 1, P = 2)]
            public partial class Net { public int Twice(int x) => x * 2; }
            """;
        Compilation compilation = GeneratorHarness.Compilation(withBody);
        GeneratorDriver driver = GeneratorHarness.Driver().RunGenerators(compilation);
        SyntaxTree tree = compilation.SyntaxTrees.Single();
        driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(tree,
            CSharpSyntaxTree.ParseText(withBody.Replace("x * 2", "x + x"), (CSharpParseOptions)tree.Options, tree.FilePath)));
        // The class node changed, so its spec was rebuilt; it compares equal, so nothing is emitted again.
        Assert.Equal([IncrementalStepRunReason.Unchanged], Reasons(driver, LipschitzNetworkGenerator.TrackingNames.Specs));
        Assert.All(OutputReasons(driver), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
    }

    [Fact]
    public void The_spec_holds_only_plain_values()
    {
        // Symbols, syntax, locations or compilations in a pipeline value would defeat caching and keep compilations alive.
        Type[] forbidden = [typeof(ISymbol), typeof(SyntaxNode), typeof(SyntaxTree), typeof(Location), typeof(Compilation), typeof(SemanticModel)];
        var seen = new HashSet<Type>();
        void Walk(Type type)
        {
            if (!seen.Add(type) || type.IsPrimitive || type == typeof(string) || type.IsEnum)
                return;
            Assert.DoesNotContain(forbidden, f => f.IsAssignableFrom(type));
            if (type.IsGenericType)
                foreach (Type argument in type.GetGenericArguments())
                    Walk(argument);
            foreach (var field in type.GetFields(System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic))
                Walk(field.FieldType.IsArray ? field.FieldType.GetElementType()! : field.FieldType);
        }
        Walk(typeof(NetworkSpec));
        Assert.Contains(typeof(ContainingType), seen);

        // And what the pipeline actually carried was such a spec.
        GeneratorDriver driver = GeneratorHarness.Driver().RunGenerators(GeneratorHarness.Compilation(Network));
        var values = driver.GetRunResult().Results.Single().TrackedSteps[LipschitzNetworkGenerator.TrackingNames.ValidSpecs]
            .SelectMany(s => s.Outputs).Select(o => o.Value).ToList();
        Assert.All(values, v => Assert.IsType<NetworkSpec>(v));
        Assert.Single(values);
    }

    [Fact]
    public void Changing_a_width_regenerates()
    {
        Compilation compilation = GeneratorHarness.Compilation(Network);
        GeneratorDriver driver = GeneratorHarness.Driver().RunGenerators(compilation);
        SyntaxTree tree = compilation.SyntaxTrees.Single();
        Compilation edited = compilation.ReplaceSyntaxTree(tree,
            CSharpSyntaxTree.ParseText(Network.Replace("2, 16, 1", "2, 24, 1"), (CSharpParseOptions)tree.Options, tree.FilePath));
        driver = driver.RunGenerators(edited);
        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(driver, LipschitzNetworkGenerator.TrackingNames.ValidSpecs));
        Assert.Contains("24", driver.GetRunResult().GeneratedTrees.Single().ToString());
    }
}
