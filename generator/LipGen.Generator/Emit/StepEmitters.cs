using System;
using System.Linq;
using LipGen.Model;

namespace LipGen.Generator.Emit;

/// <summary>
/// Emits the code of one kind of plan step, for every mode. The network emitter walks the plan once per mode and asks each
/// step's emitter for its part. <see cref="For"/> is an <see cref="IPlanVisitor{T}"/>: a new step kind does not compile
/// until it has an emitter here.
/// </summary>
internal abstract class StepEmitter
{
    /// <summary>The emitter of a step: the one place that maps step kinds to code.</summary>
    public static StepEmitter For(PlanStep step, NetworkPlan plan) => step.Accept(new Factory(plan));

    private sealed class Factory(NetworkPlan plan) : IPlanVisitor<StepEmitter>
    {
        public StepEmitter Visit(InputMapStep step) => new InputMapEmitter(step);

        public StepEmitter Visit(DenseStep step) => new DenseEmitter(step, plan);

        public StepEmitter Visit(ActivationStep step) => ActivationEmitter.For(step);

        public StepEmitter Visit(ResidualBlockStep step) => new ResidualBlockEmitter(step);

        public StepEmitter Visit(MonotoneResidualStep step) => new MonotoneResidualEmitter(step, plan);

        public StepEmitter Visit(OutputMapStep step) => new OutputMapEmitter(step);
    }

    /// <summary>Named constants of this step (declared values, fixed slopes), if it has any.</summary>
    public virtual void Constants(SourceWriter w)
    {
    }

    /// <summary>Named parameter offsets (const ints) of this step, if it has parameters.</summary>
    public virtual void ParameterLayout(SourceWriter w)
    {
    }

    /// <summary>Named workspace offsets of this step: its output slot, records and private slots.</summary>
    public virtual void WorkspaceLayout(SourceWriter w)
    {
    }

    /// <summary>The step in a forward pass.</summary>
    public abstract void Forward(SourceWriter w, Pass pass);

    /// <summary>The step in a backward walk (steps are visited last to first): the gradient of its output in, its inputs' out.</summary>
    public abstract void Backward(SourceWriter w, Pass pass);

    /// <summary>Puts the step's parameters back inside their constraint, and recomputes what derives from them.</summary>
    public virtual void Project(SourceWriter w)
    {
    }

    /// <summary>Seeded initialisation of the step's parameters.</summary>
    public virtual void Initialize(SourceWriter w)
    {
    }

    /// <summary>The offsets of a slot's values and gradient, as named constants.</summary>
    protected static void SlotLayout(SourceWriter w, ValueSlot slot, string what)
    {
        if (slot.IsExternal)
            return;
        string values = slot.AliasOf is null ? $"{Names.Value(slot)} = {slot.ValueOffset}, " : "";
        w.Line($"private const int {values}{Names.Gradient(slot)} = {slot.GradientOffset}; // {what} [{slot.Width}]{(slot.AliasOf is null ? "" : $" (in place on {Names.Value(slot)})")}");
    }
}

/// <summary>A dense layer z = W·a + b and its constraint.</summary>
internal sealed class DenseEmitter(DenseStep layer, NetworkPlan plan) : StepEmitter
{
    private string W => Names.W(layer);

    private string Executed => Names.ExecutedW(layer);

    private string B => Names.B(layer);

    private string Bound => "λ" + NormText.Subscript(layer.Number);

    public override void ParameterLayout(SourceWriter w)
    {
        w.Line($"//   layer {layer.Number}: {W} [{layer.Outputs} × {layer.Inputs}] at {layer.WeightOffset}, {B} [{layer.Outputs}] at {layer.BiasOffset}");
        w.Line($"private const int {W} = {layer.WeightOffset}, {B} = {layer.BiasOffset};");
        switch (layer.Constraint)
        {
            case SpectralConstraint spectral:
                w.Line($"//   layer {layer.Number}: power-iteration vector [{spectral.StateLength}] at {spectral.StateOffset} (projection state, kept between steps)");
                w.Line($"private const int {State} = {spectral.StateOffset};");
                break;
            case AolConstraint aol:
                w.Line($"//   layer {layer.Number}: {Executed} = {W}·D [{layer.Outputs} × {layer.Inputs}] at {aol.ExecutedOffset} and D's diagonal [{layer.Inputs}] at {aol.ScaleOffset} (derived from {W}; the layer runs with {Executed})");
                w.Line($"private const int {Executed} = {aol.ExecutedOffset}, {Scales} = {aol.ScaleOffset};");
                break;
        }
    }

    private string State => "PowerIteration" + layer.Number;

    private string Scales => "ColumnScales" + layer.Number;

    public override void WorkspaceLayout(SourceWriter w) => SlotLayout(w, layer.Output, $"layer {layer.Number}'s output");

    /// <summary>True when this pass runs the activation after the layer inside the product (MaxMin on feature-major blocks).</summary>
    private bool FusesForward(Pass pass) => layer.Activation is { } next && ActivationEmitter.For(next).FusesForward(pass);

    /// <summary>True when the backward product routes its result through the activation before it (MaxMin, read only here).</summary>
    private bool FusesBackward(Pass pass) => ActivationBefore is { } before && ActivationEmitter.For(before).FusesBackward(pass);

    /// <summary>The activation whose output this layer reads, if it reads one.</summary>
    private ActivationStep? ActivationBefore => plan.Steps.OfType<ActivationStep>().FirstOrDefault(a => ReferenceEquals(a.Output, layer.Input));

    public override void Forward(SourceWriter w, Pass pass)
    {
        string next = layer.Activation is { } activation ? ActivationEmitter.For(activation).Description : "output, no activation";
        w.Line();
        w.Line($"// Layer {layer.Number} of {plan.DenseLayers.Count}: dense {layer.Inputs} → {layer.Outputs}, {Constraint}; {next}.");
        string weights = $"in At(parameters, {Executed}), in At(parameters, {B}), in {pass.Value(layer.Input)}, ref {pass.Value(layer.Output)}";
        string sizes = $"outputs: {layer.Outputs}, inputs: {layer.Inputs}{pass.Columns}";
        if (pass.BFloat16Weights)
        {
            w.Line($"{pass.Kernels}.Dense.ForwardBFloat16(in At(weights, {Names.BFloat16W(layer)}), in At(parameters, {B}), in {pass.Value(layer.Input)}, ref {pass.Value(layer.Output)}, {sizes});");
            return;
        }
        if (!pass.IsBatched)
        {
            w.Line($"{pass.Kernels}.Dense.Forward({weights}, {sizes});");
            return;
        }
        if (FusesForward(pass))
        {
            w.Line("// MaxMin runs on each register block of the product before it is stored.");
            string epilogue = pass.Records ? "MaxMinRecording" : "MaxMin";
            w.Line($"{pass.Kernels}.Dense.Forward<{pass.Kernels}.Epilogue.{epilogue}>({weights}, ref {pass.IntWorkspace(Names.S(layer.Activation!))}, {sizes});");
            return;
        }
        w.Line($"{pass.Kernels}.Dense.Forward<{pass.Kernels}.Epilogue.None>({weights}, {Pass.NoRecord}, {sizes});");
    }

    public override void Backward(SourceWriter w, Pass pass)
    {
        string delta = pass.Gradient(layer.Output);
        string input = pass.Value(layer.Input);
        string d = pass.IsBatched ? "Δ" : "δ";
        // The gradient of the layer's input is needed by every layer but the first, and by the first for ∂f/∂x.
        bool inputGradient = !layer.IsFirst || pass.InputGradient;
        bool sets = plan.SetsGradient(layer, layer.Input);
        bool fused = inputGradient && FusesBackward(pass);
        ValueSlot target = fused ? ActivationBefore!.Input : layer.Input;
        string gradients = pass.ParameterGradients ? $"; ∂{Executed} += {d}{layer.Number}·{layer.Input.Name}ᵀ{(pass.IsBatched ? " over the batch" : "")}, ∂{B} += {d}{layer.Number}" : "";
        string onward = !inputGradient ? ""
            : fused ? $"; {Names.Gradient(target)} = {Executed}ᵀ·{d}{layer.Number} routed back through {ActivationEmitter.For(ActivationBefore!).Name} {ActivationBefore!.Layer.Number} per register block"
            : $"; {Names.Gradient(target)} {(sets ? "=" : "+=")} {Executed}ᵀ·{d}{layer.Number}";
        w.Line();
        w.Line($"// Layer {layer.Number} (dense {layer.Inputs} → {layer.Outputs}): {d}{layer.Number} = ∂L/∂{layer.Output.Name}{gradients}{onward}.");

        string dense = $"{pass.Kernels}.Dense";
        string sizes = $"outputs: {layer.Outputs}, inputs: {layer.Inputs}{pass.Columns}";
        string parameterGradient = $"ref At(parameterGradient, {Executed}), ref At(parameterGradient, {B})";
        if (pass.ParameterGradients && inputGradient && sets && pass.FusedDenseBackward)
        {
            w.Line($"{dense}.Backward(in At(parameters, {Executed}), {parameterGradient}, in {delta}, in {input}, ref {pass.Gradient(target)}, {sizes});");
            return;
        }
        if (pass.ParameterGradients)
            w.Line($"{dense}.AccumulateGradients({parameterGradient}, in {delta}, in {input}, {sizes});");
        if (!inputGradient)
            return;
        if (pass.IsBatched)
        {
            string epilogue = fused ? "MaxMinRoute" : "None";
            string record = fused ? $"ref {pass.IntWorkspace(Names.S(ActivationBefore!))}" : Pass.NoRecord;
            w.Line($"{dense}.BackpropagateInput<{pass.Kernels}.Epilogue.{epilogue}>(in At(parameters, {Executed}), in {delta}, {record}, ref {pass.Gradient(target)}, {sizes});");
            return;
        }
        w.Line($"{dense}.{(sets ? "BackpropagateInput" : "BackpropagateInputAdding")}(in At(parameters, {Executed}), in {delta}, ref {pass.Gradient(target)}, {sizes});");
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
            case AolConstraint:
                w.Line($"// Layer {layer.Number}: {Executed} = {W}·D, D = diag({Bound}/√Σₖ|{W}ᵀ{W}|ⱼₖ) rounded down, so ‖{Executed}‖₂ ≤ {Bound} by construction.");
                w.Line($"global::LipGen.Kernels.Aol.Rescale(parameters.Slice({W}, {layer.WeightCount}), parameters.Slice({Executed}, {layer.WeightCount}), parameters.Slice({Scales}, {layer.Inputs}), rows: {layer.Outputs}, columns: {layer.Inputs}, bound: LayerBound);");
                break;
            default:
                throw new NotSupportedException($"No projection for {layer.Constraint.GetType().Name}.");
        }
    }

    public override void Initialize(SourceWriter w) =>
        w.Line($"global::LipGen.Kernels.Initialization.Layer(parameters.Slice({W}, {layer.WeightCount + layer.Outputs}), fanIn: {layer.Inputs}, ref random);");

    /// <summary>The operator norm the constraint bounds: ‖W1‖_{p→∞}, ‖Wᵢ‖_{∞→∞}, ‖W‖₂.</summary>
    private string OperatorNorm => layer.Constraint switch
    {
        RowNormConstraint { IsDualOfP: true } => $"‖{W}‖_{{{NormText.Number(plan.P)}→∞}}",
        RowNormConstraint => $"‖{W}‖_{{∞→∞}}",
        _ => $"‖{Executed}‖₂",
    };

    /// <summary>The layer's constraint in words, for the per-layer comment.</summary>
    private string Constraint => layer.Constraint switch
    {
        SpectralConstraint => $"spectral norm bounded by {Bound} (‖{W}‖₂ ≤ {Bound}, ℓ2 → ℓ2)",
        AolConstraint => $"AOL-rescaled, {Executed} = {W}·D with ‖{Executed}‖₂ ≤ {Bound} (ℓ2 → ℓ2)",
        RowNormConstraint rows => $"rows bounded in {NormText.Name(rows.Q, plan.P, rows.IsDualOfP)} by {Bound} ({OperatorNorm} ≤ {Bound})",
        _ => throw new NotSupportedException($"No description of {layer.Constraint.GetType().Name}."),
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
        Activation.GroupSort when a.GroupSize == 2 => new(a, "MaxMin", "", "GroupSort", "GroupSort, group size 2 (MaxMin)", "GroupSort record"),
        Activation.GroupSort when a.GroupSize >= 1 => new(a, "GroupSort", $", groupSize: {a.GroupSize}", "GroupSort",
            $"GroupSort, group size {a.GroupSize}{(a.GroupSize == a.Width ? " (FullSort)" : "")}", "GroupSort record"),
        _ => throw new NotSupportedException($"No kernel for activation {a.Kind} (group size {a.GroupSize})."),
    };

    /// <summary>Whether the dense kernels of this pass run the activation in the epilogue of the product before it (MaxMin, batched).</summary>
    public bool FusesForward(Pass pass) => pass.IsBatched && _kernel == "MaxMin";

    /// <summary>
    /// Whether the backward product of the layer after it routes through the activation in its epilogue: MaxMin, batched, and
    /// only when that layer is its one reader (a residual block reading it leaves the route to this step).
    /// </summary>
    public bool FusesBackward(Pass pass) =>
        FusesForward(pass) && _activation.Output.Readers.Count == 1 && _activation.Output.Readers[0] is DenseStep;

    /// <summary>The activation's name ("GroupSort", "ReLU").</summary>
    public string Name { get; }

    /// <summary>The activation with its parameters, for per-layer comments.</summary>
    public string Description { get; }

    /// <summary>What its record holds, for the workspace comment.</summary>
    public string RecordName { get; }

    private string S => Names.S(_activation);

    public override void WorkspaceLayout(SourceWriter w)
    {
        SlotLayout(w, _activation.Output, $"{Name} {_activation.Layer.Number}'s output");
        w.Line($"private const int {S} = {_activation.RecordOffset}; // its {RecordName} [{_activation.Width}]");
    }

    public override void Forward(SourceWriter w, Pass pass)
    {
        if (FusesForward(pass))
            return;
        string record = pass.Records ? $"ref {pass.IntWorkspace(S)}, " : "";
        w.Line($"{pass.Kernels}.{_kernel}.{(pass.Records ? "ForwardRecording" : "Forward")}(ref {pass.Value(_activation.Output)}, {record}width: {_activation.Width}{_arguments}{pass.Columns});");
    }

    /// <summary>The gradient of the activation's output routed back through its record to its input's (skipped when fused).</summary>
    public override void Backward(SourceWriter w, Pass pass)
    {
        if (FusesBackward(pass))
            return;
        w.Line($"{pass.Kernels}.{_kernel}.Backward(in {pass.Gradient(_activation.Output)}, in {pass.IntWorkspace(S)}, ref {pass.Gradient(_activation.Input)}, width: {_activation.Width}{_arguments}{pass.Columns});");
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

    public override void WorkspaceLayout(SourceWriter w) => SlotLayout(w, map.Output, "the mapped input z, which the first layer and the residual read");

    public override void Forward(SourceWriter w, Pass pass)
    {
        w.Line();
        w.Line($"// Input map: z = (x − offset) / scale for each of the {map.Inputs} inputs; the layers see z, the guarantees are stated in x.");
        w.Line($"{pass.Kernels}.InputMap.Forward(in At(parameters, {Names.InputOffsets}), in At(parameters, {Names.InputScales}), in {pass.Value(map.Reads[0])}, ref {pass.Value(map.Output)}, inputs: {map.Inputs}{pass.Columns});");
    }

    public override void Backward(SourceWriter w, Pass pass)
    {
        if (!pass.InputGradient)
            return;
        w.Line();
        w.Line("// Input map: ∂f/∂x = ∂f/∂z / scale.");
        w.Line($"{pass.Kernels}.InputMap.Backward(in At(parameters, {Names.InputScales}), in {pass.Gradient(map.Output)}, ref {pass.Gradient(map.Reads[0])}, inputs: {map.Inputs});");
    }

    public override void Project(SourceWriter w)
    {
        w.Line("// Input map: the scales are not trained, but a file or a caller may have set them; each must be valid.");
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
}

/// <summary>The output map y = offset + scale·g: fixed parameters, no gradient of their own, scales checked by the projection.</summary>
internal sealed class OutputMapEmitter(OutputMapStep map) : StepEmitter
{
    public override void ParameterLayout(SourceWriter w)
    {
        w.Line($"//   output map y = offset + scale·g: offsets [{map.Outputs}] at {map.OffsetOffset}, scales [{map.Outputs}] at {map.ScaleOffset} (fixed, never trained)");
        w.Line($"private const int {Names.OutputOffsets} = {map.OffsetOffset}, {Names.OutputScales} = {map.ScaleOffset};");
    }

    public override void Forward(SourceWriter w, Pass pass)
    {
        w.Line();
        w.Line($"// Output map: y = offset + scale·g for each of the {map.Outputs} outputs; λ bounds g, the guarantees are stated in y.");
        w.Line($"{pass.Kernels}.OutputMap.Forward(in At(parameters, {Names.OutputOffsets}), in At(parameters, {Names.OutputScales}), in {pass.Value(map.Input)}, ref {pass.Value(map.Output)}, outputs: {map.Outputs}{pass.Columns});");
    }

    public override void Backward(SourceWriter w, Pass pass)
    {
        w.Line();
        w.Line("// Output map: ∂L/∂g = scale·∂L/∂y.");
        w.Line($"{pass.Kernels}.OutputMap.Backward(in At(parameters, {Names.OutputScales}), in {pass.Gradient(map.Output)}, ref {pass.Gradient(map.Input)}, outputs: {map.Outputs}{pass.Columns});");
    }

    public override void Project(SourceWriter w)
    {
        w.Line("// Output map: the scales are not trained, but a file or a caller may have set them; each must be valid.");
        w.Line($"global::LipGen.Kernels.Guard.PositiveOutputScales(parameters.Slice({Names.OutputScales}, {map.Outputs}), Description);");
    }

    public override void Initialize(SourceWriter w)
    {
        w.Line("// Output map: the identity (offsets 0, scales 1) until OutputMaps.Fit sets the targets' mean and spread.");
        w.Line($"parameters.Slice({Names.OutputOffsets}, {map.Outputs}).Clear();");
        w.Line($"parameters.Slice({Names.OutputScales}, {map.Outputs}).Fill(1f);");
    }
}

/// <summary>The monotone residual f = g + c·Σᵢ sᵢ·zᵢ: no parameters, its slopes c·sᵢ a constant of the generated code.</summary>
internal sealed class MonotoneResidualEmitter(MonotoneResidualStep residual, NetworkPlan plan) : StepEmitter
{
    private string Input => plan.InputMap is null ? "x" : "z";

    public override void Constants(SourceWriter w)
    {
        string signs = string.Join(", ", residual.Signs.Select(s => s > 0 ? "+1" : s < 0 ? "−1" : "0"));
        string source = plan.Declaration.MonotoneResidual is null ? "λ" : "MonotoneResidual";
        string bound = plan.Declaration.MonotoneResidual is null ? "λ·(1 + ‖s‖_" + NormText.Number(plan.Q) + ")" : "(λ + c·‖s‖_" + NormText.Number(plan.Q) + ")";
        w.Line($"// Monotone residual: f = g + c·Σᵢ sᵢ·{Input}ᵢ with s = [{signs}] and c = {source} rounded up to a float ({NormText.FloatLiteral(residual.Coefficient)}):");
        w.Line($"// sᵢ·∂f/∂{Input}ᵢ ∈ [c − λ, c + λ] ⊂ [0, 2c], and f is {bound}-Lipschitz. Its slopes aᵢ = c·sᵢ:");
        w.Line($"private static global::System.ReadOnlySpan<float> {Names.ResidualSlopes} => new float[] {{ {string.Join(", ", residual.Signs.Select(s => NormText.FloatLiteral(s * residual.Coefficient)))} }};");
    }

    public override void Forward(SourceWriter w, Pass pass)
    {
        w.Line();
        w.Line($"// Monotone residual: every output += Σᵢ aᵢ·{Input}ᵢ.");
        w.Line($"{pass.Kernels}.MonotoneResidual.Forward(in At({Names.ResidualSlopes}, 0), in {pass.Value(residual.Input)}, ref {pass.Value(residual.Output)}, inputs: {residual.Inputs}, outputs: {residual.Outputs}{pass.Columns});");
    }

    public override void Backward(SourceWriter w, Pass pass)
    {
        if (!pass.InputGradient)
            return; // no parameters: δ reaches the output layer unchanged
        w.Line();
        w.Line($"// Monotone residual: ∂f/∂{Input} starts as a·Σₖ δₖ; the first layer adds its part.");
        w.Line($"{pass.Kernels}.MonotoneResidual.Backward(in At({Names.ResidualSlopes}, 0), in {pass.Gradient(residual.Output)}, ref {pass.Gradient(residual.Input)}, inputs: {residual.Inputs}, outputs: {residual.Outputs});");
    }
}

/// <summary>An SLL residual block y = x − 2·Wᵀ·diag(t)·ReLU(W·x + b); t derived from W and q by the projection.</summary>
internal sealed class ResidualBlockEmitter(ResidualBlockStep block) : StepEmitter
{
    private string Name(string what) => $"Block{what}{block.Number}";

    private string M => "M" + block.Number;

    public override void ParameterLayout(SourceWriter w)
    {
        w.Line($"//   residual block {block.Number} (after layer {block.Layer}): W [{block.Inner} × {block.Width}] at {block.WeightOffset}, b [{block.Inner}] at {block.BiasOffset}, q [{block.Inner}] at {block.ExponentOffset} (trained); t [{block.Inner}] at {block.DiagonalOffset} (derived)");
        w.Line($"private const int {Name("W")} = {block.WeightOffset}, {Name("B")} = {block.BiasOffset}, {Name("Q")} = {block.ExponentOffset}, {Name("T")} = {block.DiagonalOffset};");
    }

    public override void WorkspaceLayout(SourceWriter w)
    {
        SlotLayout(w, block.Hidden, $"residual block {block.Number}'s inner ReLU(W·x + b)");
        w.Line($"private const int {M} = {block.RecordOffset}; // its ReLU on/off mask [{block.Inner}]");
        SlotLayout(w, block.Output, $"residual block {block.Number}'s output");
    }

    private string Weights => $"in At(parameters, {Name("W")}), in At(parameters, {Name("B")}), in At(parameters, {Name("T")})";

    private string Sizes(Pass pass) => $"width: {block.Width}, inner: {block.Inner}{pass.Columns}";

    public override void Forward(SourceWriter w, Pass pass)
    {
        w.Line();
        w.Line($"// Residual block {block.Number} (SLL, {block.Width} → {block.Width}): y = x − 2·Wᵀ·diag(t)·ReLU(W·x + b), 1-Lipschitz in ℓ2 by construction.");
        string record = pass.Records ? $"ref {pass.IntWorkspace(M)}" : Pass.NoRecord;
        w.Line($"{pass.Kernels}.ResidualBlock.Forward({Weights}, in {pass.Value(block.Input)}, ref {pass.Value(block.Hidden)}, {record}, ref {pass.Value(block.Output)}, {Sizes(pass)});");
    }

    public override void Backward(SourceWriter w, Pass pass)
    {
        w.Line();
        w.Line($"// Residual block {block.Number}: ∂x = δ + Wᵀ·(m ⊙ t ⊙ (−2·W·δ)){(pass.ParameterGradients ? "; ∂W, ∂b and ∂t (folded into W and q by the trainer)" : "")}.");
        string gradients = pass.ParameterGradients
            ? $"ref At(parameterGradient, {Name("W")}), ref At(parameterGradient, {Name("B")}), ref At(parameterGradient, {Name("T")})"
            : "ref global::System.Runtime.CompilerServices.Unsafe.NullRef<float>(), ref global::System.Runtime.CompilerServices.Unsafe.NullRef<float>(), ref global::System.Runtime.CompilerServices.Unsafe.NullRef<float>()";
        w.Line($"{pass.Kernels}.ResidualBlock.Backward({Weights}, in {pass.Value(block.Input)}, in {pass.Value(block.Hidden)}, in {pass.IntWorkspace(M)}, in {pass.Gradient(block.Output)}, ref {pass.Gradient(block.Hidden)}, ref {pass.Gradient(block.Input)}, {gradients}, {Sizes(pass)}, parameterGradients: {(pass.ParameterGradients ? "true" : "false")});");
    }

    public override void Project(SourceWriter w)
    {
        w.Line($"// Residual block {block.Number}: tᵢ = 1/Σⱼ|W·Wᵀ|ᵢⱼ·e^(qⱼ − qᵢ), rounded down, so the block is 1-Lipschitz.");
        w.Line($"global::LipGen.Kernels.ResidualBlock.Derive(parameters.Slice({Name("W")}, {block.Inner * block.Width}), parameters.Slice({Name("Q")}, {block.Inner}), parameters.Slice({Name("T")}, {block.Inner}), width: {block.Width}, inner: {block.Inner});");
    }

    public override void Initialize(SourceWriter w) =>
        w.Line($"global::LipGen.Kernels.Initialization.ResidualBlock(parameters.Slice({Name("W")}, {block.Inner * block.Width + 2 * block.Inner}), width: {block.Width}, inner: {block.Inner}, ref random);");
}
