using System.Collections.Generic;
using System.Linq;

namespace LipGen.Generator.Emit;

/// <summary>
/// Every member the generator adds to a network type, with its declaration: the one table the emitter, the fallback emitter
/// (which writes the same members with throwing bodies) and the parser's reserved names read.
/// </summary>
internal static class GeneratedMembers
{
    private const string Span = "global::System.Span<float>";
    private const string ReadOnlySpan = "global::System.ReadOnlySpan<float>";

    /// <summary>A generated member: its name, its declaration (without modifiers), and who has it.</summary>
    /// <param name="Name">The member's name (for the reserved names).</param>
    /// <param name="Declaration">The signature after the modifiers, e.g. <c>void Forward(…)</c>.</param>
    /// <param name="Summary">Its documentation summary.</param>
    /// <param name="Training">True for members only a trainable network has (not an inference-only, compiled-in one).</param>
    /// <param name="OneOutput">True for members only a single-output network has.</param>
    public sealed record Member(string Name, string Declaration, string Summary, bool Training = false, bool OneOutput = false);

    /// <summary>The network type's own members, for a trainable network (instance) or a compiled-in one (static).</summary>
    public static IReadOnlyList<Member> Network { get; } = new Member[]
    {
        new("Description", "global::LipGen.NetworkDescription Description", "The declaration and parameter layout."),
        new("Parameters", "{Parameters} Parameters", "All parameters: per layer W row-major [out, in], then b [out]; see Kernel for the offsets."),
        new("Forward", $"void Forward({ReadOnlySpan} input, {Span} output)", "Writes f(input) to output. Thread-safe, allocation-free."),
        new("Forward", $"float Forward({ReadOnlySpan} input)", "f(input) of this single-output network. Thread-safe, allocation-free.", OneOutput: true),
        new("ForwardBatch", $"void ForwardBatch({ReadOnlySpan} inputs, {Span} outputs)", "Forward over row-major [batch, inputs] data into [batch, outputs], on every core."),
        new("ForwardBatch", $"void ForwardBatch({ReadOnlySpan} inputs, {Span} outputs, int maxDegreeOfParallelism)", "Forward over a batch on at most that many threads (−1: every core)."),
        new("LipschitzBound", "double LipschitzBound()", "The certificate L̂ of the parameters."),
        new("Backward", $"void Backward({ReadOnlySpan} inputs, {ReadOnlySpan} outputGradients, {Span} parameterGradient)", "Adds Σ over the batch of ∂L/∂θ.", Training: true),
        new("InputGradient", $"void InputGradient({ReadOnlySpan} input, {ReadOnlySpan} outputGradient, {Span} inputGradient)", "(∂f/∂x)ᵀ·outputGradient at input.", Training: true),
        new("Project", "void Project()", "Enforces the Lipschitz constraint, and recomputes derived values.", Training: true),
        new("Initialize", "void Initialize(ulong seed)", "Seeded initialisation, then Project.", Training: true),
    };

    /// <summary>The static members of the nested Kernel struct: the inference interface, then the training interface.</summary>
    public static IReadOnlyList<Member> Kernel { get; } = new Member[]
    {
        new("Description", "global::LipGen.NetworkDescription Description", "The declaration and parameter layout."),
        new("InputCount", "int InputCount", "Input width."),
        new("OutputCount", "int OutputCount", "Output width."),
        new("ParameterCount", "int ParameterCount", "Number of floats in the parameter buffer."),
        new("WorkspaceLength", "int WorkspaceLength", "Floats of scratch a sample needs."),
        new("Forward", $"void Forward({ReadOnlySpan} parameters, {ReadOnlySpan} input, {Span} output)", "Inference of one sample."),
        new("ForwardBatch", $"void ForwardBatch({ReadOnlySpan} parameters, {ReadOnlySpan} inputs, {Span} outputs, int columns, {Span} workspace)", "Inference of a feature-major batch."),
        new("LipschitzBound", $"double LipschitzBound({ReadOnlySpan} parameters)", "The certificate L̂."),
        new("ForwardBFloat16", $"void ForwardBFloat16({ReadOnlySpan} parameters, global::System.ReadOnlySpan<ushort> weights, {ReadOnlySpan} input, {Span} output)", "Inference of one sample with the dense layers' weights from their bfloat16 copy.", Training: true),
        new("ForwardRecording", $"void ForwardRecording({ReadOnlySpan} parameters, {ReadOnlySpan} input, {Span} output, {Span} workspace)", "The recording forward pass of one sample.", Training: true),
        new("BackwardFromRecording", $"void BackwardFromRecording({ReadOnlySpan} parameters, {ReadOnlySpan} input, {ReadOnlySpan} outputGradient, {Span} parameterGradient, {Span} workspace)", "Adds ∂L/∂θ of one sample.", Training: true),
        new("InputGradient", $"void InputGradient({ReadOnlySpan} parameters, {ReadOnlySpan} input, {ReadOnlySpan} outputGradient, {Span} inputGradient, {Span} workspace)", "(∂f/∂x)ᵀ·outputGradient.", Training: true),
        new("ForwardBatchRecording", $"void ForwardBatchRecording({ReadOnlySpan} parameters, {ReadOnlySpan} inputs, {Span} outputs, int columns, {Span} workspace)", "The recording forward pass of a batch.", Training: true),
        new("BackwardBatchFromRecording", $"void BackwardBatchFromRecording({ReadOnlySpan} parameters, {ReadOnlySpan} inputs, {ReadOnlySpan} outputGradients, {Span} parameterGradient, int columns, {Span} workspace)", "Adds ∂L/∂θ of a batch.", Training: true),
        new("Project", $"void Project({Span} parameters)", "Enforces the constraint.", Training: true),
        new("Initialize", $"void Initialize({Span} parameters, ulong seed)", "Seeded initialisation.", Training: true),
    };

    /// <summary>Names the generated part also defines beyond the members: constants, the Kernel struct, the field.</summary>
    private static readonly string[] OtherNames = { "InputCount", "OutputCount", "ParameterCount", "Kernel", "WeightsFile", "BFloat16Weights", "_parameters", "CreateInitialParameters" };

    /// <summary>Every name the generated partial class defines; a user member (or an inherited one) with one of them would clash.</summary>
    public static IReadOnlyList<string> ReservedNames { get; } = Network.Select(m => m.Name).Concat(OtherNames).Distinct().ToArray();

    /// <summary>The members a network of this kind has.</summary>
    public static IEnumerable<Member> For(IReadOnlyList<Member> table, bool embedded, bool oneOutput) =>
        table.Where(m => (!embedded || !m.Training) && (oneOutput || !m.OneOutput));

    /// <summary>A member's declaration with the parameter buffer's type for this kind of network.</summary>
    public static string Declare(Member member, bool embedded) => member.Declaration.Replace("{Parameters}", embedded ? ReadOnlySpan : Span);
}
