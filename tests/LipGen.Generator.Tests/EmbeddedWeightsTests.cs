extern alias runtime;
using System.Collections.Immutable;
using System.Text;
using runtime::LipGen.IO;
using Microsoft.CodeAnalysis;

namespace LipGen.Generator.Tests;

using NetworkDescription = runtime::LipGen.NetworkDescription;
using NetworkDeclaration = runtime::LipGen.NetworkDeclaration;

/// <summary>Weights compiled in from a safetensors AdditionalFiles item, and the diagnostics for unsuitable files.</summary>
public class EmbeddedWeightsTests
{
    private const string Declaration = """
        namespace Demo;
        [LipGen.LipschitzNetwork(2, 2, 1, GroupSize = 2, P = 2, Lipschitz = 1, {|Weights = "tiny.safetensors"|})]
        public static partial class Tiny;
        """;

    private static readonly NetworkDescription TinyDescription = new("Demo.Tiny", new NetworkDeclaration(2, 2, 1) { GroupSize = 2, P = 2, Lipschitz = 1 });

    /// <summary>A valid file for the 2-2-1 network, with easy-to-read weights inside its bound (L̂ ≈ 0.57 ≤ λ = 1).</summary>
    private static byte[] TinyFile() =>
        NetworkFile.Serialize(TinyDescription, [0.5f, -0.25f, 0.125f, 0.75f, 0.1f, -0.2f, 0.5f, -0.25f, 0.3f]);

    private static string Plain(string marked) => marked.Replace("{|", "").Replace("|}", "");

    /// <summary>The file with its JSON header rewritten by <paramref name="patch"/> (the tensors' bytes unchanged).</summary>
    private static byte[] Patched(byte[] file, Func<string, string> patch)
    {
        string header = Encoding.UTF8.GetString(file, 8, (int)BitConverter.ToUInt64(file, 0));
        byte[] json = Encoding.UTF8.GetBytes(patch(header));
        var bytes = new byte[8 + json.Length + file.Length - 8 - header.Length];
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 8), (ulong)json.Length);
        json.CopyTo(bytes, 8);
        file.AsSpan(8 + header.Length).CopyTo(bytes.AsSpan(8 + json.Length));
        return bytes;
    }

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
        // The members are emitted throwing, so that uses of the network add no errors to the diagnostic.
        Assert.Contains("was not generated", Assert.Single(result.GeneratedSources).SourceText.ToString());
    }

    [Fact]
    public Task LIPG017_missing_file() => AssertProblem(GeneratorHarness.Files(("other.safetensors", TinyFile())), "LIPG017",
        "Weights = \"tiny.safetensors\" matches no AdditionalFiles item; add the file to the project as <AdditionalFiles Include=\"…\" />");

    [Fact]
    public Task LIPG018_wrong_shapes() => AssertProblem(
        GeneratorHarness.Files(("tiny.safetensors", NetworkFile.Serialize(new NetworkDescription("Other", new NetworkDeclaration(3, 2, 1) { GroupSize = 2, P = 2, Lipschitz = 1 }), new float[11]))),
        "LIPG018", "Weights file 'tiny.safetensors' cannot be compiled into this network: it was saved from a network with lipgen.widths = 3,2,1; the declaration has 2,2,1");

    // The compile-time check is Load's: every declared property in the metadata, compared as Load compares it.
    [Fact]
    public Task LIPG018_file_saved_for_another_norm() => AssertProblem(
        GeneratorHarness.Files(("tiny.safetensors", NetworkFile.Serialize(new NetworkDescription("Other", new NetworkDeclaration(2, 2, 1) { GroupSize = 2, P = 1, Lipschitz = 1 }), new float[9]))),
        "LIPG018", "lipgen.p = 1; the declaration has 2");

    // Weights within a smaller bound satisfy a larger one, and a row-bounded network computes the same function at any λ:
    // as Load, the build takes the file (the certificate, LIPG020, decides).
    [Fact]
    public void A_file_saved_for_a_smaller_bound_compiles_in()
    {
        byte[] file = NetworkFile.Serialize(new NetworkDescription("Other", new NetworkDeclaration(2, 2, 1) { GroupSize = 2, P = 2, Lipschitz = 0.5 }), new float[9]);
        var (result, output) = GeneratorHarness.Run(GeneratorHarness.Files(("tiny.safetensors", file)), Plain(Declaration));
        Assert.Single(result.GeneratedSources);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
    }

    // AOL rescales to λᵢ: at another λ the same weights compute another function, so λ must match.
    [Fact]
    public async Task LIPG018_AOL_file_saved_for_another_bound()
    {
        const string aol = """
            namespace Demo;
            [LipGen.LipschitzNetwork(2, 2, 1, GroupSize = 2, P = 2, Lipschitz = 1, Constraint = LipGen.LayerConstraint.Aol, Weights = "tiny.safetensors")]
            public static partial class Tiny;
            """;
        var other = new NetworkDescription("Other", new NetworkDeclaration(2, 2, 1) { GroupSize = 2, P = 2, Lipschitz = 0.5, Constraint = runtime::LipGen.LayerConstraint.Aol });
        byte[] file = NetworkFile.Serialize(other, new float[other.ParameterCount]);
        Diagnostic diagnostic = Assert.Single(await GeneratorHarness.AnalyzeAsync(GeneratorHarness.Files(("tiny.safetensors", file)), aol));
        Assert.Equal("LIPG018", diagnostic.Id);
        Assert.Contains("depends on λ", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public Task LIPG018_file_saved_with_other_group_sizes() => AssertProblem(
        GeneratorHarness.Files(("tiny.safetensors", NetworkFile.Serialize(new NetworkDescription("Other", new NetworkDeclaration(2, 2, 1) { GroupSize = 1, P = 2, Lipschitz = 1 }), new float[9]))),
        "LIPG018", "lipgen.group_sizes = 1; the declaration has 2");

    [Fact]
    public Task LIPG018_file_saved_for_another_activation()
    {
        var relu = new NetworkDescription("Other", new NetworkDeclaration(2, 2, 1) { P = 2, Lipschitz = 1, Activation = runtime::LipGen.Activation.ReLU });
        return AssertProblem(GeneratorHarness.Files(("tiny.safetensors", NetworkFile.Serialize(relu, new float[9]))),
            "LIPG018", "lipgen.activation = ReLU; the declaration has GroupSort");
    }

    [Fact]
    public Task Numbers_in_the_metadata_compare_as_numbers()
    {
        // "1.0" and "1e0" are 1, as Load reads them: no diagnostic, and the weights compile in.
        byte[] bytes = Patched(TinyFile(), header => header.Replace("\"lipgen.lipschitz\":\"1\"", "\"lipgen.lipschitz\":\"1e0\"").Replace("\"lipgen.p\":\"2\"", "\"lipgen.p\":\"2.0\""));
        var (result, output) = GeneratorHarness.Run(GeneratorHarness.Files(("tiny.safetensors", bytes)), Plain(Declaration));
        Assert.Single(result.GeneratedSources);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        return Task.CompletedTask;
    }

    [Fact]
    public Task LIPG020_weights_whose_certificate_exceeds_lambda()
    {
        // Saved for λ = 2, with weights that use it: L̂ = 0.76 · 2 = 1.52 for a declaration of λ = 1. The metadata says λ = 2,
        // so strip it, as a PyTorch file would have none.
        byte[] file = NetworkFile.Serialize(new NetworkDescription("Other", new NetworkDeclaration(2, 2, 1) { GroupSize = 2, P = 2, Lipschitz = 2 }), [0.5f, -0.25f, 0.125f, 0.75f, 0.1f, -0.2f, 1.5f, -0.5f, 0.3f]);
        byte[] bytes = Patched(file, header =>
        {
            int start = header.IndexOf("\"__metadata__\":{", StringComparison.Ordinal) + "\"__metadata__\":{".Length;
            return header[..start] + "\"format\":\"pt\"" + header[header.IndexOf('}', start)..];
        });
        return AssertProblem(GeneratorHarness.Files(("tiny.safetensors", bytes)), "LIPG020",
            "Weights file 'tiny.safetensors' has certificate L̂ = 1.52069063, above the declared Lipschitz = 1 (the file states λ = nothing)");
    }

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
    public async Task LIPG018_a_file_without_a_constraint_key_is_described_as_such()
    {
        // Saved by a LipGen from before spectral layers: no lipgen.constraint key, read as RowNorms. The message must not claim
        // the file states RowNorms.
        const string spectral = """
            [LipGen.LipschitzNetwork(2, 2, 1, GroupSize = 2, P = 2, Lipschitz = 1, Constraint = LipGen.LayerConstraint.Spectral, Weights = "tiny.safetensors")]
            public static partial class Tiny;
            """;
        byte[] file = Patched(TinyFile(), header => header.Replace(",\"lipgen.constraint\":\"RowNorms\"", ""));
        Diagnostic diagnostic = Assert.Single(await GeneratorHarness.AnalyzeAsync(GeneratorHarness.Files(("tiny.safetensors", file)), spectral));
        Assert.Equal("LIPG018", diagnostic.Id);
        Assert.Contains("has no lipgen.constraint key, so it was saved by a LipGen version that wrote lipgen.constraint = RowNorms for every network (the key came later); the declaration has Spectral", diagnostic.GetMessage());
    }

    [Fact]
    public async Task LIPG018_a_subnormal_input_map_scale_in_the_file()
    {
        const string mapped = """[LipGen.LipschitzNetwork(2, 2, 1, GroupSize = 2, P = 2, Lipschitz = 1, ScaleInputs = true, Weights = "tiny.safetensors")] public static partial class Tiny;""";
        var description = new NetworkDescription("Tiny", new NetworkDeclaration(2, 2, 1) { GroupSize = 2, P = 2, Lipschitz = 1, InputOffsets = [0, 0], InputScales = [1, 1] });
        float[] parameters = [0.5f, -0.25f, 0.125f, 0.75f, 0.1f, -0.2f, 0.5f, -0.25f, 0.3f, 0, 0, 1, 1.4e-45f];
        Diagnostic diagnostic = Assert.Single(await GeneratorHarness.AnalyzeAsync(
            GeneratorHarness.Files(("tiny.safetensors", NetworkFile.Serialize(description, parameters))), mapped));
        Assert.Equal("LIPG018", diagnostic.Id);
        Assert.Contains("tensor \"input_map.scale\" holds 1E-45 for input 1; a scale must be at least 1.2E-38", diagnostic.GetMessage());
    }

    [Fact]
    public async Task LIPG028_a_declared_input_map_the_compiled_in_file_overrides()
    {
        const string source = """[LipGen.LipschitzNetwork(2, 2, 1, GroupSize = 2, P = 2, Lipschitz = 1, InputOffsets = new[] { 0.0, {|5.0|} }, InputScales = new[] { 1.0, 1 }, Weights = "tiny.safetensors")] public static partial class Tiny;""";
        var description = new NetworkDescription("Tiny", new NetworkDeclaration(2, 2, 1) { GroupSize = 2, P = 2, Lipschitz = 1, InputOffsets = [0, 5], InputScales = [1, 1] });
        float[] parameters = [0.5f, -0.25f, 0.125f, 0.75f, 0.1f, -0.2f, 0.5f, -0.25f, 0.3f, 0, 2.5f, 1, 1];
        ImmutableArray<AdditionalText> files = GeneratorHarness.Files(("tiny.safetensors", NetworkFile.Serialize(description, parameters)));
        Diagnostic diagnostic = Assert.Single(await GeneratorHarness.AnalyzeAsync(files, Plain(source)));
        Assert.Equal("LIPG028", diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Warning, diagnostic.Severity);
        Assert.Equal(source.IndexOf("{|", StringComparison.Ordinal), diagnostic.Location.SourceSpan.Start);
        Assert.Equal("InputOffsets[1] = 5 differs from the weights file's 2.5; the file's input map is compiled in and the declared InputOffsets is ignored (remove InputOffsets, or make it match the file)",
            diagnostic.GetMessage());
        // A file that agrees is silent.
        parameters[10] = 5;
        Assert.Empty(await GeneratorHarness.AnalyzeAsync(GeneratorHarness.Files(("tiny.safetensors", NetworkFile.Serialize(description, parameters))), Plain(source)));
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

    [Fact]
    public void A_monotone_network_with_input_and_output_maps_compiles_in_and_computes_what_the_loaded_file_computes()
    {
        // The maps' offsets and scales are tensors of the file and literals of the generated code; the signs are in both.
        var description = new NetworkDescription("Demo.Credit", new NetworkDeclaration(3, 4, 1) { GroupSize = 2, P = 1, Lipschitz = 0.5, Monotone = [1, 0, -1], InputOffsets = [0, 0, 0], InputScales = [1, 1, 1], ScaleOutputs = true });
        float[] parameters =
        [
            0.5f, -0.25f, 0.125f, 0.7f, 0.1f, -0.2f, 0.3f, -0.6f, 0.05f, 0.4f, -0.1f, 0.2f, // W1 [4 × 3], |w| ≤ λ₁ = √0.5
            0.1f, -0.2f, 0.3f, 0.05f,                                                       // b1
            0.3f, -0.2f, 0.1f, 0.05f, 0.25f,                                                // W2 [1 × 4] (ℓ1 0.65 ≤ √0.5), b2
            1000f, 0f, -3f,                                                                 // input_map.offset
            250f, 1f, 0.5f,                                                                 // input_map.scale
            152.5f,                                                                         // output_map.offset
            77.25f,                                                                         // output_map.scale
        ];
        byte[] file = NetworkFile.Serialize(description, parameters);
        const string Source = """
            namespace Demo;
            [LipGen.LipschitzNetwork(3, 4, 1, P = 1, Lipschitz = 0.5, Monotone = new[] { 1, 0, -1 }, ScaleInputs = true, ScaleOutputs = true, Weights = "credit.safetensors")]
            public static partial class Credit;
            [LipGen.LipschitzNetwork(3, 4, 1, P = 1, Lipschitz = 0.5, Monotone = new[] { 1, 0, -1 }, ScaleInputs = true, ScaleOutputs = true)]
            public partial class CreditTrainable;
            public static class Probe
            {
                public static float Embedded(float[] x) => Credit.Forward(x);
                public static float Loaded(float[] x, byte[] file)
                {
                    var net = new CreditTrainable();
                    LipGen.IO.NetworkFile.Load(net, new System.IO.MemoryStream(file));
                    return net.Forward(x);
                }
                public static double Certificate() => Credit.LipschitzBound();
            }
            """;
        var (result, output) = GeneratorHarness.Run(GeneratorHarness.Files(("credit.safetensors", file)), Source);
        Assert.Null(result.Exception);
        var stream = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult emitted = output.Emit(stream);
        Assert.True(emitted.Success, string.Join(Environment.NewLine, emitted.Diagnostics));
        string text = result.GeneratedSources.Single(s => s.HintName.Contains("Credit.g.cs") && !s.HintName.Contains("Trainable")).SourceText.ToString();
        Assert.Contains("// input_map.scale [3] (input map, fixed)", text);
        Assert.Contains("250f, 1f, 0.5f,", text);
        Assert.Contains("// output_map.scale [1] (output map, fixed)", text);
        Assert.Contains("77.25f,", text);

        var context = new System.Runtime.Loader.AssemblyLoadContext("credit", isCollectible: true);
        try
        {
            stream.Position = 0;
            Type probe = context.LoadFromStream(stream).GetType("Demo.Probe")!;
            foreach (float[] x in new[] { new[] { 1200f, 0.5f, -2f }, new[] { 800f, -1f, -4f }, new[] { 1000f, 0f, -3f } })
            {
                float embedded = (float)probe.GetMethod("Embedded")!.Invoke(null, [x])!;
                float loaded = (float)probe.GetMethod("Loaded")!.Invoke(null, [x, file])!;
                Assert.Equal(BitConverter.SingleToInt32Bits(loaded), BitConverter.SingleToInt32Bits(embedded));
            }
            // The certificate is in the inputs' and output's own units: the first column is divided by 250, the third by 0.5,
            // and the whole multiplied by the output's scale 77.25.
            double certificate = (double)probe.GetMethod("Certificate")!.Invoke(null, null)!;
            Assert.Equal(runtime::LipGen.Verification.CertifiedBound.Compute(description, parameters), certificate);
            parameters[^1] = 1;
            Assert.InRange(certificate / runtime::LipGen.Verification.CertifiedBound.Compute(description, parameters), 77.25 * (1 - 1e-12), 77.25 * (1 + 1e-12));
        }
        finally
        {
            context.Unload();
        }
    }

    [Fact]
    public void An_aol_network_with_residual_blocks_compiles_in_its_derived_values_and_computes_what_the_loaded_file_computes()
    {
        // The file holds the free weights, biases and exponents; AOL's W·D and the blocks' diagonals are derived at build
        // time, as Load derives them, and compiled in.
        var description = new NetworkDescription("Demo.Deep", new NetworkDeclaration(3, 6, 2) { P = 2, Lipschitz = 1, Constraint = runtime::LipGen.LayerConstraint.Aol, ResidualBlocks = 2 });
        var random = new Random(7);
        float[] parameters = Enumerable.Range(0, description.ParameterCount).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        byte[] file = NetworkFile.Serialize(description, parameters);
        const string Source = """
            namespace Demo;
            [LipGen.LipschitzNetwork(3, 6, 2, Lipschitz = 1, Constraint = LipGen.LayerConstraint.Aol, ResidualBlocks = 2, Weights = "deep.safetensors")]
            public static partial class Deep;
            [LipGen.LipschitzNetwork(3, 6, 2, Lipschitz = 1, Constraint = LipGen.LayerConstraint.Aol, ResidualBlocks = 2)]
            public partial class DeepTrainable;
            public static class Probe
            {
                public static float[] Embedded(float[] x) { var y = new float[2]; Deep.Forward(x, y); return y; }
                public static float[] Loaded(float[] x, byte[] file)
                {
                    var net = new DeepTrainable();
                    LipGen.IO.NetworkFile.Load(net, new System.IO.MemoryStream(file));
                    var y = new float[2];
                    net.Forward(x, y);
                    return y;
                }
                public static double Certificate() => Deep.LipschitzBound();
            }
            """;
        var (result, output) = GeneratorHarness.Run(GeneratorHarness.Files(("deep.safetensors", file)), Source);
        Assert.Null(result.Exception);
        var stream = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult emitted = output.Emit(stream);
        Assert.True(emitted.Success, string.Join(Environment.NewLine, emitted.Diagnostics));
        string text = result.GeneratedSources.Single(s => s.HintName.Contains("Deep.g.cs") && !s.HintName.Contains("Trainable")).SourceText.ToString();
        Assert.Contains("// layers.0.aol_weight [6 × 3] (derived from the weights)", text);
        Assert.Contains("// blocks.1.t [6] (derived from the weights)", text);
        Assert.DoesNotContain("void Backward(", text); // inference only
        var context = new System.Runtime.Loader.AssemblyLoadContext("deep", isCollectible: true);
        try
        {
            stream.Position = 0;
            Type probe = context.LoadFromStream(stream).GetType("Demo.Probe")!;
            foreach (float[] x in new[] { new[] { 0.5f, -1f, 2f }, new[] { -3f, 0.25f, 0f } })
            {
                var embedded = (float[])probe.GetMethod("Embedded")!.Invoke(null, [x])!;
                var loaded = (float[])probe.GetMethod("Loaded")!.Invoke(null, [x, file])!;
                Assert.Equal(loaded.Select(BitConverter.SingleToInt32Bits), embedded.Select(BitConverter.SingleToInt32Bits));
            }
            double certificate = (double)probe.GetMethod("Certificate")!.Invoke(null, null)!;
            Assert.True(certificate <= 1, $"L̂ {certificate}");
        }
        finally
        {
            context.Unload();
        }
    }

    [Fact]
    public void A_spectral_network_compiles_in_with_its_projection_state_left_empty()
    {
        // The file holds weights and biases only; the generated parameters add the power-iteration vectors as zeros.
        var description = new NetworkDescription("Demo.Tiny", new NetworkDeclaration(2, 2, 1) { Constraint = runtime::LipGen.LayerConstraint.Spectral });
        byte[] file = NetworkFile.Serialize(description, [0.5f, -0.25f, 0.125f, 0.5f, 0.1f, -0.2f, 0.5f, -0.25f, 0.3f, 0, 0, 0]);
        const string Source = """
            namespace Demo;
            [LipGen.LipschitzNetwork(2, 2, 1, Lipschitz = 1, Constraint = LipGen.LayerConstraint.Spectral, Weights = "tiny.safetensors")]
            public static partial class Tiny;
            """;
        var (result, output) = GeneratorHarness.Run(GeneratorHarness.Files(("tiny.safetensors", file)), Source);
        Assert.Null(result.Exception);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        string text = Assert.Single(result.GeneratedSources).SourceText.ToString();
        Assert.Contains("// layers.0.power_iteration [2] (projection state, unused by inference)", text);
        Assert.True(output.Emit(new MemoryStream()).Success);
    }

    [Fact]
    public void Bfloat16_weights_become_a_second_static_span_and_match_the_baseline()
    {
        const string source = """
            namespace Demo;
            [LipGen.LipschitzNetwork(2, 2, 1, GroupSize = 2, P = 2, Lipschitz = 1, Weights = "tiny.safetensors", WeightPrecision = LipGen.Precision.BFloat16)]
            public static partial class Tiny;
            """;
        byte[] file = NetworkFile.Serialize(TinyDescription, [0.3f, -0.2f, 0.1f, 0.7f, 0.1f, -0.2f, 0.5f, -0.25f, 0.3f]);
        var (result, output) = GeneratorHarness.Run(GeneratorHarness.Files(("tiny.safetensors", file)), source);
        Assert.Null(result.Exception);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        string text = Assert.Single(result.GeneratedSources).SourceText.ToString();
        Assert.Contains("public static global::System.ReadOnlySpan<ushort> BFloat16Weights => new ushort[]", text);
        // W1's values are not bfloat16 values: rounded toward zero, in the float parameters and in the 2-byte copy alike;
        // the biases (0.1, -0.2, 0.3) stay floats, and W2's are exact already.
        Assert.Contains("0.298828125f, -0.19921875f, 0.099609375f, 0.69921875f", text);
        Assert.Contains("0x3E99, 0xBE4C, 0x3DCC, 0x3F33", text);
        Assert.Contains("0.100000001f, -0.200000003f", text);
        Assert.Contains("=> Kernel.ForwardBFloat16(Parameters, BFloat16Weights, input, output);", text);
        BaselineTests.AssertBaseline("EmbeddedTinyBFloat16", text);
    }

    public static TheoryData<string, string> Bfloat16Declarations => new()
    {
        { "3, 16, 16, 2, GroupSize = 4, P = LipGen.Norm.Infinity, Lipschitz = 2", "RowNorms" },
        { "3, 16, 16, 2, Lipschitz = 1.5, Constraint = LipGen.LayerConstraint.Spectral", "Spectral" },
        { "3, 8, 2, Lipschitz = 1, Constraint = LipGen.LayerConstraint.Aol, ResidualBlocks = 2", "Aol" },
    };

    [Theory]
    [MemberData(nameof(Bfloat16Declarations))]
    public void Compiled_in_bfloat16_weights_are_what_BFloat16Network_makes_of_the_loaded_file(string arguments, string name)
    {
        // The file's float weights, trained and projected by the runtime: the generator must round them as
        // BFloat16Network.From rounds the loaded network, so the compiled-in network is that network, bit for bit.
        string twin = $$"""
            namespace Demo;
            [LipGen.LipschitzNetwork({{arguments}})]
            public partial class Twin;
            public static class FileProbe
            {
                public static byte[] File(ulong seed)
                {
                    var twin = new Twin();
                    twin.Initialize(seed);
                    var stream = new System.IO.MemoryStream();
                    LipGen.IO.NetworkFile.Save(twin, stream);
                    return stream.ToArray();
                }
            }
            """;
        string embedded = $$"""
            namespace Demo;
            [LipGen.LipschitzNetwork({{arguments}}, Weights = "net.safetensors", WeightPrecision = LipGen.Precision.BFloat16)]
            public static partial class Net;
            public static class Probe
            {
                public static object[] Compare(byte[] file, float[][] inputs)
                {
                    var twin = new Twin();
                    LipGen.IO.NetworkFile.Load(twin, new System.IO.MemoryStream(file));
                    var reduced = LipGen.BFloat16Network.From(twin);
                    bool same = System.MemoryExtensions.SequenceEqual(reduced.Parameters, Net.Parameters) && System.MemoryExtensions.SequenceEqual(reduced.Weights, Net.BFloat16Weights);
                    int differentOutputs = 0;
                    float[] a = new float[2], b = new float[2];
                    foreach (float[] x in inputs)
                    {
                        Net.Forward(x, a);
                        reduced.Forward(x, b);
                        for (int k = 0; k < 2; k++)
                            differentOutputs += System.BitConverter.SingleToInt32Bits(a[k]) != System.BitConverter.SingleToInt32Bits(b[k]) ? 1 : 0;
                    }
                    return [same, differentOutputs, Net.LipschitzBound(), reduced.LipschitzBound()];
                }
            }
            """;
        // The file comes from the twin compiled alone, then the twin and the compiled-in network are compiled with it.
        byte[] file = (byte[])Invoke(GeneratorHarness.Run(twin).Output, name + "-file", "Demo.FileProbe", "File", 7ul);
        var (result, output) = GeneratorHarness.Run(GeneratorHarness.Files(("net.safetensors", file)), twin, embedded);
        Assert.Null(result.Exception);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        var random = new Random(3);
        float[][] inputs = Enumerable.Range(0, 50).Select(_ => Enumerable.Range(0, 3).Select(_ => (float)(4 * random.NextDouble() - 2)).ToArray()).ToArray();
        var compared = (object[])Invoke(output, name, "Demo.Probe", "Compare", file, inputs);
        Assert.True((bool)compared[0], "parameters or bfloat16 copy differ");
        Assert.Equal(0, (int)compared[1]);
        Assert.Equal((double)compared[3], (double)compared[2]);
        Assert.True((double)compared[2] <= (name == "RowNorms" ? 2 : name == "Spectral" ? 1.5 : 1), $"L̂ {compared[2]}");
    }

    /// <summary>Emits the compilation and calls <paramref name="type"/>.<paramref name="method"/> in its own load context.</summary>
    private static object Invoke(Compilation compilation, string name, string type, string method, params object[] arguments)
    {
        var stream = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult emitted = compilation.Emit(stream);
        Assert.True(emitted.Success, string.Join(Environment.NewLine, emitted.Diagnostics));
        var context = new System.Runtime.Loader.AssemblyLoadContext(name, isCollectible: true);
        try
        {
            stream.Position = 0;
            return context.LoadFromStream(stream).GetType(type)!.GetMethod(method)!.Invoke(null, arguments)!;
        }
        finally
        {
            context.Unload();
        }
    }
}
