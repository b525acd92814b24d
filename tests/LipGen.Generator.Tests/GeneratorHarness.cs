extern alias runtime;
using System.Collections.Immutable;
using LipGen.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace LipGen.Generator.Tests;

/// <summary>Compiles source text against the runtime and runs the generator (and analyzer) on it, in memory.</summary>
internal static class GeneratorHarness
{
    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly ImmutableArray<MetadataReference> References =
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            // What user code and generated code need; a short list keeps each of the fuzz test's compilations cheap.
            .Where(path => Path.GetFileName(path) is "System.Private.CoreLib.dll" or "System.Runtime.dll" or "System.Runtime.Intrinsics.dll"
                or "System.Memory.dll" or "System.Runtime.InteropServices.dll" or "System.Collections.dll" or "System.Linq.dll"
                or "System.Console.dll" or "netstandard.dll")
            .Append(typeof(runtime::LipGen.NetworkDescription).Assembly.Location)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToImmutableArray();

    /// <summary>The references every test compilation gets: the framework's assemblies and the LipGen runtime.</summary>
    public static IEnumerable<MetadataReference> ReferencesForTests => References;

    public static CSharpCompilation Compilation(params string[] sources) =>
        CSharpCompilation.Create("UserProject",
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"Source{i}.cs")),
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver Driver() =>
        CSharpGeneratorDriver.Create([new LipschitzNetworkGenerator().AsSourceGenerator()], parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator; returns its result and the compilation with the generated files added.</summary>
    public static (GeneratorRunResult Result, Compilation Output) Run(params string[] sources)
    {
        GeneratorDriver driver = Driver().RunGeneratorsAndUpdateCompilation(Compilation(sources), out Compilation output, out _);
        return (driver.GetRunResult().Results.Single(), output);
    }

    /// <summary>An additional file on disk (the generator reads weights files by path).</summary>
    public sealed class FileText(string path) : AdditionalText
    {
        public override string Path { get; } = path;

        public override Microsoft.CodeAnalysis.Text.SourceText? GetText(CancellationToken cancellationToken = default) => null;
    }

    /// <summary>Writes <paramref name="files"/> to a fresh folder and returns them as additional files.</summary>
    public static ImmutableArray<AdditionalText> Files(params (string Name, byte[] Bytes)[] files)
    {
        string folder = Directory.CreateTempSubdirectory("lipgen-gen-").FullName;
        return files.Select(f =>
        {
            string path = System.IO.Path.Combine(folder, f.Name);
            File.WriteAllBytes(path, f.Bytes);
            return (AdditionalText)new FileText(path);
        }).ToImmutableArray();
    }

    /// <summary>Runs the generator with additional files.</summary>
    public static (GeneratorRunResult Result, Compilation Output) Run(ImmutableArray<AdditionalText> files, params string[] sources)
    {
        GeneratorDriver driver = Driver().AddAdditionalTexts(files).RunGeneratorsAndUpdateCompilation(Compilation(sources), out Compilation output, out _);
        return (driver.GetRunResult().Results.Single(), output);
    }

    /// <summary>The analyzer's diagnostics on the sources, with additional files.</summary>
    public static async Task<ImmutableArray<Diagnostic>> AnalyzeAsync(ImmutableArray<AdditionalText> files, params string[] sources)
    {
        CompilationWithAnalyzers withAnalyzers = Compilation(sources).WithAnalyzers([new LipschitzNetworkAnalyzer()], new AnalyzerOptions(files));
        return await withAnalyzers.GetAnalyzerDiagnosticsAsync();
    }

    /// <summary>The analyzer's diagnostics on the sources.</summary>
    public static async Task<ImmutableArray<Diagnostic>> AnalyzeAsync(params string[] sources)
    {
        CompilationWithAnalyzers withAnalyzers = Compilation(sources).WithAnalyzers([new LipschitzNetworkAnalyzer()]);
        return await withAnalyzers.GetAnalyzerDiagnosticsAsync();
    }
}
