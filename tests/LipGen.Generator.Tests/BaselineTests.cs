using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace LipGen.Generator.Tests;

/// <summary>
/// The generated source of representative declarations, compared with golden files in Baselines/. Set
/// LIPGEN_UPDATE_BASELINES=1 to rewrite them after an intended change (that run fails wherever a file changed), and review the diff.
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
        {
            "MonotoneMapped", """
            using LipGen;

            namespace Demo;

            // Increasing in the first input, decreasing in the third, inputs and the target in their own units.
            [LipschitzNetwork(4, 16, 16, 1, P = Norm.L1, Lipschitz = 0.7, Monotone = new[] { 1, 0, -1, 0 },
                InputOffsets = new[] { 100.0, 0, 0, -3 }, InputScales = new[] { 20.0, 1, 0.25, 2 }, ScaleOutputs = true)]
            public partial class CreditNet;
            """
        },
        {
            "Spectral", """
            using LipGen;

            namespace Demo;

            // Every layer bounded in its spectral norm: ℓ2 → ℓ2 all the way.
            [LipschitzNetwork(8, 16, 4, P = Norm.L2, Lipschitz = 2, Constraint = LayerConstraint.Spectral)]
            public partial class SpectralNet;
            """
        },
        {
            "AolBlocks", """
            using LipGen;

            namespace Demo;

            // AOL layers (W·D, bounded by construction) with an SLL residual block after the hidden layer.
            [LipschitzNetwork(4, 8, 3, P = Norm.L2, Lipschitz = 1, Constraint = LayerConstraint.Aol, ResidualBlocks = 1)]
            public partial class AolBlockNet;
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
            // Rewrite, and still fail where the text changed: a run that rewrites baselines never passes as a check.
            string? previous = File.Exists(path) ? File.ReadAllText(path).ReplaceLineEndings("\n") : null;
            File.WriteAllText(path, text);
            Assert.True(previous == text.ReplaceLineEndings("\n"), $"Rewrote {path}: review the diff, then run the tests again without LIPGEN_UPDATE_BASELINES.");
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

    // A type whose shape is wrong gets nothing: a generated part would add errors of its own there.
    [Theory]
    [InlineData("[LipGen.LipschitzNetwork(2, 4, 1)] class NotPartial;")]
    [InlineData("class Outer { [LipGen.LipschitzNetwork(2, 4, 1)] partial class InNonPartial; }")]
    [InlineData("[LipGen.LipschitzNetwork(2, 4, 1)] partial class [Net;")] // found by the fuzz test: a type without a name
    [InlineData("[LipGen.LipschitzNetwork(2, 4, 1)] partial class Clash { public void Project() { } }")]
    public void Declarations_with_a_wrong_type_shape_generate_nothing(string source)
    {
        var (result, _) = GeneratorHarness.Run(source);
        Assert.Null(result.Exception);
        Assert.Empty(result.GeneratedSources);
    }

    // Wrong arguments get members that throw: code using the network compiles, and the LIPG errors are the only ones.
    [Theory]
    [InlineData("[LipGen.LipschitzNetwork(2)] public partial class Net;", "LIPG004")]
    [InlineData("[LipGen.LipschitzNetwork(2, 6, 1, GroupSize = 4)] public partial class Net;", "LIPG008")]
    [InlineData("[LipGen.LipschitzNetwork(2, 4, 1, P = 0.5)] public partial class Net;", "LIPG010")]
    [InlineData("[LipGen.LipschitzNetwork(2, 4, 1, Lipschitz = double.NaN)] public partial class Net;", "LIPG011")]
    [InlineData("[LipGen.LipschitzNetwork(null)] public partial class Net;", "LIPG004")]
    [InlineData("[LipGen.LipschitzNetwork(2, 6, 1, GroupSize = 4, P = 0.5)] public partial class Net;", "LIPG008", "LIPG010")]
    public async Task An_invalid_declaration_yields_only_its_LIPG_diagnostics(string declaration, params string[] ids)
    {
        const string use = """
            public static class Use
            {
                public static double Run()
                {
                    var net = new Net();
                    net.Project();
                    System.Span<float> output = stackalloc float[Net.OutputCount];
                    net.Forward(new float[2], output);
                    var session = new LipGen.Training.TrainingSession<Net.Kernel, LipGen.Training.HingeLoss>(net, new LipGen.Training.HingeLoss(0.1f));
                    return net.Forward(new float[2]) + net.LipschitzBound() + Net.Kernel.ParameterCount;
                }
            }
            """;
        var (result, output) = GeneratorHarness.Run(declaration, use);
        Assert.Null(result.Exception);
        string generated = Assert.Single(result.GeneratedSources).SourceText.ToString();
        Assert.Contains("was not generated: its [LipschitzNetwork] declaration has errors", generated);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error)); // no CS1061, nothing in generated code
        ImmutableArray<Diagnostic> analyzer = await GeneratorHarness.AnalyzeAsync(declaration, use);
        Assert.Equal(ids.Order(), analyzer.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.Id).Order());
    }

    [Fact]
    public async Task An_unusable_weights_file_yields_only_its_LIPG_diagnostic()
    {
        const string source = """
            [LipGen.LipschitzNetwork(2, 4, 1, Weights = "missing.safetensors")] public static partial class Embedded;
            public static class Use { public static double Run() => Embedded.Forward(new float[2]) + Embedded.LipschitzBound(); }
            """;
        var (result, output) = GeneratorHarness.Run(source);
        Assert.Contains("was not generated", Assert.Single(result.GeneratedSources).SourceText.ToString());
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.Equal(["LIPG017"], (await GeneratorHarness.AnalyzeAsync(source)).Select(d => d.Id));
    }

    private static string BaselineDirectory([CallerFilePath] string thisFile = "") =>
        Path.Combine(Path.GetDirectoryName(thisFile)!, "Baselines");
}
