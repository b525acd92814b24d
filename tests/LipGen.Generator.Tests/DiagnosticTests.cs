using System.Collections.Immutable;
using LipGen.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace LipGen.Generator.Tests;

/// <summary>
/// Every diagnostic with its id, its location (the text between {| and |} in the source) and its full message, which
/// pins its arguments.
/// </summary>
public class DiagnosticTests
{
    private static async Task AssertSingle(string markedSource, string id, string message, DiagnosticSeverity severity = DiagnosticSeverity.Error)
    {
        int start = markedSource.IndexOf("{|", StringComparison.Ordinal);
        int end = markedSource.IndexOf("|}", StringComparison.Ordinal) - 2;
        string source = markedSource.Replace("{|", "").Replace("|}", "");
        ImmutableArray<Diagnostic> diagnostics = await GeneratorHarness.AnalyzeAsync(source);
        Diagnostic diagnostic = Assert.Single(diagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(severity, diagnostic.Severity);
        Assert.Equal(TextSpan.FromBounds(start, end), diagnostic.Location.SourceSpan);
        Assert.Equal(message, diagnostic.GetMessage());
        Assert.Equal($"docs/diagnostics.md#{id.ToLowerInvariant()}", diagnostic.Descriptor.HelpLinkUri);
    }

    [Fact]
    public Task LIPG001_class_not_partial() => AssertSingle(
        "[LipGen.LipschitzNetwork(2, 4, 1)] public class {|Net|};",
        "LIPG001", "'Net' carries [LipschitzNetwork] but is not declared partial, so the generated members cannot be added to it");

    [Fact]
    public Task LIPG002_containing_type_not_partial() => AssertSingle(
        "namespace N; public class {|Outer|} { [LipGen.LipschitzNetwork(2, 4, 1)] partial class Net; }",
        "LIPG002", "'Outer' contains the Lipschitz network 'N.Outer.Net' but is not declared partial");

    [Theory]
    [InlineData("[LipGen.LipschitzNetwork(2, 4, 1)] partial class {|Net|}<T>;", "'Net<T>' cannot carry [LipschitzNetwork]: generic types are not supported")]
    [InlineData("[LipGen.LipschitzNetwork(2, 4, 1)] static partial class {|Net|};", "'Net' cannot carry [LipschitzNetwork]: a trainable network holds its parameters in an instance, so it cannot be static (one with compiled-in Weights can)")]
    [InlineData("[LipGen.LipschitzNetwork(2, 4, 1)] file partial class {|Net|};", "'Net' cannot carry [LipschitzNetwork]: file-local types cannot be extended from a generated file")]
    [InlineData("partial class Outer<T> { [LipGen.LipschitzNetwork(2, 4, 1)] partial class {|Net|}; }", "'Outer<T>.Net' cannot carry [LipschitzNetwork]: its containing type 'Outer' is generic")]
    public Task LIPG003_unsupported_shapes(string source, string message) => AssertSingle(source, "LIPG003", message);

    [Fact]
    public Task LIPG004_fewer_than_two_widths() => AssertSingle(
        "[{|LipGen.LipschitzNetwork(2)|}] partial class Net;",
        "LIPG004", "[LipschitzNetwork] lists 1 width(s); it needs at least two: the input width and the output width");

    [Fact]
    public Task LIPG004_null_width_list() => AssertSingle(
        "[{|LipGen.LipschitzNetwork(null)|}] partial class Net;",
        "LIPG004", "[LipschitzNetwork] lists 0 width(s); it needs at least two: the input width and the output width");

    [Theory]
    [InlineData("[LipGen.LipschitzNetwork(2, {|0|}, 1)] partial class Net;", "Width 0 (position 1) is out of range: every width must be between 1 and 4096")]
    [InlineData("[LipGen.LipschitzNetwork(2, 4, {|4097|})] partial class Net;", "Width 4097 (position 2) is out of range: every width must be between 1 and 4096")]
    [InlineData("[LipGen.LipschitzNetwork(new[] { 2, {|-3|}, 1 })] partial class Net;", "Width -3 (position 1) is out of range: every width must be between 1 and 4096")]
    public Task LIPG005_width_out_of_range(string source, string message) => AssertSingle(source, "LIPG005", message);

    [Fact]
    public Task LIPG006_too_many_layers() => AssertSingle(
        $"[{{|LipGen.LipschitzNetwork({string.Join(", ", Enumerable.Repeat(2, 34))})|}}] partial class Net;",
        "LIPG006", "[LipschitzNetwork] lists 34 widths; at most 33 are supported");

    [Theory]
    [InlineData("[LipGen.LipschitzNetwork(2, 4, 1, {|GroupSize = 0|})] partial class Net;", "Group size 0 is invalid: a GroupSort group holds at least one neuron")]
    [InlineData("[LipGen.LipschitzNetwork(2, 4, 4, 1, GroupSizes = new[] { 2, {|-1|} })] partial class Net;", "Group size -1 is invalid: a GroupSort group holds at least one neuron")]
    public Task LIPG007_group_size_not_positive(string source, string message) => AssertSingle(source, "LIPG007", message);

    [Theory]
    [InlineData("[LipGen.LipschitzNetwork(2, 6, 1, {|GroupSize = 4|})] partial class Net;", "Group size 4 does not divide the width 6 of hidden layer 1")]
    [InlineData("[LipGen.LipschitzNetwork(2, 4, 6, 1, GroupSizes = new[] { 2, {|4|} })] partial class Net;", "Group size 4 does not divide the width 6 of hidden layer 2")]
    [InlineData("[LipGen.LipschitzNetwork(2, 4, 6, 1, GroupSizes = [2, {|4|}])] partial class Net;", "Group size 4 does not divide the width 6 of hidden layer 2")]
    public Task LIPG008_group_size_does_not_divide(string source, string message) => AssertSingle(source, "LIPG008", message);

    [Fact]
    public Task LIPG009_one_group_size_per_hidden_layer() => AssertSingle(
        "[LipGen.LipschitzNetwork(2, 4, 4, 1, {|GroupSizes = new[] { 2 }|})] partial class Net;",
        "LIPG009", "GroupSizes lists 1 value(s) but the network has 2 hidden layer(s)");

    [Theory]
    [InlineData("{|P = 0.5|}", "P = 0.5 is not a norm: p must be a number ≥ 1, or Norm.Infinity")]
    [InlineData("{|P = double.NaN|}", "P = NaN is not a norm: p must be a number ≥ 1, or Norm.Infinity")]
    [InlineData("{|P = -1|}", "P = -1 is not a norm: p must be a number ≥ 1, or Norm.Infinity")]
    public Task LIPG010_invalid_p(string argument, string message) =>
        AssertSingle($"[LipGen.LipschitzNetwork(2, 4, 1, {argument})] partial class Net;", "LIPG010", message);

    private const string Positive = "λ must be a number greater than 0";
    private const string TooSmall = "λ must be at least 2⁻¹⁰⁰ (about 7.9E-31): each layer's bound λᵢ = λ^(1/L) is a float, and rows scaled onto a smaller one would hold subnormal weights that rounding cannot move";
    private const string TooLarge = "λ must be at most float.MaxValue (about 3.4E+38): the layers' bounds and the monotone residual's coefficient are floats";

    [Theory]
    [InlineData("{|Lipschitz = 0|}", "Lipschitz = 0 is not a usable bound: " + Positive)]
    [InlineData("{|Lipschitz = -2.5|}", "Lipschitz = -2.5 is not a usable bound: " + Positive)]
    [InlineData("{|Lipschitz = double.NaN|}", "Lipschitz = NaN is not a usable bound: " + Positive)]
    [InlineData("{|Lipschitz = double.PositiveInfinity|}", "Lipschitz = ∞ is not a usable bound: " + TooLarge)]
    [InlineData("{|Lipschitz = 1e-80|}", "Lipschitz = 1E-80 is not a usable bound: " + TooSmall)]
    [InlineData("{|Lipschitz = 1e39|}", "Lipschitz = 1E+39 is not a usable bound: " + TooLarge)]
    public Task LIPG011_invalid_lipschitz(string argument, string message) =>
        AssertSingle($"[LipGen.LipschitzNetwork(2, 4, 1, {argument})] partial class Net;", "LIPG011", message);

    [Theory]
    [InlineData("Lipschitz = 1e39, Monotone = new[] { 1, 0 }")]
    [InlineData("Lipschitz = 1e-80")]
    [InlineData("Lipschitz = 3.4028235e38, Monotone = new[] { 1, 0 }")]
    [InlineData("InputScales = new[] { 1e-44, 1 }")]
    public void An_unusable_number_fails_the_build_with_its_diagnostic_alone(string arguments)
    {
        // The generator's code for a refused declaration still compiles: the LIPG diagnostic is the only error.
        (_, Compilation output) = GeneratorHarness.Run($"[LipGen.LipschitzNetwork(2, 4, 1, {arguments})] partial class Net {{ }} class Use {{ float F(Net n) => n.Forward(new float[2]); }}");
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    [Fact]
    public async Task LIPG012_attribute_on_two_partial_declarations()
    {
        const string source = """
            [LipGen.LipschitzNetwork(2, 4, 1)] partial class Net;
            [LipGen.LipschitzNetwork(2, 8, 1)] partial class Net;
            """;
        ImmutableArray<Diagnostic> diagnostics = await GeneratorHarness.AnalyzeAsync(source);
        Assert.Equal(2, diagnostics.Length);
        Assert.All(diagnostics, d => Assert.Equal("LIPG012", d.Id));
        Assert.Equal(["LipGen.LipschitzNetwork(2, 4, 1)", "LipGen.LipschitzNetwork(2, 8, 1)"],
            diagnostics.Select(d => source.Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length)).Order());
        Assert.Equal("'Net' carries [LipschitzNetwork] more than once; a type declares exactly one network", diagnostics[0].GetMessage());
        // And the generator stays out of it (two files with one hint name would crash it).
        var (result, _) = GeneratorHarness.Run(source);
        Assert.Null(result.Exception);
        Assert.Empty(result.GeneratedSources);
    }

    [Fact]
    public Task LIPG013_member_clashes_with_generated_code() => AssertSingle(
        "[LipGen.LipschitzNetwork(2, 4, 1)] partial class Net { public void {|Project|}() { } }",
        "LIPG013", "'Net' declares or inherits a member named 'Project', which the generated network code defines; rename it");

    [Fact]
    public Task LIPG013_inherited_member_clashes_too() => AssertSingle(
        "class Base { protected int Parameters; } [LipGen.LipschitzNetwork(2, 4, 1)] partial class {|Net|} : Base;",
        "LIPG013", "'Net' declares or inherits a member named 'Parameters', which the generated network code defines; rename it");

    [Fact]
    public Task LIPG014_group_size_ignored() => AssertSingle(
        "[LipGen.LipschitzNetwork(2, 4, 1, {|GroupSize = 4|}, GroupSizes = new[] { 2 })] partial class Net;",
        "LIPG014", "GroupSize = 4 is ignored because GroupSizes gives one group size per hidden layer; remove one of the two",
        DiagnosticSeverity.Warning);

    [Fact]
    public Task LIPG015_unknown_activation() => AssertSingle(
        "[LipGen.LipschitzNetwork(2, 4, 1, {|Activation = (LipGen.Activation)7|})] partial class Net;",
        "LIPG015", "Activation = 7 is not an activation LipGen knows: use Activation.GroupSort or Activation.ReLU");

    [Fact]
    public async Task LIPG016_group_size_with_relu_warns_and_still_generates()
    {
        const string source = "[LipGen.LipschitzNetwork(2, 6, 1, {|GroupSize = 4|}, Activation = LipGen.Activation.ReLU)] partial class Net;";
        await AssertSingle(source, "LIPG016", "GroupSize has no effect because the activation is ReLU; remove it or use Activation.GroupSort",
            DiagnosticSeverity.Warning);
        var (result, _) = GeneratorHarness.Run(source.Replace("{|", "").Replace("|}", ""));
        Assert.Single(result.GeneratedSources); // a warning does not stop generation (4 need not divide 6 without groups)
    }

    [Fact]
    public async Task A_valid_declaration_with_its_generated_code_reports_nothing()
    {
        // The analyzer also sees the generated members: they must not count as clashes.
        var (_, output) = GeneratorHarness.Run("""
            namespace N;
            [LipGen.LipschitzNetwork(2, 4, 1)] public partial class Net { public float Twice(float x) => 2 * Forward([x, x]); }
            [LipGen.LipschitzNetwork(3, 6, 6, 2, GroupSizes = [3, 6], P = LipGen.Norm.Infinity)] internal partial record Other;
            """);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        ImmutableArray<Diagnostic> diagnostics = await output.WithAnalyzers([new LipschitzNetworkAnalyzer()]).GetAnalyzerDiagnosticsAsync();
        Assert.Empty(diagnostics);
    }

    [Fact]
    public void Every_descriptor_is_supported_and_documented()
    {
        ImmutableArray<DiagnosticDescriptor> supported = new LipschitzNetworkAnalyzer().SupportedDiagnostics;
        string docs = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "diagnostics.md"));
        string releases = File.ReadAllText(Path.Combine(RepositoryRoot(), "generator", "LipGen.Generator", "AnalyzerReleases.Unshipped.md"));
        Assert.Equal(31, supported.Length);
        foreach (DiagnosticDescriptor d in supported)
        {
            Assert.Contains($"## {d.Id}", docs);
            Assert.Contains($"{d.Id} | LipGen | {d.DefaultSeverity}", releases);
        }
    }

    internal static string RepositoryRoot([System.Runtime.CompilerServices.CallerFilePath] string thisFile = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", ".."));

    [Fact]
    public Task LIPG021_one_monotone_sign_per_input() => AssertSingle(
        "[LipGen.LipschitzNetwork(3, 4, 1, {|Monotone = new[] { 1, 0 }|})] partial class Net;",
        "LIPG021", "Monotone has 2 entries; the network has 3 inputs and needs one sign per input");

    [Theory]
    [InlineData("[LipGen.LipschitzNetwork(3, 4, 1, Monotone = new[] { 1, {|2|}, 0 })] partial class Net;", "Monotone[1] = 2 is not a monotonicity: use 1 (non-decreasing), -1 (non-increasing) or 0 (free)")]
    [InlineData("[LipGen.LipschitzNetwork(2, 4, 1, Monotone = [{|-3|}, 1])] partial class Net;", "Monotone[0] = -3 is not a monotonicity: use 1 (non-decreasing), -1 (non-increasing) or 0 (free)")]
    public Task LIPG022_monotone_sign_outside_minus_one_to_one(string source, string message) => AssertSingle(source, "LIPG022", message);

    [Fact]
    public Task LIPG023_no_input_monotone_is_a_warning() => AssertSingle(
        "[LipGen.LipschitzNetwork(3, 4, 1, {|Monotone = new[] { 0, 0, 0 }|})] partial class Net;",
        "LIPG023", "Every Monotone entry is 0, so no input is monotone; the residual would only double the network's Lipschitz bound. Remove Monotone, or mark the monotone inputs with 1 or -1.",
        DiagnosticSeverity.Warning);

    [Theory]
    [InlineData("[LipGen.LipschitzNetwork(2, 4, 1, {|InputScales = new[] { 1.0 }|})] partial class Net;", "InputScales has 1 entries; the network has 2 inputs and needs one per input")]
    [InlineData("[LipGen.LipschitzNetwork(2, 4, 1, {|InputOffsets = new[] { 1.0, 2, 3 }|})] partial class Net;", "InputOffsets has 3 entries; the network has 2 inputs and needs one per input")]
    public Task LIPG024_one_map_value_per_input(string source, string message) => AssertSingle(source, "LIPG024", message);

    [Theory]
    [InlineData("[LipGen.LipschitzNetwork(2, 4, 1, InputScales = new[] { 1.0, {|0|} })] partial class Net;", "InputScales[1] = 0 is not valid: a scale must be greater than 0 (the map divides by it, and a negative one would reverse the input's direction)")]
    [InlineData("[LipGen.LipschitzNetwork(2, 4, 1, InputScales = new[] { {|-2.0|}, 1 })] partial class Net;", "InputScales[0] = -2 is not valid: a scale must be greater than 0 (the map divides by it, and a negative one would reverse the input's direction)")]
    [InlineData("[LipGen.LipschitzNetwork(2, 4, 1, InputScales = new[] { 1.0, {|1e-50|} })] partial class Net;", "InputScales[1] = 1E-50 is not valid: a scale must be greater than 0 (the map divides by it, and a negative one would reverse the input's direction)")]
    [InlineData("[LipGen.LipschitzNetwork(2, 4, 1, InputScales = new[] { 1.0, {|1e-44|} })] partial class Net;", "InputScales[1] = 1E-44 is not valid: a scale must be at least 1.2E-38, the smallest normal float (dividing by a subnormal one overflows z = (x − offset) / scale for inputs a few thousandths from the offset)")]
    [InlineData("[LipGen.LipschitzNetwork(2, 4, 1, InputScales = new[] { 1.0, {|1e39|} })] partial class Net;", "InputScales[1] = 1E+39 is not valid: a scale must be a finite float")]
    [InlineData("[LipGen.LipschitzNetwork(2, 4, 1, InputOffsets = new[] { {|double.NaN|}, 1 })] partial class Net;", "InputOffsets[0] = NaN is not valid: an offset must be a finite float")]
    public Task LIPG025_invalid_map_value(string source, string message) => AssertSingle(source, "LIPG025", message);

    [Theory]
    [InlineData("[LipGen.LipschitzNetwork(2, 4, 1, P = 1, {|Constraint = LipGen.LayerConstraint.Spectral|})] partial class Net;", "1")]
    [InlineData("[LipGen.LipschitzNetwork(2, 4, 1, {|Constraint = LipGen.LayerConstraint.Spectral|}, P = LipGen.Norm.Infinity)] partial class Net;", "∞")]
    public Task LIPG026_spectral_layers_need_p_2(string source, string p) =>
        AssertSingle(source, "LIPG026", $"Constraint = LayerConstraint.Spectral bounds every layer in ℓ2 → ℓ2, so the input norm must be P = 2, not {p}");

    [Fact]
    public Task LIPG026_aol_layers_need_p_2() => AssertSingle("[LipGen.LipschitzNetwork(2, 4, 1, P = 1, {|Constraint = LipGen.LayerConstraint.Aol|})] partial class Net;",
        "LIPG026", "Constraint = LayerConstraint.Aol bounds every layer in ℓ2 → ℓ2, so the input norm must be P = 2, not 1");

    [Theory]
    [InlineData("[LipGen.LipschitzNetwork(2, 4, 1, {|ResidualBlocks = 2|})] partial class Net;",
        "ResidualBlocks = 2 is not valid: an SLL block is 1-Lipschitz in ℓ2, so the layers around it must be bounded in ℓ2 too: Constraint = LayerConstraint.Spectral or LayerConstraint.Aol, with P = 2")]
    [InlineData("[LipGen.LipschitzNetwork(2, 4, 1, Constraint = LipGen.LayerConstraint.Aol, {|ResidualBlocks = -1|})] partial class Net;",
        "ResidualBlocks = -1 is not valid: the count must lie between 0 and 16")]
    [InlineData("[LipGen.LipschitzNetwork(2, 1, Constraint = LipGen.LayerConstraint.Spectral, {|ResidualBlocks = 1|})] partial class Net;",
        "ResidualBlocks = 1 is not valid: the blocks go after hidden layers, and this network has none")]
    public Task LIPG029_invalid_residual_blocks(string source, string message) => AssertSingle(source, "LIPG029", message);

    [Theory]
    [InlineData("[LipGen.LipschitzNetwork(2, 4, 1, Lipschitz = 2, Monotone = new[] { 1, 0 }, {|MonotoneResidual = 1.5|})] partial class Net;",
        "MonotoneResidual = 1.5 is not valid: it must be at least λ = 2, or the layers' slope (up to λ) could outweigh it and break monotonicity")]
    [InlineData("[LipGen.LipschitzNetwork(2, 4, 1, {|MonotoneResidual = 3|})] partial class Net;",
        "MonotoneResidual = 3 is not valid: it is the coefficient of the monotone residual, and the network declares no Monotone inputs")]
    [InlineData("[LipGen.LipschitzNetwork(2, 4, 1, Monotone = new[] { 1, 0 }, {|MonotoneResidual = 1e39|})] partial class Net;",
        "MonotoneResidual = 1E+39 is not valid: the coefficient must be at most float.MaxValue (about 3.4E+38): the layers' bounds and the monotone residual's coefficient are floats")]
    public Task LIPG030_invalid_monotone_residual(string source, string message) => AssertSingle(source, "LIPG030", message);

    [Theory]
    [InlineData("[LipGen.LipschitzNetwork(2, 4, 1, {|WeightPrecision = LipGen.Precision.BFloat16|})] partial class Net;",
        "WeightPrecision = Precision.BFloat16 is not valid: it is how compiled-in weights are stored, and the network compiles none in (no Weights file); a trained network is converted at run time with BFloat16Network.From(network)")]
    [InlineData("[LipGen.LipschitzNetwork(2, 4, 1, {|WeightPrecision = (LipGen.Precision)7|})] partial class Net;",
        "WeightPrecision = 7 is not valid: use Precision.Single or Precision.BFloat16")]
    public Task LIPG031_invalid_weight_precision(string source, string message) => AssertSingle(source, "LIPG031", message);

    [Fact]
    public async Task Single_precision_without_compiled_in_weights_has_no_diagnostic() =>
        Assert.Empty(await GeneratorHarness.AnalyzeAsync("[LipGen.LipschitzNetwork(2, 4, 1, WeightPrecision = LipGen.Precision.Single)] partial class Net;"));

    [Fact]
    public async Task Aol_layers_and_residual_blocks_with_p_2_have_no_diagnostic() =>
        Assert.Empty(await GeneratorHarness.AnalyzeAsync("[LipGen.LipschitzNetwork(2, 4, 1, Constraint = LipGen.LayerConstraint.Aol, ResidualBlocks = 2)] partial class Net;"));

    [Fact]
    public async Task A_spectral_declaration_with_p_2_has_no_diagnostic() =>
        Assert.Empty(await GeneratorHarness.AnalyzeAsync("[LipGen.LipschitzNetwork(2, 4, 1, Constraint = LipGen.LayerConstraint.Spectral)] partial class Net;"));

    [Fact]
    public Task LIPG027_unknown_constraint() => AssertSingle(
        "[LipGen.LipschitzNetwork(2, 4, 1, {|Constraint = (LipGen.LayerConstraint)7|})] partial class Net;",
        "LIPG027", "Constraint = 7 is not a LayerConstraint: use LayerConstraint.RowNorms, LayerConstraint.Spectral or LayerConstraint.Aol");
}
