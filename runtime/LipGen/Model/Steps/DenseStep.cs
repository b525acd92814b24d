// A dense layer: its layout, its bound, its float error, its ONNX nodes. Linked into the generator; netstandard2.0.
using System;
using System.Collections.Generic;

namespace LipGen.Model;

/// <summary>A dense layer z = W·a + b with W row-major [Outputs, Inputs], and the constraint it is kept in.</summary>
internal sealed class DenseStep : PlanStep
{
    private readonly ValueSlot[] _inputs;

    public DenseStep(int number, ValueSlot input, ValueSlot output, int weightOffset, int biasOffset, WeightConstraint constraint, double bound)
    {
        Number = number;
        _inputs = new[] { input };
        Output = output;
        WeightOffset = weightOffset;
        BiasOffset = biasOffset;
        Constraint = constraint;
        Bound = bound;
    }

    /// <summary>1-based layer number.</summary>
    public int Number { get; }

    /// <summary>The slot the layer reads (the input, the mapped input, an activation or a residual block's output).</summary>
    public ValueSlot Input => _inputs[0];

    public override IReadOnlyList<ValueSlot> Reads => _inputs;

    public override ValueSlot Output { get; }

    /// <summary>Width of the layer's input (columns of W).</summary>
    public int InputWidth => Input.Width;

    /// <summary>Width of the layer's input (columns of W).</summary>
    public int Inputs => Input.Width;

    /// <summary>Width of the layer's output (rows of W).</summary>
    public int Outputs => Output.Width;

    /// <summary>Offset of the trained W in the parameter buffer.</summary>
    public int WeightOffset { get; }

    /// <summary>Offset of the weights the layer runs with: W itself, or W′ derived from it (AOL).</summary>
    public int ExecutedWeightOffset => Constraint.ExecutedWeights(this);

    /// <summary>Offset of b in the parameter buffer.</summary>
    public int BiasOffset { get; }

    /// <summary>Number of weights: Outputs × Inputs.</summary>
    public int WeightCount => Inputs * Outputs;

    /// <summary>The norm W is bounded in.</summary>
    public WeightConstraint Constraint { get; }

    /// <summary>λᵢ: the bound on W in the constraint's operator norm.</summary>
    public double Bound { get; }

    /// <summary>The activation after this layer, or null for the output layer.</summary>
    public ActivationStep? Activation { get; internal set; }

    /// <summary>True for the first layer (it reads the input, or the mapped input).</summary>
    public bool IsFirst => Number == 1;

    /// <summary>True for every layer but the output layer.</summary>
    public bool IsHidden => Activation is not null;

    /// <summary>The trained weights.</summary>
    public ReadOnlySpan<float> Weights(ReadOnlySpan<float> parameters) => parameters.Slice(WeightOffset, WeightCount);

    /// <summary>The weights as the layer runs with them.</summary>
    public ReadOnlySpan<float> ExecutedWeights(ReadOnlySpan<float> parameters) => parameters.Slice(ExecutedWeightOffset, WeightCount);

    public override IEnumerable<ParameterRegion> Regions => new[]
    {
        new ParameterRegion($"layers.{Number - 1}.weight", WeightOffset, new long[] { Outputs, Inputs }, RegionRole.Weight, this),
        new ParameterRegion($"layers.{Number - 1}.bias", BiasOffset, new long[] { Outputs }, RegionRole.Bias, this),
    };

    public override T Accept<T>(IPlanVisitor<T> visitor) => visitor.Visit(this);

    /// <summary>In sequence: the bound times this layer's sound operator norm (of W·diag(1/scale) when the map's scales are pending).</summary>
    public override void ComposeBound(ref BoundState state, ReadOnlySpan<float> parameters)
    {
        state.Bound = Certificate.RoundUp(state.Bound * Constraint.Norm(this, parameters, state.PendingScales));
        state.PendingScales = default;
    }

    /// <remarks>
    /// Evaluated in float on the computed input ã, row o is within γₙ₊₂·(Σⱼ|wₒⱼ||ãⱼ| + |bₒ|) + (n + 1)·2⁻¹⁴⁹ of W·ã + b, and the
    /// error already in ã reaches the output through W: ‖W(ã − a)‖_∞ ≤ ‖W‖_{∞→∞}·‖ã − a‖_∞.
    /// </remarks>
    public override void PropagateError(ref ErrorWalk walk)
    {
        ReadOnlySpan<float> weights = ExecutedWeights(walk.Parameters), bias = walk.Parameters.Slice(BiasOffset, Outputs);
        double[] magnitudes = walk.Magnitudes[Input.Index]!;
        double rounding = ErrorWalk.ProductRounding(weights, bias, Outputs, Inputs, magnitudes, out double rounding2);
        // The error received, through the exact map: in ℓ∞ by the rows' ℓ1 norms (or their ℓ2 norms times the ℓ2 error), in
        // ℓ2 by ‖W′‖₂.
        double error = walk.Errors[Input.Index], error2 = walk.Errors2[Input.Index];
        double propagated = error == 0 ? 0
            : Math.Min(Certificate.MaxRowNorm(weights, Outputs, Inputs, q: 1) * error, Certificate.MaxRowNorm(weights, Outputs, Inputs, q: 2) * error2);
        double propagated2 = error2 == 0 ? 0 : walk.OperatorNorm(this) * error2;
        // x ↦ this layer's output: the first layer behind an input map is bounded as W·diag(1/scale), as the certificate does.
        ReadOnlySpan<float> scales = IsFirst ? Certificate.Scales(walk.Plan, walk.Parameters) : default;
        double lipschitz = Certificate.RoundUp((IsFirst ? 1 : walk.Lipschitz[Input.Index]) * Constraint.Norm(this, walk.Parameters, scales));
        double[]? exact = walk.IsBox ? ErrorWalk.PropagateExact(weights, bias, Outputs, Inputs, walk.Exact[Input.Index]!) : null;
        walk.Set(Output, rounding + propagated, rounding2 + propagated2, lipschitz, exact);
    }

    public override double EuclideanNorm(ReadOnlySpan<float> parameters) => Constraint.EuclideanNorm(this, parameters);

    public override void Export(IOnnxGraph graph)
    {
        string w = $"layers.{Number - 1}.weight", b = $"layers.{Number - 1}.bias";
        graph.Initializer(w, new long[] { Outputs, Inputs }, ExecutedWeights(graph.Parameters));
        graph.Initializer(b, new long[] { Outputs }, graph.Parameters.Slice(BiasOffset, Outputs));
        string result = Output.IsOutput && Output.Readers.Count == 0 ? "output" : $"layers.{Number - 1}.linear";
        graph.Node("Gemm", $"layer{Number - 1}_gemm", new[] { graph[Input], w, b }, new[] { result }, ("transB", 1L));
        graph[Output] = result;
    }

    /// <summary>Backpropagation through the layer sums Outputs terms per input (componentwise on |W|ᵀ|δ|).</summary>
    public override double GradientRounding => ErrorWalk.Gamma(Outputs + 1);

    public override void Derive(Span<float> parameters) => Constraint.Derive(this, parameters);

    public override void BackpropagateDerived(ReadOnlySpan<float> parameters, Span<float> gradient) =>
        Constraint.BackpropagateDerived(this, parameters, gradient);
}
