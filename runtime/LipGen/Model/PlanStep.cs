// Plan steps: what each kind of step means, in one place per kind (Model/Steps). Linked into the generator; netstandard2.0.
using System;
using System.Collections.Generic;

namespace LipGen.Model;

/// <summary>
/// One step of a <see cref="NetworkPlan"/>: it reads value slots and writes one, owns its parameter regions, and supplies its
/// own part of every fold over the plan: the certificate (<see cref="ComposeBound"/>), the float error bound
/// (<see cref="PropagateError"/>), ONNX export (<see cref="Export"/>), file metadata, derived values and the gradient through
/// them. A new kind is a new subclass with these members, and a method on <see cref="IPlanVisitor{T}"/>, which every
/// consumer that emits or interprets steps implements: leaving one out does not compile.
/// </summary>
internal abstract class PlanStep
{
    /// <summary>The slots the step reads.</summary>
    public abstract IReadOnlyList<ValueSlot> Reads { get; }

    /// <summary>The slot the step writes.</summary>
    public abstract ValueSlot Output { get; }

    /// <summary>Slots private to the step (values it keeps for its backward pass), placed in the workspace and on the stack.</summary>
    public virtual IReadOnlyList<ValueSlot> Temporaries => Array.Empty<ValueSlot>();

    /// <summary>The parameter regions the step owns.</summary>
    public virtual IEnumerable<ParameterRegion> Regions => Array.Empty<ParameterRegion>();

    /// <summary>Dispatches to the visitor's method for this kind.</summary>
    public abstract T Accept<T>(IPlanVisitor<T> visitor);

    /// <summary>
    /// The certificate, one step at a time: the step multiplies <see cref="BoundState.Bound"/> by its Lipschitz bound (in
    /// sequence), adds a parallel term (a residual), or leaves it (an exact 1-Lipschitz step), rounding up.
    /// </summary>
    public abstract void ComposeBound(ref BoundState state, ReadOnlySpan<float> parameters);

    /// <summary>The float error bound, one step at a time: the error and magnitudes of the output slot from the inputs'.</summary>
    public abstract void PropagateError(ref ErrorWalk walk);

    /// <summary>
    /// A sound bound on the ℓ2 → ℓ2 norm of the step's exact map from its input to its output (for the float error's ℓ2
    /// route: <see cref="ErrorWalk.OperatorNorm"/> caches it); ∞ where the kind has none.
    /// </summary>
    public virtual double EuclideanNorm(ReadOnlySpan<float> parameters) => double.PositiveInfinity;

    /// <summary>The step as ONNX nodes and initializers.</summary>
    public abstract void Export(IOnnxGraph graph);

    /// <summary>
    /// How much backpropagation's rounding in this step can enlarge a computed gradient, relative to the certificate: the
    /// factor ∏(1 + this) over the steps bounds ‖∇f̃‖ / L̂ (see the verifier's gradient tolerance).
    /// </summary>
    public abstract double GradientRounding { get; }

    /// <summary>Recomputes the step's derived regions from the parameters they derive from (nothing for most kinds).</summary>
    public virtual void Derive(Span<float> parameters)
    {
    }

    /// <summary>Folds the gradient of the step's derived regions into the parameters they derive from, and clears it.</summary>
    public virtual void BackpropagateDerived(ReadOnlySpan<float> parameters, Span<float> gradient)
    {
    }

    /// <summary>The step's entries in a file's metadata (beyond the declaration's widths, p, λ and activation).</summary>
    public virtual IEnumerable<KeyValuePair<string, string>> Metadata => Array.Empty<KeyValuePair<string, string>>();
}

/// <summary>One method per step kind: implementing it is how the emitter and every interpreter of the plan handle each kind.</summary>
internal interface IPlanVisitor<T>
{
    T Visit(InputMapStep step);

    T Visit(DenseStep step);

    T Visit(ActivationStep step);

    T Visit(ResidualBlockStep step);

    T Visit(MonotoneResidualStep step);

    T Visit(OutputMapStep step);
}

/// <summary>The running value of the certificate fold.</summary>
internal ref struct BoundState
{
    /// <summary>The bound so far.</summary>
    public double Bound;

    /// <summary>Only the constrained part, in the units its layers see (no input map, no residual): what λ bounds.</summary>
    public bool ConstrainedOnly;

    /// <summary>The input map's scales, until the first layer consumes them (empty without a map, or when constrained only).</summary>
    public ReadOnlySpan<float> PendingScales;

    /// <summary>The input map's scales, for the residual (empty without a map).</summary>
    public ReadOnlySpan<float> MapScales;
}

/// <summary>A graph being written as ONNX: names of slots, initializers and nodes. Implemented by the runtime's exporter.</summary>
internal interface IOnnxGraph
{
    /// <summary>The parameters being exported.</summary>
    ReadOnlySpan<float> Parameters { get; }

    /// <summary>The ONNX value holding a slot ("input" for the network's input).</summary>
    string this[ValueSlot slot] { get; set; }

    /// <summary>A float initializer from a parameter region.</summary>
    void Initializer(string name, long[] dims, ReadOnlySpan<float> values);

    /// <summary>An int64 initializer (shapes, counts).</summary>
    void Initializer(string name, long[] values);

    /// <summary>A node with integer attributes (a long or a long[] each).</summary>
    void Node(string op, string name, string[] inputs, string[] outputs, params (string Name, object Value)[] attributes);
}
