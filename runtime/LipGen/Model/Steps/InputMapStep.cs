// The input map z = (x − offset) / scale. Linked into the generator; netstandard2.0.
using System;
using System.Collections.Generic;
using System.Linq;

namespace LipGen.Model;

/// <summary>
/// The fixed per-input affine map z = (x − offset) / scale, first in the plan: the layers see z, while the user, the
/// certificate and every guarantee see x, the input in its own units. The offsets and scales are parameters (so they are saved,
/// exported and compiled in with the weights) that training never changes; every scale must be a finite, normal, positive float.
/// </summary>
internal sealed class InputMapStep : PlanStep
{
    private readonly ValueSlot[] _inputs;

    public InputMapStep(ValueSlot input, ValueSlot output, IReadOnlyList<double>? offsets, IReadOnlyList<double>? scales)
    {
        _inputs = new[] { input };
        Output = output;
        InitialOffsets = offsets?.ToArray() ?? new double[input.Width];
        InitialScales = scales?.ToArray() ?? Enumerable.Repeat(1.0, input.Width).ToArray();
    }

    /// <summary>Places the offsets and scales: after the dense layers' (and the residual blocks') parameters.</summary>
    internal void PlaceParameters(NetworkPlan.Layout layout)
    {
        OffsetOffset = layout.Parameters(Inputs);
        ScaleOffset = layout.Parameters(Inputs);
    }

    public override IReadOnlyList<ValueSlot> Reads => _inputs;

    public override ValueSlot Output { get; }

    /// <summary>Number of inputs.</summary>
    public int Inputs => Output.Width;

    /// <summary>Offset of the offsets [inputs] in the parameter buffer.</summary>
    public int OffsetOffset { get; private set; }

    /// <summary>Offset of the scales [inputs] in the parameter buffer.</summary>
    public int ScaleOffset { get; private set; }

    /// <summary>Workspace offset of the mapped input z (Z).</summary>
    public int MappedOffset => Output.ValueOffset;

    /// <summary>The declared offsets (0 where not declared): what initialisation writes.</summary>
    public IReadOnlyList<double> InitialOffsets { get; }

    /// <summary>The declared scales (1 where not declared).</summary>
    public IReadOnlyList<double> InitialScales { get; }

    /// <summary>The tensor of the input map's scales, which must all be valid.</summary>
    public const string ScaleTensor = "input_map.scale";

    /// <summary>The tensor of the input map's offsets.</summary>
    public const string OffsetTensor = "input_map.offset";

    public override IEnumerable<ParameterRegion> Regions => new[]
    {
        new ParameterRegion(OffsetTensor, OffsetOffset, new long[] { Inputs }, RegionRole.FixedMap, this),
        new ParameterRegion(ScaleTensor, ScaleOffset, new long[] { Inputs }, RegionRole.FixedMap, this),
    };

    /// <summary>The smallest scale the map accepts: the smallest normal float (about 1.2·10⁻³⁸).</summary>
    public const float MinimumScale = 1.17549435E-38f;

    /// <summary>
    /// Why <paramref name="scale"/> cannot be a scale of the map, or null when it can: it must be a finite, normal, positive
    /// float. The map divides by it, so a negative scale would reverse the input's direction, and a subnormal one would
    /// overflow z for inputs a few thousandths from the offset while the certificate still read finite. One rule for the
    /// attribute, InputMaps, a loaded file, compiled-in weights and the projection's check.
    /// </summary>
    public static string? ScaleProblem(float scale) =>
        !(scale > 0) ? "a scale must be greater than 0 (the map divides by it, and a negative one would reverse the input's direction)"
        : float.IsInfinity(scale) ? "a scale must be a finite float"
        : scale < MinimumScale ? "a scale must be at least 1.2E-38, the smallest normal float (dividing by a subnormal one overflows z = (x − offset) / scale for inputs a few thousandths from the offset)"
        : null;

    /// <summary>True when <see cref="ScaleProblem"/> finds nothing wrong.</summary>
    public static bool IsValidScale(float scale) => scale >= MinimumScale && !float.IsInfinity(scale);

    public override T Accept<T>(IPlanVisitor<T> visitor) => visitor.Visit(this);

    /// <summary>Not a factor of its own: the first layer's norm is taken of W₁·diag(1/scale), the matrix x meets.</summary>
    public override void ComposeBound(ref BoundState state, ReadOnlySpan<float> parameters)
    {
        if (state.ConstrainedOnly)
            return;
        state.PendingScales = state.MapScales = parameters.Slice(ScaleOffset, Inputs);
    }

    /// <remarks>
    /// z̃ = fl(fl(x − o) / s) is within γ₂·|z| of the exact z (plus 2⁻¹⁴⁹ for an underflowing quotient). Over a ball of
    /// radius r, zᵢ moves by at most r/sᵢ; over a box, |zᵢ| ≤ max(|low − o|, |high − o|)/sᵢ.
    /// </remarks>
    public override void PropagateError(ref ErrorWalk walk)
    {
        ReadOnlySpan<float> scales = walk.Parameters.Slice(ScaleOffset, Inputs), offsets = walk.Parameters.Slice(OffsetOffset, Inputs);
        var exact = new double[Inputs];
        double largest = 0, lipschitz = 0;
        ReadOnlySpan<float> mapped = walk.IsBox ? default : walk.Values(Output);
        for (int i = 0; i < Inputs; i++)
        {
            double scale = scales[i];
            exact[i] = walk.IsBox
                ? Math.Max(Math.Abs(walk.Box[2 * i] - offsets[i]), Math.Abs(walk.Box[2 * i + 1] - offsets[i])) / scale
                : Math.Abs((double)mapped[i]) * (1 + ErrorWalk.Gamma(3)) + (walk.Radius == 0 ? 0 : walk.Radius / scale);
            exact[i] = Certificate.RoundUp(exact[i] * ErrorWalk.DoubleSlack);
            largest = Math.Max(largest, exact[i]);
            lipschitz = Math.Max(lipschitz, Certificate.RoundUp(1 / scale));
        }
        double error = largest * ErrorWalk.Gamma(2) + ErrorWalk.Underflow, squares = 0;
        foreach (double bound in exact)
            squares += Math.Pow(bound * ErrorWalk.Gamma(2) + ErrorWalk.Underflow, 2);
        walk.Set(Output, error, Math.Sqrt(squares), lipschitz, walk.IsBox ? exact : null);
        // The magnitudes of z̃ over the region: the bound on the exact z plus the error (at a point: |z̃|, as computed).
        double[] magnitudes = walk.Magnitudes[Output.Index]!;
        for (int i = 0; i < Inputs; i++)
            magnitudes[i] = walk.IsBox || walk.Radius > 0 ? Certificate.RoundUp((exact[i] + 2 * walk.Errors[Output.Index]) * ErrorWalk.DoubleSlack) : exact[i];
    }

    /// <summary>Sub and Div: the same two roundings as LipGen's kernels.</summary>
    public override void Export(IOnnxGraph graph)
    {
        graph.Initializer(OffsetTensor, new long[] { Inputs }, graph.Parameters.Slice(OffsetOffset, Inputs));
        graph.Initializer(ScaleTensor, new long[] { Inputs }, graph.Parameters.Slice(ScaleOffset, Inputs));
        graph.Node("Sub", "input_map_offset", new[] { graph[Input], OffsetTensor }, new[] { "input_map.centred" });
        graph.Node("Div", "input_map_scale", new[] { "input_map.centred", ScaleTensor }, new[] { "input_map.output" });
        graph[Output] = "input_map.output";
    }

    private ValueSlot Input => _inputs[0];

    /// <summary>∂f/∂x = ∂f/∂z / scale: one rounding.</summary>
    public override double GradientRounding => ErrorWalk.Gamma(1);
}
