using System.Collections.Immutable;
using System.Text;
using LipGen.IO;
using Microsoft.CodeAnalysis;

namespace LipGen.Generator.Tests;

/// <summary>Weights compiled in from a safetensors AdditionalFiles item, and the diagnostics for unsuitable files.</summary>
public class EmbeddedWeightsTests
{
    private const string Declaration = """
        namespace Demo;
        [LipGen.LipschitzNetwork(2, 2, 1, GroupSize = 2, P = 2, Lipschitz = 1, {|Weights = "tiny.safetensors"|})]
        public static partial class Tiny;
        """;

    private static readonly NetworkDescription TinyDescription = new("Demo.Tiny", [2, 2, 1], [2], 2, 1);

    /// <summary>A valid file for the 2-2-1 network, with easy-to-read weights.</summary>
    private static byte[] TinyFile() =>
        NetworkFile.Serialize(TinyDescription, [0.5f, -0.25f, 0.125f, 0.75f, 0.1f, -0.2f, 1.5f, -0.5f, 0.3f]);

    private static string Plain(string marked) => marked.Replace("{|", "").Replace("|}", "");

    [Fact]
    public void The_weights_become_static_data_and_match_the_baseline()
    {
        var (result, output) = GeneratorHarness.Run(GeneratorHarness.Files(("tiny.safetensors", TinyFile())), Plain(Declaration));
        Assert.Null(result.Exception);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        string text = Assert.Single(result.GeneratedSources).SourceText.ToString();
        Assert.Contains("public static global::System.ReadOnlySpan<float> Parameters => new float[]", text);
        Assert.Contains("0.5f, -0.25f, 0.125f, 0.75f,", text);
        Assert.DoesNotContain("ILipschitzNetwork<", text); // inference only: no trainable instance API
        BaselineTests.AssertBaseline("EmbeddedTiny", text);
    }

    [Fact]
    public async Task The_weights_file_is_read_once_per_compilation()
    {
        // The generator reads the file; the analyzer, given the same AdditionalText (as the compiler gives both), must not
        // read it again: with the file gone from disk it still sees the bytes and reports nothing.
        ImmutableArray<AdditionalText> files = GeneratorHarness.Files(("tiny.safetensors", TinyFile()));
        var (result, _) = GeneratorHarness.Run(files, Plain(Declaration));
        Assert.Single(result.GeneratedSources);
        File.Delete(files[0].Path);
        Assert.Empty(await GeneratorHarness.AnalyzeAsync(files, Plain(Declaration)));

        // A new AdditionalText (a new compilation, or the file changed) is read afresh.
        ImmutableArray<AdditionalText> fresh = [new GeneratorHarness.FileText(files[0].Path)];
        Assert.Equal("LIPG017", Assert.Single(await GeneratorHarness.AnalyzeAsync(fresh, Plain(Declaration))).Id);
    }

    private static async Task AssertProblem(ImmutableArray<AdditionalText> files, string id, string messageContains)
    {
        int start = Declaration.IndexOf("{|", StringComparison.Ordinal);
        ImmutableArray<Diagnostic> diagnostics = await GeneratorHarness.AnalyzeAsync(files, Plain(Declaration));
        Diagnostic diagnostic = Assert.Single(diagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(start, diagnostic.Location.SourceSpan.Start);
        Assert.Equal("Weights = \"tiny.safetensors\"".Length, diagnostic.Location.SourceSpan.Length);
        Assert.True(diagnostic.GetMessage().Contains(messageContains, StringComparison.Ordinal), diagnostic.GetMessage());
        var (result, _) = GeneratorHarness.Run(files, Plain(Declaration));
        Assert.Empty(result.GeneratedSources);
    }

    [Fact]
    public Task LIPG017_missing_file() => AssertProblem(GeneratorHarness.Files(("other.safetensors", TinyFile())), "LIPG017",
        "Weights = \"tiny.safetensors\" matches no AdditionalFiles item; add the file to the project as <AdditionalFiles Include=\"…\" />");

    [Fact]
    public Task LIPG018_wrong_shapes() => AssertProblem(
        GeneratorHarness.Files(("tiny.safetensors", NetworkFile.Serialize(new NetworkDescription("Other", [3, 2, 1], [2], 2, 1), new float[11]))),
        "LIPG018", "Weights file 'tiny.safetensors' cannot be compiled into this network: tensor \"layers.0.weight\" has shape [2, 3], the declaration needs [2, 2]");

    [Fact]
    public Task LIPG018_not_safetensors() => AssertProblem(GeneratorHarness.Files(("tiny.safetensors", Encoding.UTF8.GetBytes("not weights at all"))),
        "LIPG018", "cannot be compiled into this network: The header claims");

    [Fact]
    public Task LIPG018_NaN_weight()
    {
        byte[] file = NetworkFile.Serialize(TinyDescription, [0, 0, 0, 0, 0, 0, float.NaN, 0, 0]);
        return AssertProblem(GeneratorHarness.Files(("tiny.safetensors", file)), "LIPG018", "tensor \"layers.1.weight\" holds NaN at index 0");
    }

    [Fact]
    public async Task LIPG019_too_many_weights_to_compile_in()
    {
        const string source = "[LipGen.LipschitzNetwork(1000, 1000, 1, {|Weights = \"big.safetensors\"|})] static partial class Big;";
        ImmutableArray<Diagnostic> diagnostics = await GeneratorHarness.AnalyzeAsync(GeneratorHarness.Files(), Plain(source));
        Diagnostic diagnostic = Assert.Single(diagnostics);
        Assert.Equal("LIPG019", diagnostic.Id);
        Assert.Equal(source.IndexOf("{|", StringComparison.Ordinal), diagnostic.Location.SourceSpan.Start);
        Assert.Equal("The network has 1002001 parameters; at most 1000000 can be compiled into the assembly (load larger ones at run time with NetworkFile.Load)", diagnostic.GetMessage());
    }
}
