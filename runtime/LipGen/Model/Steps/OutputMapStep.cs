// The output map y = offset + scale · g. Linked into the generator; netstandard2.0.
using System;
using System.Collections.Generic;

namespace LipGen.Model;

/// <summary>
/// The fixed per-output affine map y = offset + scale·g, last in the plan: the layers (and the monotone residual) compute g
/// in standardised units, bounded by λ, while the user, the loss, the certificate and every guarantee see y, the target in
/// its own units. The offsets and scales are parameters (saved, exported and compiled in with the weights) that training
/// never changes; every scale must be a finite, normal, positive float, so each output keeps its direction and every
/// monotone input its sign.
/// </summary>
internal sealed class OutputMapStep : PlanStep
{
    private readonly ValueSlot[] _inputs;

    public OutputMapStep(ValueSlot input, ValueSlot output)
    {
        _inputs = new[] { input };
        Output = output;
    }

    /// <summary>Places the offsets and scales: after the input map's.</summary>
    internal void PlaceParameters(NetworkPlan.Layout layout)
    {
        OffsetOffset = layout.Parameters(Outputs);
        ScaleOffset = layout.Parameters(Outputs);
    }

    public override IReadOnlyList<ValueSlot> Reads => _inputs;

    public override ValueSlot Output { get; }

    /// <summary>The core's output g, in standardised units.</summary>
    public ValueSlot Input => _inputs[0];

    /// <summary>Number of outputs.</summary>
    public int Outputs => Output.Width;

    /// <summary>Offset of the offsets [outputs] in the parameter buffer.</summary>
    public int OffsetOffset { get; private set; }

    /// <summary>Offset of the scales [outputs] in the parameter buffer.</summary>
    public int ScaleOffset { get; private set; }

    /// <summary>The tensor of the output map's scales.</summary>
    public const string ScaleTensor = "output_map.scale";

    /// <summary>The tensor of the output map's offsets.</summary>
    public const string OffsetTensor = "output_map.offset";

    public override IEnumerable<ParameterRegion> Regions => new[]
    {
        new ParameterRegion(OffsetTensor, OffsetOffset, new long[] { Outputs }, RegionRole.FixedMap, this),
        new ParameterRegion(ScaleTensor, ScaleOffset, new long[] { Outputs }, RegionRole.FixedMap, this),
    };

    /// <summary>
    /// Why <paramref name="scale"/> cannot be a scale of the output map, or null when it can: a finite, normal, positive float
    /// (the rule of <see cref="InputMapStep.IsValidScale"/>). A negative one would reverse the output, and every monotone
    /// input's direction with it; a subnormal one would make the output a rounding of nothing.
    /// </summary>
    public static string? ScaleProblem(float scale) =>
        !(scale > 0) ? "an output scale must be greater than 0 (a negative one would reverse the output, and every monotone input's direction with it)"
        : float.IsInfinity(scale) ? "an output scale must be a finite float"
        : scale < InputMapStep.MinimumScale ? "an output scale must be at least 1.2E-38, the smallest normal float"
        : null;

    /// <summary>The largest scale, or NaN when a scale is not valid (so no certificate is claimed for it).</summary>
    public double LargestScale(ReadOnlySpan<float> parameters) => Extreme(parameters, largest: true);

    /// <summary>The smallest scale, or NaN when a scale is not valid.</summary>
    public double SmallestScale(ReadOnlySpan<float> parameters) => Extreme(parameters, largest: false);

    private double Extreme(ReadOnlySpan<float> parameters, bool largest)
    {
        ReadOnlySpan<float> scales = parameters.Slice(ScaleOffset, Outputs);
        double extreme = scales[0];
        foreach (float scale in scales)
        {
            if (!InputMapStep.IsValidScale(scale))
                return double.NaN;
            extreme = largest ? Math.Max(extreme, scale) : Math.Min(extreme, scale);
        }
        return extreme;
    }

    public override T Accept<T>(IPlanVisitor<T> visitor) => visitor.Visit(this);

    /// <summary>
    /// In sequence: ‖Δy‖ = ‖diag(s)·Δg‖ ≤ max sₖ·‖Δg‖ in ℓ∞ and in ℓ2, so the bound grows by the largest scale. Not part of
    /// what λ bounds: λ is the core's bound in standardised units.
    /// </summary>
    public override void ComposeBound(ref BoundState state, ReadOnlySpan<float> parameters)
    {
        if (state.ConstrainedOnly)
            return;
        state.Bound = Certificate.RoundUp(state.Bound * LargestScale(parameters));
    }

    /// <remarks>
    /// ỹₖ = fl(fl(sₖ·g̃ₖ) + mₖ) is within γ₂·(sₖ|g̃ₖ| + |mₖ|) + 2⁻¹⁴⁹ of sₖ·g̃ₖ + mₖ, and g̃'s own error reaches y times sₖ.
    /// </remarks>
    public override void PropagateError(ref ErrorWalk walk)
    {
        ReadOnlySpan<float> scales = walk.Parameters.Slice(ScaleOffset, Outputs), offsets = walk.Parameters.Slice(OffsetOffset, Outputs);
        double[] magnitudes = walk.Magnitudes[Input.Index]!;
        double errorG = walk.Errors[Input.Index], error2G = walk.Errors2[Input.Index];
        double largestScale = LargestScale(walk.Parameters), error = 0, squares = 0;
        double[]? exact = walk.IsBox ? new double[Outputs] : null;
        for (int k = 0; k < Outputs; k++)
        {
            double scale = scales[k], offset = Math.Abs((double)offsets[k]);
            double rounding = (scale * magnitudes[k] + offset) * ErrorWalk.Gamma(2) + ErrorWalk.Underflow;
            error = Math.Max(error, scale * errorG + rounding);
            squares += rounding * rounding;
            if (exact is not null)
                exact[k] = Certificate.RoundUp((offset + scale * walk.Exact[Input.Index]![k]) * ErrorWalk.DoubleSlack);
        }
        double error2 = largestScale * error2G + Math.Sqrt(squares);
        walk.Set(Output, error, error2, Certificate.RoundUp(largestScale * walk.Lipschitz[Input.Index]), exact);
    }

    public override double EuclideanNorm(ReadOnlySpan<float> parameters) => Certificate.RoundUp(LargestScale(parameters));

    /// <summary>Mul and Add: the same two roundings as LipGen's kernels.</summary>
    public override void Export(IOnnxGraph graph)
    {
        graph.Initializer(OffsetTensor, new long[] { Outputs }, graph.Parameters.Slice(OffsetOffset, Outputs));
        graph.Initializer(ScaleTensor, new long[] { Outputs }, graph.Parameters.Slice(ScaleOffset, Outputs));
        graph.Node("Mul", "output_map_scale", new[] { graph[Input], ScaleTensor }, new[] { "output_map.scaled" });
        graph.Node("Add", "output_map_offset", new[] { "output_map.scaled", OffsetTensor }, new[] { "output" });
        graph[Output] = "output";
    }

    /// <summary>∂L/∂g = scale·∂L/∂y: one rounding.</summary>
    public override double GradientRounding => ErrorWalk.Gamma(1);
}
