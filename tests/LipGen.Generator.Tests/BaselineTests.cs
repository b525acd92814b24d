using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace LipGen.Generator.Tests;

/// <summary>
/// The generated source of representative declarations, compared with golden files in Baselines/. Set
/// LIPGEN_UPDATE_BASELINES=1 to rewrite them after an intended change, and review the diff.
/// </summary>
public class BaselineTests
{
    public static TheoryData<string, string> Declarations => new()
    {
        {
            "MoonsNet", """
            using LipGen;

            namespace Demo;

            [LipschitzNetwork(2, 32, 32, 1, GroupSize = 2, P = 1, Lipschitz = 1.0)]
            public partial class MoonsNet;
            """
        },
        {
            "NestedEuclidean", """
            using LipGen;

            namespace Company.Models
            {
                public partial struct Registry
                {
                    internal partial record Holder
                    {
                        [LipschitzNetwork(5, 12, 8, 3, GroupSizes = new[] { 4, 8 }, P = Norm.L2, Lipschitz = 2.5)]
                        internal partial class EuclideanNet { }
                    }
                }
            }
            """
        },
        {
            "GlobalMaxNorm", """
            [LipGen.LipschitzNetwork(3, 6, 2, GroupSize = 3, P = LipGen.Norm.Infinity, Lipschitz = 0.5)]
            public partial class MaxNormNet;
            """
        },
        {
            "ReluNet", """
            using LipGen;

            namespace Demo;

            [LipschitzNetwork(1, 16, 16, 1, Activation = Activation.ReLU, P = Norm.Infinity)]
            internal partial class ReluNet;
            """
        },
        {
            "LinearGeneralP", """
            namespace Demo.Linear;

            [LipGen.LipschitzNetwork(4, 2, P = 1.5, Lipschitz = 3)]
            public partial class LinearNet;
            """
        },
    };

    [Theory, MemberData(nameof(Declarations))]
    public void Generated_source_matches_its_baseline(string name, string source)
    {
        var (result, output) = GeneratorHarness.Run(source);
        Assert.Null(result.Exception);
        Assert.Empty(result.Diagnostics);
        GeneratedSourceResult generated = Assert.Single(result.GeneratedSources);

        // The generated file must compile cleanly together with the user's code (warnings included).
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));

        AssertBaseline(name, generated.SourceText.ToString());
    }

    /// <summary>Compares <paramref name="text"/> with Baselines/<paramref name="name"/>.g.cs (or rewrites it, see above).</summary>
    internal static void AssertBaseline(string name, string text)
    {
        string path = Path.Combine(BaselineDirectory(), name + ".g.cs");
        if (Environment.GetEnvironmentVariable("LIPGEN_UPDATE_BASELINES") == "1")
        {
            File.WriteAllText(path, text);
            return;
        }
        Assert.True(File.Exists(path), $"No baseline {path}: run the tests with LIPGEN_UPDATE_BASELINES=1 to create it.");
        string expected = File.ReadAllText(path).ReplaceLineEndings("\n");
        Assert.Equal(expected, text.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Each_network_gets_one_file_named_after_its_full_name()
    {
        var (result, _) = GeneratorHarness.Run(
            "namespace A { [LipGen.LipschitzNetwork(2, 4, 1)] partial class Net; }",
            "namespace B { partial class Outer { [LipGen.LipschitzNetwork(2, 4, 1)] partial class Net; } }");
        Assert.Equal(["A.Net.g.cs", "B.Outer.Net.g.cs"], result.GeneratedSources.Select(s => s.HintName).Order());
    }

    [Theory]
    [InlineData("[LipGen.LipschitzNetwork(2, 4, 1)] class NotPartial;")]
    [InlineData("[LipGen.LipschitzNetwork(2)] partial class OneWidth;")]
    [InlineData("[LipGen.LipschitzNetwork(2, 6, 1, GroupSize = 4)] partial class GroupDoesNotDivide;")]
    [InlineData("[LipGen.LipschitzNetwork(2, 4, 1, P = 0.5)] partial class BadP;")]
    [InlineData("[LipGen.LipschitzNetwork(2, 4, 1, Lipschitz = double.NaN)] partial class BadLambda;")]
    [InlineData("class Outer { [LipGen.LipschitzNetwork(2, 4, 1)] partial class InNonPartial; }")]
    [InlineData("[LipGen.LipschitzNetwork(2, 4, 1)] partial class [Net;")] // found by the fuzz test: a type without a name
    [InlineData("[LipGen.LipschitzNetwork(null)] partial class NullWidths;")]
    public void Invalid_declarations_generate_nothing(string source)
    {
        var (result, _) = GeneratorHarness.Run(source);
        Assert.Null(result.Exception);
        Assert.Empty(result.GeneratedSources);
    }

    private static string BaselineDirectory([CallerFilePath] string thisFile = "") =>
        Path.Combine(Path.GetDirectoryName(thisFile)!, "Baselines");
}
