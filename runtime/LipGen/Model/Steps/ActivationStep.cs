// An activation after a hidden layer. Linked into the generator; netstandard2.0.
using System;
using System.Collections.Generic;

namespace LipGen.Model;

/// <summary>
/// The activation after a hidden dense layer, in place on that layer's output: GroupSort of a group size, or ReLU. Both are
/// computed exactly in float and are 1-Lipschitz in every ℓp, so the certificate and the float error pass through unchanged.
/// </summary>
internal sealed class ActivationStep : PlanStep
{
    private readonly ValueSlot[] _inputs;

    public ActivationStep(DenseStep layer, ValueSlot input, ValueSlot output, Activation kind, int groupSize, int recordOffset)
    {
        Layer = layer;
        _inputs = new[] { input };
        Output = output;
        Kind = kind;
        GroupSize = groupSize;
        RecordOffset = recordOffset;
    }

    /// <summary>The dense layer this activation follows.</summary>
    public DenseStep Layer { get; }

    public ValueSlot Input => _inputs[0];

    public override IReadOnlyList<ValueSlot> Reads => _inputs;

    public override ValueSlot Output { get; }

    /// <summary>GroupSort or ReLU.</summary>
    public Activation Kind { get; }

    /// <summary>GroupSort group size; 0 for ReLU.</summary>
    public int GroupSize { get; }

    /// <summary>Width: the dense layer's outputs.</summary>
    public int Width => Layer.Outputs;

    /// <summary>Workspace offset of the activations (A): the layer's output, in place.</summary>
    public int ActivationOffset => Output.ValueOffset;

    /// <summary>Workspace offset of the record the backward pass routes gradients with (S).</summary>
    public int RecordOffset { get; }

    public override T Accept<T>(IPlanVisitor<T> visitor) => visitor.Visit(this);

    /// <summary>1-Lipschitz in every ℓp: the bound passes unchanged.</summary>
    public override void ComposeBound(ref BoundState state, ReadOnlySpan<float> parameters)
    {
    }

    /// <summary>Computed exactly and 1-Lipschitz per component: the error passes unchanged; GroupSort moves an exact bound only within its group.</summary>
    public override void PropagateError(ref ErrorWalk walk)
    {
        double[]? exact = null;
        if (walk.IsBox)
        {
            double[] before = walk.Exact[Input.Index]!;
            exact = (double[])before.Clone();
            switch (Kind)
            {
                case Activation.GroupSort: // a value moves only within its group
                    for (int start = 0; start < exact.Length; start += GroupSize)
                    {
                        double largest = 0;
                        for (int k = start; k < start + GroupSize; k++)
                            largest = Math.Max(largest, before[k]);
                        for (int k = start; k < start + GroupSize; k++)
                            exact[k] = largest;
                    }
                    break;
                case Activation.ReLU: // |max(0, z)| ≤ |z|
                    break;
                default:
                    throw new NotSupportedException($"No float error propagation for activation {Kind}.");
            }
        }
        // GroupSort and ReLU are 1-Lipschitz in ℓ∞ and in ℓ2 (sorting a group moves no value further than the inputs moved).
        walk.Set(Output, walk.Errors[Input.Index], walk.Errors2[Input.Index], walk.Lipschitz[Input.Index], exact);
    }

    public override double EuclideanNorm(ReadOnlySpan<float> parameters) => 1;

    /// <summary>
    /// ReLU is Relu. GroupSort avoids Sort, which many runtimes lack: group size 2 is Reshape → ReduceMin + ReduceMax →
    /// Concat → Reshape, larger groups Reshape → TopK (ascending, sorted) → Reshape, and size 1 is the identity.
    /// </summary>
    public override void Export(IOnnxGraph graph)
    {
        int index = Layer.Number - 1;
        string input = graph[Input], output = $"layers.{index}.activation";
        switch (Kind)
        {
            case Activation.ReLU:
                graph.Node("Relu", $"layer{index}_relu", new[] { input }, new[] { output });
                graph[Output] = output;
                return;
            case Activation.GroupSort:
                break;
            default:
                throw new NotSupportedException($"No ONNX export for activation {Kind}.");
        }
        int g = GroupSize, width = Width;
        if (g == 1)
        {
            graph[Output] = input; // sorting groups of one changes nothing
            return;
        }
        string grouped = $"layers.{index}.grouped", groupedShape = $"layers.{index}.grouped_shape", flatShape = $"layers.{index}.flat_shape";
        graph.Initializer(groupedShape, new long[] { -1, width / g, g });
        graph.Initializer(flatShape, new long[] { -1, width });
        graph.Node("Reshape", $"layer{index}_group", new[] { input, groupedShape }, new[] { grouped });
        string sorted = $"layers.{index}.sorted";
        if (g == 2)
        {
            string min = $"layers.{index}.min", max = $"layers.{index}.max";
            graph.Node("ReduceMin", $"layer{index}_min", new[] { grouped }, new[] { min }, ("axes", new[] { 2L }), ("keepdims", 1L));
            graph.Node("ReduceMax", $"layer{index}_max", new[] { grouped }, new[] { max }, ("axes", new[] { 2L }), ("keepdims", 1L));
            graph.Node("Concat", $"layer{index}_maxmin", new[] { min, max }, new[] { sorted }, ("axis", 2L));
        }
        else
        {
            string k = $"layers.{index}.k";
            graph.Initializer(k, new long[] { g });
            graph.Node("TopK", $"layer{index}_sort", new[] { grouped, k }, new[] { sorted, $"layers.{index}.order" },
                ("axis", -1L), ("largest", 0L), ("sorted", 1L)); // ascending
        }
        graph.Node("Reshape", $"layer{index}_flatten", new[] { sorted, flatShape }, new[] { output });
        graph[Output] = output;
    }

    /// <summary>The backward route is exact (a permutation, or a 0/1 mask).</summary>
    public override double GradientRounding => 0;
}
