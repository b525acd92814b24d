using System.Globalization;
using BenchmarkDotNet.Attributes;
using LipGen.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace LipGen.Benchmarks;

/// <summary>The generator on a project that declares 50 networks in 10 files, next to 10 files of ordinary code.</summary>
[MemoryDiagnoser]
public class GeneratorBenchmarks
{
    private CSharpCompilation _compilation = null!;
    private CSharpCompilation _edited = null!;
    private GeneratorDriver _warm = null!;

    [GlobalSetup]
    public void Setup()
    {
        var trees = new List<SyntaxTree>();
        string[] ps = ["1", "2", "LipGen.Norm.Infinity", "1.5"];
        for (int file = 0; file < 10; file++)
        {
            var source = new System.Text.StringBuilder($"namespace Models.Group{file};\n");
            for (int n = 0; n < 5; n++)
            {
                int i = file * 5 + n;
                int width = 8 * (1 + i % 8);
                source.Append(CultureInfo.InvariantCulture,
                    $"[LipGen.LipschitzNetwork({2 + i % 5}, {width}, {width}, {1 + i % 3}, GroupSize = 2, P = {ps[i % 4]}, Lipschitz = {1 + i % 3})]\npublic partial class Net{i};\n");
            }
            trees.Add(CSharpSyntaxTree.ParseText(source.ToString(), path: $"Networks{file}.cs"));
        }
        for (int file = 0; file < 10; file++)
            trees.Add(CSharpSyntaxTree.ParseText($"namespace App; public static class Helpers{file} {{ public static int Twice(int x) => x * 2; }}", path: $"Helpers{file}.cs"));

        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p) is "System.Private.CoreLib.dll" or "System.Runtime.dll" or "System.Runtime.Intrinsics.dll" or "System.Memory.dll" or "System.Runtime.InteropServices.dll")
            .Append(typeof(LipGen.NetworkDescription).Assembly.Location)
            .Select(p => MetadataReference.CreateFromFile(p));
        _compilation = CSharpCompilation.Create("FiftyNetworks", trees, references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        SyntaxTree helper = trees[^1];
        _edited = _compilation.ReplaceSyntaxTree(helper, CSharpSyntaxTree.ParseText(helper.ToString().Replace("x * 2", "x + x"), path: helper.FilePath));
        _warm = NewDriver().RunGenerators(_compilation);
        if (_warm.GetRunResult().GeneratedTrees.Length != 50)
            throw new InvalidOperationException("expected 50 generated files");
    }

    private static GeneratorDriver NewDriver() => CSharpGeneratorDriver.Create(new LipschitzNetworkGenerator());

    /// <summary>A first build: parse 50 declarations, emit 50 files.</summary>
    [Benchmark]
    public GeneratorDriver ColdGeneration() => NewDriver().RunGenerators(_compilation);

    /// <summary>An IDE keystroke in an unrelated file: every output comes from the cache.</summary>
    [Benchmark]
    public GeneratorDriver RerunAfterUnrelatedEdit() => _warm.RunGenerators(_edited);
}
