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
    private const string Span = "global::System.Span<float>";
    private const string ReadOnlySpan = "global::System.ReadOnlySpan<float>";
    private const string Throw = "=> throw NotGenerated();";

    private static void Member(SourceWriter w, string declaration)
    {
        w.Line("/// <summary>Not generated; throws.</summary>");
        w.Line(declaration);
    }

    private static void Inherited(SourceWriter w, string declaration)
    {
        w.Line("/// <inheritdoc/>");
        w.Line(declaration);
    }

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
        Member(w, $"{member} global::LipGen.NetworkDescription Description {Throw}");
        Member(w, $"{member} {(embedded ? ReadOnlySpan : Span)} Parameters {Throw}");
        Member(w, $"{member} void Forward({ReadOnlySpan} input, {Span} output) {Throw}");
        Member(w, $"{member} float Forward({ReadOnlySpan} input) {Throw}");
        Member(w, $"{member} void ForwardBatch({ReadOnlySpan} inputs, {Span} outputs) {Throw}");
        Member(w, $"{member} void ForwardBatch({ReadOnlySpan} inputs, {Span} outputs, int maxDegreeOfParallelism) {Throw}");
        Member(w, $"{member} double LipschitzBound() {Throw}");
        if (!embedded)
        {
            Member(w, $"public void Backward({ReadOnlySpan} inputs, {ReadOnlySpan} outputGradients, {Span} parameterGradient) {Throw}");
            Member(w, $"public void InputGradient({ReadOnlySpan} input, {ReadOnlySpan} outputGradient, {Span} inputGradient) {Throw}");
            Member(w, $"public void Project() {Throw}");
            Member(w, $"public void Initialize(ulong seed) {Throw}");
        }
        w.Line();
        w.Line("/// <summary>Not generated; every member throws.</summary>");
        w.Line(generatedCode);
        w.Open("public readonly struct Kernel : global::LipGen.ILipschitzKernel");
        Inherited(w, $"public static global::LipGen.NetworkDescription Description {Throw}");
        foreach (string count in new[] { "InputCount", "OutputCount", "ParameterCount", "WorkspaceLength" })
            Inherited(w, $"public static int {count} {Throw}");
        Inherited(w, $"public static void Forward({ReadOnlySpan} parameters, {ReadOnlySpan} input, {Span} output) {Throw}");
        Inherited(w, $"public static void ForwardRecording({ReadOnlySpan} parameters, {ReadOnlySpan} input, {Span} output, {Span} workspace) {Throw}");
        Inherited(w, $"public static void BackwardFromRecording({ReadOnlySpan} parameters, {ReadOnlySpan} input, {ReadOnlySpan} outputGradient, {Span} parameterGradient, {Span} workspace) {Throw}");
        Inherited(w, $"public static void InputGradient({ReadOnlySpan} parameters, {ReadOnlySpan} input, {ReadOnlySpan} outputGradient, {Span} inputGradient, {Span} workspace) {Throw}");
        Inherited(w, $"public static void ForwardBatch({ReadOnlySpan} parameters, {ReadOnlySpan} inputs, {Span} outputs, int columns, {Span} workspace) {Throw}");
        Inherited(w, $"public static void ForwardBatchRecording({ReadOnlySpan} parameters, {ReadOnlySpan} inputs, {Span} outputs, int columns, {Span} workspace) {Throw}");
        Inherited(w, $"public static void BackwardBatchFromRecording({ReadOnlySpan} parameters, {ReadOnlySpan} inputs, {ReadOnlySpan} outputGradients, {Span} parameterGradient, int columns, {Span} workspace) {Throw}");
        Inherited(w, $"public static void Project({Span} parameters) {Throw}");
        Inherited(w, $"public static double LipschitzBound({ReadOnlySpan} parameters) {Throw}");
        Inherited(w, $"public static void Initialize({Span} parameters, ulong seed) {Throw}");
        w.Close();
        w.Line();
        w.Line("private static global::System.InvalidOperationException NotGenerated() =>");
        w.Line($"    new(\"{spec.FullName} was not generated: its [LipschitzNetwork] declaration has errors (see its LIPG diagnostics).\");");
        w.Close();
    }
}
