namespace LipGen.Generator.Emit;

/// <summary>
/// The members of a declaration that could not be generated (its arguments have errors, or its weights file cannot be
/// compiled in), with bodies that throw. Code that uses the network then compiles, so the only errors the user sees are
/// the LIPG diagnostics on the attribute, as dotnet/runtime's Regex generator falls back rather than leaving members
/// missing. It is never emitted for a type whose shape is wrong (not partial, generic, a member clash): a generated part
/// would add errors of its own there.
/// </summary>
internal static class FallbackEmitter
{
    private const string Throw = "=> throw NotGenerated();";

    public static void Emit(SourceWriter w, NetworkSpec spec, string generatedCode)
    {
        bool embedded = spec.WeightsFile is not null;
        string member = embedded ? "public static" : "public";
        w.Line("/// <summary>");
        w.Line($"/// Not generated: the [LipschitzNetwork] declaration of {spec.FullName} has errors (see its LIPG diagnostics). Every");
        w.Line("/// member throws until they are fixed; the members exist so that code using the network reports nothing else.");
        w.Line("/// </summary>");
        w.Open(embedded ? $"partial {spec.Keyword} {spec.TypeName}" : $"partial {spec.Keyword} {spec.TypeName} : global::LipGen.ILipschitzNetwork<{spec.TypeName}.Kernel>");
        w.Line("/// <summary>Input width (unknown: the declaration has errors).</summary>");
        w.Line("public const int InputCount = 0;");
        w.Line("/// <summary>Output width (unknown: the declaration has errors).</summary>");
        w.Line("public const int OutputCount = 0;");
        w.Line("/// <summary>Number of parameters (unknown: the declaration has errors).</summary>");
        w.Line("public const int ParameterCount = 0;");
        w.Line();
        if (embedded)
        {
            w.Line("/// <summary>The file the weights were to be compiled from.</summary>");
            w.Line($"public const string WeightsFile = \"{spec.WeightsFile!.Replace("\\", "\\\\").Replace("\"", "\\\"")}\";");
            w.Line();
        }
        // The members the table lists, for this kind of network (every output count: the widths may be what is wrong).
        foreach (GeneratedMembers.Member generated in GeneratedMembers.For(GeneratedMembers.Network, embedded, oneOutput: true))
        {
            w.Line("/// <summary>Not generated; throws.</summary>");
            w.Line($"{member} {GeneratedMembers.Declare(generated, embedded)} {Throw}");
        }
        w.Line();
        w.Line("/// <summary>Not generated; every member throws.</summary>");
        w.Line(generatedCode);
        w.Open($"public readonly struct Kernel : global::LipGen.{(embedded ? "ILipschitzInference" : "ILipschitzKernel")}");
        foreach (GeneratedMembers.Member generated in GeneratedMembers.For(GeneratedMembers.Kernel, embedded, oneOutput: true))
        {
            w.Line("/// <inheritdoc/>");
            w.Line($"public static {generated.Declaration} {Throw}");
        }
        w.Close();
        w.Line();
        w.Line("private static global::System.InvalidOperationException NotGenerated() =>");
        w.Line($"    new(\"{spec.FullName} was not generated: its [LipschitzNetwork] declaration has errors (see its LIPG diagnostics).\");");
        w.Close();
    }
}
