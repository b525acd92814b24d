using LipGen.Model;

namespace LipGen.Generator.Emit;

/// <summary>
/// One generated method's walk over the plan: which kernel family it calls (single sample or feature-major batch), where
/// it keeps activations, whether it records for a backward pass, and what a backward walk produces. Step emitters ask the
/// pass for every address, so one emitter per step kind serves every mode.
/// </summary>
internal sealed class Pass
{
    private readonly int _maxHiddenWidth;
    private readonly bool _mapped;

    private Pass(string kernels, bool batched, bool records, bool stackActivations, bool parameterGradients, bool inputGradient,
        bool fusedDenseBackward, NetworkPlan plan)
    {
        _mapped = plan.InputMap is not null;
        Kernels = kernels;
        IsBatched = batched;
        Records = records;
        StackActivations = stackActivations;
        ParameterGradients = parameterGradients;
        InputGradient = inputGradient;
        FusedDenseBackward = fusedDenseBackward;
        _maxHiddenWidth = plan.MaxHiddenWidth;
    }

    private const string Single = "global::LipGen.Kernels", Batch = "global::LipGen.Kernels.Batched";

    /// <summary>Inference: activations in two alternating stack buffers, nothing recorded.</summary>
    public static Pass Inference(NetworkPlan plan) => new(Single, false, false, true, false, false, false, plan);

    /// <summary>The single-sample training forward pass: activations and records kept in the workspace.</summary>
    public static Pass Recording(NetworkPlan plan) => new(Single, false, true, false, false, false, false, plan);

    /// <summary>The single-sample parameter-gradient pass (dense gradient and Wᵀ·δ fused per layer).</summary>
    public static Pass Backward(NetworkPlan plan) => new(Single, false, true, false, true, false, true, plan);

    /// <summary>(∂f/∂x)ᵀ·v of one sample: no parameter gradients, Wᵀ·δ down to the input.</summary>
    public static Pass InputGradients(NetworkPlan plan) => new(Single, false, true, false, false, true, false, plan);

    /// <summary>Mini-batch inference on [width × columns] blocks: activations in the workspace, nothing recorded.</summary>
    public static Pass BatchInference(NetworkPlan plan) => new(Batch, true, false, false, false, false, false, plan);

    /// <summary>The mini-batch training forward pass on [width × columns] blocks.</summary>
    public static Pass BatchRecording(NetworkPlan plan) => new(Batch, true, true, false, false, false, false, plan);

    /// <summary>The mini-batch parameter-gradient pass.</summary>
    public static Pass BatchBackward(NetworkPlan plan) => new(Batch, true, true, false, true, false, false, plan);

    /// <summary>The kernel namespace this pass calls into.</summary>
    public string Kernels { get; }

    /// <summary>Feature-major mini-batch: every region is <c>columns</c> times as wide, every kernel takes <c>columns</c>.</summary>
    public bool IsBatched { get; }

    /// <summary>Activations keep a record (GroupSort permutation, ReLU mask) for a backward pass.</summary>
    public bool Records { get; }

    /// <summary>Activations live in two alternating stack buffers instead of the workspace.</summary>
    public bool StackActivations { get; }

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

    public string Input => $"At(input{Plural}, 0)";

    /// <summary>
    /// The input as the first layer and the residual read it: the caller's input, or the mapped input z when the plan has an
    /// input map (on the stack for inference, in the workspace's Z region otherwise).
    /// </summary>
    public string LayerInput => !_mapped ? Input : StackActivations ? "At(mapped, 0)" : Workspace(Names.Z);

    public string Output => $"At(output{Plural}, 0)";

    public string OutputGradient => $"At(outputGradient{Plural}, 0)";

    /// <summary>A float region of the workspace at a named offset.</summary>
    public string Workspace(string offset) => IsBatched ? $"At(workspace, {offset} * columns)" : $"At(workspace, {offset})";

    /// <summary>An int region (records) of the workspace at a named offset.</summary>
    public string IntWorkspace(string offset) => IsBatched ? $"IntAt(workspace, {offset} * columns)" : $"IntAt(workspace, {offset})";

    /// <summary>Where a hidden layer's activations live in this pass.</summary>
    public string Activations(ActivationStep activation) => StackActivations
        ? $"At(hidden, {(activation.Layer.Number - 1) % 2 * _maxHiddenWidth})"
        : Workspace(Names.A(activation));
}

/// <summary>The named offsets of generated code: W1, B1 in the parameters; A1, S1, D0, D1, O in the workspace.</summary>
internal static class Names
{
    public static string W(DenseStep layer) => "W" + layer.Number;

    public static string B(DenseStep layer) => "B" + layer.Number;

    public static string A(ActivationStep activation) => "A" + activation.Layer.Number;

    public static string S(ActivationStep activation) => "S" + activation.Layer.Number;

    public const string D0 = nameof(D0), D1 = nameof(D1), O = nameof(O), Z = nameof(Z);

    public const string InputOffsets = nameof(InputOffsets), InputScales = nameof(InputScales), ResidualSlopes = nameof(ResidualSlopes);
}
