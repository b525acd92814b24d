using System;
using System.Linq;
using LipGen.Model;

namespace LipGen.Generator.Emit;

/// <summary>
/// Emits the code of one kind of plan step, for every mode. The network emitter walks the plan once per mode and asks each
/// step's emitter for its part, so adding a step kind means adding one emitter here and one case to <see cref="For"/>.
/// </summary>
internal abstract class StepEmitter
{
    /// <summary>The emitter of a step: the one place that maps step kinds (and activation kinds) to code.</summary>
    public static StepEmitter For(PlanStep step, NetworkPlan plan) => step switch
    {
        DenseStep dense => new DenseEmitter(dense, plan),
        ActivationStep activation => ActivationEmitter.For(activation),
        InputMapStep map => new InputMapEmitter(map),
        MonotoneResidualStep residual => new ResidualEmitter(residual, plan),
        _ => throw new InvalidOperationException($"No emitter for plan step {step.GetType().Name}."),
    };

    /// <summary>Named constants of this step (declared values, fixed slopes), if it has any.</summary>
    public virtual void Constants(SourceWriter w)
    {
    }

    /// <summary>Named parameter offsets (const ints) of this step, if it has parameters.</summary>
    public virtual void ParameterLayout(SourceWriter w)
    {
    }

    /// <summary>Named workspace offsets of this step, if it uses the workspace.</summary>
    public virtual void WorkspaceLayout(SourceWriter w)
    {
    }

    /// <summary>The step in a forward pass.</summary>
    public abstract void Forward(SourceWriter w, Pass pass);

    /// <summary>The step in a backward walk (steps are visited last to first): δ in, δ of the step's input out.</summary>
    public abstract void Backward(SourceWriter w, Pass pass);

    /// <summary>Puts the step's parameters back inside their constraint.</summary>
    public virtual void Project(SourceWriter w)
    {
    }

    /// <summary>Seeded initialisation of the step's parameters.</summary>
    public virtual void Initialize(SourceWriter w)
    {
    }

    /// <summary>The step's compiled-in parameters, as float literals.</summary>
    public virtual void Weights(SourceWriter w, EquatableArray<float> parameters)
    {
    }
}

/// <summary>A dense layer z = W·a + b and its constraint.</summary>
internal sealed class DenseEmitter(DenseStep layer, NetworkPlan plan) : StepEmitter
{
    private string W => Names.W(layer);

    private string B => Names.B(layer);

    public override void ParameterLayout(SourceWriter w)
    {
        w.Line($"//   layer {layer.Number}: {W} [{layer.Outputs} × {layer.Inputs}] at {layer.WeightOffset}, {B} [{layer.Outputs}] at {layer.BiasOffset}");
        w.Line($"private const int {W} = {layer.WeightOffset}, {B} = {layer.BiasOffset};");
        if (layer.Constraint is SpectralConstraint spectral)
        {
            w.Line($"//   layer {layer.Number}: power-iteration vector [{spectral.StateLength}] at {spectral.StateOffset} (projection state, kept between steps)");
            w.Line($"private const int {State} = {spectral.StateOffset};");
        }
    }

    private string State => "PowerIteration" + layer.Number;

    public override void Forward(SourceWriter w, Pass pass)
    {
        string next = layer.Activation is { } activation ? ActivationEmitter.For(activation).Description : "output, no activation";
        w.Line();
        w.Line($"// Layer {layer.Number} of {plan.DenseLayers.Count}: dense {layer.Inputs} → {layer.Outputs}, {Constraint}; {next}.");
        string source = layer.Input is null ? pass.LayerInput : pass.Activations(layer.Input);
        string target = layer.Activation is null ? pass.Output : pass.Activations(layer.Activation);
        string sizes = $"outputs: {layer.Outputs}, inputs: {layer.Inputs}{pass.Columns}";
        if (layer.Activation is { } fused && ActivationEmitter.For(fused).FusesInto(pass))
        {
            w.Line($"// MaxMin runs on each register block of the product before it is stored.");
            w.Line($"{pass.Kernels}.Dense.ForwardMaxMin(ref At(parameters, {W}), ref At(parameters, {B}), ref {source}, ref {target}, ref {pass.IntWorkspace(Names.S(fused))}, {sizes}, recording: {(pass.Records ? "true" : "false")});");
            return;
        }
        w.Line($"{pass.Kernels}.Dense.Forward(ref At(parameters, {W}), ref At(parameters, {B}), ref {source}, ref {target}, {sizes});");
    }

    public override void Backward(SourceWriter w, Pass pass)
    {
        bool last = layer.Activation is null;
        string delta = last ? pass.OutputGradient : pass.Workspace(Names.D1);
        string input = layer.Input is null ? pass.LayerInput : pass.Workspace(Names.A(layer.Input));
        string shape = $"dense {layer.Inputs} → {layer.Outputs}";
        string d = pass.IsBatched ? "Δ" : "δ";
        string a = layer.Input is null ? (pass.IsBatched ? "X" : "x") : (pass.IsBatched ? "A" : "a") + layer.Input.Layer.Number;
        string gradients = pass.ParameterGradients
            ? $"; ∂{W} += {d}{layer.Number}·{a}ᵀ{(pass.IsBatched ? " over the batch" : "")}, ∂{B} += {d}{layer.Number}"
            : "";
        bool fused = layer.Input is not null && ActivationEmitter.For(layer.Input).FusesInto(pass);
        string gradientName = plan.InputMap is null ? "∂f/∂x" : "∂f/∂z";
        string onward = layer.Input is null
            ? pass.InputGradient ? plan.Residual is null ? $"; {gradientName} = {W}ᵀ·{d}{layer.Number}" : $"; {gradientName} += {W}ᵀ·{d}{layer.Number}" : ""
            : fused
                ? $"; {Names.D1} = {W}ᵀ·{d}{layer.Number} routed back through {ActivationEmitter.For(layer.Input).Name} {layer.Input.Layer.Number} per register block{(last ? "" : $" (in place: each block of {d} is packed before it is overwritten)")}"
                : $"; {Names.D0} = {W}ᵀ·{d}{layer.Number}, then back through {ActivationEmitter.For(layer.Input).Name} {layer.Input.Layer.Number} into {Names.D1}";
        w.Line();
        w.Line($"// Layer {layer.Number} ({shape}): {d}{layer.Number} = {(last ? "∂L/∂f" : Names.D1)}{gradients}{onward}.");

        string dense = $"{pass.Kernels}.Dense";
        string sizes = $"outputs: {layer.Outputs}, inputs: {layer.Inputs}{pass.Columns}";
        if (pass.ParameterGradients && layer.Input is not null && pass.FusedDenseBackward)
        {
            w.Line($"{dense}.Backward(ref At(parameters, {W}), ref At(parameterGradient, {W}), ref At(parameterGradient, {B}), ref {delta}, ref {input}, ref {pass.Workspace(Names.D0)}, {sizes});");
            return;
        }
        if (pass.ParameterGradients)
            w.Line($"{dense}.AccumulateGradients(ref At(parameterGradient, {W}), ref At(parameterGradient, {B}), ref {delta}, ref {input}, {sizes});");
        if (fused)
            w.Line($"{dense}.BackpropagateInputMaxMin(ref At(parameters, {W}), ref {delta}, ref {pass.IntWorkspace(Names.S(layer.Input!))}, ref {pass.Workspace(Names.D1)}, {sizes});");
        else if (layer.Input is not null)
            w.Line($"{dense}.BackpropagateInput(ref At(parameters, {W}), ref {delta}, ref {pass.Workspace(Names.D0)}, {sizes});");
        else if (pass.InputGradient)
            w.Line($"{dense}.{(plan.Residual is null ? "BackpropagateInput" : "BackpropagateInputAdding")}(ref At(parameters, {W}), ref {delta}, ref At(inputGradient, 0), {sizes});");
    }

    public override void Project(SourceWriter w)
    {
        switch (layer.Constraint)
        {
            case SpectralConstraint spectral:
                w.Line($"// Layer {layer.Number}: rescale {W} by a sound upper bound on ‖{W}‖₂ (power iteration, proved by a Cholesky test), so ‖{W}‖₂ ≤ {Bound}.");
                w.Line($"global::LipGen.Kernels.SpectralNorms.Project(parameters.Slice({W}, {layer.WeightCount}), rows: {layer.Outputs}, columns: {layer.Inputs}, bound: LayerBound, state: parameters.Slice({State}, {spectral.StateLength}));");
                break;
            case RowNormConstraint rows:
                w.Line($"// Layer {layer.Number}: every row of {W} onto the {NormText.Name(rows.Q, plan.P, rows.IsDualOfP)} ball of radius {Bound}, so {OperatorNorm} ≤ {Bound}.");
                w.Line($"global::LipGen.Kernels.RowNorms.Project(parameters.Slice({W}, {layer.WeightCount}), rows: {layer.Outputs}, columns: {layer.Inputs}, q: {(rows.IsDualOfP ? "Q" : NormText.Literal(rows.Q))}, bound: LayerBound);");
                break;
        }
    }

    public override void Initialize(SourceWriter w) =>
        w.Line($"global::LipGen.Kernels.Initialization.Layer(parameters.Slice({W}, {layer.WeightCount + layer.Outputs}), fanIn: {layer.Inputs}, ref random);");

    public override void Weights(SourceWriter w, EquatableArray<float> parameters)
    {
        w.Line($"    // {W} [{layer.Outputs} × {layer.Inputs}]");
        NormText.Floats(w, parameters, layer.WeightOffset, layer.WeightCount);
        w.Line($"    // {B} [{layer.Outputs}]");
        NormText.Floats(w, parameters, layer.BiasOffset, layer.Outputs);
    }

    private string Bound => "λ" + NormText.Subscript(layer.Number);

    /// <summary>The operator norm the constraint bounds: ‖W1‖_{p→∞}, ‖Wᵢ‖_{∞→∞}.</summary>
    private string OperatorNorm => layer.Constraint switch
    {
        SpectralConstraint => $"‖{W}‖₂",
        RowNormConstraint { IsDualOfP: true } => $"‖{W}‖_{{{NormText.Number(plan.P)}→∞}}",
        _ => $"‖{W}‖_{{∞→∞}}",
    };

    /// <summary>The layer's constraint in words, for the per-layer comment.</summary>
    private string Constraint => layer.Constraint switch
    {
        SpectralConstraint => $"spectral norm bounded by {Bound} (‖{W}‖₂ ≤ {Bound}, ℓ2 → ℓ2)",
        RowNormConstraint rows => $"rows bounded in {NormText.Name(rows.Q, plan.P, rows.IsDualOfP)} by {Bound} ({OperatorNorm} ≤ {Bound})",
        _ => "",
    };
}

/// <summary>
/// An activation in place on its layer's output. Every activation kernel has the same shape (Forward, ForwardRecording,
/// Backward over a width, plus its own arguments), so one emitter serves them all; <see cref="For"/> picks the kernel.
/// </summary>
internal sealed class ActivationEmitter : StepEmitter
{
    private readonly ActivationStep _activation;
    private readonly string _kernel, _arguments;

    private ActivationEmitter(ActivationStep activation, string kernel, string arguments, string name, string description, string record)
    {
        _activation = activation;
        _kernel = kernel;
        _arguments = arguments;
        Name = name;
        Description = description;
        RecordName = record;
    }

    /// <summary>The activation dispatch, written once: kernel class, extra arguments and wording per activation kind.</summary>
    public static ActivationEmitter For(ActivationStep a) => a.Kind switch
    {
        Activation.ReLU => new(a, "ReLU", "", "ReLU", "ReLU", "ReLU on/off mask"),
        _ when a.GroupSize == 2 => new(a, "MaxMin", "", "GroupSort", "GroupSort, group size 2 (MaxMin)", "GroupSort record"),
        _ => new(a, "GroupSort", $", groupSize: {a.GroupSize}", "GroupSort",
            $"GroupSort, group size {a.GroupSize}{(a.GroupSize == a.Width ? " (FullSort)" : "")}", "GroupSort record"),
    };

    /// <summary>
    /// Whether the dense kernels of this pass run the activation themselves, on each register block of the product (forward)
    /// and of Wᵀ·δ (backward): MaxMin in the batched passes. The activation step then emits nothing of its own.
    /// </summary>
    public bool FusesInto(Pass pass) => pass.IsBatched && _kernel == "MaxMin";

    /// <summary>The activation's name ("GroupSort", "ReLU").</summary>
    public string Name { get; }

    /// <summary>The activation with its parameters, for per-layer comments.</summary>
    public string Description { get; }

    /// <summary>What its record holds, for the workspace comment.</summary>
    public string RecordName { get; }

    private string A => Names.A(_activation);

    private string S => Names.S(_activation);

    public override void WorkspaceLayout(SourceWriter w) =>
        w.Line($"private const int {A} = {_activation.ActivationOffset}, {S} = {_activation.RecordOffset};");

    public override void Forward(SourceWriter w, Pass pass)
    {
        if (FusesInto(pass))
            return;
        string record = pass.Records ? $"ref {pass.IntWorkspace(S)}, " : "";
        w.Line($"{pass.Kernels}.{_kernel}.{(pass.Records ? "ForwardRecording" : "Forward")}(ref {pass.Activations(_activation)}, {record}width: {_activation.Width}{_arguments}{pass.Columns});");
    }

    public override void Backward(SourceWriter w, Pass pass)
    {
        if (!FusesInto(pass))
            w.Line($"{pass.Kernels}.{_kernel}.Backward(ref {pass.Workspace(Names.D0)}, ref {pass.IntWorkspace(S)}, ref {pass.Workspace(Names.D1)}, width: {_activation.Width}{_arguments}{pass.Columns});");
    }
}

/// <summary>The input map z = (x − offset) / scale: fixed parameters, no gradient, scales checked by the projection.</summary>
internal sealed class InputMapEmitter(InputMapStep map) : StepEmitter
{
    public override void ParameterLayout(SourceWriter w)
    {
        w.Line($"//   input map z = (x − offset) / scale: offsets [{map.Inputs}] at {map.OffsetOffset}, scales [{map.Inputs}] at {map.ScaleOffset} (fixed, never trained)");
        w.Line($"private const int {Names.InputOffsets} = {map.OffsetOffset}, {Names.InputScales} = {map.ScaleOffset};");
    }

    public override void WorkspaceLayout(SourceWriter w) =>
        w.Line($"private const int {Names.Z} = {map.MappedOffset}; // the mapped input z, which the first layer and the residual read");

    public override void Forward(SourceWriter w, Pass pass)
    {
        w.Line();
        w.Line($"// Input map: z = (x − offset) / scale for each of the {map.Inputs} inputs; the layers see z, the guarantees are stated in x.");
        w.Line($"{pass.Kernels}.InputMap.Forward(ref At(parameters, {Names.InputOffsets}), ref At(parameters, {Names.InputScales}), ref {pass.Input}, ref {pass.LayerInput}, inputs: {map.Inputs}{pass.Columns});");
    }

    public override void Backward(SourceWriter w, Pass pass)
    {
        if (!pass.InputGradient)
            return;
        w.Line();
        w.Line("// Input map: ∂f/∂x = ∂f/∂z / scale.");
        w.Line($"{pass.Kernels}.InputMap.Backward(ref At(parameters, {Names.InputScales}), ref At(inputGradient, 0), inputs: {map.Inputs});");
    }

    public override void Project(SourceWriter w)
    {
        w.Line("// Input map: the scales are not trained, but a file or a caller may have set them; each must be positive.");
        w.Line($"global::LipGen.Kernels.Guard.PositiveScales(parameters.Slice({Names.InputScales}, {map.Inputs}), Description);");
    }

    public override void Initialize(SourceWriter w)
    {
        w.Line($"DeclaredInputOffsets.CopyTo(parameters.Slice({Names.InputOffsets}, {map.Inputs}));");
        w.Line($"DeclaredInputScales.CopyTo(parameters.Slice({Names.InputScales}, {map.Inputs}));");
    }

    public override void Constants(SourceWriter w)
    {
        w.Line("// The input map as declared (0 and 1 where not given); InputMaps.Fit replaces it with the data's mean and spread.");
        w.Line($"private static global::System.ReadOnlySpan<float> DeclaredInputOffsets => new float[] {{ {string.Join(", ", map.InitialOffsets.Select(NormText.FloatLiteral))} }};");
        w.Line($"private static global::System.ReadOnlySpan<float> DeclaredInputScales => new float[] {{ {string.Join(", ", map.InitialScales.Select(NormText.FloatLiteral))} }};");
    }

    public override void Weights(SourceWriter w, EquatableArray<float> parameters)
    {
        w.Line($"    // input map: offsets [{map.Inputs}]");
        NormText.Floats(w, parameters, map.OffsetOffset, map.Inputs);
        w.Line($"    // input map: scales [{map.Inputs}]");
        NormText.Floats(w, parameters, map.ScaleOffset, map.Inputs);
    }
}

/// <summary>The monotone residual f = g + c·Σᵢ sᵢ·zᵢ: no parameters, its slopes c·sᵢ a constant of the generated code.</summary>
internal sealed class ResidualEmitter(MonotoneResidualStep residual, NetworkPlan plan) : StepEmitter
{
    private string Input => plan.InputMap is null ? "x" : "z";

    public override void Constants(SourceWriter w)
    {
        string signs = string.Join(", ", residual.Signs.Select(s => s > 0 ? "+1" : s < 0 ? "−1" : "0"));
        w.Line($"// Monotone residual: f = g + c·Σᵢ sᵢ·{Input}ᵢ with s = [{signs}] and c = λ rounded up to a float ({NormText.FloatLiteral(residual.Coefficient)}):");
        w.Line($"// sᵢ·∂f/∂{Input}ᵢ ∈ [c − λ, c + λ] ⊂ [0, 2c], and f is λ·(1 + ‖s‖_{NormText.Number(plan.Q)})-Lipschitz. Its slopes aᵢ = c·sᵢ:");
        w.Line($"private static global::System.ReadOnlySpan<float> {Names.ResidualSlopes} => new float[] {{ {string.Join(", ", residual.Signs.Select(s => NormText.FloatLiteral(s * residual.Coefficient)))} }};");
    }

    public override void Forward(SourceWriter w, Pass pass)
    {
        w.Line();
        w.Line($"// Monotone residual: every output += Σᵢ aᵢ·{Input}ᵢ.");
        w.Line($"{pass.Kernels}.MonotoneResidual.Forward(ref At({Names.ResidualSlopes}, 0), ref {pass.LayerInput}, ref {pass.Output}, inputs: {residual.Inputs}, outputs: {residual.Outputs}{pass.Columns});");
    }

    public override void Backward(SourceWriter w, Pass pass)
    {
        if (!pass.InputGradient)
            return; // no parameters: δ reaches the output layer unchanged
        w.Line();
        w.Line($"// Monotone residual: ∂f/∂{Input} starts as a·Σₖ δₖ; the first layer adds its part.");
        w.Line($"{pass.Kernels}.MonotoneResidual.Backward(ref At({Names.ResidualSlopes}, 0), ref {pass.OutputGradient}, ref At(inputGradient, 0), inputs: {residual.Inputs}, outputs: {residual.Outputs});");
    }
}
