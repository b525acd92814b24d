// The one model of a network. This file and the rest of Model/ (but for the *.Runtime.cs parts) are compiled into both the
// runtime and the generator (linked, as dotnet/runtime's Regex generator links RegexNode.cs), so parameter regions, value
// slots, per-layer bounds, q and the workspace layout are computed here and nowhere else. It must compile for
// netstandard2.0 (the generator's target).
using System;
using System.Collections.Generic;
using System.Linq;

namespace LipGen.Model;

/// <summary>
/// A network as an ordered list of typed steps over named value slots, with the layout every pass shares: typed parameter
/// regions, the per-layer constraint and bound, q = dual(p) and the workspace. Built from a <see cref="NetworkDeclaration"/>.
/// </summary>
/// <remarks>
/// <para>Steps read and write <see cref="ValueSlot"/>s: the input x, the mapped input z, each dense layer's output, each
/// activation's output (in place on its layer's), each residual block's output, the core's output g (with an output map), and the network's output f. A slot has
/// its values and its gradient in the workspace (the input and the output live in the caller's spans). A slot read by
/// several steps (z, by the first layer and the monotone residual) has its gradient set by the last reader in forward order
/// and added to by the others: <see cref="SetsGradient"/>.</para>
/// <para>Parameters are <see cref="ParameterRegion"/>s, each with a role (weight, bias, fixed map, trainable, projection state,
/// derived) and an element type. The dense layers come first, each W row-major [out, in] then b [out]; then the residual
/// blocks' parameters; then the input map; then the output map; then projection state; then derived values. A network without the later kinds
/// keeps the layout it always had. Saved files, compiled-in weights and ONNX export walk the regions.</para>
/// <para>Each step kind supplies its own meaning: its bound in the certificate, its float-error propagation, its tensors, its
/// metadata, its ONNX nodes and the gradient through its derived values (<see cref="PlanStep"/>). Batched passes use the same
/// workspace layout with every region <c>columns</c> times as wide.</para>
/// </remarks>
internal sealed class NetworkPlan
{
    private NetworkPlan(NetworkDeclaration declaration) => Declaration = declaration;

    /// <summary>The declaration this plan was built from.</summary>
    public NetworkDeclaration Declaration { get; }

    /// <summary>Layer widths: input, hidden…, output.</summary>
    public IReadOnlyList<int> Widths => Declaration.Widths;

    /// <summary>The input-space norm p.</summary>
    public double P => Declaration.P;

    /// <summary>q, the dual of p (1/p + 1/q = 1): the first row-bounded layer's rows are bounded in ‖·‖_q.</summary>
    public double Q { get; private set; }

    /// <summary>The declared Lipschitz bound λ.</summary>
    public double Lipschitz => Declaration.Lipschitz;

    /// <summary>The activation after every hidden layer.</summary>
    public Activation Activation => Declaration.Activation;

    /// <summary>How every dense layer is bounded.</summary>
    public LayerConstraint LayerConstraint => Declaration.Constraint;

    /// <summary>Every step in evaluation order.</summary>
    public IReadOnlyList<PlanStep> Steps { get; private set; } = Array.Empty<PlanStep>();

    /// <summary>Every value slot: the input first, the output last.</summary>
    public IReadOnlyList<ValueSlot> Slots { get; private set; } = Array.Empty<ValueSlot>();

    /// <summary>Every parameter region, in parameter order.</summary>
    public IReadOnlyList<ParameterRegion> Regions { get; private set; } = Array.Empty<ParameterRegion>();

    /// <summary>The dense steps alone, in order.</summary>
    public IReadOnlyList<DenseStep> DenseLayers { get; private set; } = Array.Empty<DenseStep>();

    /// <summary>
    /// Where a dense layer's executed weights start in the network's bfloat16 weights (the reduced-precision copy single-sample
    /// inference can run on): the dense layers in order, each row-major [out, in] as in the parameters.
    /// </summary>
    public int BFloat16Offset(DenseStep layer)
    {
        int offset = 0;
        for (int i = 0; i < DenseLayers.Count && !ReferenceEquals(DenseLayers[i], layer); i++)
            offset += DenseLayers[i].WeightCount;
        return offset;
    }

    /// <summary>The length of the bfloat16 weights: every dense layer's weight count.</summary>
    public int BFloat16WeightCount => DenseLayers.Sum(layer => layer.WeightCount);

    /// <summary>The SLL residual blocks, in order.</summary>
    public IReadOnlyList<ResidualBlockStep> Blocks { get; private set; } = Array.Empty<ResidualBlockStep>();

    /// <summary>The fixed per-input affine map x ↦ (x − offset) / scale ahead of the first layer, or null.</summary>
    public InputMapStep? InputMap { get; private set; }

    /// <summary>The monotone residual f = g + c·Σᵢ sᵢ·zᵢ after the output layer, or null.</summary>
    public MonotoneResidualStep? Residual { get; private set; }

    /// <summary>The fixed per-output affine map g ↦ offset + scale·g after everything else, or null.</summary>
    public OutputMapStep? OutputMap { get; private set; }

    /// <summary>The network's input x (the caller's span).</summary>
    public ValueSlot InputSlot => Slots[0];

    /// <summary>The network's output f (the caller's span).</summary>
    public ValueSlot OutputSlot => Slots[Slots.Count - 1];

    /// <summary>Input width.</summary>
    public int InputCount => Widths[0];

    /// <summary>Output width.</summary>
    public int OutputCount => Widths[Widths.Count - 1];

    /// <summary>Number of floats in the parameter buffer.</summary>
    public int ParameterCount { get; private set; }

    /// <summary>The widest hidden layer (0 without hidden layers).</summary>
    public int MaxHiddenWidth { get; private set; }

    /// <summary>Workspace offset of the output scratch O (the input gradient's forward pass writes f there).</summary>
    public int OutputBuffer { get; private set; }

    /// <summary>Floats of workspace one sample needs.</summary>
    public int WorkspaceLength { get; private set; }

    /// <summary>Floats of stack the single-sample inference pass needs for its slots (reused once a slot is no longer read).</summary>
    public int InferenceStackLength { get; private set; }

    /// <summary>The widest layer a network may have: inference keeps its live slots on the stack.</summary>
    public const int MaxWidth = 4096;

    /// <summary>The most widths (input, hidden…, output) one network may list, so at most 32 dense layers.</summary>
    public const int MaxWidths = 33;

    /// <summary>The most SLL residual blocks after each hidden layer.</summary>
    public const int MaxResidualBlocks = 16;

    /// <summary>
    /// The smallest bound a network may declare or a layer be projected onto: 2⁻¹⁰⁰ (about 7.9·10⁻³¹). Every λᵢ = λ^(1/L)
    /// lies between λ and 1, so it holds for them too. Below it, a row scaled onto its bound would hold weights near the
    /// subnormal floats, where rounding is no longer relative and the projection's margins stop covering it.
    /// </summary>
    public const double MinimumBound = 1.0 / (1L << 50) / (1L << 50);

    /// <summary>The largest: float.MaxValue, so that every λᵢ and the monotone residual's coefficient fit a float.</summary>
    public const double MaximumBound = float.MaxValue;

    /// <summary>Why <paramref name="lipschitz"/> cannot be a network's bound λ, or null when it can.</summary>
    public static string? BoundProblem(double lipschitz) =>
        double.IsNaN(lipschitz) || lipschitz <= 0 ? "λ must be a number greater than 0"
        : lipschitz < MinimumBound ? "λ must be at least 2⁻¹⁰⁰ (about 7.9E-31): each layer's bound λᵢ = λ^(1/L) is a float, and rows scaled onto a smaller one would hold subnormal weights that rounding cannot move"
        : lipschitz > MaximumBound ? "λ must be at most float.MaxValue (about 3.4E+38): the layers' bounds and the monotone residual's coefficient are floats"
        : null;

    /// <summary>λᵢ = λ^(1/L): λ is split evenly over the L dense layers, so ∏λᵢ = λ (residual blocks are 1-Lipschitz).</summary>
    public static double LayerBound(double lipschitz, int layerCount) => Math.Pow(lipschitz, 1.0 / layerCount);

    /// <summary>
    /// c, the residual's coefficient as the network runs: the declared coefficient (λ unless <c>MonotoneResidual</c> says
    /// more) rounded up to the nearest float, so that c ≥ λ and every input the declaration makes monotone stays monotone
    /// after the rounding.
    /// </summary>
    public static float ResidualCoefficient(double lipschitz)
    {
        float c = (float)lipschitz;
        if (c < lipschitz)
            c = BitConverter.ToSingle(BitConverter.GetBytes(BitConverter.ToInt32(BitConverter.GetBytes(c), 0) + 1), 0); // one float up (netstandard2.0 has no SingleToInt32Bits)
        return c;
    }

    /// <summary>
    /// The plan of a declaration; throws an <see cref="ArgumentException"/> naming the first error
    /// <see cref="NetworkDeclaration.Validate"/> finds. The per-layer norm rule lives here: with row bounds the first layer's
    /// rows are bounded in ℓq (‖W¹‖_{p→∞} ≤ λ₁) and every later layer's rows in ℓ1 (‖Wⁱ‖_{∞→∞} ≤ λᵢ); spectral and AOL
    /// layers are bounded in ℓ2 → ℓ2.
    /// </summary>
    public static NetworkPlan Build(NetworkDeclaration declaration)
    {
        if (declaration is null)
            throw new ArgumentNullException(nameof(declaration));
        declaration.ThrowIfInvalid();
        var plan = new NetworkPlan(declaration);
        var layout = new Layout();
        IReadOnlyList<int> widths = declaration.Widths;
        int layerCount = widths.Count - 1;
        double layerBound = LayerBound(declaration.Lipschitz, layerCount);
        plan.Q = Norm.Dual(declaration.P);
        int[] groupSizes = declaration.PerLayerGroupSizes();

        var steps = new List<PlanStep>();
        var dense = new List<DenseStep>();
        var blocks = new List<ResidualBlockStep>();
        ValueSlot input = layout.External("x", widths[0], isInput: true);
        ValueSlot output = new("f", widths[widths.Count - 1], -1, -1, isInput: false, isOutput: true);
        // With an output map, the layers and the residual write the core's output g, and the map writes f from it.
        ValueSlot core = declaration.ScaleOutputs ? layout.Slot("g", output.Width) : output;
        ValueSlot current = input;

        // Dense layers (W then b each, in order: the layout every LipGen file and network has had), then residual blocks.
        InputMapStep? map = null;
        if (declaration.HasInputMap)
        {
            ValueSlot z = layout.Slot("z", widths[0]);
            map = new InputMapStep(input, z, declaration.InputOffsets, declaration.InputScales);
            steps.Add(map);
            current = z;
        }
        ValueSlot layerInput = current;
        for (int i = 0; i < layerCount; i++)
        {
            int inputs = widths[i], outputs = widths[i + 1];
            bool last = i == layerCount - 1;
            ValueSlot result = last ? core : layout.Slot("h" + (i + 1), outputs);
            var layer = new DenseStep(i + 1, current, result, layout.Parameters(inputs * outputs), layout.Parameters(outputs),
                Constraint(declaration, i, plan.Q), layerBound);
            steps.Add(layer);
            dense.Add(layer);
            current = result;
            if (last)
                break;
            // The activation in place on the layer's output: its own record and its own gradient.
            ValueSlot activated = layout.InPlace("a" + (i + 1), result);
            var activation = new ActivationStep(layer, result, activated, declaration.Activation, groupSizes[i], layout.Workspace(outputs));
            layer.Activation = activation;
            steps.Add(activation);
            current = activated;
            plan.MaxHiddenWidth = Math.Max(plan.MaxHiddenWidth, outputs);
            for (int k = 0; k < declaration.ResidualBlocks; k++)
            {
                ValueSlot blockOutput = layout.Slot($"r{i + 1}_{k + 1}", outputs);
                var block = new ResidualBlockStep(blocks.Count + 1, i + 1, k + 1, current, blockOutput, outputs, layout);
                steps.Add(block);
                blocks.Add(block);
                current = blockOutput;
            }
        }
        foreach (ResidualBlockStep block in blocks)
            block.PlaceParameters(layout);
        if (map is not null)
            map.PlaceParameters(layout);
        MonotoneResidualStep? residual = null;
        if (declaration.Monotone is { } signs)
        {
            residual = new MonotoneResidualStep(layerInput, core, signs.ToArray(), ResidualCoefficient(declaration.MonotoneResidual ?? declaration.Lipschitz), plan.Q);
            steps.Add(residual);
        }
        OutputMapStep? outputMap = null;
        if (declaration.ScaleOutputs)
        {
            outputMap = new OutputMapStep(core, output);
            outputMap.PlaceParameters(layout);
            steps.Add(outputMap);
        }
        // Projection state, then derived values: never saved, recomputed by Project.
        foreach (DenseStep layer in dense)
            layer.Constraint.PlaceState(layer, layout);
        foreach (ResidualBlockStep block in blocks)
            block.PlaceDerived(layout);
        foreach (DenseStep layer in dense)
            layer.Constraint.PlaceDerived(layer, layout);

        plan.Steps = steps;
        plan.DenseLayers = dense;
        plan.Blocks = blocks;
        plan.InputMap = map;
        plan.Residual = residual;
        plan.OutputMap = outputMap;
        plan.OutputBuffer = layout.Workspace(output.Width);
        layout.Add(output);
        plan.Slots = layout.Slots;
        plan.ParameterCount = layout.ParameterCount;
        plan.WorkspaceLength = layout.WorkspaceLength;
        plan.Regions = steps.SelectMany(s => s.Regions).Concat(dense.SelectMany(d => d.Constraint.Regions(d)))
            .OrderBy(r => r.Offset).ToArray();
        plan.InferenceStackLength = AllocateStack(plan);
        foreach (PlanStep step in steps)
            foreach (ValueSlot slot in step.Reads)
                slot.Readers.Add(step);
        return plan;
    }

    /// <summary>The constraint of layer <paramref name="index"/> (0-based) under the declaration's rule.</summary>
    private static WeightConstraint Constraint(NetworkDeclaration declaration, int index, double q) => declaration.Constraint switch
    {
        LayerConstraint.RowNorms => new RowNormConstraint(index == 0 ? q : 1, isDualOfP: index == 0),
        LayerConstraint.Spectral => new SpectralConstraint(),
        LayerConstraint.Aol => new AolConstraint(),
        _ => throw new ArgumentOutOfRangeException(nameof(declaration), declaration.Constraint, "Unknown layer constraint."),
    };

    /// <summary>
    /// True when <paramref name="step"/> is the last reader of <paramref name="slot"/> in forward order: visited first by a
    /// backward walk, it sets the slot's gradient, and the slot's other readers add to it.
    /// </summary>
    public bool SetsGradient(PlanStep step, ValueSlot slot) => slot.Readers.Count == 0 || ReferenceEquals(slot.Readers[slot.Readers.Count - 1], step);

    /// <summary>The regions a file holds (weights, biases, trainable values, the input map), in file order.</summary>
    public IEnumerable<ParameterRegion> SavedRegions => Regions.Where(r => r.IsSaved);

    /// <summary>Recomputes every derived region (AOL scales, SLL block diagonals) from the parameters they derive from.</summary>
    public void Derive(Span<float> parameters)
    {
        foreach (PlanStep step in Steps)
            step.Derive(parameters);
    }

    /// <summary>
    /// Folds the gradient that reached derived regions into the parameters they derive from (the chain rule through
    /// <see cref="Derive"/>), and clears it there, so an optimizer steps the free parameters only.
    /// </summary>
    public void BackpropagateDerived(ReadOnlySpan<float> parameters, Span<float> gradient)
    {
        for (int i = Steps.Count - 1; i >= 0; i--)
            Steps[i].BackpropagateDerived(parameters, gradient);
    }

    /// <summary>
    /// Stack offsets of the single-sample inference pass: each slot from the step that writes it to the last step that reads
    /// it, first fit into buffers freed earlier, so a chain alternates two buffers as it always did.
    /// </summary>
    private static int AllocateStack(NetworkPlan plan)
    {
        var buffers = new List<(int Offset, int Size, int FreeAfter)>();
        int length = 0;
        for (int s = 0; s < plan.Steps.Count; s++)
        {
            foreach (ValueSlot slot in plan.Steps[s].Temporaries.Append(plan.Steps[s].Output))
            {
                // A slot a later step writes again in place (g, which the monotone residual adds to) keeps its buffer.
                if (slot.IsExternal || slot.AliasOf is not null || slot.StackOffset >= 0)
                    continue;
                int lastRead = LastRead(plan, slot, s);
                int found = buffers.FindIndex(b => b.FreeAfter < s && b.Size >= slot.Width);
                if (found < 0)
                {
                    buffers.Add((length, slot.Width, lastRead));
                    slot.StackOffset = length;
                    length += slot.Width;
                }
                else
                {
                    buffers[found] = (buffers[found].Offset, buffers[found].Size, lastRead);
                    slot.StackOffset = buffers[found].Offset;
                }
            }
        }
        foreach (ValueSlot slot in plan.Slots)
            if (slot.AliasOf is { } alias)
                slot.StackOffset = alias.StackOffset;
        return length;
    }

    /// <summary>The last step that reads <paramref name="slot"/> or a slot in place on it (a temporary: its own step).</summary>
    private static int LastRead(NetworkPlan plan, ValueSlot slot, int producer)
    {
        int last = producer;
        for (int s = producer; s < plan.Steps.Count; s++)
            foreach (ValueSlot read in plan.Steps[s].Reads.Concat(plan.Steps[s].Temporaries))
                if (ReferenceEquals(read, slot) || ReferenceEquals(read.AliasOf, slot))
                    last = s;
        return last;
    }

    /// <summary>Hands out parameter offsets and workspace offsets in order.</summary>
    internal sealed class Layout
    {
        private readonly List<ValueSlot> _slots = new();

        public int ParameterCount { get; private set; }

        public int WorkspaceLength { get; private set; }

        public IReadOnlyList<ValueSlot> Slots => _slots;

        public int Parameters(int count)
        {
            int offset = ParameterCount;
            ParameterCount += count;
            return offset;
        }

        public int Workspace(int count)
        {
            int offset = WorkspaceLength;
            WorkspaceLength += count;
            return offset;
        }

        /// <summary>A slot of the workspace: its values, then its gradient.</summary>
        public ValueSlot Slot(string name, int width)
        {
            var slot = new ValueSlot(name, width, Workspace(width), Workspace(width), isInput: false, isOutput: false);
            Add(slot);
            return slot;
        }

        /// <summary>A slot whose values live in place on <paramref name="target"/>'s, with a gradient of its own.</summary>
        public ValueSlot InPlace(string name, ValueSlot target)
        {
            var slot = new ValueSlot(name, target.Width, target.ValueOffset, Workspace(target.Width), isInput: false, isOutput: false) { AliasOf = target };
            Add(slot);
            return slot;
        }

        public ValueSlot External(string name, int width, bool isInput)
        {
            var slot = new ValueSlot(name, width, -1, -1, isInput, !isInput);
            Add(slot);
            return slot;
        }

        /// <summary>A slot private to one step (an SLL block's inner values): values, gradient, not in the plan's list.</summary>
        public ValueSlot Temporary(string name, int width) => new(name, width, Workspace(width), Workspace(width), isInput: false, isOutput: false) { Index = -1 };

        public void Add(ValueSlot slot)
        {
            slot.Index = _slots.Count;
            _slots.Add(slot);
        }
    }
}

/// <summary>
/// A value the network computes: its width, where its values and its gradient live in the workspace (−1 for the input and the
/// output, which are the caller's spans), and where single-sample inference keeps it on the stack.
/// </summary>
internal sealed class ValueSlot
{
    public ValueSlot(string name, int width, int valueOffset, int gradientOffset, bool isInput, bool isOutput)
    {
        Name = name;
        Width = width;
        ValueOffset = valueOffset;
        GradientOffset = gradientOffset;
        IsInput = isInput;
        IsOutput = isOutput;
    }

    /// <summary>A short name: x, z, h1, a1, r1_1, f.</summary>
    public string Name { get; }

    /// <summary>Its position in <see cref="NetworkPlan.Slots"/> (−1 for a step's temporary).</summary>
    public int Index { get; internal set; }

    public int Width { get; }

    /// <summary>Workspace offset of the values (−1 for the input and the output).</summary>
    public int ValueOffset { get; }

    /// <summary>Workspace offset of the gradient (−1 for the input and the output).</summary>
    public int GradientOffset { get; }

    public bool IsInput { get; }

    public bool IsOutput { get; }

    /// <summary>True for the caller's input and output.</summary>
    public bool IsExternal => IsInput || IsOutput;

    /// <summary>The slot whose values this one's are, in place (an activation's output), or null.</summary>
    public ValueSlot? AliasOf { get; internal set; }

    /// <summary>Offset on the single-sample inference stack (−1 until placed; unused for external slots).</summary>
    public int StackOffset { get; internal set; } = -1;

    /// <summary>The steps that read this slot, in forward order.</summary>
    public List<PlanStep> Readers { get; } = new();

    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>What a parameter region holds, and so who writes it and whether a file carries it.</summary>
internal enum RegionRole
{
    /// <summary>A weight matrix: trained, saved.</summary>
    Weight,

    /// <summary>A bias: trained, saved.</summary>
    Bias,

    /// <summary>Another trained value (an SLL block's rescaling exponents q): trained, saved.</summary>
    Trainable,

    /// <summary>The input and output maps' offsets and scales: fixed (never trained), saved.</summary>
    FixedMap,

    /// <summary>Projection state (a power-iteration vector): written by the projection, not saved.</summary>
    State,

    /// <summary>Computed from other parameters by <see cref="NetworkPlan.Derive"/> (AOL scales, SLL diagonals): not saved.</summary>
    Derived,
}

/// <summary>The element type a region is stored in (float32 now; room for narrower weights).</summary>
internal enum ElementType
{
    Float32,
}

/// <summary>A typed region of the parameter buffer: its tensor name, offset, shape, role and element type.</summary>
internal sealed class ParameterRegion
{
    public ParameterRegion(string name, int offset, long[] shape, RegionRole role, PlanStep owner)
    {
        Name = name;
        Offset = offset;
        Shape = shape;
        Role = role;
        Owner = owner;
    }

    /// <summary>The tensor name in a file (layers.0.weight, input_map.scale, blocks.0.weight, …).</summary>
    public string Name { get; }

    public int Offset { get; }

    public long[] Shape { get; }

    public RegionRole Role { get; }

    public ElementType ElementType => ElementType.Float32;

    /// <summary>The step the region belongs to.</summary>
    public PlanStep Owner { get; }

    /// <summary>The number of elements.</summary>
    public int Count
    {
        get
        {
            long count = 1;
            foreach (long d in Shape)
                count *= d;
            return (int)count;
        }
    }

    /// <summary>True when a file carries it: weights, biases, other trained values and the input map.</summary>
    public bool IsSaved => Role is RegionRole.Weight or RegionRole.Bias or RegionRole.Trainable or RegionRole.FixedMap;

    /// <summary>True when training changes it.</summary>
    public bool IsTrained => Role is RegionRole.Weight or RegionRole.Bias or RegionRole.Trainable;

    /// <inheritdoc/>
    public override string ToString() => $"{Name} [{string.Join(" × ", Shape)}] at {Offset} ({Role})";
}
