using LipGen.Model;

namespace LipGen.Generator.Emit;

/// <summary>
/// One generated method's walk over the plan: which kernel family it calls (single sample or feature-major batch), where
/// each value slot and its gradient live in it, whether it records for a backward pass, and what a backward walk produces.
/// Step emitters ask the pass for every address, so one emitter per step kind serves every mode.
/// </summary>
internal sealed class Pass
{
    private Pass(string kernels, bool batched, bool records, bool stack, bool parameterGradients, bool inputGradient, bool fusedDenseBackward,
        bool bfloat16Weights = false)
    {
        BFloat16Weights = bfloat16Weights;
        Kernels = kernels;
        IsBatched = batched;
        Records = records;
        UsesStack = stack;
        ParameterGradients = parameterGradients;
        InputGradient = inputGradient;
        FusedDenseBackward = fusedDenseBackward;
    }

    private const string Single = "global::LipGen.Kernels", Batch = "global::LipGen.Kernels.Batched";

    /// <summary>Inference: slots on the stack (reused once no longer read), nothing recorded.</summary>
    public static Pass Inference { get; } = new(Single, false, false, true, false, false, false);

    /// <summary>Inference with the dense layers' weights read from their bfloat16 copy (the <c>weights</c> span).</summary>
    public static Pass BFloat16Inference { get; } = new(Single, false, false, true, false, false, false, bfloat16Weights: true);

    /// <summary>The single-sample training forward pass: slots and records kept in the workspace.</summary>
    public static Pass Recording { get; } = new(Single, false, true, false, false, false, false);

    /// <summary>The single-sample parameter-gradient pass (dense gradient and Wᵀ·δ fused per layer).</summary>
    public static Pass Backward { get; } = new(Single, false, true, false, true, false, true);

    /// <summary>(∂f/∂x)ᵀ·v of one sample: no parameter gradients, gradients down to the input.</summary>
    public static Pass InputGradients { get; } = new(Single, false, true, false, false, true, false);

    /// <summary>Mini-batch inference on [width × columns] blocks: slots in the workspace, nothing recorded.</summary>
    public static Pass BatchInference { get; } = new(Batch, true, false, false, false, false, false);

    /// <summary>The mini-batch training forward pass on [width × columns] blocks.</summary>
    public static Pass BatchRecording { get; } = new(Batch, true, true, false, false, false, false);

    /// <summary>The mini-batch parameter-gradient pass.</summary>
    public static Pass BatchBackward { get; } = new(Batch, true, true, false, true, false, false);

    /// <summary>Dense layers read their weights from the bfloat16 copy, at its own offsets (<see cref="Names.BFloat16W"/>).</summary>
    public bool BFloat16Weights { get; }

    /// <summary>The kernel namespace this pass calls into.</summary>
    public string Kernels { get; }

    /// <summary>Feature-major mini-batch: every region is <c>columns</c> times as wide, every kernel takes <c>columns</c>.</summary>
    public bool IsBatched { get; }

    /// <summary>Steps keep what their backward pass needs (activation records, inner values).</summary>
    public bool Records { get; }

    /// <summary>Slots live on the stack (single-sample inference) instead of the workspace.</summary>
    public bool UsesStack { get; }

    /// <summary>A backward walk that accumulates ∂L/∂θ.</summary>
    public bool ParameterGradients { get; }

    /// <summary>A backward walk that ends in the gradient with respect to the input.</summary>
    public bool InputGradient { get; }

    /// <summary>The dense parameter gradient and Wᵀ·δ are one kernel call (one pass over W).</summary>
    public bool FusedDenseBackward { get; }

    /// <summary>The trailing argument every kernel of this pass takes.</summary>
    public string Columns => IsBatched ? ", columns" : "";

    /// <summary>The suffix of the generated method's span parameters ("s" for the batch's plural names).</summary>
    private string Plural => IsBatched ? "s" : "";

    /// <summary>A slot's values: the caller's input or output, a stack region (inference), or a workspace region.</summary>
    public string Value(ValueSlot slot) =>
        slot.IsInput ? $"At(input{Plural}, 0)"
        : slot.IsOutput ? $"At(output{Plural}, 0)"
        : UsesStack ? $"At(stack, {slot.StackOffset})"
        : Workspace(Names.Value(slot));

    /// <summary>A slot's gradient: the caller's input gradient or output gradient, or a workspace region.</summary>
    public string Gradient(ValueSlot slot) =>
        slot.IsInput ? "At(inputGradient, 0)"
        : slot.IsOutput ? $"At(outputGradient{Plural}, 0)"
        : Workspace(Names.Gradient(slot));

    /// <summary>A float region of the workspace at a named offset.</summary>
    public string Workspace(string offset) => IsBatched ? $"At(workspace, {offset} * columns)" : $"At(workspace, {offset})";

    /// <summary>An int region (records) of the workspace at a named offset.</summary>
    public string IntWorkspace(string offset) => IsBatched ? $"IntAt(workspace, {offset} * columns)" : $"IntAt(workspace, {offset})";

    /// <summary>No record: the kernels' argument when a pass keeps none.</summary>
    public const string NoRecord = "ref global::System.Runtime.CompilerServices.Unsafe.NullRef<int>()";
}

/// <summary>
/// The named offsets of generated code. Parameters: W1, B1 per layer (and a layer's rescaled weights, state or scales);
/// BlockW1, BlockB1, BlockQ1, BlockT1 per residual block; InputOffsets, InputScales; OutputOffsets, OutputScales. Workspace:
/// each slot's values (Z, A1, R1_1, U1, G) and gradient (dZ, dH1, dA1, dR1_1, dU1), records (S1, M1), and the output scratch O.
/// </summary>
internal static class Names
{
    public static string W(DenseStep layer) => "W" + layer.Number;

    /// <summary>The weights the layer runs with: W itself, or W·D for AOL.</summary>
    public static string ExecutedW(DenseStep layer) => layer.ExecutedWeightOffset == layer.WeightOffset ? W(layer) : "WD" + layer.Number;

    public static string B(DenseStep layer) => "B" + layer.Number;

    /// <summary>A layer's executed weights in the bfloat16 copy.</summary>
    public static string BFloat16W(DenseStep layer) => "BFloat16W" + layer.Number;

    public static string S(ActivationStep activation) => "S" + activation.Layer.Number;

    /// <summary>The values of a slot: in place slots name the slot they live in.</summary>
    public static string Value(ValueSlot slot) => slot.AliasOf is { } target ? Value(target) : Identifier(slot.Name, value: true);

    /// <summary>The gradient of a slot: every slot has its own.</summary>
    public static string Gradient(ValueSlot slot) => "d" + Identifier(slot.Name, value: false);

    /// <summary>z → Z, h1 → A1 (a layer's output holds its activations in place), a1 → A1, r1_2 → R1_2, u1 → U1.</summary>
    private static string Identifier(string name, bool value) =>
        value && name[0] == 'h' ? "A" + name.Substring(1) : char.ToUpperInvariant(name[0]) + name.Substring(1);

    public const string O = nameof(O);

    public const string InputOffsets = nameof(InputOffsets), InputScales = nameof(InputScales), ResidualSlopes = nameof(ResidualSlopes);

    public const string OutputOffsets = nameof(OutputOffsets), OutputScales = nameof(OutputScales);
}
